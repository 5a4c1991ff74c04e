// Self tests of threads, the scheduler, wait queues, mutexes, events and timers (lab 3). They
// run on 1 hart and on 4; counts are exact, so a lost wakeup or a race shows up as a wrong
// number rather than a flaky hang (every wait has a deadline).
#include "kernel/arch/riscv/cpu.h"
#include "kernel/lock_debug.h"
#include "kernel/mutex.h"
#include "kernel/sched.h"
#include "kernel/selftests/selftest.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "kernel/wait_queue.h"
#include "mm/heap.h"
#include "mm/kernel_stack.h"
#include "mm/page_alloc.h"

namespace {
constexpr uint64_t kSecond = 1'000'000'000ull;

int return_arg(void* arg) { return static_cast<int>(reinterpret_cast<uint64_t>(arg)); }
}  // namespace

SELFTEST("thread.create_join") {
  for (int i = 0; i < 8; i++) {
    Thread* th = thread_create("child", return_arg, reinterpret_cast<void*>(100 + i));
    REQUIRE(th != nullptr);
    thread_start(th);
    int code = -1;
    EXPECT_OK(thread_join(th, &code, deadline_after(5 * kSecond)));
    EXPECT_EQ(code, 100 + i);
  }
}

SELFTEST("thread.many_no_leak") {
  // Threads (records and guarded stacks) come back to the allocators when joined.
  thread_reap_zombies();
  uint64_t pages = page_alloc_free_pages();
  uint64_t stacks = kernel_stacks_in_use();
  uint64_t heap = g_heap.stats().live_objects;
  Thread* ts[32];
  for (int i = 0; i < 32; i++) {
    ts[i] = thread_create("many", return_arg, reinterpret_cast<void*>(i));
    REQUIRE(ts[i] != nullptr);
    thread_start(ts[i]);
  }
  for (int i = 0; i < 32; i++) {
    int code = -1;
    EXPECT_OK(thread_join(ts[i], &code, deadline_after(5 * kSecond)));
    EXPECT_EQ(code, i);
  }
  EXPECT_EQ(kernel_stacks_in_use(), stacks);
  EXPECT_EQ(g_heap.stats().live_objects, heap);
  EXPECT(page_alloc_free_pages() + 8 >= pages);
}

namespace {
volatile int g_detached_ran = 0;
int detached_body(void*) {
  __atomic_fetch_add(&g_detached_ran, 1, __ATOMIC_SEQ_CST);
  return 0;
}
}  // namespace

SELFTEST("thread.detach") {
  g_detached_ran = 0;
  uint64_t stacks = kernel_stacks_in_use();
  for (int i = 0; i < 4; i++) {
    Thread* th = thread_create("detached", detached_body, nullptr);
    REQUIRE(th != nullptr);
    thread_detach(th);
    thread_start(th);
  }
  uint64_t deadline = deadline_after(5 * kSecond);
  while (g_detached_ran < 4 && current_time() < deadline) thread_sleep(1'000'000);
  EXPECT_EQ(g_detached_ran, 4);
  // Reaped by the idle loop or by us.
  deadline = deadline_after(5 * kSecond);
  while (kernel_stacks_in_use() != stacks && current_time() < deadline) {
    thread_sleep(1'000'000);
    thread_reap_zombies();
  }
  EXPECT_EQ(kernel_stacks_in_use(), stacks);
}

namespace {
volatile bool g_spin_stop = false;
volatile uint64_t g_spin_count[8];
int spinner(void* arg) {
  int i = static_cast<int>(reinterpret_cast<uint64_t>(arg));
  while (!g_spin_stop)
    g_spin_count[i] = g_spin_count[i] + 1;  // never yields: only preemption lets others run
  return 0;
}
}  // namespace

