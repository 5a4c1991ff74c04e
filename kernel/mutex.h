// A blocking mutex for longer critical sections (may sleep while held, may not be taken in an
// interrupt handler). Unlock hands ownership straight to the longest waiter, so waiters are
// served in order and cannot be starved by a thread that re-locks in a loop.
//
// Uncontended locking and unlocking is one compare-and-swap on the owner word: VM objects, page
// sources and channels take a mutex on every fault and message, so the common case must not
// touch g_sched_lock. Only a thread that has to wait (and the unlock that must wake it) goes
// through the wait queue under g_sched_lock; the owner word's low bit says someone waits.
#pragma once
#include <stdint.h>

#include "kernel/wait_queue.h"

class Mutex {
 public:
  explicit Mutex(const char* name = "mutex") : name_(name) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void lock();
  void unlock();
  // Inline: every *_locked function asks (kernel/lock_assert.h), fault paths included.
  bool held_by_me() const {
    return (__atomic_load_n(&state_, __ATOMIC_RELAXED) & ~kContended) ==
           reinterpret_cast<uintptr_t>(thread_current());
  }
  const char* name() const { return name_; }

 private:
  static constexpr uintptr_t kContended = 1;  // a thread waits (or is about to): unlock wakes
  void lock_slow(Thread* me);
  void unlock_slow(Thread* me);

  const char* name_;
  uintptr_t state_ = 0;  // the owner (Thread*) | kContended; 0 when free
  WaitQueue waiters_;    // g_sched_lock
};

class MutexGuard {
 public:
  explicit MutexGuard(Mutex& m) : m_(m) { m_.lock(); }
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
