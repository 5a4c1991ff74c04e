// IPIs. Each hart has a word of pending kinds; the sender sets bits and asks the SBI to raise a
// software interrupt. TLB shootdowns are serialized by one lock; a hart spinning for that lock
// keeps answering other shootdowns, so two harts shooting at each other cannot deadlock.
#include "kernel/ipi.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/sbi.h"
#include "kernel/sched.h"

namespace {
volatile uint32_t g_pending[kMaxCpus];
volatile bool g_stopping = false;

// The shootdown in flight (guarded by g_tlb_lock).
volatile uint32_t g_tlb_lock = 0;
volatile uint64_t g_tlb_va, g_tlb_len;
volatile uint64_t g_tlb_gen = 0;
volatile uint64_t g_tlb_acked[kMaxCpus];

void flush(uint64_t va, uint64_t len) {
  if (len == 0 || len > 64 * 4096) {
    riscv::sfence_vma_all();
    return;
  }
  for (uint64_t a = va; a < va + len; a += 4096) riscv::sfence_vma_page(a);
}

void answer_tlb() {
  Cpu* c = this_cpu();
  uint64_t gen = __atomic_load_n(&g_tlb_gen, __ATOMIC_ACQUIRE);
  if (g_tlb_acked[c->num] != gen) {
    flush(g_tlb_va, g_tlb_len);
    __atomic_store_n(&g_tlb_acked[c->num], gen, __ATOMIC_RELEASE);
    __atomic_fetch_add(&g_tlb_shootdowns_handled, 1, __ATOMIC_RELAXED);
  }
}
}  // namespace

volatile uint64_t g_tlb_shootdowns_handled = 0;

void ipi_send(int cpu, IpiKind kind) {
  __atomic_fetch_or(&g_pending[cpu], kind, __ATOMIC_SEQ_CST);
  sbi::send_ipi(1, g_cpus[cpu].hartid);
}

void ipi_handle() {
  Cpu* c = this_cpu();
  uint32_t kinds = __atomic_exchange_n(&g_pending[c->num], 0, __ATOMIC_SEQ_CST);
  if (g_stopping || (kinds & kIpiStop)) {
    riscv::irq_disable();
    for (;;) riscv::wfi();
  }
  if (kinds & kIpiTlb) answer_tlb();
  if (kinds & kIpiResched) c->need_resched = true;
}

void ipi_stop_other_harts() {
  g_stopping = true;
  for (int i = 0; i < g_ncpus; i++) {
    if (i != this_cpu_num() && g_cpus[i].online) ipi_send(i, kIpiStop);
  }
}

namespace {
// Shoots down [va, va+len) on every online hart, or (aspace != nullptr) on those holding aspace.
void shootdown(const void* aspace, uint64_t va, uint64_t len) {
  bool irq = riscv::irq_save();
  while (__atomic_exchange_n(&g_tlb_lock, 1, __ATOMIC_ACQUIRE)) {
    answer_tlb();  // someone else's shootdown may be waiting for us
    riscv::pause();
  }
  g_tlb_va = va;
  g_tlb_len = len;
  uint64_t gen = g_tlb_gen + 1;
  __atomic_store_n(&g_tlb_gen, gen, __ATOMIC_RELEASE);
  int me = this_cpu_num();
  flush(va, len);
  g_tlb_acked[me] = gen;
  // The page-table change must be visible before we look at which harts hold the address space:
  // a hart switching to it now either is seen here, or walks the changed table after its own
  // fence (VmAspace::activate).
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  bool target[kMaxCpus];
  for (int i = 0; i < g_ncpus; i++) {
    target[i] = i != me && g_cpus[i].online &&
                (aspace == nullptr ||
                 __atomic_load_n(&g_cpus[i].active_aspace, __ATOMIC_RELAXED) == aspace);
    if (target[i]) ipi_send(i, kIpiTlb);
  }
  for (int i = 0; i < g_ncpus; i++) {
    if (!target[i]) continue;
    while (__atomic_load_n(&g_tlb_acked[i], __ATOMIC_ACQUIRE) != gen) riscv::pause();
  }
  __atomic_store_n(&g_tlb_lock, 0, __ATOMIC_RELEASE);
  riscv::irq_restore(irq);
}
}  // namespace

void tlb_shootdown(uint64_t va, uint64_t len) { shootdown(nullptr, va, len); }

void tlb_shootdown_aspace(const void* aspace, uint64_t va, uint64_t len) {
  shootdown(aspace, va, len);
}
