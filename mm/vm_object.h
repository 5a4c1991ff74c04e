// A VM object: memory that can be mapped, read and written, independent of any address space.
// Pages are allocated zeroed on first touch (a fault, a write or a commit) and kept in a sparse
// page list, so a 1 TiB object costs nothing until touched.
//
// Children. A snapshot child (ZX_VMO_CHILD_SNAPSHOT and SNAPSHOT_AT_LEAST_ON_WRITE) starts out
// sharing its parent's pages: each shared vm_page counts its sharers in ref_count, both sides
// map it read-only, and the first write from either side copies it (copy-on-write). Neither
// side ever sees the other's later writes, which is the stronger SNAPSHOT guarantee (documented
// in docs/objects/vmo.md). A slice child (ZX_VMO_CHILD_SLICE) has no pages of its own: it is a
// window on its parent, so both always see the same bytes.
//
// Children of pager-backed objects (SNAPSHOT_AT_LEAST_ON_WRITE only, as Zircon) share lazily:
// such a child keeps a reference to the pager-backed object (cow_parent_) and, the first time
// it needs a page it lacks, takes the parent's page (asking the pager for it if need be) as a
// shared page, so supplied content shows in the child until either side writes.
//
// Device registers are the subclass VmObjectPhysical (mm/vm_object_physical.h), which
// overrides the one virtual page lookup (lookup_locked) and holds no pages.
//
// Invariants (mode_ok() checks the first, asserted wherever an object is made):
//  - an object is exactly one of: anonymous; pager-backed (source_ and reclaim_ set); a child
//    of a pager-backed object (cow_parent_ set, no source_); a slice (slice_parent_ set, and no
//    pages, source, cow_parent_ or pins of its own); contiguous (kContiguous: every page committed
//    at creation and never decommitted);
//  - a page in pages_ has ref_count >= 1, counting every object sharing it; only a page with
//    ref_count 1 (and, in a pager-backed object, dirty) is ever mapped writable;
//  - every *_locked function is called with lock_ held, and asserts it.
#pragma once
#include <stdint.h>

#include "kernel/lib/list.h"
#include "kernel/lib/ref_ptr.h"
#include "kernel/lock_assert.h"
#include "kernel/mutex.h"
#include "kernel/status.h"
#include "kernel/user_copy.h"
#include "mm/page_source.h"
#include "mm/reclaim_queue.h"
#include "mm/vm_page_list.h"

class VmMapping;

// A mapping's entry on its object's list of mappings (VmMapping embeds one).
struct VmMappingLink {
  ListNode node;
  VmMapping* mapping = nullptr;
};

class VmObject : public RefCounted<VmObject> {
 public:
  static constexpr uint32_t kResizable = 1;
  // Pager-backed only: the first write to a clean page waits for the pager's leave (a DIRTY
  // request answered by ZX_PAGER_OP_DIRTY).
  static constexpr uint32_t kTrapDirty = 2;
  // For drivers (set by create_contiguous, never by callers' options): physically contiguous
  // committed pages.
  static constexpr uint32_t kContiguous = 8;
  static constexpr uint64_t kMaxSize = 1ull << 52;

  static zx_status_t create(uint64_t size, uint32_t options, RefPtr<VmObject>* out);
  // A pager-backed object: absent pages come from `source` instead of being zero.
  // `reclaim` is the queue its clean pages go on (both required).
  static zx_status_t create_paged(uint64_t size, uint32_t options, RefPtr<PageSource> source,
                                  RefPtr<ReclaimQueue> reclaim, RefPtr<VmObject>* out);
  bool is_paged() const { return source_ != nullptr; }

  // Device memory (mm/vm_object_physical.cc, with pinning below; device registers are
  // VmObjectPhysical::create).
  // size bytes of physically contiguous pages, committed now, aligned to 2^alignment_log2
  // bytes (zx_vmo_create_contiguous). They are never decommitted.
  static zx_status_t create_contiguous(uint64_t size, uint32_t alignment_log2,
                                       RefPtr<VmObject>* out);
  // Device registers (VmObjectPhysical): mappable, never read or written through the object.
  bool is_physical() const { return kind_ == Kind::kPhysical; }
  bool is_contiguous() const { return is_physical() || (options_ & kContiguous); }

