// panic(), assert() and backtraces. A backtrace follows the frame-pointer chain (the kernel is
// built with -fno-omit-frame-pointer: ra at fp-8, the caller's fp at fp-16) and names each
// return address with the symbol table embedded at link time (tools/gensyms.py).
#include "kernel/panic.h"

#include <stdarg.h>

#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/arch/riscv/sbi.h"
#include "kernel/console.h"
#include "kernel/ipi.h"
#include "kernel/power.h"
#include "kernel/thread.h"

struct KSym {
  uint64_t addr;
  const char* name;
};
extern "C" const uint64_t ksyms_count;
extern "C" const KSym ksyms_table[];
extern "C" char __text_start[], __text_end[];

volatile int g_panic_in_progress = 0;

const char* symbolize(uint64_t addr, uint64_t* offset) {
  uint64_t lo = 0, hi = ksyms_count;
  if (hi == 0 || addr < ksyms_table[0].addr || addr >= reinterpret_cast<uint64_t>(__text_end))
    return nullptr;
  while (hi - lo > 1) {  // the last symbol at or below addr
    uint64_t mid = (lo + hi) / 2;
    if (ksyms_table[mid].addr <= addr)
      lo = mid;
    else
      hi = mid;
  }
  *offset = addr - ksyms_table[lo].addr;
  return ksyms_table[lo].name;
}

static bool kernel_addr(uint64_t a) { return a >= kPhysMapBase && (a & 7) == 0; }

static void print_frame(int n, uint64_t pc) {
  uint64_t off = 0;
  const char* name = symbolize(pc, &off);
  if (name)
    kprintf("  #%d 0x%016lx %s+0x%lx\n", n, pc, name, off);
  else
    kprintf("  #%d 0x%016lx ?\n", n, pc);
}

void print_backtrace(uint64_t fp, uint64_t pc) {
  kprintf("backtrace:\n");
  int n = 0;
  if (pc) print_frame(n++, pc);
  if (fp == 0) fp = riscv::read_fp();
  for (; n < 32 && kernel_addr(fp); n++) {
    uint64_t ra = reinterpret_cast<uint64_t*>(fp)[-1];
    uint64_t prev = reinterpret_cast<uint64_t*>(fp)[-2];
    if (ra == 0) break;
    // ra points after the call; name the call itself.
    print_frame(n, ra - 4);
    if (prev <= fp) break;  // stacks grow down: callers' frames are above
    fp = prev;
  }
}

void panic(const char* fmt, ...) {
  riscv::irq_disable();
  bool first = __atomic_exchange_n(&g_panic_in_progress, 1, __ATOMIC_SEQ_CST) == 0;
  if (!first) {
    for (;;) riscv::wfi();  // another hart is already reporting
  }
  ipi_stop_other_harts();
  console_enter_panic_mode();
  va_list ap;
  va_start(ap, fmt);
  kprintf("\nKERNEL PANIC on hart %d", this_cpu()->num);
  Thread* t = this_cpu()->current;
  if (t) kprintf(" (thread %d '%s')", t->id, t->name);
  kprintf(": ");
  kvprintf(fmt, ap);
  va_end(ap);
  kprintf("\n");
  print_backtrace(0, 0);
  halt_system(true);
}

void halt_system(bool failure) {
  ipi_stop_other_harts();
  power_off(failure ? 1 : 0);
}
