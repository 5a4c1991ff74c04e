// PLIC: priorities per source, an enable bitmap and threshold per context, claim/complete per
// context. On QEMU virt the S-mode context of hart h is 2h+1.
#include "kernel/arch/riscv/plic.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/panic.h"

namespace plic {
namespace {
void set_bit(volatile uint32_t* r, uint32_t bit) { *r = *r | (1u << bit); }
constexpr uint32_t kMaxIrqs = 128;
volatile uint32_t* g_base = nullptr;
uint32_t g_ndev = 0;
void (*g_handlers[kMaxIrqs])() = {};

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

void init_hart(uint64_t hartid) {
  uint64_t ctx = context(hartid);
  for (uint32_t irq = 1; irq <= g_ndev; irq++) {
    if (g_handlers[irq]) set_bit(reg(enable_off(ctx) + 4 * (irq / 32)), irq % 32);
  }
  *reg(threshold_off(ctx)) = 0;
}

void handle() {
  uint64_t ctx = context(this_cpu()->hartid);
  for (;;) {
    uint32_t irq = *reg(claim_off(ctx));
    if (irq == 0) return;
    if (irq < kMaxIrqs && g_handlers[irq]) g_handlers[irq]();
    *reg(claim_off(ctx)) = irq;
  }
}

}  // namespace plic
