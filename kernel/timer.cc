// Per-hart deadline queues. A queue is a sorted list (timers are few: sleeping and waiting
// threads); each has its own spinlock so harts never contend on time. The interrupt handler
// pops expired timers and runs their callbacks with the queue unlocked, recording which timer
// is running so timer_cancel_sync() can wait for it.
#include "kernel/timer.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/sbi.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"

namespace {
struct TimerQueue {
  SpinLock lock{LockClass::kTimerQueue};
  List<Timer, &Timer::node> timers;
  Timer* volatile running = nullptr;
};
TimerQueue g_queues[kMaxCpus];
uint64_t g_timebase_hz = 10000000;
bool g_sstc = false;

void program_hw(uint64_t deadline_ns) {
  // ns -> ticks, rounding up so the interrupt never comes early.
  uint64_t ticks;
  if (deadline_ns == kInfiniteTime) {
    ticks = ~0ull;
  } else {
    uint64_t s = deadline_ns / 1000000000ull, rem = deadline_ns % 1000000000ull;
    ticks = s * g_timebase_hz + (rem * g_timebase_hz + 999999999ull) / 1000000000ull;
  }
  if (g_sstc)
    csr_write(0x14D, ticks);  // stimecmp
  else
    sbi::set_timer(ticks);
}
}  // namespace

void timer_init(uint64_t timebase_hz, bool sstc) {
  g_timebase_hz = timebase_hz ? timebase_hz : 10000000;
  g_sstc = sstc;
}

void timer_init_hart() {
  csr_set(sie, riscv::SIE_STIE);
  timer_reprogram();
}

uint64_t ticks_to_ns(uint64_t t) {
  return (t / g_timebase_hz) * 1000000000ull + (t % g_timebase_hz) * 1000000000ull / g_timebase_hz;
}

uint64_t current_time() { return ticks_to_ns(riscv::rdtime()); }

uint64_t deadline_after(uint64_t ns) {
  uint64_t now = current_time();
  return ns >= kInfiniteTime - now ? kInfiniteTime : now + ns;
}

void timer_reprogram() {
  bool irq = riscv::irq_save();
  Cpu* c = this_cpu();
  TimerQueue& q = g_queues[c->num];
  uint64_t next = sched_slice_deadline();
  q.lock.acquire();
  if (Timer* t = q.timers.front(); t && t->deadline < next) next = t->deadline;
  q.lock.release();
  program_hw(next);
  riscv::irq_restore(irq);
}

void timer_arm(Timer* t, uint64_t deadline, TimerCallback cb, void* arg) {
  bool irq = riscv::irq_save();
  int cpu = this_cpu_num();
  TimerQueue& q = g_queues[cpu];
  q.lock.acquire();
  t->deadline = deadline;
  t->callback = cb;
  t->arg = arg;
  t->cpu = cpu;
  Timer* pos = nullptr;
  for (Timer* x : q.timers) {
    if (x->deadline > deadline) {
      pos = x;
      break;
    }
  }
  if (pos)
    q.timers.insert_before(pos, t);
  else
    q.timers.push_back(t);
  bool first = q.timers.front() == t;
  q.lock.release();
  if (first) timer_reprogram();
  riscv::irq_restore(irq);
}

bool timer_cancel(Timer* t) {
  bool irq = riscv::irq_save();
  bool was_pending = false;
  int cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
  if (cpu >= 0) {
    TimerQueue& q = g_queues[cpu];
    q.lock.acquire();
    if (t->cpu == cpu && t->node.in_list()) {
      q.timers.remove(t);
      t->cpu = -1;
      was_pending = true;
    }
    q.lock.release();
  }
  riscv::irq_restore(irq);
  return was_pending;
}

void timer_cancel_sync(Timer* t) {
  timer_cancel(t);
  for (int i = 0; i < kMaxCpus; i++) {
    while (g_queues[i].running == t) riscv::pause();
  }
}

void timer_irq() {
  Cpu* c = this_cpu();
  TimerQueue& q = g_queues[c->num];
  uint64_t now = current_time();
  for (;;) {
    q.lock.acquire();
    Timer* t = q.timers.front();
    if (!t || t->deadline > now) {
      q.lock.release();
      break;
    }
    q.timers.remove(t);
    t->cpu = -1;
    q.running = t;
    q.lock.release();
    t->callback(t, t->arg);
    q.running = nullptr;
  }
  sched_timer_tick(now);
  timer_reprogram();
}