  // Pinning for DMA (zx_bti_pin): commits [offset, offset+len) as private pages, stores each
  // page's physical address in paddrs[], and records the range so that its pages are not
  // decommitted, shrunk away or replaced until unpin. The caller owns `pin`.
  struct PinnedRange {
    ListNode node;
    uint64_t offset = 0;
    uint64_t len = 0;
  };
  zx_status_t pin(uint64_t offset, uint64_t len, PinnedRange* pin, uint64_t* paddrs);
  void unpin(PinnedRange* pin);
  // Object locked (the page source asks from get_pages): is the page at offset here, and is
  // it dirty?
  bool present_locked(uint64_t offset) const {
    assert_held(lock_);
    return pages_.lookup(offset) != nullptr;
  }
  bool dirty_locked(uint64_t offset) const;

  // Dirty tracking of a pager-backed object's pages (docs/pager.md): each present page is clean
  // (as supplied), dirty (written since), or awaiting clean (being written back). Writes make a
  // page dirty, and clean pages are mapped read-only so that a store through a mapping is seen.
  // ZX_PAGER_OP_DIRTY: every page of the range must be present (else ZX_ERR_NOT_FOUND, nothing
  // changes); clean and awaiting-clean pages become dirty.
  zx_status_t dirty_range(uint64_t offset, uint64_t len);
  // ZX_PAGER_OP_WRITEBACK_BEGIN / END: dirty pages of the range start being written back (and
  // lose write access in every mapping, so a later store makes them dirty again); pages still
  // awaiting clean at the end become clean.
  void writeback_begin(uint64_t offset, uint64_t len);
  void writeback_end(uint64_t offset, uint64_t len);
  // Up to `max` maximal runs of dirty or awaiting-clean pages in [offset, offset+len), in
  // order, into out[] (offset, length pairs); returns how many runs there are in all.
  uint64_t dirty_runs(uint64_t offset, uint64_t len, uint64_t (*out)[2], uint64_t max,
                      uint64_t* written) const;
  // Whether the object was written or resized since the last reset (zx_pager_query_vmo_stats).
  bool modified(bool reset);

  // Eviction (mm/reclaim_queue.h). Takes the clean page p at offset away (unmapping it
  // everywhere) if it is still this object's, clean, not pinned and not referenced since the
  // queue last looked; a referenced page loses its mark and goes to the queue's tail instead.
  EvictResult evict_page(vm_page* p, uint64_t offset);
  // ZX_VMO_OP_ALWAYS_NEED (commit now, never evict) and DONT_NEED (evict these first).
  zx_status_t hint_range(uint64_t offset, uint64_t len, bool always_need);
  // Whether every page of [offset, offset+len) is committed (a supply's source range).
  bool range_committed(uint64_t offset, uint64_t len) const;

  // The pager side of a pager-backed object (docs/pager.md). Each changes the pages, then tells
  // our own source, which wakes whoever waited for them.
  // zx_pager_supply_pages: moves the pages of [aux_offset, aux_offset+len) out of `aux` (a
  // plain object, not this one, every page committed) into [offset, offset+len), where no page
  // is there yet (a page is never overwritten: ours stays, aux's is freed). Room is made under
  // the pager's page budget first, so the pages asked for are present when their waiters wake.
  // Ranges page aligned and inside both objects (the caller checks). ZX_ERR_BAD_STATE if a page
  // of aux is absent (nothing more moves; the pages moved so far stay and are reported).
  zx_status_t supply_pages(uint64_t offset, uint64_t len, VmObject* aux, uint64_t aux_offset);
  // ZX_PAGER_OP_FAIL: waiters for pages of the range fail with status.
  void fail_pages(uint64_t offset, uint64_t len, zx_status_t status);
  // zx_pager_detach_vmo.
  void detach_source();
  bool source_detached() const { return source_ && source_->detached(); }
  // The koid of the pager serving this object (0 if none).
  uint64_t pager_koid() const { return source_ ? source_->provider_koid() : 0; }
  static constexpr uint64_t kSupplyBatch = 16;  // pages moved per lock hold by supply_pages