SELFTEST("sched.preempt") {
  // More busy threads than harts, all pinned to this hart: each must still make progress.
  g_spin_stop = false;
  Thread* ts[3];
  int me = this_cpu_num();
  for (int i = 0; i < 3; i++) {
    g_spin_count[i] = 0;
    ts[i] = thread_create("spinner", spinner, reinterpret_cast<void*>(static_cast<uint64_t>(i)));
    REQUIRE(ts[i] != nullptr);
    ts[i]->affinity = me;
    thread_start(ts[i]);
  }
  // The test thread has the same priority, so it is preempted too and gets back the hart.
  uint64_t deadline = deadline_after(3 * kSecond);
  bool all = false;
  while (!all && current_time() < deadline) {
    thread_sleep(20'000'000);
    all = g_spin_count[0] && g_spin_count[1] && g_spin_count[2];
  }
  g_spin_stop = true;
  for (int i = 0; i < 3; i++) EXPECT_OK(thread_join(ts[i], nullptr, deadline_after(5 * kSecond)));
  EXPECT(all);
}

namespace {
struct PrioState {
  volatile int order[4];
  volatile int n;
};
int record_order(void* arg) {
  auto* s = static_cast<PrioState*>(arg);
  int slot = __atomic_fetch_add(&s->n, 1, __ATOMIC_SEQ_CST);
  if (slot < 4) s->order[slot] = thread_current()->priority;
  return 0;
}
}  // namespace

SELFTEST("sched.priority") {
  // Ready threads pinned to this hart run highest priority first once we block.
  PrioState st{};
  int me = this_cpu_num();
  static const int prios[4] = {kLowPriority, kHighPriority, kDefaultPriority - 1,
                               kHighPriority + 2};
  Thread* ts[4];
  {
    // Start them all before any can run: this thread keeps the hart until it sleeps... unless a
    // higher priority preempts it, which is also highest-first.
    for (int i = 0; i < 4; i++) {
      ts[i] = thread_create("prio", record_order, &st, prios[i]);
      REQUIRE(ts[i] != nullptr);
      ts[i]->affinity = me;
    }
    SchedGuard g;  // make all four ready atomically
    for (int i = 0; i < 4; i++) sched_make_ready(ts[i]);
  }
  for (int i = 0; i < 4; i++) EXPECT_OK(thread_join(ts[i], nullptr, deadline_after(5 * kSecond)));
  EXPECT_EQ(st.n, 4);
  EXPECT_EQ(st.order[0], kHighPriority + 2);
  EXPECT_EQ(st.order[1], kHighPriority);
  EXPECT_EQ(st.order[2], kDefaultPriority - 1);
  EXPECT_EQ(st.order[3], kLowPriority);
}

namespace {
volatile int g_where[8];
int note_hart(void* arg) {
  int i = static_cast<int>(reinterpret_cast<uint64_t>(arg));
  uint64_t end = deadline_after(50'000'000);
  while (current_time() < end) {
  }
  g_where[i] = this_cpu_num();
  return 0;
}
}  // namespace

SELFTEST("sched.balance") {
  // Busy threads started together spread over the harts (on 1 hart, trivially all on it).
  int n = g_ncpus < 4 ? g_ncpus : 4;
  Thread* ts[4];
  for (int i = 0; i < n; i++) {
    g_where[i] = -1;
    ts[i] = thread_create("busy", note_hart, reinterpret_cast<void*>(static_cast<uint64_t>(i)));
    REQUIRE(ts[i] != nullptr);
    thread_start(ts[i]);
  }
  for (int i = 0; i < n; i++) EXPECT_OK(thread_join(ts[i], nullptr, deadline_after(5 * kSecond)));
  int seen = 0;
  for (int i = 0; i < n; i++) {
    bool dup = false;
    for (int j = 0; j < i; j++) dup |= g_where[j] == g_where[i];
    if (!dup) seen++;
  }
  EXPECT(seen >= (n + 1) / 2);  // at least half the harts took part
}

namespace {
struct WqState {
  WaitQueue wq;
  volatile int woken = 0;
  volatile int waiting = 0;
};
int wq_waiter(void* arg) {
  auto* s = static_cast<WqState*>(arg);
  SchedGuard g;
  s->waiting = s->waiting + 1;
  zx_status_t st = s->wq.block(deadline_after(10 * kSecond));
  if (st == ZX_OK) s->woken = s->woken + 1;
  return st;
}
void wait_for_waiters(WqState& s, int n) {
  uint64_t deadline = deadline_after(5 * kSecond);
  for (;;) {
    {
      SchedGuard g;
      if ((int)s.wq.count() >= n || current_time() > deadline) return;
    }
    thread_sleep(1'000'000);
  }
}
}  // namespace

