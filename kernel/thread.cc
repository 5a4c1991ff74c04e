// Thread lifecycle: create (a heap record and a guarded kernel stack), start, exit, join,
// detach, sleep. A dead thread's stack stays in use until its last context switch is done,
// which is why freeing happens in thread_join() or, for detached threads, in the idle loop.
#include "kernel/thread.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/ipi.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "kernel/wait_queue.h"
#include "mm/heap.h"

namespace {
constexpr uint32_t kThreadMagic = 0x54485244;  // "THRD"
int g_next_id = 1;                             // g_sched_lock
List<Thread, &Thread::all_node> g_all;         // g_sched_lock
List<Thread, &Thread::queue_node> g_zombies;   // detached and dead, g_sched_lock
WaitQueue g_join_wq;  // every joiner waits here and re-checks its thread's state

void free_thread(Thread* t) {
  timer_cancel_sync(&t->wait_timer);
  kernel_stack_free(&t->stack);
  t->magic = 0;
  kfree(t);
}
}  // namespace

extern "C" void thread_trampoline() {
  // We arrive from a context switch, holding g_sched_lock with interrupts off.
  g_sched_lock.release();
  riscv::irq_enable();
  Thread* t = this_cpu()->current;
  thread_exit(t->entry(t->arg));
}

Thread* thread_create(const char* name, ThreadEntry entry, void* arg, int priority) {
  thread_reap_zombies();
  Thread* t = static_cast<Thread*>(kmalloc(sizeof(Thread)));
  if (!t) return nullptr;
  memset(t, 0, sizeof(*t));
  if (kernel_stack_alloc(&t->stack) != ZX_OK) {
    kfree(t);
    return nullptr;
  }
  t->magic = kThreadMagic;
  kstrlcpy(t->name, name, sizeof(t->name));
  t->state = ThreadState::Initial;
  t->priority = priority < 0 ? 0 : (priority >= kNumPriorities ? kNumPriorities - 1 : priority);
  t->cpu = -1;
  t->affinity = -1;
  t->entry = entry;
  t->arg = arg;
  t->ctx.ra = reinterpret_cast<uint64_t>(&thread_trampoline);
  t->ctx.sp = t->stack.top;
  SchedGuard g;
  t->id = g_next_id++;
  g_all.push_back(t);
  return t;
}

void thread_start(Thread* t) {
  SchedGuard g;
  assert(t->state == ThreadState::Initial);
  sched_make_ready(t);
}

void thread_exit(int code) {
  riscv::irq_disable();
  g_sched_lock.acquire();
  Thread* t = this_cpu()->current;
  t->exit_code = code;
  t->state = ThreadState::Dead;
  if (t->detached) {
    g_all.remove(t);
    g_zombies.push_back(t);
  }
  g_join_wq.wake_all(ZX_OK);
  sched_reschedule();
  // Only reached on a lab 3 handout, where switching is not written yet.
  panic("thread_exit: sched_reschedule returned to a dead thread");
}

zx_status_t thread_join(Thread* t, int* exit_code, uint64_t deadline) {
  {
    SchedGuard g;
    if (t->magic != kThreadMagic || t->detached) return ZX_ERR_BAD_STATE;
    while (t->state != ThreadState::Dead) {
      zx_status_t s = g_join_wq.block(deadline);
      if (s != ZX_OK) return s;
    }
    if (exit_code) *exit_code = t->exit_code;
    g_all.remove(t);
  }
  free_thread(t);
  return ZX_OK;
}

void thread_detach(Thread* t) {
  SchedGuard g;
  t->detached = true;
  if (t->state == ThreadState::Dead) {
    g_all.remove(t);
    g_zombies.push_back(t);
  }
}

void thread_reap_zombies() {
  for (;;) {
    Thread* t;
    {
      SchedGuard g;
      t = g_zombies.pop_front();
    }
    if (!t) return;
    free_thread(t);
  }
}

void thread_yield() {
  SchedGuard g;
  sched_reschedule();
}

void thread_sleep_until(uint64_t deadline) {
  WaitQueue wq;  // nobody wakes it: the deadline does
  SchedGuard g;
  while (current_time() < deadline) {
    if (wq.block(deadline) == ZX_ERR_NOT_SUPPORTED) break;
  }
}

void thread_sleep(uint64_t ns) { thread_sleep_until(deadline_after(ns)); }

void thread_request_kill(Thread* t) {
  SchedGuard g;
  t->kill_pending = true;
  if (t->state == ThreadState::Blocked && t->interruptible && t->blocked_on) {
    t->blocked_on->unblock_thread(t, ZX_ERR_CANCELED);
  } else if (t->state == ThreadState::Running && t->cpu != this_cpu_num()) {
    ipi_send(t->cpu, kIpiResched);  // it notices at its next trap
  }
}

const char* thread_state_name(ThreadState s) {
  switch (s) {
    case ThreadState::Initial:
      return "initial";
    case ThreadState::Ready:
      return "ready";
    case ThreadState::Running:
      return "running";
    case ThreadState::Blocked:
      return "blocked";
    case ThreadState::Dead:
      return "dead";
  }
  return "?";
}

void thread_for_each(void (*fn)(Thread* t, void* ctx), void* ctx) {
  SchedGuard g;
  for (Thread* t : g_all) fn(t, ctx);
}

uint64_t thread_count() {
  SchedGuard g;
  return g_all.size();
}

// Boot contexts become threads here: the boot hart's first thread and every hart's idle.
Thread* thread_adopt_boot_context(const char* name, uint64_t stack_limit, uint64_t stack_top,
                                  bool idle) {
  Thread* t = static_cast<Thread*>(kmalloc(sizeof(Thread)));
  assert(t);
  memset(t, 0, sizeof(*t));
  t->magic = kThreadMagic;
  kstrlcpy(t->name, name, sizeof(t->name));
  t->state = ThreadState::Running;
  t->priority = idle ? 0 : kDefaultPriority;
  t->cpu = this_cpu_num();
  t->affinity = idle ? this_cpu_num() : -1;
  t->idle = idle;
  t->stack.limit = stack_limit;
  t->stack.top = stack_top;
  t->stack.guarded = false;
  t->last_start = current_time();
  t->slice_end = t->last_start + kTimeSliceNs;
  SchedGuard g;
  t->id = g_next_id++;
  g_all.push_back(t);
  return t;
}