  // A snapshot of [offset, offset+size) of this object (pages past our end read as zero).
  // A pager-backed object (or a child of one) only has at-least-on-write snapshots.
  zx_status_t create_snapshot(uint64_t offset, uint64_t size, uint32_t options,
                              bool at_least_on_write, RefPtr<VmObject>* out);
  // A window on [offset, offset+size), which must lie inside this object.
  zx_status_t create_slice(uint64_t offset, uint64_t size, RefPtr<VmObject>* out);
  virtual ~VmObject();

  uint64_t size() const;
  bool resizable() const { return options_ & kResizable; }
  bool is_slice() const { return slice_parent_ != nullptr; }
  // Shrinking frees the pages past the new end and unmaps them from every mapping.
  zx_status_t resize(uint64_t new_size);

  zx_status_t read(void* dst, uint64_t offset, uint64_t len);
  zx_status_t write(const void* src, uint64_t offset, uint64_t len);
  zx_status_t read_user(UserOutPtr<void> dst, uint64_t offset, uint64_t len);
  zx_status_t write_user(UserInPtr<const void> src, uint64_t offset, uint64_t len);

  zx_status_t commit(uint64_t offset, uint64_t len);
  zx_status_t decommit(uint64_t offset, uint64_t len);
  zx_status_t zero(uint64_t offset, uint64_t len);

  // Pages this object holds (shared pages count for every sharer).
  uint64_t committed_pages() const;
  // Accounting for [offset, offset+len): pages only we hold, pages shared with snapshots,
  // and the shared pages divided among their sharers (in bytes).
  void count_pages(uint64_t offset, uint64_t len, uint64_t* private_bytes, uint64_t* shared_bytes,
                   uint64_t* scaled_bytes) const;

  // The one wait loop of the missing-page protocol (docs/pager.md). attempt(&request, after_wait)
  // makes one try with whatever locks it needs; when a page is missing it has the VMO arm the
  // request and answers ZX_ERR_SHOULD_WAIT, its locks dropped. The loop then waits on the request
  // with no locks held and tries again (after_wait set), until the attempt answers anything
  // else or the wait fails. Every path that may wait for a pager (faults, reads, writes,
  // commits) goes through here; nothing else waits on a PageRequest.
  template <typename Attempt>
  static zx_status_t wait_for_pages(Attempt attempt) {
    bool after_wait = false;
    for (;;) {
      LazyPageRequest request;
      zx_status_t s = attempt(&request, after_wait);
      if (s != ZX_ERR_SHOULD_WAIT) return s;
      s = request->wait();
      if (s != ZX_OK) return s;
      after_wait = true;
    }
  }

  // Calls fn(paddr, writable) with the page at `offset` committed (and, for a write, made private
  // to this object) while the object is locked, so the page cannot go away before fn has
  // installed its translation. `writable` is false for a shared page. Waits for a pager.
  template <typename F>
  zx_status_t with_page(uint64_t offset, bool write, F fn) {
    return wait_for_pages(
        [&](LazyPageRequest* request, bool) { return try_page(offset, write, request, fn); });
  }

  // One attempt of with_page (offset page aligned), for a caller that holds locks of its own:
  // never blocks. When a pager-backed page is absent it returns ZX_ERR_SHOULD_WAIT, having armed
  // `request` (the caller drops its locks and waits: wait_for_pages); with no request it asks
  // nothing.
  template <typename F>
  zx_status_t try_page(uint64_t offset, bool write, LazyPageRequest* request, F fn) {
    return access_page(offset, 0, true, write, request, fn);
  }

