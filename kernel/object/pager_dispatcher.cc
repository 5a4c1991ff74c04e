// Pager objects (see pager_dispatcher.h).
#include "kernel/object/pager_dispatcher.h"

#include "mm/vm_object.h"
#include "pager/tracked_page_source.h"

namespace {
// A proxy off our list: it lets go of us, and we of its source (the list's reference).
void let_go(PagerProxy* p) {
  RefPtr<PageSource> src = RefPtr<PageSource>::take_existing(p->source());
  p->clear_pager();
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
  auto* proxy = new PagerProxy(RefPtr<PagerDispatcher>(this), move(port), key);
  if (!proxy) return ZX_ERR_NO_MEMORY;
  RefPtr<PageProvider> provider = adopt<PageProvider>(proxy);
  auto* raw = new TrackedPageSource(move(provider));
  if (!raw) return ZX_ERR_NO_MEMORY;
  RefPtr<TrackedPageSource> src = adopt(raw);
  if (!reclaim_) return ZX_ERR_NO_MEMORY;
  RefPtr<VmObject> vmo;
  zx_status_t s =
      VmObject::create_paged(size, options, RefPtr<PageSource>(src.get()), reclaim_, &vmo);
  if (s != ZX_OK) return s;
  src->attach(vmo.get());
  {
    MutexGuard g(lock_);
    proxies_.push_back(proxy);
    (void)src.leak();  // the list's reference (let_go gives it back)
  }
  *out = move(vmo);
  return ZX_OK;
}
