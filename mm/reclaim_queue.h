// Reclaim queues: which pages of pager-backed VM objects the kernel may take back, oldest
// first, and the two reasons it does (docs/pager.md, "Eviction"). Only clean pages are on a
// queue: a pager can supply them again, so evicting one costs a later fault and nothing more.
// Dirty pages (and pages being written back, and pages hinted ZX_VMO_OP_ALWAYS_NEED) stay off
// until they are clean and unpinned again.
//
// Each pager has one queue for all its VMOs (the pager object owns it; each VMO holds a
// reference). A queue may have a page budget: before a supply adds pages, the pager's oldest
// clean pages are evicted to make room (as L4Re's departure PageQueue does). Independently, a
// kernel thread watches free memory: below the low watermark it evicts from every queue in
// turn until the high watermark is reached.
//
// Ageing is second chance over the vm_page links: every access through the object (a fault, a
// read, a write) marks the page referenced; a referenced page at the head of the queue loses
// the mark and goes to the tail instead of being evicted. (The mark is in vm_page::flags, which
// only the page's object changes, under its lock: the queue asks the object to do it.)
//
// Locking: a VMO's lock, then its queue's lock (the VMO moves its pages on and off the queue
// under its own lock). Eviction takes a page's VMO reference under the queue lock, drops it,
// and then does the work under the VMO's lock (VmObject::evict_page), checking the page is
// still that object's, clean and queued.
#pragma once
#include <stdint.h>

#include "kernel/lib/list.h"
#include "kernel/lib/ref_ptr.h"
#include "kernel/mutex.h"
#include "mm/vm_page.h"

// What VmObject::evict_page did with the page it was offered.
enum class EvictResult { kEvicted, kSecondChance, kSkipped };

// Counts of one queue, or of all of them.
struct ReclaimCounts {
  uint64_t resident = 0;   // pages in the queue's VMOs
  uint64_t dirty = 0;      // of those, dirty or being written back
  uint64_t evictable = 0;  // of those, clean and on the queue
  uint64_t evicted = 0;    // evicted since the queue was made
  uint64_t budget = 0;     // 0: none
};

class ReclaimQueue : public RefCounted<ReclaimQueue> {
 public:
  ReclaimQueue();
  ~ReclaimQueue();

  // Called by VM objects with their own lock held.
  void page_added(vm_page* p, bool dirty);  // a page joins an object (clean ones are queued)
  void clean_pages_added(vm_page** pages, uint64_t n);  // a supply: n clean pages, in order
  void page_removed(vm_page* p, bool dirty);            // a page leaves its object
  void became_dirty(vm_page* p);                        // clean -> dirty: off the queue
  void became_clean(vm_page* p, bool queue);            // dirty -> clean: queued unless pinned
  void pin(vm_page* p);                                 // ALWAYS_NEED: off the queue
  void unpin(vm_page* p);                               // back on the queue, at its tail
  void age_out(vm_page* p);        // DONT_NEED: to the head (caller unreferences it)
  void second_chance(vm_page* p);  // referenced at the head: to the tail
  void note_evicted();

  // No locks held. Evicts up to n pages; returns how many it evicted.
  uint64_t evict(uint64_t n);
  // No locks held: evicts until `incoming` more pages fit in the budget (or nothing is left).
  void make_room(uint64_t incoming);
  void set_budget(uint64_t pages);
  ReclaimCounts counts() const;

  // Every queue's counts added up (the kernel's memory statistics).
  static ReclaimCounts totals();
  // Starts the thread that evicts when free memory runs low.
  static void start_reclaimer();
  // No locks held: an allocation just failed. Evicts a batch from every queue now, rather than
  // waiting for the reclaimer's next turn; returns how many pages it freed (0: retrying is
  // pointless).
  static uint64_t reclaim_now();

  ListNode all_node;  // on the list of every queue (for the reclaimer and totals)

 private:
  mutable Mutex lock_{LockClass::kReclaim};
  List<vm_page, &vm_page::queue_node> pages_;  // oldest first
  ReclaimCounts counts_;
};
