// The saved state of an interrupted context, as trap.S lays it out on the stack.
#pragma once
#include <stdint.h>

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
static_assert(sizeof(TrapFrame) == 38 * 8, "TrapFrame must match TF_SIZE in asm.h");

extern "C" void trap_vector();
extern "C" void trap_handler(TrapFrame* tf);
const char* trap_cause_name(uint64_t scause);
// Kernel faults reported so far (tests read it); fault_recoverable threads bump it and die.
extern volatile uint64_t g_kernel_faults;
// Set by the VM layer: resolves a fault on a user address taken while copying user memory.
extern zx_status_t (*g_user_copy_fault_handler)(uint64_t addr, uint64_t scause);

// The layers above the architecture provide these for traps from user mode:
// the VM layer: resolve a page fault (ZX_OK: retry the access);
zx_status_t user_page_fault(TrapFrame* tf);
// the process layer: an exception the process cannot survive (report, then kill it), and the
// check on every return to user mode that lets a killed thread leave.
[[noreturn]] void user_fatal_exception(TrapFrame* tf);
void user_return_check();
// trap.S calls this for a system call from user mode instead of trap_handler.
extern "C" void syscall_entry(TrapFrame* tf);
extern "C" [[noreturn]] void arch_enter_user(TrapFrame* frame);
