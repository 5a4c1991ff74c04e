// Self tests of fault handling and cross-hart TLB shootdown. The fault tests run the faulting
// code in a fault-recoverable thread: the kernel prints its full report, kills only that
// thread, and the test observes the exit code and the fault counter.
#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/arch/riscv/trap.h"
#include "kernel/ipi.h"
#include "kernel/selftests/selftest.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "mm/kernel_aspace.h"
#include "mm/page_alloc.h"
#include "mm/pmm.h"

void crash_stack_overflow();

namespace {
constexpr uint64_t kSecond = 1'000'000'000ull;

int overflow_body(void*) {
  crash_stack_overflow();
  return 0;
}
int null_body(void*) {
  volatile uint64_t addr = 8;
  return static_cast<int>(*reinterpret_cast<volatile uint64_t*>(addr));
}

int run_recoverable(ThreadEntry fn) {
  Thread* th = thread_create("faulty", fn, nullptr);
  if (!th) return 0;
  th->fault_recoverable = true;
  thread_start(th);
  int code = 0;
  if (thread_join(th, &code, deadline_after(5 * kSecond)) != ZX_OK) return 0;
  return code;
}
}  // namespace

SELFTEST("guard.overflow_reported") {
  REQUIRE(kernel_aspace_ready());  // guard pages need the kernel page table
  uint64_t before = g_kernel_faults;
  EXPECT_EQ(run_recoverable(overflow_body), kThreadExitFault);
  EXPECT_EQ(g_kernel_faults, before + 1);
}

SELFTEST("fault.recoverable_thread") {
  uint64_t before = g_kernel_faults;
  EXPECT_EQ(run_recoverable(null_body), kThreadExitFault);
  EXPECT_EQ(g_kernel_faults, before + 1);
  // The kernel is fine afterwards: threads still run.
  Thread* th = thread_create(
      "after", [](void*) { return 7; }, nullptr);
  REQUIRE(th != nullptr);
  thread_start(th);
  int code = 0;
  EXPECT_OK(thread_join(th, &code, deadline_after(5 * kSecond)));
  EXPECT_EQ(code, 7);
}

namespace {
// A kernel page that every hart reads, then is remapped to another frame.
constexpr uint64_t kTestVa = kKernelStackBase + kKernelStackRegionSize - 2 * 4096;
struct TlbState {
  volatile int phase = 0;
  volatile int readers_done[kMaxCpus];
  volatile uint64_t seen[kMaxCpus][2];
};
TlbState* g_tlb;
int tlb_reader(void* arg) {
  int cpu = static_cast<int>(reinterpret_cast<uint64_t>(arg));
  volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(kTestVa);
  g_tlb->seen[cpu][0] = *p;  // caches the translation in this hart's TLB
  __atomic_store_n(&g_tlb->readers_done[cpu], 1, __ATOMIC_SEQ_CST);
  uint64_t deadline = deadline_after(5 * kSecond);
  while (g_tlb->phase == 0 && current_time() < deadline) thread_sleep(1'000'000);
  g_tlb->seen[cpu][1] = *p;  // must see the new frame
  return 0;
}
}  // namespace

SELFTEST("tlb.shootdown") {
  REQUIRE(kernel_aspace_ready());
  vm_page* a = page_alloc(PageState::Wired);
  vm_page* b = page_alloc(PageState::Wired);
  REQUIRE(a && b);
  *static_cast<uint64_t*>(phys_to_virt(a->paddr)) = 0xAAAA;
  *static_cast<uint64_t*>(phys_to_virt(b->paddr)) = 0xBBBB;
  EXPECT_OK(kernel_map(kTestVa, a->paddr, 4096, kMmuRead | kMmuWrite | kMmuGlobal));
  static TlbState st;
  st = TlbState{};
  g_tlb = &st;
  Thread* ts[kMaxCpus] = {};
  for (int i = 0; i < g_ncpus; i++) {
    if (!g_cpus[i].online) continue;
    ts[i] = thread_create("tlb", tlb_reader, reinterpret_cast<void*>(static_cast<uint64_t>(i)),
                          kHighPriority);
    REQUIRE(ts[i] != nullptr);
    ts[i]->affinity = i;
    thread_start(ts[i]);
  }
  uint64_t deadline = deadline_after(5 * kSecond);
  for (int i = 0; i < g_ncpus; i++) {
    while (ts[i] && !st.readers_done[i] && current_time() < deadline) thread_sleep(1'000'000);
  }
  uint64_t handled = g_tlb_shootdowns_handled;
  EXPECT_OK(kernel_unmap(kTestVa, 4096));  // shoots down every hart's entry
  EXPECT_OK(kernel_map(kTestVa, b->paddr, 4096, kMmuRead | kMmuWrite | kMmuGlobal));
  st.phase = 1;
  for (int i = 0; i < g_ncpus; i++) {
    if (!ts[i]) continue;
    EXPECT_OK(thread_join(ts[i], nullptr, deadline_after(5 * kSecond)));
    EXPECT_EQ(st.seen[i][0], 0xAAAAu);
    EXPECT_EQ(st.seen[i][1], 0xBBBBu);
  }
  EXPECT(g_tlb_shootdowns_handled >= handled + static_cast<uint64_t>(g_ncpus - 1));
  EXPECT_OK(kernel_unmap(kTestVa, 4096));
  page_free(a);
  page_free(b);
}
