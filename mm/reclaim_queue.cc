// Reclaim queues and the low-memory reclaimer (see reclaim_queue.h).
#include "mm/reclaim_queue.h"

#include "kernel/console.h"
#include "kernel/thread.h"
#include "mm/page_alloc.h"
#include "mm/vm_object.h"

namespace {
// Every queue, for the reclaimer and the statistics.
Mutex g_queues_lock(LockClass::kReclaimQueues);
List<ReclaimQueue, &ReclaimQueue::all_node> g_queues;

constexpr uint64_t kReclaimPeriodNs = 20'000'000;  // how often the reclaimer looks
constexpr uint64_t kReclaimBatch = 32;             // pages per queue per turn
}  // namespace

ReclaimQueue::ReclaimQueue() {
  MutexGuard g(g_queues_lock);
  g_queues.push_back(this);
}

ReclaimQueue::~ReclaimQueue() {
  MutexGuard g(g_queues_lock);
  g_queues.remove(this);
}

void ReclaimQueue::page_added(vm_page* p, bool dirty) {
  MutexGuard g(lock_);
  counts_.resident++;
  if (dirty) {
    counts_.dirty++;
  } else if (!(page_flags(p) & kPageAlwaysNeed)) {
    pages_.push_back(p);
    counts_.evictable++;
  }
}

void ReclaimQueue::clean_pages_added(vm_page** pages, uint64_t n) {
  MutexGuard g(lock_);
  counts_.resident += n;
  for (uint64_t i = 0; i < n; i++) {
    if (page_flags(pages[i]) & kPageAlwaysNeed) continue;
    pages_.push_back(pages[i]);
    counts_.evictable++;
  }
}

void ReclaimQueue::page_removed(vm_page* p, bool dirty) {
  MutexGuard g(lock_);
  counts_.resident--;
  if (dirty) counts_.dirty--;
  if (p->queue_node.in_list()) {
    pages_.remove(p);
    counts_.evictable--;
  }
}

void ReclaimQueue::became_dirty(vm_page* p) {
  MutexGuard g(lock_);
  counts_.dirty++;
  if (p->queue_node.in_list()) {
    pages_.remove(p);
    counts_.evictable--;
  }
}

void ReclaimQueue::became_clean(vm_page* p, bool queue) {
  MutexGuard g(lock_);
  counts_.dirty--;
  if (queue && !p->queue_node.in_list()) {
    pages_.push_back(p);
    counts_.evictable++;
  }
}

void ReclaimQueue::pin(vm_page* p) {
  MutexGuard g(lock_);
  if (p->queue_node.in_list()) {
    pages_.remove(p);
    counts_.evictable--;
  }
}

void ReclaimQueue::unpin(vm_page* p) {
  MutexGuard g(lock_);
  if (!p->queue_node.in_list()) {
    pages_.push_back(p);
    counts_.evictable++;
  }
}

void ReclaimQueue::age_out(vm_page* p) {
  MutexGuard g(lock_);
  if (!p->queue_node.in_list()) return;
  pages_.remove(p);
  pages_.push_front(p);
}

void ReclaimQueue::note_evicted() {
  MutexGuard g(lock_);
  counts_.evicted++;
}

void ReclaimQueue::second_chance(vm_page* p) {
  MutexGuard g(lock_);
  if (!p->queue_node.in_list()) return;
  pages_.remove(p);
  pages_.push_back(p);
}

uint64_t ReclaimQueue::evict(uint64_t n) {
  uint64_t done = 0;
  // Each page at the head is evicted, given its second chance (to the tail), or skipped (its
  // object is going away, or it changed under us). Give up after twice as many tries as there
  // were pages, so that this ends even if every page keeps being touched.
  uint64_t tries = 0, limit;
  {
    MutexGuard g(lock_);
    limit = 2 * pages_.size() + n;
  }
  while (done < n && tries++ < limit) {
    vm_page* p;
    uint64_t offset;
    RefPtr<VmObject> owner;
    {
      MutexGuard g(lock_);
      p = pages_.front();
      if (!p) break;
      offset = p->object_data;
      if (!p->owner->try_add_ref()) {
        // Its object is being destroyed and will take the page off the queue itself.
        pages_.remove(p);
        pages_.push_back(p);
        continue;
      }
      owner = RefPtr<VmObject>::take_existing(p->owner);
    }
    if (owner->evict_page(p, offset) == EvictResult::kEvicted) done++;
  }
  return done;
}

void ReclaimQueue::make_room(uint64_t incoming) {
  uint64_t excess;
  {
    MutexGuard g(lock_);
    if (counts_.budget == 0 || counts_.resident + incoming <= counts_.budget) return;
    excess = counts_.resident + incoming - counts_.budget;
  }
  evict(excess);
}

void ReclaimQueue::set_budget(uint64_t pages) {
  {
    MutexGuard g(lock_);
    counts_.budget = pages;
  }
  make_room(0);
}

ReclaimCounts ReclaimQueue::counts() const {
  MutexGuard g(lock_);
  return counts_;
}

ReclaimCounts ReclaimQueue::totals() {
  ReclaimCounts t;
  MutexGuard g(g_queues_lock);
  for (ReclaimQueue* q : g_queues) {
    ReclaimCounts c = q->counts();
    t.resident += c.resident;
    t.dirty += c.dirty;
    t.evictable += c.evictable;
    t.evicted += c.evicted;
  }
  return t;
}

namespace {
// One turn of the reclaimer: a batch from each queue, oldest queue first. Returns the pages
// evicted.
uint64_t reclaim_turn() {
  uint64_t evicted = 0;
  // Take a reference to every queue under the list lock, then evict without it.
  constexpr int kMaxQueues = 64;
  ReclaimQueue* queues[kMaxQueues];
  int n = 0;
  {
    MutexGuard g(g_queues_lock);
    for (ReclaimQueue* q : g_queues) {
      if (n == kMaxQueues) break;
      if (q->try_add_ref()) queues[n++] = q;
    }
  }
  for (int i = 0; i < n; i++) {
    evicted += queues[i]->evict(kReclaimBatch);
    if (queues[i]->release()) delete queues[i];
  }
  return evicted;
}

int reclaimer(void*) {
  uint64_t total = page_alloc_total_pages();
  uint64_t low = total / 64, high = total / 32;
  for (;;) {
    thread_sleep(kReclaimPeriodNs);
    if (page_alloc_free_pages() >= low) continue;
    while (page_alloc_free_pages() < high) {
      if (reclaim_turn() == 0) break;  // nothing left to evict
    }
  }
}
}  // namespace

uint64_t ReclaimQueue::reclaim_now() {
  uint64_t total = page_alloc_total_pages();
  uint64_t evicted = 0;
  // Up to the reclaimer's high mark, so the next allocations do not fail straight away.
  while (page_alloc_free_pages() < total / 32) {
    uint64_t n = reclaim_turn();
    if (n == 0) break;
    evicted += n;
  }
  return evicted;
}

void ReclaimQueue::start_reclaimer() {
  Thread* t = thread_create("reclaimer", reclaimer, nullptr);
  if (!t) {
    kprintf("reclaim: no memory for the reclaimer thread; pages are evicted by budget only\n");
    return;
  }
  thread_start(t);
}
