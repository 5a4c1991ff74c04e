// A blocking mutex for longer critical sections (may sleep while held, may not be taken in an
// interrupt handler). Unlock hands ownership straight to the longest waiter, so waiters are
// served in order and cannot be starved by a thread that re-locks in a loop.
//
// Uncontended locking and unlocking is one compare-and-swap on the owner word: VM objects, page
// sources and channels take a mutex on every fault and message, so the common case must not
// touch g_sched_lock. Only a thread that has to wait (and the unlock that must wake it) goes
// through the wait queue under g_sched_lock; the owner word's low bit says someone waits.
//
// Each mutex has a class (kernel/lock_order.h); with KERNEL_LOCK_CHECKS the order of the
// mutexes a thread holds is checked on every lock().
#pragma once
#include <stdint.h>

#include "kernel/lock_order.h"
#include "kernel/wait_queue.h"

class Mutex {
 public:
#if KERNEL_LOCK_CHECKS
  explicit Mutex(LockClass c) : name_(lock_class_name(c)), class_(c) {}
#else
  explicit Mutex(LockClass c) : name_(lock_class_name(c)) {}
#endif
  // Unranked: a mutex the order checker ignores (tests' own locks).
  explicit Mutex(const char* name = "mutex") : name_(name) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void lock();
  // The caller holds another mutex of this class and the code fixes their order.
  void lock_nested();
  void unlock();
  // Inline: every *_locked function asserts it (kernel/lock_assert.h).
  bool held_by_me() const {
    return (__atomic_load_n(&state_, __ATOMIC_RELAXED) & ~kContended) ==
           reinterpret_cast<uintptr_t>(thread_current());
  }
  const char* name() const { return name_; }

 private:
  static constexpr uintptr_t kContended = 1;  // a thread waits (or is about to): unlock wakes
  void take(Thread* me);
  void lock_slow(Thread* me);
  void unlock_slow(Thread* me);

  const char* name_;
  uintptr_t state_ = 0;  // the owner (Thread*) | kContended; 0 when free
  WaitQueue waiters_;    // g_sched_lock
#if KERNEL_LOCK_CHECKS
  LockClass class_ = LockClass::kUnranked;
#endif
};

class MutexGuard {
 public:
  explicit MutexGuard(Mutex& m) : m_(m) { m_.lock(); }
  // The inner of two mutexes of one class, in an order the code fixes (lock_order.h).
  MutexGuard(Mutex& m, LockNested) : m_(m) { m_.lock_nested(); }
  ~MutexGuard() { m_.unlock(); }
  MutexGuard(const MutexGuard&) = delete;
  MutexGuard& operator=(const MutexGuard&) = delete;

 private:
  Mutex& m_;
};

// An event: threads wait until it is signaled. Auto-reset events release one waiter per
// signal; manual-reset events stay signaled and release everyone until unsignal().
class Event {
 public:
  explicit Event(bool auto_reset = false) : auto_reset_(auto_reset) {}
  // `interruptible`: a kill of the waiting thread ends the wait (ZX_ERR_CANCELED).
  zx_status_t wait(uint64_t deadline = kInfiniteTime, bool interruptible = false);
  void signal();
  void unsignal();
  bool signaled() const { return signaled_; }

 private:
  bool auto_reset_;
  bool signaled_ = false;  // g_sched_lock
  WaitQueue waiters_;
};