SELFTEST("wq.wake_one") {
  WqState s;
  Thread* ts[4];
  for (int i = 0; i < 4; i++) {
    ts[i] = thread_create("waiter", wq_waiter, &s);
    REQUIRE(ts[i] != nullptr);
    thread_start(ts[i]);
  }
  wait_for_waiters(s, 4);
  {
    SchedGuard g;
    EXPECT_EQ(s.wq.count(), 4u);
    EXPECT(s.wq.wake_one() != nullptr);
  }
  thread_sleep(20'000'000);
  EXPECT_EQ(s.woken, 1);
  {
    SchedGuard g;
    EXPECT_EQ(s.wq.count(), 3u);
    EXPECT_EQ(s.wq.wake_all(), 3);
  }
  for (int i = 0; i < 4; i++) {
    int code = -1;
    EXPECT_OK(thread_join(ts[i], &code, deadline_after(5 * kSecond)));
    EXPECT_EQ(code, ZX_OK);
  }
  EXPECT_EQ(s.woken, 4);
}

SELFTEST("wq.timeout") {
  WaitQueue wq;
  uint64_t start = current_time();
  zx_status_t st;
  {
    SchedGuard g;
    st = wq.block(deadline_after(30'000'000));
  }
  uint64_t waited = current_time() - start;
  EXPECT_EQ(st, ZX_ERR_TIMED_OUT);
  EXPECT(waited >= 30'000'000);
  {
    SchedGuard g;
    EXPECT(wq.empty());
    // A deadline already past does not block at all.
    EXPECT_EQ(wq.block(current_time()), ZX_ERR_TIMED_OUT);
  }
}

namespace {
struct MutexState {
  Mutex m{"test"};
  volatile uint64_t counter = 0;
  volatile int inside = 0;
  volatile int overlap = 0;
};
int mutex_worker(void* arg) {
  auto* s = static_cast<MutexState*>(arg);
  for (int i = 0; i < 2000; i++) {
    MutexGuard g(s->m);
    if (__atomic_fetch_add(&s->inside, 1, __ATOMIC_SEQ_CST) != 0) s->overlap = 1;
    uint64_t v = s->counter;
    if ((i & 63) == 0) thread_yield();  // hold it across a switch now and then
    s->counter = v + 1;
    __atomic_fetch_sub(&s->inside, 1, __ATOMIC_SEQ_CST);
  }
  return 0;
}
}  // namespace

SELFTEST("mutex.contention") {
  MutexState s;
  Thread* ts[6];
  for (int i = 0; i < 6; i++) {
    ts[i] = thread_create("mutex", mutex_worker, &s);
    REQUIRE(ts[i] != nullptr);
    thread_start(ts[i]);
  }
  for (int i = 0; i < 6; i++) EXPECT_OK(thread_join(ts[i], nullptr, deadline_after(15 * kSecond)));
  EXPECT_EQ(s.counter, 6u * 2000u);
  EXPECT_EQ(s.overlap, 0);
}

SELFTEST("mutex.misuse_reported") {
  ExpectLockMisuse expect;
  Mutex m("misuse");
  uint64_t before = g_lock_misuse_count;
  m.unlock();  // not locked
  EXPECT_EQ(g_lock_misuse_count, before + 1);
  m.lock();
  m.lock();  // would deadlock: reported instead
  EXPECT_EQ(g_lock_misuse_count, before + 2);
  m.unlock();
  EXPECT(!m.held_by_me());
}