  // Fault-around for a pager-backed object: finds the run of pages present at offset,
  // offset + 1 page, ... (at most `max`, at most kMaxRun) and calls fn(paddrs, writable, count)
  // with the object still locked, so none can go away before fn has mapped them. Never asks
  // the pager.
  static constexpr uint64_t kMaxRun = 16;
  template <typename F>
  void map_present_run(uint64_t offset, uint64_t max, F fn) {
    uint64_t pas[kMaxRun];
    bool writable[kMaxRun];
    if (max > kMaxRun) max = kMaxRun;
    MutexGuard g(lock_);
    uint64_t n = 0;
    for (; n < max; n++) {
      uint64_t off = offset + n * PAGE_SIZE;
      vm_page* p = off < size_ ? pages_.lookup(off) : nullptr;
      if (!p) break;
      pas[n] = p->paddr;
      writable[n] = page_writable(p, source_.get() != nullptr);
    }
    if (n) fn(pas, writable, n);
  }

  // Mappings register themselves so that decommit, shrink and copy-on-write can remove stale
  // translations.
  Mutex& lock() const { return lock_; }
  void add_mapping(VmMappingLink* m);
  void add_mapping_locked(VmMappingLink* m) {
    assert_held(lock_);
    mappings_.push_back(m);
  }
  void remove_mapping_locked(VmMappingLink* m) {
    assert_held(lock_);
    mappings_.remove(m);
  }
  size_t mapping_count() const;

  void set_name(const char* name);
  void get_name(char* out, size_t size) const;

 protected:
  // Which class this is, fixed at construction (a test on the read and write paths costs less
  // than a virtual call there).
  enum class Kind : uint8_t { kPaged, kPhysical };
  VmObject(uint64_t size, uint32_t options, Kind kind = Kind::kPaged)
      : size_(size), options_(options), kind_(kind) {}
  uint64_t size_locked() const {
    assert_held(lock_);
    return size_;
  }
  // With lock_ held: the page at offset (page aligned). `commit` allocates a missing page;
  // `write` makes a shared page private first. ZX_ERR_NOT_FOUND when absent and not committing.
  // The one virtual call on the fault path: VmObjectPhysical answers from its base address.
  virtual zx_status_t lookup_locked(uint64_t offset, bool commit, bool write, uint64_t* paddr,
                                    bool* exclusive);

