// Blocking and waking (see wait_queue.h). A deadline arms the blocked thread's own timer; the
// timer callback re-checks, under g_sched_lock, that the thread is still blocked and that the
// deadline has really passed, so a stale callback from an earlier wait never ends a later one.
#include "kernel/wait_queue.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/lab.h"
#include "kernel/lock_debug.h"
#include "kernel/sched.h"
#include "kernel/timer.h"

namespace {
void wait_timeout(Timer*, void* arg) {
  Thread* t = static_cast<Thread*>(arg);
  SchedGuard g;
  if (t->state == ThreadState::Blocked && t->blocked_on &&
      t->wait_timer.deadline != kInfiniteTime && current_time() >= t->wait_timer.deadline) {
    t->blocked_on->unblock_thread(t, ZX_ERR_TIMED_OUT);
  }
}
}  // namespace

zx_status_t WaitQueue::block(uint64_t deadline, bool interruptible) {
  Thread* t = this_cpu()->current;
  if (this_cpu()->spinlocks_held > 1)
    lock_misuse("blocking with a spinlock held", "(other than sched)");
  if (this_cpu()->irq_depth > 0) lock_misuse("blocking in an interrupt handler", "sched");
  if (interruptible && t->kill_pending) return ZX_ERR_CANCELED;
  t->interruptible = interruptible;
  // LAB 3 SOLUTION BEGIN
  if (deadline != kInfiniteTime && current_time() >= deadline) return ZX_ERR_TIMED_OUT;
  t->state = ThreadState::Blocked;
  t->blocked_on = this;
  t->wait_result = ZX_OK;
  waiters_.push_back(t);
  t->wait_timer.deadline = deadline;
  if (deadline != kInfiniteTime) timer_arm(&t->wait_timer, deadline, wait_timeout, t);
  sched_reschedule();
  if (deadline != kInfiniteTime) timer_cancel(&t->wait_timer);
  t->wait_timer.deadline = kInfiniteTime;
  return t->wait_result;
  // LAB 3 SOLUTION END
  // LAB 3 STUB BEGIN
  // (void)t;
  // (void)deadline;
  // (void)wait_timeout;
  // lab_todo(3, "WaitQueue::block");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 3 STUB END
}

void WaitQueue::unblock_thread(Thread* t, zx_status_t status) {
  waiters_.remove(t);
  t->blocked_on = nullptr;
  t->wait_result = status;
  sched_make_ready(t);
}

Thread* WaitQueue::wake_one(zx_status_t status) {
  // LAB 3 SOLUTION BEGIN
  Thread* t = waiters_.front();
  if (t) unblock_thread(t, status);
  return t;
  // LAB 3 SOLUTION END
  // LAB 3 STUB BEGIN
  // (void)status;
  // return nullptr;
  // LAB 3 STUB END
}

int WaitQueue::wake_all(zx_status_t status) {
  int n = 0;
  while (wake_one(status)) n++;
  return n;
}