SELFTEST("spinlock.misuse_reported") {
  ExpectLockMisuse expect;
  SpinLock l("misuse");
  uint64_t before = g_lock_misuse_count;
  {
    bool irq = riscv::irq_save();
    l.acquire();
    l.acquire();  // would deadlock: reported
    EXPECT_EQ(g_lock_misuse_count, before + 1);
    l.release();
    EXPECT(!l.held_by_me());
    l.release();  // not held
    EXPECT_EQ(g_lock_misuse_count, before + 2);
    riscv::irq_restore(irq);
  }
  {
    SpinLockGuard g(l);
    WaitQueue wq;
    SchedGuard sg;
    wq.block(current_time() + 1);  // blocking with a spinlock held: reported
  }
  EXPECT(g_lock_misuse_count >= before + 3);
}

namespace {
struct EventState {
  Event ev;
  volatile int passed = 0;
  explicit EventState(bool autoreset) : ev(autoreset) {}
};
int event_waiter(void* arg) {
  auto* s = static_cast<EventState*>(arg);
  zx_status_t st = s->ev.wait(deadline_after(300'000'000));
  if (st == ZX_OK) __atomic_fetch_add(&s->passed, 1, __ATOMIC_SEQ_CST);
  return st;
}
}  // namespace

SELFTEST("event.manual_and_auto") {
  for (int autoreset = 0; autoreset < 2; autoreset++) {
    EventState s(autoreset != 0);
    Thread* ts[3];
    for (int i = 0; i < 3; i++) {
      ts[i] = thread_create("event", event_waiter, &s);
      REQUIRE(ts[i] != nullptr);
      thread_start(ts[i]);
    }
    thread_sleep(30'000'000);
    s.ev.signal();
    for (int i = 0; i < 3; i++) thread_join(ts[i], nullptr, deadline_after(5 * kSecond));
    // Manual reset releases all three; auto reset exactly one (the others time out).
    EXPECT_EQ(s.passed, autoreset ? 1 : 3);
  }
}

namespace {
struct SleepState {
  volatile int order[4];
  volatile int n = 0;
};
struct Sleeper {
  SleepState* s;
  int id;
  uint64_t deadline;
};
int sleeper(void* arg) {
  auto* sl = static_cast<Sleeper*>(arg);
  thread_sleep_until(sl->deadline);
  int slot = __atomic_fetch_add(&sl->s->n, 1, __ATOMIC_SEQ_CST);
  sl->s->order[slot] = sl->id;
  return current_time() >= sl->deadline ? 0 : 1;
}
}  // namespace

SELFTEST("timer.sleep_order") {
  SleepState s;
  Sleeper sl[4];
  Thread* ts[4];
  uint64_t base = deadline_after(20'000'000);
  static const int gaps[4] = {3, 0, 2, 1};  // start order differs from wake order
  for (int i = 0; i < 4; i++) {
    sl[i] = Sleeper{&s, gaps[i], base + gaps[i] * 30'000'000ull};
    ts[i] = thread_create("sleeper", sleeper, &sl[i]);
    REQUIRE(ts[i] != nullptr);
    // All on one hart, so the order they run in is the order their timers fired: spread over
    // several, a hart the host deschedules for longer than a gap would record its sleeper late.
    ts[i]->affinity = this_cpu_num();
    thread_start(ts[i]);
  }
  for (int i = 0; i < 4; i++) {
    int code = -1;
    EXPECT_OK(thread_join(ts[i], &code, deadline_after(5 * kSecond)));
    EXPECT_EQ(code, 0);  // never woke early
  }
  EXPECT_EQ(s.n, 4);
  for (int i = 0; i < 4; i++) EXPECT_EQ(s.order[i], i);
}

namespace {
volatile int g_timer_fired = 0;
void timer_cb(Timer*, void*) { __atomic_fetch_add(&g_timer_fired, 1, __ATOMIC_SEQ_CST); }
}  // namespace

SELFTEST("timer.cancel") {
  Timer a, b;
  g_timer_fired = 0;
  timer_arm(&a, deadline_after(20'000'000), timer_cb, nullptr);
  timer_arm(&b, deadline_after(40'000'000), timer_cb, nullptr);
  EXPECT(timer_cancel(&b));
  thread_sleep(80'000'000);
  EXPECT_EQ(g_timer_fired, 1);
  EXPECT(!timer_cancel(&a));  // already fired
}
