// Wait queues: the one way a thread blocks. A thread holding g_sched_lock checks its
// condition, then calls block(), which gives up the hart until a waker calls wake_one() or
// wake_all() on the queue, the deadline passes (ZX_ERR_TIMED_OUT) or the wait is cancelled.
// All wait queues are protected by g_sched_lock, so the check and the block are atomic with
// respect to wakeups on any hart.
#pragma once
#include "kernel/lib/list.h"
#include "kernel/status.h"
#include "kernel/thread.h"

class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  // g_sched_lock held. Returns the status given by the waker, or ZX_ERR_TIMED_OUT. An
  // interruptible wait (the waits of system calls) also ends with ZX_ERR_CANCELED when the
  // thread is killed; kernel-internal waits (mutexes) are never cut short.
  zx_status_t block(uint64_t deadline, bool interruptible = false);
  // g_sched_lock held. Wake the longest waiter / every waiter with `status`.
  Thread* wake_one(zx_status_t status = ZX_OK);
  int wake_all(zx_status_t status = ZX_OK);
  // g_sched_lock held. Takes t off this queue and makes it runnable with `status`.
  void unblock_thread(Thread* t, zx_status_t status);
  bool empty() const { return waiters_.empty(); }
  size_t count() const { return waiters_.size(); }

 private:
  List<Thread, &Thread::queue_node> waiters_;
};
