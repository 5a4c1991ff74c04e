// Time and timers. current_time() is nanoseconds since boot from the `time` CSR. Each hart
// keeps a deadline-ordered queue of one-shot timers and programs its timer interrupt (Sstc's
// stimecmp when the hart has it, else SBI set_timer) for the earliest of them or the end of
// the running thread's time slice.
#pragma once
#include <stdint.h>

#include "kernel/lib/list.h"

constexpr uint64_t kInfiniteTime = ~0ull;
constexpr uint64_t kTimeSliceNs = 10'000'000;  // 10 ms

struct Timer;
using TimerCallback = void (*)(Timer* t, void* arg);

struct Timer {
  ListNode node;
  uint64_t deadline = 0;
  TimerCallback callback = nullptr;
  void* arg = nullptr;
  int cpu = -1;  // queue it is on, -1 when not armed
};

void timer_init(uint64_t timebase_hz, bool sstc);
void timer_init_hart();
uint64_t current_time();  // ns since boot
uint64_t ticks_to_ns(uint64_t ticks);
uint64_t deadline_after(uint64_t ns);

// Arms t on this hart; the callback runs in interrupt context on this hart, without locks held.
void timer_arm(Timer* t, uint64_t deadline, TimerCallback cb, void* arg);
// Returns true if t was pending and is now cancelled. If false, the callback may be running
// now on another hart; timer_cancel_sync() also waits for that to finish.
bool timer_cancel(Timer* t);
void timer_cancel_sync(Timer* t);

void timer_irq();
// Reprograms this hart's timer interrupt (after the run queue or slice changed).
void timer_reprogram();
