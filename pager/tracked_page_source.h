// A pager-backed VMO's page source (docs/pager.md): the implementation of mm/page_source.h, the
// kernel side of "this VMO's pages come from someone else". It tracks what the VMO's waiting
// threads need, one tracker per request type (READ for absent pages, DIRTY for clean pages a writer
// wants to dirty in a ZX_VMO_TRAP_DIRTY VMO; request_tracker.h joins overlapping requests and
// coalesces new ranges), asks its provider (page_provider.h) for one range of each type at a time,
// and wakes each waiter as soon as its own pages are there (early wake) or fails exactly the
// waiters a failure concerns. Detaching (zx_pager_detach_vmo, the pager closing, the port losing
// its last handle, the VMO going away) fails every waiter with ZX_ERR_BAD_STATE, stops requests,
// and has the provider send COMPLETE.
//
// Locking: the VMO's lock, then this source's lock (get_pages runs under the VMO's lock, and
// the trackers ask the VMO whether a page is already there); answers from the pager take the
// VMO's lock and then this one one after the other, never nested the other way.
#pragma once
#include "kernel/mutex.h"
#include "mm/page_source.h"
#include "pager/page_provider.h"
#include "pager/request_tracker.h"

class VmObject;

class TrackedPageSource final : public PageSource {
 public:
  // attach() must follow once the VMO exists.
  explicit TrackedPageSource(RefPtr<PageProvider> provider);
  ~TrackedPageSource() override;
  void attach(VmObject* vmo);

  // PageSource (called by the VMO, with the VMO locked).
  zx_status_t get_pages(PageRequest* r) override;
  void on_pages_supplied(uint64_t offset, uint64_t len) override;
  void on_pages_dirtied(uint64_t offset, uint64_t len) override;
  void on_pages_failed(uint64_t offset, uint64_t len, zx_status_t status) override;
  void on_resize(uint64_t new_size) override;
  void on_object_destroyed() override;
  void detach() override;
  bool detached() const override;

  // PageRequestInterface (called by a request's owner, no locks held).
  zx_status_t wait_on_request(PageRequest* r) override;
  void cancel_request(PageRequest* r) override;
  // As detach, for a pager that is gone: nothing more reaches its port, not even COMPLETE.
  void close();
  // Whether the VMO is gone (nothing can be asked of this source any more).
  bool vmo_gone() const;

 private:
  static void on_complete(PageRequest* r, void* ctx);
  void withdraw_locked(PageRequest* r);
  static bool is_present(uint64_t offset, void* ctx);
  static bool is_dirty(uint64_t offset, void* ctx);
  RequestTracker& tracker(PageRequestType t) { return trackers_[static_cast<int>(t)]; }
  void send_next_locked();
  void detach_locked(bool complete);

  mutable Mutex lock_{LockClass::kPageSource};
  RefPtr<PageProvider> provider_;  // only we hold it
  VmObject* vmo_ = nullptr;        // until on_object_destroyed (the VMO holds us)
  RequestTracker trackers_[2];     // indexed by PageRequestType
  bool detached_ = false;          // written under lock_, read without it by detached()
};
