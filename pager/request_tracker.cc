// RequestTracker: range bookkeeping for a pager-backed VMO's page requests. The header explains
// the model (outstanding = queued or sent pages, pending waiters, early wake) and the invariants;
// this file is the range arithmetic. Completions are gathered on a local list while the trees
// are being changed and reported only at the end of each operation (finish), so on_complete
// always sees a consistent tracker.
#include "pager/request_tracker.h"

#include "kernel/lab.h"
#include "mm/vm_page.h"

namespace {

constexpr uint64_t kPageMask = PAGE_SIZE - 1;

uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

// The end of [offset, offset + length), saturated at the last page boundary.
uint64_t end_of(uint64_t offset, uint64_t length) {
  uint64_t e = offset + length;
  if (e < offset) e = ~kPageMask;
  return e;
}

}  // namespace

RequestTracker::RequestTracker(CompleteFn on_complete, PresentFn is_present, void* ctx)
    : on_complete_(on_complete), is_present_(is_present), ctx_(ctx) {}

RequestTracker::~RequestTracker() {
  while (Range* r = ranges_.first()) free_range(r);
  while (PageRequest* w = waiters_.first()) {
    waiters_.remove(w);
    w->in_tracker = false;
  }
}

RequestTracker::Range* RequestTracker::alloc_range(uint64_t start, uint64_t end, bool sent) {
  if (alloc_budget_ == 0) {
    alloc_failures_++;
    return nullptr;
  }
  if (alloc_budget_ > 0) alloc_budget_--;
  Range* r = new Range;  // the kernel's operator new returns nullptr when out of memory
  if (!r) {
    alloc_failures_++;
    return nullptr;
  }
  r->start = start;
  r->end = end;
  r->sent = sent;
  return r;
}

void RequestTracker::free_range(Range* r) {
  ranges_.remove(r);
  if (r->sent) {
    sent_ranges_--;
  } else {
    queue_.remove(r);
  }
  delete r;
}

// The lowest range that overlaps [a, b), or nullptr.
RequestTracker::Range* RequestTracker::first_overlapping(uint64_t a, uint64_t b) const {
  Range* r = ranges_.floor(a);
  if (!r || r->end <= a) r = ranges_.upper_bound(a);
  return (r && r->start < b) ? r : nullptr;
}

bool RequestTracker::any_outstanding(uint64_t a, uint64_t b) const {
  return first_overlapping(a, b) != nullptr;
}

// Queues [a, b), which holds no outstanding page, merging it with queued neighbours that touch
// it. False if a new range was needed and could not be allocated.
bool RequestTracker::queue_pages(uint64_t a, uint64_t b) {
  // LAB 7 SOLUTION BEGIN
  Range* left = ranges_.floor(a);
  if (left && (left->end != a || left->sent)) left = nullptr;
  Range* right = ranges_.lower_bound(b);
  if (right && (right->start != b || right->sent)) right = nullptr;
  if (left && right) {
    // [a, b) bridges two queued ranges: left absorbs right and keeps the older queue place.
    if (right->seq < left->seq) {
      queue_.remove(left);
      queue_.insert_before(right, left);
      left->seq = right->seq;
    }
    uint64_t e = right->end;
    free_range(right);
    left->end = e;
    return true;
  }
  if (left) {
    left->end = b;
    return true;
  }
  if (right) {
    right->start = a;  // still between the same neighbours, so the tree order holds
    return true;
  }
  Range* n = alloc_range(a, b, false);
  if (!n) return false;
  n->seq = next_range_seq_++;
  ranges_.insert(n);
  queue_.push_back(n);
  return true;
  // LAB 7 SOLUTION END
  // LAB 7 STUB BEGIN
  // (void)a;
  // (void)b;
  // lab_todo(7, "RequestTracker::queue_pages (queueing and coalescing)");
  // return false;
  // LAB 7 STUB END
}

