// Pager objects (see pager.h).
#include "pager/pager.h"

#include "mm/vm_object.h"

PagerDispatcher::~PagerDispatcher() { detach_all(); }

void PagerDispatcher::on_zero_handles() { detach_all(); }

void PagerDispatcher::detach_all() {
  for (;;) {
    PagerSource* s;
    {
      MutexGuard g(lock_);
      s = sources_.pop_front();
    }
    if (!s) return;
    s->detach();
    s->clear_pager();
    if (s->release()) delete s;
  }
}

void PagerDispatcher::detach(PagerSource* src) {
  src->detach();
  // Keep it listed: it is still ours (detaching twice succeeds); the sweep drops it later.
}

void PagerDispatcher::sweep_detached() {
  List<PagerSource, &PagerSource::pager_node> dead;
  {
    MutexGuard g(lock_);
    for (PagerSource* s = sources_.front(); s;) {
      PagerSource* next = sources_.next(s);
      if (s->detached()) {
        sources_.remove(s);
        dead.push_back(s);
      }
      s = next;
    }
  }
  // Released outside our lock: a source's destructor takes its port's lock.
  while (PagerSource* s = dead.pop_front()) {
    s->clear_pager();
    if (s->release()) delete s;
  }
}

zx_status_t PagerDispatcher::create_vmo(uint64_t size, uint32_t options,
                                        RefPtr<PortDispatcher> port, uint64_t key,
                                        RefPtr<VmObject>* out) {
  sweep_detached();
  auto* src = new PagerSource(this, static_cast<RefPtr<PortDispatcher>&&>(port), key);
  if (!src) return ZX_ERR_NO_MEMORY;
  RefPtr<PageSource> ref(src);
  RefPtr<VmObject> vmo;
  zx_status_t s = VmObject::create_paged(size, options, ref, &vmo);
  if (s != ZX_OK) return s;
  src->set_vmo(vmo.get());
  {
    MutexGuard g(lock_);
    src->add_ref();  // the list's reference
    sources_.push_back(src);
  }
  *out = static_cast<RefPtr<VmObject>&&>(vmo);
  return ZX_OK;
}

PagerSource* PagerDispatcher::source_of(const VmObject* vmo) const {
  auto* src = static_cast<PagerSource*>(vmo->source());
  if (!src || src->pager() != this) return nullptr;
  return src;
}
