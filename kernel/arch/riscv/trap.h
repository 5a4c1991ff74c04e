// The saved state of an interrupted context, as trap.S lays it out on the stack.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/riscv/asm.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/status.h"

struct TrapFrame {
  uint64_t regs[32];  // x0..x31 by register number; regs[0] is unused
  uint64_t sepc;
  uint64_t sstatus;
  uint64_t scause;
  uint64_t stval;
  uint64_t fp_link;  // frame record linking backtraces through the trap
  uint64_t ra_link;

  uint64_t sp() const { return regs[2]; }
  uint64_t fp() const { return regs[8]; }
  bool from_user() const { return !(sstatus & (1ull << 8)); }
};
// trap.S reaches every field through the TF_* offsets in asm.h.
static_assert(offsetof(TrapFrame, regs) == TF_REGS && sizeof(TrapFrame::regs[0]) == 8,
              "trap.S stores register xn at n*8");
static_assert(offsetof(TrapFrame, sepc) == TF_SEPC);
static_assert(offsetof(TrapFrame, sstatus) == TF_SSTATUS);
static_assert(offsetof(TrapFrame, scause) == TF_SCAUSE);
static_assert(offsetof(TrapFrame, stval) == TF_STVAL);
static_assert(offsetof(TrapFrame, fp_link) == TF_FP_LINK);
static_assert(offsetof(TrapFrame, ra_link) == TF_RA_LINK);
static_assert(sizeof(TrapFrame) == TF_SIZE);
static_assert(TF_SIZE % 16 == 0, "trap.S keeps sp 16-byte aligned below the frame");
static_assert(ASM_SSTATUS_SPP == riscv::SSTATUS_SPP && ASM_SSTATUS_SUM == riscv::SSTATUS_SUM &&
              ASM_EXC_ECALL_U == riscv::EXC_ECALL_U);

extern "C" void trap_vector();
extern "C" void trap_handler(TrapFrame* tf);
const char* trap_cause_name(uint64_t scause);
// Kernel faults reported so far (tests read it); fault_recoverable threads bump it and die.
extern volatile uint64_t g_kernel_faults;
extern "C" [[noreturn]] void arch_enter_user(TrapFrame* frame);

// Traps from user mode and faults in arch_user_copy are handed up to the layers that handle
// them through functions those layers declare in their own headers (none is declared here):
// user_page_fault (mm/vm_aspace.h), user_fatal_exception and user_return_check
// (kernel/object/thread_dispatcher.h), and syscall_entry (kernel/syscalls/syscall.h), which
// trap.S calls.
