// Per-VMO bookkeeping of page requests for a pager-backed VMO: which pages faulting threads are
// waiting for, which of those have been asked of the userspace pager (one READ packet in flight
// at a time, as Zircon does) and which are still queued behind it.
//
// Why a separate core: the page source's policy (join overlapping requests, coalesce new ranges,
// wake each thread as soon as its own pages arrive, fail exactly the threads a failure concerns)
// is pure range arithmetic. Keeping it free of locks, threads and ports lets the host tests
// compare it against a slow, obviously correct model over thousands of random operations. The
// kernel's page source wraps one RequestTracker per VMO, holds its own lock around every call,
// turns next_to_send() into ZX_PKT_TYPE_PAGE_REQUEST packets and wakes threads from
// on_complete.
//
// Vocabulary. A page is "outstanding" when some tracker range covers it; an outstanding page is
// either "queued" (not yet asked of the pager) or "sent" (part of the packet in flight). A
// waiter (PageRequest) is "pending" while at least one page of its range is outstanding, and it
// completes with ZX_OK as soon as none is (early wake: the pager may supply a request in parts).
//
// Presence. The tracker does not keep a page set of its own. add() asks the kernel, through the
// is_present callback, which pages of the new request are already in the VMO, and only the
// missing ones that are not already outstanding become queued. From then on a page stops being
// outstanding only through supply(), fail(), shrink() or detach(), so the tracker always knows
// what each waiter still lacks. (If the kernel ever dropped a present page while a thread waits,
// that thread would merely be woken early and fault again: a waiter's wake always means "retry
// the fault", never "the page is mapped".)
//
// Invariants (check_invariants() verifies them):
//  - ranges are page aligned, non-empty and disjoint; two queued ranges are never adjacent
//    (new queued pages are coalesced), so each queued range is a maximal run of queued pages;
//  - every sent range belongs to the single packet in flight; in_flight() is "some page is sent";
//  - every registered waiter is pending (has an outstanding page in its range);
//  - every queued page lies in some registered waiter's range (pages nobody needs any more are
//    withdrawn before they are sent). Only an allocation failure can break this last one: the
//    extra pages are then just read ahead.
//
// Costs. Ranges live in an AVL tree by start and queued ranges also on a FIFO list; waiters live
// in an AVL interval tree (key: offset, augmented with the largest end in the subtree). Every
// operation is O((affected ranges + affected waiters) * log n); add() additionally calls
// is_present once per page of the request that is not already outstanding. Nothing depends on
// the VMO's size.
//
// Allocation. Waiters are intrusive (the faulting thread owns its PageRequest). Range nodes are
// allocated with new, which in the kernel may return nullptr: when add() needs a new range
// (its pages neither outstanding nor adjacent to a queued range) and when supply()/fail()/
// withdraw() cut a range in two. On failure: add() completes the request with
// ZX_ERR_NO_MEMORY; supply()/fail() drop the whole range they could not cut and wake its other
// waiters with ZX_OK so they fault again and re-request what is still missing (the pager may then
// see a page requested twice, which Zircon pagers already tolerate); withdraw() keeps the pages
// queued (harmless read-ahead).
//
// Not thread safe: the caller holds the page source's lock. on_complete runs after the tracker is
// consistent again and may call back into the tracker.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/avl_tree.h"
#include "kernel/lib/list.h"
#include "kernel/status.h"
#include "mm/page_source.h"

class RequestTracker {
 public:
  using CompleteFn = void (*)(PageRequest* r, void* ctx);
  using PresentFn = bool (*)(uint64_t offset, void* ctx);

  // on_complete: called once for every request that completes (done and status set). It must
  // not free the tracker. is_present: whether the page at this offset is in the VMO now.
  RequestTracker(CompleteFn on_complete, PresentFn is_present, void* ctx);
  // Frees the ranges. Waiters still registered are forgotten, not completed: detach() first.
  ~RequestTracker();
  RequestTracker(const RequestTracker&) = delete;
  RequestTracker& operator=(const RequestTracker&) = delete;

  // Registers r for [r->offset, r->end()). Present pages are ignored; missing pages not yet
  // outstanding are queued (coalesced with neighbouring queued pages); missing pages that are
  // already outstanding, sent or queued, are joined. If nothing is missing r completes now with
  // ZX_OK. Misaligned or overflowing ranges complete with ZX_ERR_INVALID_ARGS, and after
  // detach() every request completes with the detach status. r must not be registered already.
  void add(PageRequest* r);

  // If no packet is in flight and a range is queued, sends the oldest queued range: it becomes
  // the packet in flight and is returned for the kernel to turn into one READ packet.
  bool next_to_send(uint64_t* offset, uint64_t* length);

  // The pager supplied [offset, offset + length): those pages are present now (they may have
  // been outstanding or not). Waiters with nothing outstanding left complete with ZX_OK; the
  // packet stops being in flight once none of its pages is outstanding.
  void supply(uint64_t offset, uint64_t length);

