// Pager objects (see pager.h).
#include "pager/pager.h"

#include "mm/vm_object.h"

namespace {
void let_go(PagerProxy* p) {
  TrackedPageSource* s = p->source();
  p->clear_pager();
  if (s->release()) delete s;
}
}  // namespace

PagerDispatcher::~PagerDispatcher() { detach_all(); }

void PagerDispatcher::on_zero_handles() { detach_all(); }

void PagerDispatcher::detach_all() {
  for (;;) {
    PagerProxy* p;
    {
      MutexGuard g(lock_);
      p = proxies_.pop_front();
    }
    if (!p) return;
    p->source()->close();
    let_go(p);
  }
}

void PagerDispatcher::detach(TrackedPageSource* src) {
  src->detach();
  // Keep it listed: it is still ours (detaching twice succeeds, dirty pages can be written
  // back); the sweep drops it once the VMO is gone.
}

void PagerDispatcher::sweep_gone() {
  List<PagerProxy, &PagerProxy::pager_node> dead;
  {
    MutexGuard g(lock_);
    for (PagerProxy* p = proxies_.front(); p;) {
      PagerProxy* next = proxies_.next(p);
      if (p->source()->vmo_gone()) {
        proxies_.remove(p);
        dead.push_back(p);
      }
      p = next;
    }
  }
  // Released outside our lock: a source's destructor takes its port's lock.
  while (PagerProxy* p = dead.pop_front()) let_go(p);
}

zx_status_t PagerDispatcher::create_vmo(uint64_t size, uint32_t options,
                                        RefPtr<PortDispatcher> port, uint64_t key,
                                        RefPtr<VmObject>* out) {
  sweep_gone();
  auto* proxy = new PagerProxy(this, move(port), key);
  if (!proxy) return ZX_ERR_NO_MEMORY;
  auto* src = new TrackedPageSource(proxy);
  if (!src) {
    delete proxy;
    return ZX_ERR_NO_MEMORY;
  }
  RefPtr<PageSource> ref = adopt<PageSource>(src);
  RefPtr<VmObject> vmo;
  if (!reclaim_) return ZX_ERR_NO_MEMORY;
  zx_status_t s = VmObject::create_paged(size, options, ref, reclaim_, &vmo);
  if (s != ZX_OK) return s;
  src->attach(vmo.get());
  {
    MutexGuard g(lock_);
    src->add_ref();  // the list's reference
    proxies_.push_back(proxy);
  }
  *out = move(vmo);
  return ZX_OK;
}

TrackedPageSource* PagerDispatcher::source_of(const VmObject* vmo) const {
  auto* src = static_cast<TrackedPageSource*>(vmo->source());
  if (!src || src->provider()->pager() != this) return nullptr;
  return src;
}
