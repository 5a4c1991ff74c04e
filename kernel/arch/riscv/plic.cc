// PLIC: priorities per source, an enable bitmap and threshold per context, claim/complete per
// context. On QEMU virt the S-mode context of hart h is 2h+1.
#include "kernel/arch/riscv/plic.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"

namespace plic {
namespace {
void set_bit(volatile uint32_t* r, uint32_t bit) { *r = *r | (1u << bit); }
constexpr uint32_t kMaxIrqs = 128;
volatile uint32_t* g_base = nullptr;
uint32_t g_ndev = 0;
void (*g_handlers[kMaxIrqs])() = {};
// Sources claimed by interrupt objects: their handler and its argument. g_claim_lock keeps
// claim and release whole; the interrupt path reads an entry without it, which is safe
// because a source is masked (and its handler left in place until release) before it changes.
SpinLock g_claim_lock(LockClass::kPlicClaims);
void (*g_ctx_handlers[kMaxIrqs])(void*) = {};
void* g_ctx[kMaxIrqs] = {};
uint32_t g_inflight[kMaxIrqs] = {};  // handlers running now, so release() can wait them out

volatile uint32_t* reg(uint64_t off) { return g_base + off / 4; }
uint64_t context(uint64_t hartid) { return 2 * hartid + 1; }
uint64_t enable_off(uint64_t ctx) { return 0x2000 + 0x80 * ctx; }
uint64_t threshold_off(uint64_t ctx) { return 0x200000 + 0x1000 * ctx; }
uint64_t claim_off(uint64_t ctx) { return 0x200004 + 0x1000 * ctx; }
}  // namespace

void init(uint64_t base_paddr, uint32_t ndev) {
  g_base = static_cast<volatile uint32_t*>(phys_to_virt(base_paddr));
  g_ndev = ndev < kMaxIrqs ? ndev : kMaxIrqs - 1;
}

void enable(uint32_t irq, void (*handler)()) {
  assert(irq > 0 && irq <= g_ndev);
  g_handlers[irq] = handler;
  *reg(4 * irq) = 1;  // priority above the threshold of 0
  for (int i = 0; i < g_ncpus; i++) {
    if (!g_cpus[i].online && i != this_cpu_num()) continue;
    uint64_t ctx = context(g_cpus[i].hartid);
    set_bit(reg(enable_off(ctx) + 4 * (irq / 32)), irq % 32);
  }
}

bool claim(uint32_t irq, void (*handler)(void*), void* ctx) {
  if (irq == 0 || irq > g_ndev || !g_base) return false;
  SpinLockGuard g(g_claim_lock);
  if (g_handlers[irq] || g_ctx_handlers[irq]) return false;
  *reg(4 * irq) = 0;  // masked until its owner is ready
  g_ctx[irq] = ctx;
  __atomic_store_n(&g_ctx_handlers[irq], handler, __ATOMIC_RELEASE);
  for (int i = 0; i < g_ncpus; i++) {
    if (!g_cpus[i].online && i != this_cpu_num()) continue;
    uint64_t c = context(g_cpus[i].hartid);
    set_bit(reg(enable_off(c) + 4 * (irq / 32)), irq % 32);
  }
  return true;
}

void release(uint32_t irq) {
  if (irq == 0 || irq > g_ndev) return;
  SpinLockGuard g(g_claim_lock);
  *reg(4 * irq) = 0;
  __atomic_store_n(&g_ctx_handlers[irq], nullptr, __ATOMIC_SEQ_CST);
  // A hart that claimed the interrupt just before may still be in the handler: its owner is
  // about to go away, so wait until it is out.
  while (__atomic_load_n(&g_inflight[irq], __ATOMIC_SEQ_CST) != 0) {
  }
  g_ctx[irq] = nullptr;
}

bool is_source(uint32_t irq) { return g_base && irq > 0 && irq <= g_ndev; }

void mask(uint32_t irq) {
  if (irq > 0 && irq <= g_ndev) *reg(4 * irq) = 0;
}

void unmask(uint32_t irq) {
  if (irq > 0 && irq <= g_ndev) *reg(4 * irq) = 1;
}

void init_hart(uint64_t hartid) {
  uint64_t ctx = context(hartid);
  for (uint32_t irq = 1; irq <= g_ndev; irq++) {
    if (g_handlers[irq] || g_ctx_handlers[irq])
      set_bit(reg(enable_off(ctx) + 4 * (irq / 32)), irq % 32);
  }
  *reg(threshold_off(ctx)) = 0;
}

void handle() {
  uint64_t ctx = context(this_cpu()->hartid);
  for (;;) {
    uint32_t irq = *reg(claim_off(ctx));
    if (irq == 0) return;
    if (irq < kMaxIrqs && g_handlers[irq]) {
      g_handlers[irq]();
    } else if (irq < kMaxIrqs) {
      __atomic_fetch_add(&g_inflight[irq], 1, __ATOMIC_SEQ_CST);  // then look (see release)
      auto* h = __atomic_load_n(&g_ctx_handlers[irq], __ATOMIC_SEQ_CST);
      if (h) h(g_ctx[irq]);
      __atomic_fetch_sub(&g_inflight[irq], 1, __ATOMIC_RELEASE);
      if (!h) {
        *reg(4 * irq) = 0;  // nobody owns it any more: keep it quiet
      }
    }
    *reg(claim_off(ctx)) = irq;
  }
}

}  // namespace plic
