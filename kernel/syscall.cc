// The syscall dispatcher: a switch generated from kernel/syscalls.table. Each case narrows the
// argument registers to the declared types and calls sys_NAME (one file per family: sys_*.cc).
#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/trap.h"
#include "kernel/gen/syscall_decls.h"
#include "kernel/sched.h"
#include "kernel/thread.h"

#define SYSCALL_DISPATCH_NAMES
#include "kernel/gen/syscall_dispatch.inc"
#undef SYSCALL_DISPATCH_NAMES

// Runs system call `number` with the arguments in the frame's a0..a7 (loaded only by the case
// that uses them).
static inline uint64_t syscall_dispatch(uint64_t number, const TrapFrame* tf) {
  const uint64_t a0 = tf->regs[10], a1 = tf->regs[11], a2 = tf->regs[12], a3 = tf->regs[13],
                 a4 = tf->regs[14], a5 = tf->regs[15], a6 = tf->regs[16], a7 = tf->regs[17];
  switch (number) {
#define SYSCALL_DISPATCH_CASES
#include "kernel/gen/syscall_dispatch.inc"
#undef SYSCALL_DISPATCH_CASES
    default:
      return static_cast<uint64_t>(static_cast<int64_t>(ZX_ERR_BAD_SYSCALL));
  }
}

// The road a system call takes from trap.S (every other trap goes through trap_handler): the
// result goes to a0, the thread may be preempted or, if it was killed meanwhile, leave.
extern "C" void syscall_entry(TrapFrame* tf) {
  tf->sepc += 4;
  riscv::irq_enable();
  tf->regs[10] = syscall_dispatch(tf->regs[5], tf);
  riscv::irq_disable();
  if (this_cpu()->need_resched) sched_preempt();
  if (this_cpu()->current->kill_pending) user_return_check();
}

const char* syscall_name(uint64_t number) {
  return number <= kSyscallCount ? SYSCALL_NAME_TABLE[number] : SYSCALL_NAME_TABLE[0];
}
