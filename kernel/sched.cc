// Run queues, picking the next thread, context switches, preemption and balancing (see sched.h).
#include "kernel/sched.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/ipi.h"
#include "kernel/lab.h"
#include "kernel/panic.h"
#include "kernel/timer.h"
#include "mm/vm_aspace.h"

SpinLock g_sched_lock(LockClass::kSched);

extern "C" void arch_context_switch(Context* from, Context* to);

namespace {
struct RunQueue {
  List<Thread, &Thread::queue_node> levels[kNumPriorities];
  uint32_t bitmap = 0;  // bit p set when levels[p] is not empty
  int count = 0;
};
RunQueue g_rq[kMaxCpus];

void rq_push(int cpu, Thread* t) {
  RunQueue& rq = g_rq[cpu];
  rq.levels[t->priority].push_back(t);
  rq.bitmap |= 1u << t->priority;
  rq.count++;
  t->cpu = cpu;
}

void rq_remove(int cpu, Thread* t) {
  RunQueue& rq = g_rq[cpu];
  rq.levels[t->priority].remove(t);
  if (rq.levels[t->priority].empty()) rq.bitmap &= ~(1u << t->priority);
  rq.count--;
}

int highest_priority(int cpu) {
  uint32_t b = g_rq[cpu].bitmap;
  if (!b) return -1;
  // The highest set bit by halving, inline: rv64imac has no clz instruction, and this runs at
  // every switch.
  int p = 0;
  if (b >> 16) p += 16, b >>= 16;
  if (b >> 8) p += 8, b >>= 8;
  if (b >> 4) p += 4, b >>= 4;
  if (b >> 2) p += 2, b >>= 2;
  if (b >> 1) p += 1;
  return p;
}

Thread* rq_pop_highest(int cpu) {
  int p = highest_priority(cpu);
  if (p < 0) return nullptr;
  Thread* t = g_rq[cpu].levels[p].front();
  rq_remove(cpu, t);
  return t;
}

// Balancing: an idle hart takes the highest-priority thread it may run from the busiest hart.
Thread* steal(int thief) {
  int victim = -1;
  for (int i = 0; i < g_ncpus; i++) {
    if (i == thief || !g_cpus[i].online) continue;
    if (g_rq[i].count > 0 && (victim < 0 || g_rq[i].count > g_rq[victim].count)) victim = i;
  }
  if (victim < 0) return nullptr;
  for (int p = kNumPriorities - 1; p >= 0; p--) {
    for (Thread* t : g_rq[victim].levels[p]) {
      if (t->affinity < 0 || t->affinity == thief) {
        rq_remove(victim, t);
        return t;
      }
    }
  }
  return nullptr;
}

bool cpu_is_idle(int cpu) {
  return g_cpus[cpu].online && g_cpus[cpu].current && g_cpus[cpu].current->idle &&
         g_rq[cpu].count == 0;
}

int choose_cpu(Thread* t) {
  if (t->affinity >= 0) return t->affinity;
  int last = t->cpu >= 0 && g_cpus[t->cpu].online ? t->cpu : this_cpu_num();
  if (cpu_is_idle(last)) return last;
  for (int i = 0; i < g_ncpus; i++) {
    if (cpu_is_idle(i)) return i;
  }
  return last;
}

void switch_to(Cpu* c, Thread* prev, Thread* next) {
  next->state = ThreadState::Running;
  next->cpu = c->num;
  c->current = next;
  c->kstack_top = next->stack.top;
  c->kstack_limit = next->stack.limit;
  uint64_t now = current_time();
  next->slice_end = now + kTimeSliceNs;
  next->last_start = now;
  prev->runtime_ns += now - prev->last_start;
  next->switches++;
  c->context_switches++;
  vm_aspace_switch(prev->aspace, next->aspace);
  arch_context_switch(&prev->ctx, &next->ctx);
  // Running again, perhaps on another hart; g_sched_lock is held (taken by whoever switched
  // to us) and will be released by our caller.
}
}  // namespace

void sched_make_ready(Thread* t) {
  t->state = ThreadState::Ready;
  int cpu = choose_cpu(t);
  rq_push(cpu, t);
  Cpu* target = &g_cpus[cpu];
  if (target == this_cpu()) {
    // A thread woken on this hart with the waker's priority runs as soon as the waker leaves
    // the kernel (the waker goes to the back of its level, as at a preemption): the wakee was
    // waiting for what the waker just did, and a request/reply pair then takes one switch
    // each way instead of the waker running on until it blocks.
    if (!target->current || target->current->idle || t->priority >= target->current->priority)
      target->need_resched = true;
  } else if (!target->current || target->current->idle || t->priority > target->current->priority) {
    ipi_send(cpu, kIpiResched);
  }
}

void sched_reschedule() {
  Cpu* c = this_cpu();
  Thread* prev = c->current;
  c->need_resched = false;
  // LAB 3 SOLUTION BEGIN
  if (prev->state == ThreadState::Running && !prev->idle) {
    // Still runnable (a yield or a preemption): back of its level, unless pinned elsewhere.
    prev->state = ThreadState::Ready;
    rq_push(prev->affinity >= 0 ? prev->affinity : c->num, prev);
  }
  Thread* next = rq_pop_highest(c->num);
  if (!next) next = steal(c->num);
  if (!next) next = c->idle;
  if (next == prev) {
    prev->state = ThreadState::Running;
    return;
  }
  switch_to(c, prev, next);
  // LAB 3 SOLUTION END
  // LAB 3 STUB BEGIN
  // (void)prev;
  // (void)switch_to;
  // (void)steal;
  // (void)rq_pop_highest;
  // lab_todo(3, "sched_reschedule (pick the next thread and switch to it)");
  // LAB 3 STUB END
}

void sched_preempt() {
  SchedGuard g;
  Thread* t = this_cpu()->current;
  if (t->state == ThreadState::Running) sched_reschedule();
}

void sched_timer_tick(uint64_t now) {
  SchedGuard g;
  Cpu* c = this_cpu();
  Thread* t = c->current;
  if (!t) return;
  // LAB 3 SOLUTION BEGIN
  if (t->idle) {
    if (g_rq[c->num].count > 0) c->need_resched = true;
    // An idle hart looks for work on busier harts at every tick.
    for (int i = 0; i < g_ncpus && !c->need_resched; i++) {
      if (i != c->num && g_rq[i].count > 0) c->need_resched = true;
    }
    return;
  }
  if (now >= t->slice_end) {
    if (highest_priority(c->num) >= t->priority)
      c->need_resched = true;
    else
      t->slice_end = now + kTimeSliceNs;  // nobody to yield to: a fresh slice
  }
  // LAB 3 SOLUTION END
  // LAB 3 STUB BEGIN
  // (void)now;
  // (void)t;
  // LAB 3 STUB END
}

uint64_t sched_slice_deadline() {
  Thread* t = this_cpu()->current;
  if (!t) return kInfiniteTime;
  // Never in the past: an expired slice that was not acted on gets a new one.
  if (t->idle || t->slice_end <= current_time()) return deadline_after(kTimeSliceNs);
  return t->slice_end;
}

uint64_t sched_ready_count(int cpu) { return g_rq[cpu].count; }

void sched_idle_loop() {
  for (;;) {
    thread_reap_zombies();
    {
      SchedGuard g;
      Cpu* c = this_cpu();
      if (g_rq[c->num].count > 0 || c->need_resched) sched_reschedule();
    }
    riscv::wfi();
  }
}
