// Trap dispatch: interrupts go to the timer, IPI and PLIC handlers; exceptions in the kernel are
// fatal (reported with cause, addresses, hart, thread and a backtrace), except in threads that
// tests mark as fault-recoverable, which are reported the same way and then killed alone.
// Before returning, a trap that interrupted preemptible code lets the scheduler switch threads.
#include "kernel/arch/riscv/trap.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/plic.h"
#include "kernel/arch/riscv/user_copy.h"
#include "kernel/console.h"
#include "kernel/ipi.h"
#include "kernel/object/thread_dispatcher.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "kernel/user_copy.h"
#include "mm/vm_aspace.h"
#include "mm/vm_mapping.h"  // kVmRead, kVmWrite, kVmExecute

volatile uint64_t g_kernel_faults = 0;

const char* trap_cause_name(uint64_t scause) {
  if (scause & riscv::SCAUSE_INTERRUPT) {
    switch (scause & ~riscv::SCAUSE_INTERRUPT) {
      case riscv::IRQ_S_SOFT:
        return "software interrupt";
      case riscv::IRQ_S_TIMER:
        return "timer interrupt";
      case riscv::IRQ_S_EXT:
        return "external interrupt";
    }
    return "unknown interrupt";
  }
  switch (scause) {
    case riscv::EXC_INST_MISALIGNED:
      return "instruction address misaligned";
    case riscv::EXC_INST_ACCESS:
      return "instruction access fault";
    case riscv::EXC_ILLEGAL_INST:
      return "illegal instruction";
    case riscv::EXC_BREAKPOINT:
      return "breakpoint";
    case riscv::EXC_LOAD_MISALIGNED:
      return "load address misaligned";
    case riscv::EXC_LOAD_ACCESS:
      return "load access fault";
    case riscv::EXC_STORE_MISALIGNED:
      return "store address misaligned";
    case riscv::EXC_STORE_ACCESS:
      return "store access fault";
    case riscv::EXC_ECALL_U:
      return "environment call from U-mode";
    case riscv::EXC_ECALL_S:
      return "environment call from S-mode";
    case riscv::EXC_INST_PAGE_FAULT:
      return "instruction page fault";
    case riscv::EXC_LOAD_PAGE_FAULT:
      return "load page fault";
    case riscv::EXC_STORE_PAGE_FAULT:
      return "store page fault";
  }
  return "unknown exception";
}

// The VM layer's access kind (kVmRead, kVmWrite, kVmExecute) for a page-fault cause; 0 for any
// other exception, which no page can resolve.
static uint32_t page_fault_access(uint64_t scause) {
  switch (scause) {
    case riscv::EXC_LOAD_PAGE_FAULT:
      return kVmRead;
    case riscv::EXC_STORE_PAGE_FAULT:
      return kVmWrite;
    case riscv::EXC_INST_PAGE_FAULT:
      return kVmExecute;
  }
  return 0;
}

// A fault inside arch_user_copy on a user address: the same page fault a user access would
// take (demand paging, copy-on-write, a pager), resolved the same way; if it cannot be, the copy
// resumes at its fault exit and returns why (in a0) instead of stopping the kernel.
static void user_copy_fault(TrapFrame* tf) {
  uint32_t access = page_fault_access(tf->scause);
  zx_status_t s = ZX_ERR_INVALID_ARGS;  // not a page fault: nothing to resolve
  if (access) {
    // Resolving may block (object locks, a pager): let interrupts in while it runs.
    riscv::irq_enable();
    s = user_page_fault(tf->stval, access);
    riscv::irq_disable();
    if (s == ZX_OK) return;
  }
  tf->regs[10] = static_cast<uint64_t>(static_cast<int64_t>(s));  // a0
  tf->sepc = reinterpret_cast<uint64_t>(arch_user_copy_fault);
}

static void kernel_fault(TrapFrame* tf) {
  Cpu* c = this_cpu();
  if (riscv::user_copy_owns_pc(tf->sepc) && tf->stval < kUserTop) {
    user_copy_fault(tf);
    return;
  }
  Thread* t = c->current;
  bool overflow =
      t && tf->stval < t->stack.limit && tf->stval >= t->stack.limit - 4096 && t->stack.guarded;
  bool recoverable = t && t->fault_recoverable && !g_panic_in_progress;
  if (!recoverable) {
    riscv::irq_disable();
    if (__atomic_exchange_n(&g_panic_in_progress, 1, __ATOMIC_SEQ_CST) != 0) {
      for (;;) riscv::wfi();
    }
    ipi_stop_other_harts();
    console_enter_panic_mode();
  }
  kprintf("\nKERNEL FAULT: %s%s\n", trap_cause_name(tf->scause),
          overflow ? " (kernel stack overflow: hit the guard page)" : "");
  kprintf("  scause 0x%lx stval 0x%016lx sepc 0x%016lx\n", tf->scause, tf->stval, tf->sepc);
  kprintf("  hart %d, thread %d '%s'\n", c->num, t ? t->id : -1, t ? t->name : "(none)");
  if (t && t->stack.guarded)
    kprintf("  stack 0x%016lx-0x%016lx, sp 0x%016lx\n", t->stack.limit, t->stack.top, tf->sp());
  print_backtrace(tf->fp(), tf->sepc);
  __atomic_fetch_add(&g_kernel_faults, 1, __ATOMIC_SEQ_CST);
  if (recoverable) {
    kprintf("  the thread is marked fault-recoverable: killing it, the kernel goes on\n");
    thread_exit(kThreadExitFault);
  }
  halt_system(true);
}

// Exceptions from user mode other than system calls: page faults, and everything else (fatal to
// the process). Interrupts are on while they are handled: they may block.
static void user_exception(TrapFrame* tf) {
  // (System calls do not come here: trap.S sends them to syscall_entry.)
  riscv::irq_enable();
  // A fault cut short because the thread is being killed (it was waiting for a pager) is not
  // the process's fault: the thread leaves on its way back to user mode (user_return_check).
  uint32_t access = page_fault_access(tf->scause);
  zx_status_t s = access ? user_page_fault(tf->stval, access) : ZX_ERR_NOT_SUPPORTED;
  if (s != ZX_OK && !thread_current()->kill_pending) user_fatal_exception(tf);
  riscv::irq_disable();
}

extern "C" void trap_handler(TrapFrame* tf) {
  Cpu* c = this_cpu();
  if (tf->scause & riscv::SCAUSE_INTERRUPT) {
    c->irq_depth++;
    c->irqs++;
    switch (tf->scause & ~riscv::SCAUSE_INTERRUPT) {
      case riscv::IRQ_S_TIMER:
        c->timer_irqs++;
        timer_irq();
        break;
      case riscv::IRQ_S_SOFT:
        csr_clear(sip, riscv::SIE_SSIE);
        ipi_handle();
        break;
      case riscv::IRQ_S_EXT:
        plic::handle();
        break;
      default:
        panic("unexpected interrupt scause=0x%lx", tf->scause);
    }
    c->irq_depth--;
  } else if (tf->from_user()) {
    user_exception(tf);
  } else {
    kernel_fault(tf);
  }
  // Preempt only code that ran with interrupts on (SPIE): it holds no spinlock.
  if (this_cpu()->need_resched && (tf->sstatus & riscv::SSTATUS_SPIE)) sched_preempt();
  if (tf->from_user()) user_return_check();
}
