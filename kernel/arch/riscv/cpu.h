// Per-hart state. In the kernel `tp` always points at the running hart's Cpu, and sscratch
// holds it too, so the trap vector can find a stack without touching memory it does not own.
// The fields the trap vector reads come first; their offsets are fixed (see trap.S).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/riscv/asm.h"
#include "kernel/lib/list.h"

constexpr int kMaxCpus = 8;

struct Thread;

struct Cpu {
  // --- read by trap.S through the CPU_* offsets in asm.h (checked below) ---
  uint64_t scratch_t0;    // 0
  uint64_t scratch_t1;    // 8
  uint64_t scratch_sp;    // 16: sp at trap entry
  uint64_t kstack_top;    // 24: top of the current thread's kernel stack (user traps)
  uint64_t kstack_limit;  // 32: lowest usable address of that stack (overflow check)
  uint64_t emergency_sp;  // 40: stack used when the thread stack overflowed
  // --- C++ only below ---
  int num = 0;          // logical hart index, 0..ncpus-1
  uint64_t hartid = 0;  // the hart id the SBI knows
  bool online = false;
  Thread* current = nullptr;
  Thread* idle = nullptr;
  // The user address space whose page table satp holds (nullptr: the kernel's alone). Only harts
  // holding an address space can have its translations cached: every satp switch flushes the
  // TLB (no ASIDs), so shootdowns for user mappings go to these harts only.
  const void* active_aspace = nullptr;
  int spinlocks_held = 0;     // for the "blocking with a spinlock held" check
  int irq_depth = 0;          // >0 while running an interrupt handler
  bool need_resched = false;  // set by IRQs and wakeups; acted on at the end of a trap
  uint64_t irqs = 0, timer_irqs = 0, context_switches = 0;
  uint64_t idle_ticks = 0;
};

static_assert(offsetof(Cpu, scratch_t0) == CPU_SCRATCH_T0);
static_assert(offsetof(Cpu, scratch_t1) == CPU_SCRATCH_T1);
static_assert(offsetof(Cpu, scratch_sp) == CPU_SCRATCH_SP);
static_assert(offsetof(Cpu, kstack_top) == CPU_KSTACK_TOP);
static_assert(offsetof(Cpu, kstack_limit) == CPU_KSTACK_LIMIT);
static_assert(offsetof(Cpu, emergency_sp) == CPU_EMERGENCY_SP);
// entry.S sizes the boot stacks by MAX_CPUS.
static_assert(kMaxCpus == MAX_CPUS);

extern Cpu g_cpus[kMaxCpus];
extern int g_ncpus;

inline Cpu* this_cpu() {
  Cpu* c;
  asm volatile("mv %0, tp" : "=r"(c));
  return c;
}
inline int this_cpu_num() { return this_cpu()->num; }
