// The pager object: a handle through which a userspace process serves the contents of the
// VMOs it creates (zx_pager_create_vmo). Each such VMO has a page source (page_source.h) whose
// provider, a pager proxy (page_provider.h), turns its requests into packets on the port given
// at creation. Closing the last handle to the pager detaches every VMO it serves: their waiters
// fail with ZX_ERR_BAD_STATE, and (as Zircon documents) their ports get nothing more, not even
// COMPLETE. A detached VMO stays the pager's
// (its dirty pages can still be queried and written back) until the VMO goes away.
#pragma once
#include "kernel/lib/list.h"
#include "kernel/mutex.h"
#include "kernel/object/dispatcher.h"
#include "mm/reclaim_queue.h"
#include "pager/page_source.h"

class VmObject;

class PagerDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_PAGER;
  ~PagerDispatcher() override;
  zx_obj_type_t type() const override { return kType; }

  zx_status_t create_vmo(uint64_t size, uint32_t options, RefPtr<PortDispatcher> port, uint64_t key,
                         RefPtr<VmObject>* out);
  // The source of a VMO if this pager serves (or served) it, else nullptr.
  TrackedPageSource* source_of(const VmObject* vmo) const;
  // zx_pager_detach_vmo: the VMO's waiters fail, its port gets COMPLETE.
  void detach(TrackedPageSource* src);
  // The reclaim queue of all this pager's VMOs (its page budget and counts).
  ReclaimQueue* reclaim() const { return reclaim_.get(); }

 protected:
  void on_zero_handles() override;

 private:
  void detach_all();
  // Drops the sources of VMOs that are gone (called as new ones are made, so a long-lived
  // pager's list stays as long as its live VMOs).
  void sweep_gone();
  mutable Mutex lock_{LockClass::kPager};
  RefPtr<ReclaimQueue> reclaim_ = adopt(new ReclaimQueue());
  // Each proxy's source holds a reference taken here.
  List<PagerProxy, &PagerProxy::pager_node> proxies_;
};