// Removes [a, b) from range r. False (r unchanged) if that cuts r in two and the second half
// could not be allocated.
bool RequestTracker::cut(Range* r, uint64_t a, uint64_t b) {
  a = max_u64(a, r->start);
  b = min_u64(b, r->end);
  if (a >= b) return true;
  if (a == r->start && b == r->end) {
    free_range(r);
    return true;
  }
  if (a == r->start) {
    r->start = b;  // shrinking in place keeps the tree order
    return true;
  }
  if (b == r->end) {
    r->end = a;
    return true;
  }
  Range* n = alloc_range(b, r->end, r->sent);
  if (!n) return false;
  n->seq = r->seq;
  r->end = a;
  ranges_.insert(n);
  if (n->sent) {
    sent_ranges_++;
  } else if (Range* after = queue_.next(r)) {
    queue_.insert_before(after, n);
  } else {
    queue_.push_back(n);
  }
  return true;
}

// Makes every page of [a, b) not outstanding. [*lo, *hi) receives the span whose waiters must be
// re-examined: [a, b), widened by any range that could not be cut and was dropped whole.
void RequestTracker::remove_outstanding(uint64_t a, uint64_t b, uint64_t* lo, uint64_t* hi) {
  *lo = a;
  *hi = b;
  Range* r = first_overlapping(a, b);
  while (r && r->start < b) {
    Range* next = RangeTree::next(r);  // taken first: cut() may free r; a split half is >= b
    if (!cut(r, a, b)) {
      *lo = min_u64(*lo, r->start);
      *hi = max_u64(*hi, r->end);
      free_range(r);
    }
    r = next;
  }
}

// Appends to out every waiter in n's subtree that overlaps [a, b). The recursion depth is the
// tree height (about 1.44 log2 of the waiter count) and subtrees whose ends all lie at or before
// a are skipped, so the cost is O((k + 1) log n) for k results.
void RequestTracker::collect_overlapping(const PageRequest* n, uint64_t a, uint64_t b,
                                         Batch* out) const {
  if (!n || n->tree_node.aug <= a) return;
  collect_overlapping(WaiterTree::left(n), a, b, out);
  if (n->offset >= b) return;
  PageRequest* w = const_cast<PageRequest*>(n);
  if (w->end() > a) out->push_back(w);
  collect_overlapping(WaiterTree::right(n), a, b, out);
}

// The largest end() among waiters that start at or before x (0 if none): x is in some waiter's
// range exactly when this is > x.
uint64_t RequestTracker::max_end_at_or_before(uint64_t x) const {
  uint64_t best = 0;
  PageRequest* n = waiters_.root();
  while (n) {
    if (n->offset <= x) {
      best = max_u64(best, n->end());
      if (PageRequest* l = WaiterTree::left(n)) best = max_u64(best, l->tree_node.aug);
      n = WaiterTree::right(n);
    } else {
      n = WaiterTree::left(n);
    }
  }
  return best;
}

// The smallest waiter offset > x, or UINT64_MAX.
uint64_t RequestTracker::first_offset_after(uint64_t x) const {
  uint64_t best = UINT64_MAX;
  PageRequest* n = waiters_.root();
  while (n) {
    if (n->offset > x) {
      best = n->offset;
      n = WaiterTree::left(n);
    } else {
      n = WaiterTree::right(n);
    }
  }
  return best;
}

// Withdraws the queued pages in [a, b) that lie in no registered waiter's range. Sent pages
// stay: the pager has been asked and will answer.
void RequestTracker::drop_unneeded_queued(uint64_t a, uint64_t b) {
  uint64_t x = a;
  while (x < b) {
    Range* r = first_overlapping(x, b);
    while (r && r->sent && r->start < b) r = RangeTree::next(r);
    if (!r || r->start >= b) return;
    const uint64_t lo = max_u64(x, r->start);
    const uint64_t hi = min_u64(b, r->end);
    // Skip forward over pages some waiter covers, to the first page nobody covers.
    uint64_t c = lo;
    while (c < hi) {
      uint64_t m = max_end_at_or_before(c);
      if (m <= c) break;
      c = m;
    }
    if (c >= hi) {
      x = hi;
      continue;
    }
    const uint64_t gap_end = min_u64(hi, first_offset_after(c));
    (void)cut(r, c, gap_end);  // if a split cannot be allocated the pages stay as read-ahead
    x = gap_end;
  }
}

void RequestTracker::complete(PageRequest* r, zx_status_t status, Batch* done) {
  if (r->in_tracker) {
    waiters_.remove(r);
    r->in_tracker = false;
  }
  r->status = status;
  done->push_back(r);
}

