// More self tests of scheduling details: yield ordering, many concurrent sleepers, and the
// shape of a kernel stack (mapped pages with an unmapped guard below).
#include "kernel/arch/riscv/cpu.h"
#include "kernel/sched.h"
#include "kernel/selftests/selftest.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "mm/kernel_aspace.h"

namespace {
constexpr uint64_t kSecond = 1'000'000'000ull;

struct YieldState {
  volatile int log[64];
  volatile int n = 0;
};
struct Yielder {
  YieldState* s;
  int id;
};
int yielder(void* arg) {
  auto* y = static_cast<Yielder*>(arg);
  for (int i = 0; i < 8; i++) {
    int slot = __atomic_fetch_add(&y->s->n, 1, __ATOMIC_SEQ_CST);
    if (slot < 64) y->s->log[slot] = y->id;
    thread_yield();
  }
  return 0;
}
}  // namespace

SELFTEST("sched.yield_round_robin") {
  // Two equal-priority threads on one hart, each yielding after every step, take turns.
  YieldState s;
  Yielder y[2] = {{&s, 0}, {&s, 1}};
  Thread* ts[2];
  int me = this_cpu_num();
  for (int i = 0; i < 2; i++) {
    ts[i] = thread_create("yielder", yielder, &y[i], kHighPriority);
    REQUIRE(ts[i] != nullptr);
    ts[i]->affinity = me;
  }
  {
    SchedGuard g;  // both ready before either runs
    sched_make_ready(ts[0]);
    sched_make_ready(ts[1]);
  }
  for (int i = 0; i < 2; i++) EXPECT_OK(thread_join(ts[i], nullptr, deadline_after(5 * kSecond)));
  EXPECT_EQ(s.n, 16);
  int switches = 0;
  for (int i = 1; i < 16; i++) switches += s.log[i] != s.log[i - 1];
  EXPECT_EQ(switches, 15);  // strictly alternating
}

namespace {
struct Sleeper {
  uint64_t deadline;
  volatile uint64_t woke;
};
int sleep_until(void* arg) {
  auto* s = static_cast<Sleeper*>(arg);
  thread_sleep_until(s->deadline);
  s->woke = current_time();
  return 0;
}
}  // namespace

SELFTEST("timer.many_sleepers") {
  constexpr int kN = 24;
  static Sleeper s[kN];
  Thread* ts[kN];
  uint64_t base = deadline_after(10'000'000);
  uint64_t seed = 7;
  for (int i = 0; i < kN; i++) {
    seed = seed * 6364136223846793005ull + 1;
    s[i].deadline = base + (seed >> 40) % 50'000'000;
    s[i].woke = 0;
    ts[i] = thread_create("sleeper", sleep_until, &s[i]);
    REQUIRE(ts[i] != nullptr);
    thread_start(ts[i]);
  }
  for (int i = 0; i < kN; i++) {
    EXPECT_OK(thread_join(ts[i], nullptr, deadline_after(5 * kSecond)));
    EXPECT(s[i].woke >= s[i].deadline);  // nobody wakes early
  }
}

SELFTEST("kstack.guard_unmapped") {
  REQUIRE(kernel_aspace_ready());
  Thread* self = thread_current();
  REQUIRE(self->stack.guarded);
  PageTable& kpt = kernel_page_table();
  uint64_t pa;
  uint32_t flags;
  // Every page of the stack is mapped read/write, not executable...
  for (uint64_t va = self->stack.limit; va < self->stack.top; va += 4096) {
    EXPECT_OK(kpt.query(va, &pa, &flags));
    EXPECT_EQ(flags & (kMmuRead | kMmuWrite | kMmuExec), kMmuRead | kMmuWrite);
  }
  // ...and the page below it is not mapped at all.
  EXPECT_EQ(kpt.query(self->stack.limit - 4096, &pa, &flags), ZX_ERR_NOT_FOUND);
  // The stack pointer is inside.
  uint64_t sp = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
  EXPECT(sp > self->stack.limit && sp <= self->stack.top);
}
