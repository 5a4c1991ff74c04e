// The scheduler. Each hart has a run queue with 32 priority levels; the highest-priority ready
// thread runs, round robin within a level, for a 10 ms slice. An idle hart takes work from the
// busiest other hart; a wakeup goes to the hart the thread last ran on unless another is idle,
// and on the waker's own hart a woken thread of at least the waker's priority runs as soon as
// the waker leaves the kernel.
//
// One spinlock, g_sched_lock, protects every run queue, every wait queue and every thread's
// scheduling state, in the manner of Zircon's thread_lock: simple to reason about, and held
// only for a few instructions at a time. It is held across a context switch and released by
// the thread that resumes.
#pragma once
#include "kernel/spinlock.h"
#include "kernel/thread.h"

extern SpinLock g_sched_lock;

class SchedGuard : public SpinLockGuard {
 public:
  SchedGuard() : SpinLockGuard(g_sched_lock) {}
};

// g_sched_lock held: current has set its own state (Blocked/Dead/Ready) — switch away.
void sched_reschedule();
// g_sched_lock held: make a blocked or new thread runnable on some hart.
void sched_make_ready(Thread* t);
// Trap exit with need_resched: put the current thread back and run another.
void sched_preempt();
void sched_timer_tick(uint64_t now);
uint64_t sched_slice_deadline();  // when this hart's timer must fire for preemption
[[noreturn]] void sched_idle_loop();
// Statistics for the `threads` command and tests.
uint64_t sched_ready_count(int cpu);
