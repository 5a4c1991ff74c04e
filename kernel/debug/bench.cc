// In-kernel benchmarks, counted in retired instructions (rdinstret). Under QEMU with
// `-icount shift=0` the count is exactly reproducible, so these numbers can be compared across
// commits and machines (tests/qemu/bench.py runs them that way). Each prints
//   bench: <name>\t<instructions per operation>
#include "kernel/arch/riscv/csr.h"
#include "kernel/console.h"
#include "kernel/debug/command.h"
#include "kernel/mutex.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "mm/heap.h"
#include "mm/pmm.h"

namespace {
constexpr int kIters = 2000;

void report(const char* name, uint64_t instructions, uint64_t ops) {
  kprintf("bench: %s\t%lu\n", name, ops ? instructions / ops : 0);
}

struct PingPong {
  Event ping{true}, pong{true};
  int rounds = 0;
};
int ponger(void* arg) {
  auto* p = static_cast<PingPong*>(arg);
  for (int i = 0; i < p->rounds; i++) {
    p->ping.wait();
    p->pong.signal();
  }
  return 0;
}

void bench_ctx_switch() {
  PingPong p;
  p.rounds = kIters;
  Thread* t = thread_create("ponger", ponger, &p);
  if (!t) return;
  Thread* me = thread_current();
  int old_affinity = me->affinity;
  me->affinity = 0;  // both on one hart, so every handoff is a switch
  t->affinity = 0;
  thread_yield();
  thread_start(t);
  uint64_t start = riscv::rdinstret();
  for (int i = 0; i < kIters; i++) {
    p.ping.signal();
    p.pong.wait();
  }
  uint64_t end = riscv::rdinstret();
  thread_join(t, nullptr);
  me->affinity = old_affinity;
  // Each round trip is two switches (to the ponger and back).
  report("ctx_switch", end - start, 2ull * kIters);
}

volatile int g_fired;
void on_timer(Timer*, void*) { g_fired = 1; }

void bench_timer_irq() {
  Timer t;
  uint64_t total = 0;
  int n = 0;
  for (int i = 0; i < 200; i++) {
    riscv::irq_disable();
    g_fired = 0;
    timer_arm(&t, 0, on_timer, nullptr);  // already due: the interrupt is pending
    uint64_t start = riscv::rdinstret();
    riscv::irq_enable();  // taken here: entry, handler, return
    uint64_t end = riscv::rdinstret();
    if (g_fired) {
      total += end - start;
      n++;
    }
  }
  report("timer_irq", total, n);
}

void bench_page_alloc_free() {
  uint64_t start = riscv::rdinstret();
  for (int i = 0; i < kIters; i++) {
    vm_page* p = g_pmm.alloc_page(PageState::Wired);
    if (p) g_pmm.free_page(p);
  }
  report("page_alloc_free", riscv::rdinstret() - start, kIters);
}

void bench_heap_64() {
  uint64_t start = riscv::rdinstret();
  for (int i = 0; i < kIters; i++) kfree(kmalloc(64));
  report("heap_alloc_free_64", riscv::rdinstret() - start, kIters);
}
}  // namespace

COMMAND("bench", "instruction counts of kernel primitives (use make bench for -icount figures)") {
  bench_ctx_switch();
  bench_timer_irq();
  bench_page_alloc_free();
  bench_heap_64();
}
