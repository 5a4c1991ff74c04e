// A blocking mutex for longer critical sections (may sleep while held, may not be taken in an
// interrupt handler). Unlock hands ownership straight to the longest waiter, so waiters are
// served in order and cannot be starved by a thread that re-locks in a loop.
#pragma once
#include "kernel/wait_queue.h"

class Mutex {
 public:
  explicit Mutex(const char* name = "mutex") : name_(name) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void lock();
  void unlock();
  bool held_by_me() const;
  const char* name() const { return name_; }

 private:
  const char* name_;
  Thread* owner_ = nullptr;  // g_sched_lock
  WaitQueue waiters_;
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