 private:
  // The first invariant above: at most one mode is set.
  bool mode_ok() const {
    int modes = (source_ ? 1 : 0) + (cow_parent_ ? 1 : 0) + (slice_parent_ ? 1 : 0) +
                (options_ & kContiguous ? 1 : 0);
    return modes <= 1 && !source_ == !reclaim_;
  }
  // supply_pages's two halves, a batch (at most kSupplyBatch pages) in one lock hold each:
  // take_batch moves the n pages at offset out of this (anonymous) object into out[], copying
  // any shared with a snapshot, all or nothing (false: one is absent, or a copy failed);
  // insert_batch puts pages[i] (owned by the caller, ref_count 1) at offset + i pages wherever no
  // page is there yet, frees the others, and returns how many it kept.
  bool take_batch(uint64_t offset, uint64_t n, vm_page** out);
  // dirty_range's change to the pages (ZX_ERR_NOT_FOUND if one is absent: nothing changes).
  zx_status_t mark_range_dirty(uint64_t offset, uint64_t len);
  uint64_t insert_batch(uint64_t offset, vm_page** pages, uint64_t n);
  // With lock_ held: drops translations of [start, end) in our mappings and our slices'.
  void unmap_range_locked(uint64_t start, uint64_t end);
  void free_range_locked(uint64_t start, uint64_t end);
  // lookup_locked's part for a page a pager supplied: dirty tracking, and copy-on-write when a
  // child shares it.
  zx_status_t lookup_paged_locked(vm_page* p, uint64_t offset, bool write, uint64_t* paddr,
                                  bool* exclusive);
  // With lock_ held, after lookup_locked said ZX_ERR_SHOULD_WAIT: has the source arm `request`
  // for what the page at `offset` lacks (its content, or leave to dirty it).
  zx_status_t request_page_locked(uint64_t offset, LazyPageRequest* request);
  // One attempt at the page at `page` (page aligned; object unlocked), for try_page and
  // for_each_chunk: with
  // the object locked and at least `min_size` bytes long, looks the page up (committing it if
  // `commit`, making it private if `write`) and calls fn(paddr, exclusive), paddr 0 for an absent
  // page not committed. A page still the pager's arms `request` (ZX_ERR_SHOULD_WAIT); a page
  // still our pager-backed parent's is fetched first.
  template <typename F>
  zx_status_t access_page(uint64_t page, uint64_t min_size, bool commit, bool write,
                          LazyPageRequest* request, F fn) {
    if (slice_parent_) {
      if (page >= slice_size_) return ZX_ERR_OUT_OF_RANGE;
      return slice_parent_->access_page(page + slice_offset_, 0, commit, write, request, fn);
    }
    for (;;) {
      {
        MutexGuard g(lock_);
        if (min_size > size_) return ZX_ERR_OUT_OF_RANGE;
        uint64_t pa = 0;
        bool exclusive = false;
        zx_status_t s = lookup_locked(page, commit, write, &pa, &exclusive);
        if (s == ZX_OK || s == ZX_ERR_NOT_FOUND) return fn(pa, exclusive);
        if (s == ZX_ERR_SHOULD_WAIT) return request ? request_page_locked(page, request) : s;
        if (s != ZX_ERR_NEXT) return s;
      }
      // The page is our pager-backed parent's: fetch it (unlocked: the parent's lock is not
      // taken under ours), then look again.
      zx_status_t s = take_from_parent(page, request);
      if (s != ZX_OK) return s;
    }
  }
  // Whether a page may be mapped writable: not shared, and (if a pager supplied it) dirty. The
  // answer holds while the caller holds the lock of the object the page is in.
  static bool page_writable(const vm_page* p, bool pager_backed);
  // A pager-backed page turns dirty (telling the reclaim queue), or leaves the object.
  void mark_dirty_locked(vm_page* p);
  void page_leaving_locked(vm_page* p);
  // Unlocked: shares our pager-backed parent's page for `offset` into this object (arming
  // `request` if the parent lacks it). ZX_ERR_SHOULD_WAIT when the request was armed.
  zx_status_t take_from_parent(uint64_t offset, LazyPageRequest* request);
  template <typename F>
  zx_status_t for_each_chunk(uint64_t offset, uint64_t len, bool commit, bool write, F fn);

  mutable Mutex lock_{LockClass::kVmo};
  VmPageList pages_;
  uint64_t size_;
  uint32_t options_;
  const Kind kind_;
  List<VmMappingLink, &VmMappingLink::node> mappings_;
  // Slices: the parent we are a window on, and (in a parent) the slices on us.
  RefPtr<VmObject> slice_parent_;
  uint64_t slice_offset_ = 0;
  uint64_t slice_size_ = 0;
  ListNode slice_node_;
  List<VmObject, &VmObject::slice_node_> slices_;
  char name_[32] = {};
  RefPtr<PageSource> source_;     // set for pager-backed objects
  bool modified_ = false;         // for zx_pager_query_vmo_stats
  RefPtr<ReclaimQueue> reclaim_;  // where its clean pages wait to be evicted
  List<PinnedRange, &PinnedRange::node> pins_;
  bool pinned_locked(uint64_t start, uint64_t end) const;
  // A child of a pager-backed object: pages it lacks below cow_limit_ are the parent's at
  // cow_offset_ + offset; above, they are zero (as are the parent's beyond its own size).
  RefPtr<VmObject> cow_parent_;
  uint64_t cow_offset_ = 0;
  uint64_t cow_limit_ = 0;
};
