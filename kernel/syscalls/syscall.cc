// The syscall dispatcher: a switch generated from kernel/syscalls.table. Each case narrows the
// argument registers to the declared types and calls sys_NAME (one file per family: sys_*.cc).
#include "kernel/syscalls/syscall.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/trap.h"
#include "kernel/gen/syscall_decls.h"
#include "kernel/lib/string.h"
#include "kernel/object/thread_dispatcher.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "kernel/thread.h"

#define SYSCALL_DISPATCH_NAMES
#include "kernel/gen/syscall_dispatch.inc"
#undef SYSCALL_DISPATCH_NAMES

namespace {
#if KERNEL_LOCK_CHECKS
// Statuses the kernel uses inside itself and that no syscall may return: an iterator's STOP,
// NEXT (a page that is the parent's) and ASYNC, and the retry of an interrupted wait. Each
// reaching user space is a kernel bug (ZX_ERR_NEXT from ZX_VMO_OP_COMMIT on a clone was one).
// ZX_ERR_SHOULD_WAIT is a public result of a few calls only; elsewhere it is the pager's
// "not yet supplied", equally internal.
bool internal_only(uint64_t number, zx_status_t s) {
  if (s == ZX_ERR_STOP || s == ZX_ERR_NEXT || s == ZX_ERR_ASYNC || s == ZX_ERR_INTERNAL_INTR_RETRY)
    return true;
  if (s != ZX_ERR_SHOULD_WAIT) return false;
  // Where it means "nothing to read yet" or "this channel or port is full".
  static const char* const kShouldWaitIsPublic[] = {"zx_channel_read", "zx_channel_write",
                                                    "zx_channel_call", "zx_port_queue",
                                                    "zx_object_wait_async"};
  for (const char* name : kShouldWaitIsPublic)
    if (strcmp(SYSCALL_NAME_TABLE[number], name) == 0) return false;
  return true;
}

[[noreturn]] __attribute__((noinline)) void internal_status_escaped(uint64_t number,
                                                                    zx_status_t s) {
  // A stopped kernel with the call's name is a bug report nobody can miss (every test stage
  // fails on it), where a wrong status would only confuse the program that got it.
  panic("internal status %s (%d) escaped from %s", zx_status_get_string(s), s,
        SYSCALL_NAME_TABLE[number]);
}
#endif

// The result of a zx_status_t syscall (every case of the generated switch goes through it).
// Checked in the kernel every test runs (LOCK_CHECKS=1, the default), not in the one `make bench`
// measures: inlined into each of the switch's cases, the test costs the syscall path 13
// instructions (the compare and branch, and four more callee-saved registers saved and
// restored in syscall_entry: null_syscall 145 -> 158).
inline uint64_t syscall_status(uint64_t number, zx_status_t s) {
#if KERNEL_LOCK_CHECKS
  // Every internal status is below ZX_ERR_SHOULD_WAIT except INTR_RETRY (-6): one test for the
  // common results (ZX_OK and the usual errors above -22 other than -6).
  if (__builtin_expect(s <= ZX_ERR_SHOULD_WAIT || s == ZX_ERR_INTERNAL_INTR_RETRY, 0) &&
      internal_only(number, s))
    internal_status_escaped(number, s);
#else
  (void)number;
#endif
  return static_cast<uint64_t>(static_cast<int64_t>(s));
}
}  // namespace

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
