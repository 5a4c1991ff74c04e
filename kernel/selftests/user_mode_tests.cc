// Self tests of the way into and out of user mode, with hand-assembled programs: entering user
// mode, system calls (number in t0), zx_process_exit and the return code, a fatal user fault
// that kills only its process, and that everything a dead process held is given back.
#include "kernel/object/thread_dispatcher.h"
#include "kernel/selftests/selftest.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"

extern volatile uint64_t g_user_exceptions;

namespace {
constexpr uint64_t kSecond = 1'000'000'000ull;

// RV64 encodings used below.
constexpr uint32_t addi(int rd, int rs1, int imm) {
  return (static_cast<uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
}
constexpr uint32_t lui(int rd, uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
constexpr uint32_t ld(int rd, int rs1, int imm) {
  return (static_cast<uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03;
}
constexpr uint32_t kEcall = 0x00000073;
constexpr int kA0 = 10, kT0 = 5, kZero = 0;
constexpr int kSysHandleClose = 1, kSysProcessExit = 19;

// Runs `code` as a new process; returns its return code (or a large sentinel on trouble).
int64_t run_program(TestContext& t, const uint32_t* code, size_t n) {
  RefPtr<ProcessDispatcher> p;
  if (ProcessDispatcher::create("utest", &p) != ZX_OK) return 1000000;
  RefPtr<VmObject> text, stack;
  EXPECT_OK(VmObject::create(4096, 0, &text));
  EXPECT_OK(VmObject::create(16384, 0, &stack));
  EXPECT_OK(text->write(code, 0, n * 4));
  RefPtr<VmMapping> mt, ms;
  EXPECT_OK(p->aspace()->root()->map(0, 4096, text, 0, kVmRead | kVmExecute, 0, &mt));
  EXPECT_OK(p->aspace()->root()->map(0, 16384, stack, 0, kVmRead | kVmWrite, 0, &ms));
  if (!mt || !ms) return 1000001;
  RefPtr<ThreadDispatcher> th;
  EXPECT_OK(ThreadDispatcher::create(p, "main", &th));
  if (!th) return 1000002;
  EXPECT_OK(th->start(mt->base(), ms->base() + 16384, 0, 0));
  // Wait for the signal, not the state: a process is dead just before its TERMINATED signal is
  // raised (ProcessDispatcher::finish), possibly on another hart.
  uint64_t deadline = deadline_after(5 * kSecond);
  while (!(p->signals() & ZX_PROCESS_TERMINATED) && current_time() < deadline)
    thread_sleep(1'000'000);
  EXPECT(p->signals() & ZX_PROCESS_TERMINATED);
  EXPECT(p->state() == ProcessDispatcher::State::kDead);
  EXPECT(th->signals() & ZX_THREAD_TERMINATED);
  return p->return_code();
}

struct Baseline {
  uint64_t pages = page_alloc_free_pages();
  uint64_t objects = g_heap.stats().live_objects;
  uint64_t processes = ProcessDispatcher::live_count();
};
void expect_back_to(TestContext& t, const Baseline& b) {
  // Detached user threads are reaped by the idle loop: give it a moment.
  uint64_t deadline = deadline_after(2 * kSecond);
  while (g_heap.stats().live_objects != b.objects && current_time() < deadline) {
    thread_reap_zombies();
    thread_sleep(1'000'000);
  }
  EXPECT_EQ(ProcessDispatcher::live_count(), b.processes);
  EXPECT_EQ(g_heap.stats().live_objects, b.objects);
  EXPECT(page_alloc_free_pages() + 8 >= b.pages);
}
}  // namespace

SELFTEST("user.exit_code") {
  Baseline b;
  static const uint32_t prog[] = {addi(kA0, kZero, 42), addi(kT0, kZero, kSysProcessExit), kEcall};
  EXPECT_EQ(run_program(t, prog, 3), 42);
  expect_back_to(t, b);
}

SELFTEST("user.syscall_status") {
  Baseline b;
  // zx_handle_close(0x12345) fails with ZX_ERR_BAD_HANDLE; exit with that status.
  static const uint32_t prog[] = {lui(kA0, 0x12),
                                  addi(kA0, kA0, 0x345),
                                  addi(kT0, kZero, kSysHandleClose),
                                  kEcall,
                                  addi(kT0, kZero, kSysProcessExit),
                                  kEcall};
  EXPECT_EQ(run_program(t, prog, 6), ZX_ERR_BAD_HANDLE);
  // An unknown syscall number is refused, not fatal.
  static const uint32_t bad[] = {addi(kT0, kZero, 2000), kEcall, addi(kT0, kZero, kSysProcessExit),
                                 kEcall};
  EXPECT_EQ(run_program(t, bad, 4), ZX_ERR_BAD_SYSCALL);
  expect_back_to(t, b);
}

SELFTEST("user.fault_kills_process") {
  Baseline b;
  uint64_t before = g_user_exceptions;
  static const uint32_t prog[] = {ld(kA0, kZero, 0), addi(kT0, kZero, kSysProcessExit), kEcall};
  EXPECT_EQ(run_program(t, prog, 3), ZX_TASK_RETCODE_EXCEPTION_KILL);
  EXPECT_EQ(g_user_exceptions, before + 1);
  expect_back_to(t, b);
}

SELFTEST("user.kill_before_start") {
  // A process with a thread that never started ends cleanly when killed.
  Baseline b;
  {
    RefPtr<ProcessDispatcher> p;
    REQUIRE(ProcessDispatcher::create("unstarted", &p) == ZX_OK);
    RefPtr<ThreadDispatcher> th1, th2;
    EXPECT_OK(ThreadDispatcher::create(p, "a", &th1));
    EXPECT_OK(ThreadDispatcher::create(p, "b", &th2));
    p->kill(ZX_TASK_RETCODE_SYSCALL_KILL);
    EXPECT(p->state() == ProcessDispatcher::State::kDead);
    EXPECT(p->signals() & ZX_PROCESS_TERMINATED);
    EXPECT(th1->signals() & ZX_THREAD_TERMINATED);
    EXPECT_EQ(p->return_code(), ZX_TASK_RETCODE_SYSCALL_KILL);
    EXPECT_EQ(th1->start(0x10000, 0x20000, 0, 0), ZX_ERR_BAD_STATE);
  }
  expect_back_to(t, b);
}
