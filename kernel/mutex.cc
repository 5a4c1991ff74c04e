// Mutex and Event (see mutex.h), both built on wait queues under g_sched_lock.
#include "kernel/mutex.h"

#include "kernel/lock_debug.h"
#include "kernel/sched.h"

void Mutex::lock() {
  Thread* me = thread_current();
  uintptr_t expected = 0;
  if (__atomic_compare_exchange_n(&state_, &expected, reinterpret_cast<uintptr_t>(me), false,
                                  __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
    return;
  lock_slow(me);
}

void Mutex::lock_slow(Thread* me) {
  auto mine = reinterpret_cast<uintptr_t>(me);
  SchedGuard g;
  for (;;) {
    uintptr_t s = __atomic_load_n(&state_, __ATOMIC_RELAXED);
    if (s == 0) {
      // Freed meanwhile (its owner took the fast path out): take it.
      if (__atomic_compare_exchange_n(&state_, &s, mine, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
      continue;
    }
    if ((s & ~kContended) == mine) {
      lock_misuse("mutex locked twice by the same thread (would deadlock)", name_);
      return;
    }
    // Say that someone waits, so that the owner's unlock comes here to wake us; both happen
    // under g_sched_lock, so the wake cannot be missed.
    if (!(s & kContended) && !__atomic_compare_exchange_n(&state_, &s, s | kContended, false,
                                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED))
      continue;
    // unlock() makes us the owner before waking us.
    zx_status_t r = waiters_.block(kInfiniteTime);
    if ((__atomic_load_n(&state_, __ATOMIC_ACQUIRE) & ~kContended) == mine) return;
    if (r == ZX_ERR_NOT_SUPPORTED) return;
  }
}

void Mutex::unlock() {
  Thread* me = thread_current();
  auto expected = reinterpret_cast<uintptr_t>(me);
  if (__atomic_compare_exchange_n(&state_, &expected, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    return;
  unlock_slow(me);
}

void Mutex::unlock_slow(Thread* me) {
  SchedGuard g;
  uintptr_t s = __atomic_load_n(&state_, __ATOMIC_RELAXED);
  if ((s & ~kContended) != reinterpret_cast<uintptr_t>(me)) {
    lock_misuse(
        s ? "mutex unlocked by a thread that does not own it" : "mutex unlocked while not locked",
        name_);
    return;
  }
  // Hand it straight to the longest waiter (which keeps the contended mark if others wait).
  Thread* next = waiters_.wake_one(ZX_OK);
  uintptr_t owner = reinterpret_cast<uintptr_t>(next);
  if (next && !waiters_.empty()) owner |= kContended;
  __atomic_store_n(&state_, owner, __ATOMIC_RELEASE);
}

zx_status_t Event::wait(uint64_t deadline, bool interruptible) {
  SchedGuard g;
  while (!signaled_) {
    zx_status_t s = waiters_.block(deadline, interruptible);
    if (s != ZX_OK) return s;
    if (auto_reset_) return ZX_OK;  // the signal was handed to us alone
  }
  if (auto_reset_) signaled_ = false;
  return ZX_OK;
}

void Event::signal() {
  SchedGuard g;
  if (auto_reset_) {
    if (!waiters_.wake_one(ZX_OK)) signaled_ = true;
    return;
  }
  signaled_ = true;
  waiters_.wake_all(ZX_OK);
}

void Event::unsignal() {
  SchedGuard g;
  signaled_ = false;
}
