// The pager object: a handle through which a userspace process serves the contents of the
// VMOs it creates (zx_pager_create_vmo). Each such VMO has a page source
// (pager/tracked_page_source.h) whose provider, a pager proxy (pager_proxy.h), turns its
// requests into packets on the port given at creation. Closing the last handle to the pager
// detaches every VMO it serves: their waiters fail with ZX_ERR_BAD_STATE, and (as Zircon documents)
// their ports get nothing more, not even COMPLETE. A detached VMO stays the pager's (its dirty
// pages can still be queried and written back) until the VMO goes away.
#pragma once
#include "kernel/lib/list.h"
#include "kernel/mutex.h"
#include "kernel/object/dispatcher.h"
#include "kernel/object/pager_proxy.h"
#include "mm/reclaim_queue.h"
#include "mm/vm_object.h"

class PagerDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_PAGER;
  ~PagerDispatcher() override;
  zx_obj_type_t type() const override { return kType; }

  zx_status_t create_vmo(uint64_t size, uint32_t options, RefPtr<PortDispatcher> port, uint64_t key,
                         RefPtr<VmObject>* out);
  // Whether this pager serves (or served, until it let go) the VMO. A detached VMO stays ours
  // (detaching twice succeeds, its dirty pages can still be written back).
  bool serves(const VmObject* vmo) const { return vmo->pager_koid() == koid(); }
  // The reclaim queue of all this pager's VMOs (its page budget and counts).
  ReclaimQueue* reclaim() const { return reclaim_.get(); }

 protected:
  void on_zero_handles() override;

 private:
  // Lets go of every VMO: their sources close, and each proxy drops its reference to us (the
  // cycle pager -> source -> proxy -> pager ends here).
  void detach_all();
  // Drops the sources of VMOs that are gone (called as new ones are made, so a long-lived
  // pager's list stays as long as its live VMOs).
  void sweep_gone();
  mutable Mutex lock_{LockClass::kPager};
  RefPtr<ReclaimQueue> reclaim_ = adopt(new ReclaimQueue());
  // The proxies of the VMOs we serve. Being listed holds a reference to the proxy's source
  // (taken with RefPtr::leak, given back with take_existing), which owns the proxy.
  List<PagerProxy, &PagerProxy::pager_node> proxies_;
};