// Completes with ZX_OK the waiters overlapping [a, b) that have nothing outstanding left.
void RequestTracker::wake_satisfied(uint64_t a, uint64_t b, Batch* done) {
  Batch candidates;
  collect_overlapping(waiters_.root(), a, b, &candidates);
  while (PageRequest* w = candidates.pop_front()) {
    if (!any_outstanding(w->offset, w->end())) complete(w, ZX_OK, done);
  }
}

// Ends an operation: withdraws queued pages only the completed waiters needed (a no-op for
// those completed with ZX_OK, which had nothing outstanding), then reports the completions.
void RequestTracker::finish(Batch* done) {
  for (PageRequest* w : *done) drop_unneeded_queued(w->offset, w->end());
  while (PageRequest* w = done->pop_front()) {
    w->done = true;
    if (on_complete_) on_complete_(w, ctx_);
  }
}

void RequestTracker::add(PageRequest* r) {
  Batch done;
  r->done = false;
  r->status = ZX_OK;
  r->in_tracker = false;
  if (detached_) {
    complete(r, detach_status_, &done);
    finish(&done);
    return;
  }
  const uint64_t e = r->offset + r->length;
  if (((r->offset | r->length) & kPageMask) != 0 || e < r->offset) {
    complete(r, ZX_ERR_INVALID_ARGS, &done);
    finish(&done);
    return;
  }
  // LAB 7 SOLUTION BEGIN
  // Walk [offset, e): outstanding ranges are joined, and in the gaps between them each run of
  // missing pages is queued.
  bool ok = true;
  uint64_t x = r->offset;
  while (ok && x < e) {
    Range* rg = first_overlapping(x, e);
    if (rg && rg->start <= x) {
      x = rg->end;
      continue;
    }
    const uint64_t gap_end = rg ? rg->start : e;
    uint64_t p = x;
    while (p < gap_end) {
      if (is_present_ && is_present_(p, ctx_)) {
        p += PAGE_SIZE;
        continue;
      }
      uint64_t q = p + PAGE_SIZE;
      while (q < gap_end && !(is_present_ && is_present_(q, ctx_))) q += PAGE_SIZE;
      if (!queue_pages(p, q)) {
        ok = false;
        break;
      }
      p = q;
    }
    x = gap_end;
  }
  if (!ok) {
    complete(r, ZX_ERR_NO_MEMORY, &done);  // finish() withdraws what only r had queued
  } else if (any_outstanding(r->offset, e)) {
    r->seq = next_seq_++;
    r->in_tracker = true;
    waiters_.insert(r);
  } else {
    complete(r, ZX_OK, &done);
  }
  finish(&done);
  // LAB 7 SOLUTION END
  // LAB 7 STUB BEGIN
  // lab_todo(7, "RequestTracker::add (joining and queueing requests)");
  // complete(r, ZX_ERR_NOT_SUPPORTED, &done);
  // finish(&done);
  // LAB 7 STUB END
}

bool RequestTracker::next_to_send(uint64_t* offset, uint64_t* length) {
  // LAB 7 SOLUTION BEGIN
  if (sent_ranges_ != 0 || queue_.empty()) return false;
  Range* r = queue_.pop_front();
  r->sent = true;
  sent_ranges_ = 1;
  *offset = r->start;
  *length = r->end - r->start;
  return true;
  // LAB 7 SOLUTION END
  // LAB 7 STUB BEGIN
  // (void)offset;
  // (void)length;
  // lab_todo(7, "RequestTracker::next_to_send (one packet in flight)");
  // return false;
  // LAB 7 STUB END
}

void RequestTracker::supply(uint64_t offset, uint64_t length) {
  if (detached_) return;
  // LAB 7 SOLUTION BEGIN
  // Only whole pages are present: round inwards.
  const uint64_t a = (offset + kPageMask) & ~kPageMask;
  const uint64_t b = end_of(offset, length) & ~kPageMask;
  if (a < offset || a >= b) return;
  Batch done;
  uint64_t lo, hi;
  remove_outstanding(a, b, &lo, &hi);
  wake_satisfied(lo, hi, &done);
  finish(&done);
  // LAB 7 SOLUTION END
  // LAB 7 STUB BEGIN
  // (void)offset;
  // (void)length;
  // lab_todo(7, "RequestTracker::supply (completing requests, early wake)");
  // LAB 7 STUB END
}

