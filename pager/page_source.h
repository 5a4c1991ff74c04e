// A pager-backed VMO's page source (BRIEF section 4, steps 4-7): it tracks what the VMO's
// faulting threads need (pager/request_tracker.h), sends the pager one READ request at a time as
// a page-request packet on the pager's port, and wakes the waiters as the pager supplies pages
// or fails ranges. Detaching (zx_pager_detach_vmo, the pager closing, the VMO going away) fails
// every waiter with ZX_ERR_BAD_STATE and sends COMPLETE; so does the port losing its last handle
// (nobody could answer).
//
// Locking: the VMO's lock, then this source's lock (begin_wait runs under the VMO's lock);
// supplies take the VMO's lock and this one one after the other, never nested the other way.
#pragma once
#include "kernel/lib/list.h"
#include "kernel/mutex.h"
#include "kernel/object/port_dispatcher.h"
#include "mm/page_source.h"
#include "pager/request_tracker.h"

class PagerDispatcher;
class VmObject;

class PagerSource : public PageSource, public PortClient {
 public:
  PagerSource(PagerDispatcher* pager, RefPtr<PortDispatcher> port, uint64_t key);
  ~PagerSource() override;

  // The VMO this source serves (set once it exists; cleared when it goes away).
  void set_vmo(VmObject* vmo) { vmo_ = vmo; }
  // The pager serving us; null once that pager has let go of us (so a later pager at the same
  // address is never mistaken for it).
  PagerDispatcher* pager() const { return __atomic_load_n(&pager_, __ATOMIC_ACQUIRE); }
  void clear_pager() { __atomic_store_n(&pager_, nullptr, __ATOMIC_RELEASE); }

  // PageSource (called by the VMO).
  zx_status_t begin_wait(uint64_t offset, uint64_t len, PageWaitSlot* slot) override;
  zx_status_t finish_wait(PageWaitSlot* slot) override;
  void on_resize(uint64_t new_size) override;
  void on_object_destroyed() override;
  // PortClient.
  void on_port_closed() override;

  // From the pager (the syscalls).
  void supplied(uint64_t offset, uint64_t len);
  void fail(uint64_t offset, uint64_t len, zx_status_t status);
  // Fails every waiter with ZX_ERR_BAD_STATE, stops requests and sends COMPLETE.
  void detach();
  bool detached() const;

  ListNode pager_node;  // on the pager's list of its sources

 private:
  static void on_complete(PageRequest* r, void* ctx);
  static bool is_present(uint64_t offset, void* ctx);
  void send_next_locked();
  void detach_locked();

  mutable Mutex lock_{"page_source"};
  PagerDispatcher* pager_;
  RefPtr<PortDispatcher> port_;
  uint64_t key_;
  VmObject* vmo_ = nullptr;
  RequestTracker tracker_;
  PortPacket request_packet_;   // the one READ in flight (kernel-owned storage)
  PortPacket complete_packet_;  // COMPLETE, once
  bool detached_ = false;
};