  // The pager failed [offset, offset + length) with status: every waiter with an outstanding
  // page in that range completes with status, and those pages stop being outstanding (the packet
  // stops being in flight once none of its pages is). Waiters whose pages there were already
  // present are not affected. Queued pages that only failed waiters needed are withdrawn.
  void fail(uint64_t offset, uint64_t length, zx_status_t status);

  // r gives up (its thread was killed or its mapping went away): it is unregistered without
  // completing, and queued pages of its range that no other waiter needs are withdrawn. Sent
  // pages stay outstanding until the pager answers. A no-op if r is not registered here.
  void withdraw(PageRequest* r);

  // The VMO is detached from its pager: every waiter completes with status (normally
  // ZX_ERR_BAD_STATE), nothing is outstanding or sent any more, and later add()s complete at once
  // with the same status.
  void detach(zx_status_t status);

  // The VMO shrank to new_size (rounded up to a page): waiters starting at or beyond it complete
  // with ZX_ERR_OUT_OF_RANGE; waiters straddling it are trimmed to end there (and complete with
  // ZX_OK if nothing they still need is outstanding); outstanding pages beyond it are dropped.
  // The kernel itself must refuse add()s beyond the VMO's current size.
  void shrink(uint64_t new_size);

  // Introspection, for tests and the kernel's debug output.
  bool detached() const { return detached_; }
  bool in_flight() const { return sent_ranges_ != 0; }
  size_t outstanding_ranges() const { return ranges_.size(); }
  size_t queued_ranges() const { return queue_.size(); }
  size_t waiter_count() const { return waiters_.size(); }
  // Calls fn(offset, length, sent, ctx) for every outstanding range, in offset order.
  void for_each_range(void (*fn)(uint64_t offset, uint64_t length, bool sent, void* ctx),
                      void* ctx) const;
  bool check_invariants() const;

  // Fault injection for tests: the next n range allocations succeed, the ones after fail, until
  // called again with a negative n (the default: never fail on purpose).
  void inject_alloc_failure_after(int n) { alloc_budget_ = n; }
  uint64_t alloc_failures() const { return alloc_failures_; }

 private:
  struct Range {
    uint64_t start = 0;
    uint64_t end = 0;
    bool sent = false;
    uint64_t seq = 0;  // queue age: smaller was queued earlier
    AvlNode node;
    ListNode queue_node;  // on queue_ while !sent
  };
  struct RangeTraits {
    static uint64_t key(const Range& r) { return r.start; }
  };
  struct WaiterKey {
    uint64_t offset;
    uint64_t seq;
    bool operator<(const WaiterKey& o) const {
      return offset < o.offset || (offset == o.offset && seq < o.seq);
    }
  };
  struct WaiterTraits {
    static WaiterKey key(const PageRequest& r) { return {r.offset, r.seq}; }
    // aug: the largest end() in the subtree.
    static void augment(PageRequest* x, const PageRequest* l, const PageRequest* r) {
      uint64_t m = x->end();
      if (l && l->tree_node.aug > m) m = l->tree_node.aug;
      if (r && r->tree_node.aug > m) m = r->tree_node.aug;
      x->tree_node.aug = m;
    }
  };
  using RangeTree = AvlTree<Range, &Range::node, RangeTraits>;
  using RangeQueue = List<Range, &Range::queue_node>;
  using WaiterTree = AvlTree<PageRequest, &PageRequest::tree_node, WaiterTraits>;
  using Batch = List<PageRequest, &PageRequest::batch_node>;

  Range* alloc_range(uint64_t start, uint64_t end, bool sent);
  void free_range(Range* r);
  Range* first_overlapping(uint64_t a, uint64_t b) const;
  bool any_outstanding(uint64_t a, uint64_t b) const;
  bool queue_pages(uint64_t a, uint64_t b);
  bool cut(Range* r, uint64_t a, uint64_t b);
  void remove_outstanding(uint64_t a, uint64_t b, uint64_t* lo, uint64_t* hi);
  void collect_overlapping(const PageRequest* n, uint64_t a, uint64_t b, Batch* out) const;
  uint64_t max_end_at_or_before(uint64_t x) const;
  uint64_t first_offset_after(uint64_t x) const;
  void drop_unneeded_queued(uint64_t a, uint64_t b);
  void complete(PageRequest* r, zx_status_t status, Batch* done);
  void wake_satisfied(uint64_t a, uint64_t b, Batch* done);
  void finish(Batch* done);

  CompleteFn on_complete_;
  PresentFn is_present_;
  void* ctx_;
  RangeTree ranges_;
  RangeQueue queue_;
  WaiterTree waiters_;
  size_t sent_ranges_ = 0;
  uint64_t next_seq_ = 1;        // for waiter keys
  uint64_t next_range_seq_ = 1;  // for queue age
  bool detached_ = false;
  zx_status_t detach_status_ = ZX_OK;
  int alloc_budget_ = -1;
  uint64_t alloc_failures_ = 0;
};