void RequestTracker::fail(uint64_t offset, uint64_t length, zx_status_t status) {
  if (detached_) return;
  // A failure touching part of a page fails the page: round outwards.
  const uint64_t a = offset & ~kPageMask;
  uint64_t b = end_of(offset, length);
  b = (b & kPageMask) ? (b & ~kPageMask) + PAGE_SIZE : b;
  if (b == 0) b = ~kPageMask;  // rounded past the top
  if (a >= b) return;
  Batch done;
  // First the waiters that needed an outstanding page in [a, b) ...
  for (Range* r = first_overlapping(a, b); r && r->start < b; r = RangeTree::next(r)) {
    Batch hit;
    collect_overlapping(waiters_.root(), max_u64(a, r->start), min_u64(b, r->end), &hit);
    while (PageRequest* w = hit.pop_front()) complete(w, status, &done);
  }
  // ... then the pages themselves.
  uint64_t lo, hi;
  remove_outstanding(a, b, &lo, &hi);
  wake_satisfied(lo, hi, &done);
  finish(&done);
}

void RequestTracker::withdraw(PageRequest* r) {
  if (!r->in_tracker) return;
  waiters_.remove(r);
  r->in_tracker = false;
  drop_unneeded_queued(r->offset, r->end());
}

void RequestTracker::detach(zx_status_t status) {
  Batch done;
  detached_ = true;
  detach_status_ = status;
  while (PageRequest* w = waiters_.first()) complete(w, status, &done);
  while (Range* r = ranges_.first()) free_range(r);
  finish(&done);
}

void RequestTracker::shrink(uint64_t new_size) {
  if (new_size & kPageMask) {
    new_size = (new_size & ~kPageMask) + PAGE_SIZE;
    if (new_size == 0) return;  // rounded past the top: nothing can lie beyond
  }
  Batch done, beyond;
  collect_overlapping(waiters_.root(), new_size, UINT64_MAX, &beyond);
  while (PageRequest* w = beyond.pop_front()) {
    if (w->offset >= new_size) {
      complete(w, ZX_ERR_OUT_OF_RANGE, &done);
    } else {
      w->length = new_size - w->offset;
      waiters_.update_path(w);
    }
  }
  uint64_t lo, hi;
  remove_outstanding(new_size, UINT64_MAX, &lo, &hi);  // never splits: nothing lies past the end
  if (new_size > 0) wake_satisfied(new_size - 1, new_size, &done);
  finish(&done);
}

void RequestTracker::for_each_range(void (*fn)(uint64_t, uint64_t, bool, void*), void* ctx) const {
  for (Range* r : ranges_) fn(r->start, r->end - r->start, r->sent, ctx);
}

bool RequestTracker::check_invariants() const {
  if (!ranges_.check() || !waiters_.check()) return false;
  if (detached_ && (!ranges_.empty() || !waiters_.empty())) return false;
  size_t sent = 0, queued = 0;
  const Range* prev = nullptr;
  for (Range* r : ranges_) {
    if (r->start >= r->end || ((r->start | r->end) & kPageMask) != 0) return false;
    if (prev && prev->end > r->start) return false;
    if (prev && prev->end == r->start && !prev->sent && !r->sent) return false;  // uncoalesced
    if (r->sent) {
      sent++;
    } else {
      queued++;
      if (!r->queue_node.in_list()) return false;
    }
    prev = r;
  }
  if (sent != sent_ranges_ || queued != queue_.size()) return false;
  for (Range* r : queue_) {
    if (r->sent) return false;
    // Every queued page is needed by some waiter (unless an allocation failure left read-ahead).
    if (alloc_failures_ == 0) {
      uint64_t c = r->start;
      while (c < r->end) {
        uint64_t m = max_end_at_or_before(c);
        if (m <= c) return false;
        c = m;
      }
    }
  }
  for (PageRequest* w : waiters_) {
    if (!w->in_tracker || w->done || w->length == 0) return false;
    if (!any_outstanding(w->offset, w->end())) return false;
    uint64_t m = w->end();
    if (PageRequest* l = WaiterTree::left(w)) m = max_u64(m, l->tree_node.aug);
    if (PageRequest* rr = WaiterTree::right(w)) m = max_u64(m, rr->tree_node.aug);
    if (m != w->tree_node.aug) return false;
  }
  return true;
}
