// Self tests of the lock checks: held_by_me (what every *_locked function asserts) and the
// lock-order checker (kernel/lock_order.h), which must report an acquisition out of order and
// stay silent for the documented order and for sanctioned nesting.
#include "kernel/arch/riscv/cpu.h"
#include "kernel/lock_debug.h"
#include "kernel/lock_order.h"
#include "kernel/mutex.h"
#include "kernel/selftests/selftest.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"
#include "kernel/timer.h"

#if KERNEL_LOCK_CHECKS
namespace {
constexpr uint64_t kSecond = 1'000'000'000ull;

struct HeldElsewhere {
  Mutex* m;
  SpinLock* l;
  bool mutex_seen_held = true;
  bool spin_seen_held = true;
};
}  // namespace

SELFTEST("lock.held_by_me") {
  Mutex m(LockClass::kVmo);
  SpinLock l(LockClass::kHeap);
  EXPECT(!m.held_by_me());
  {
    MutexGuard g(m);
    EXPECT(m.held_by_me());
    // Another thread does not hold it, even though it is locked.
    HeldElsewhere h{&m, &l};
    Thread* th = thread_create(
        "lock.held_other",
        [](void* arg) {
          auto* h = static_cast<HeldElsewhere*>(arg);
          h->mutex_seen_held = h->m->held_by_me();
          return 0;
        },
        &h, kDefaultPriority);
    REQUIRE(th != nullptr);
    thread_start(th);
    EXPECT_OK(thread_join(th, nullptr, deadline_after(15 * kSecond)));
    EXPECT(!h.mutex_seen_held);
  }
  EXPECT(!m.held_by_me());
  EXPECT(!l.held_by_me());
  {
    SpinLockGuard g(l);
    EXPECT(l.held_by_me());
  }
  EXPECT(!l.held_by_me());
}

SELFTEST("lock_order.documented_order_is_silent") {
  uint64_t before = g_lock_misuse_count;
  Mutex aspace(LockClass::kAspace), vmo(LockClass::kVmo), source(LockClass::kPageSource);
  SpinLock table(LockClass::kHandleTable), heap(LockClass::kHeap);
  {
    MutexGuard a(aspace);
    MutexGuard v(vmo);
    MutexGuard s(source);
    SpinLockGuard t(table);
    SpinLockGuard h(heap);
  }
  // Released out of order, then taken again in order: still silent.
  aspace.lock();
  vmo.lock();
  aspace.unlock();
  source.lock();
  source.unlock();
  vmo.unlock();
  EXPECT_EQ(g_lock_misuse_count, before);
}

SELFTEST("lock_order.mutex_inversion_reported") {
  ExpectLockMisuse expect;
  Mutex aspace(LockClass::kAspace), vmo(LockClass::kVmo);
  uint64_t before = g_lock_misuse_count;
  {
    MutexGuard v(vmo);
    MutexGuard a(aspace);  // aspace ranks above vmo: the fault path's order reversed
  }
  EXPECT_EQ(g_lock_misuse_count, before + 1);
  // The record of held mutexes is back to empty: the right order is silent again.
  {
    MutexGuard a(aspace);
    MutexGuard v(vmo);
  }
  EXPECT_EQ(g_lock_misuse_count, before + 1);
}

SELFTEST("lock_order.spinlock_inversion_reported") {
  ExpectLockMisuse expect;
  SpinLock table(LockClass::kHandleTable), sched(LockClass::kSched);
  uint64_t before = g_lock_misuse_count;
  {
    SpinLockGuard s(sched);
    SpinLockGuard t(table);  // a handle table under the scheduler's lock
  }
  EXPECT_EQ(g_lock_misuse_count, before + 1);
  {
    SpinLockGuard t(table);
    SpinLockGuard s(sched);
  }
  EXPECT_EQ(g_lock_misuse_count, before + 1);
}

SELFTEST("lock_order.mutex_under_spinlock_reported") {
  ExpectLockMisuse expect;
  // Every mutex ranks below every spinlock. The mutex is free, so nothing blocks (which
  // WaitQueue::block would report too): the order alone is wrong.
  SpinLock heap(LockClass::kHeap);
  Mutex vmo(LockClass::kVmo);
  uint64_t before = g_lock_misuse_count;
  {
    MutexGuard v(vmo);
    SpinLockGuard h(heap);
  }
  EXPECT_EQ(g_lock_misuse_count, before);
  {
    SpinLockGuard h(heap);
    MutexGuard v(vmo);
  }
  EXPECT_EQ(g_lock_misuse_count, before + 1);
}

SELFTEST("lock_order.same_class_needs_nesting") {
  ExpectLockMisuse expect;
  Mutex parent(LockClass::kVmo), child(LockClass::kVmo);
  SpinLock gc(LockClass::kChannelGc), p1(LockClass::kChannel), p2(LockClass::kChannel),
      p3(LockClass::kChannel);
  uint64_t before = g_lock_misuse_count;
  {
    MutexGuard a(parent);
    MutexGuard b(child, kLockNested);  // sanctioned: parent before child
  }
  {
    // The collector's way: many pair locks under channel_gc, and a lock above them after.
    SpinLockGuard g(gc);
    SpinLockGuard a(p1, kLockNested);
    SpinLockGuard b(p2, kLockNested);
    SpinLockGuard c(p3, kLockNested);
    SpinLock heap(LockClass::kHeap);
    SpinLockGuard h(heap);
  }
  EXPECT_EQ(g_lock_misuse_count, before);
  {
    MutexGuard a(parent);
    MutexGuard b(child);  // two of one class without saying why: reported
  }
  EXPECT_EQ(g_lock_misuse_count, before + 1);
  {
    SpinLockGuard a(p1);
    SpinLockGuard b(p2);
  }
  EXPECT_EQ(g_lock_misuse_count, before + 2);
}
#endif
