// A user exception the process cannot survive (a bad access, an illegal instruction, a
// misaligned jump): the kernel log gets the process, thread, cause, address and a user
// backtrace (frame pointers read with copy_from_user, so a garbage chain cannot hurt the
// kernel), then the whole process is killed with ZX_TASK_RETCODE_EXCEPTION_KILL and its parent
// sees it through ZX_PROCESS_TERMINATED and ZX_INFO_PROCESS.
#include "kernel/arch/riscv/trap.h"
#include "kernel/console.h"
#include "kernel/object/thread_dispatcher.h"
#include "kernel/user_copy.h"

volatile uint64_t g_user_exceptions = 0;

void user_fatal_exception(TrapFrame* tf) {
  ThreadDispatcher* td = ThreadDispatcher::current();
  ProcessDispatcher* p = td->process();
  char pname[32];
  p->get_name(pname, sizeof(pname));
  __atomic_fetch_add(&g_user_exceptions, 1, __ATOMIC_RELAXED);
  kprintf("\nuser exception: process '%s' (koid %lu), thread '%s': %s\n", pname, p->koid(),
          td->name(), trap_cause_name(tf->scause));
  kprintf("  address 0x%016lx pc 0x%016lx sp 0x%016lx ra 0x%016lx\n", tf->stval, tf->sepc, tf->sp(),
          tf->regs[1]);
  kprintf("  user backtrace:\n    #0 0x%016lx\n", tf->sepc);
  uint64_t fp = tf->fp();
  for (int n = 1; n < 16 && fp && (fp & 7) == 0; n++) {
    uint64_t rec[2];  // {caller's fp, return address} stored just below fp
    if (copy_from_user_raw(rec, fp - 16, sizeof(rec)) != ZX_OK || rec[1] == 0) break;
    kprintf("    #%d 0x%016lx\n", n, rec[1]);
    if (rec[0] <= fp) break;
    fp = rec[0];
  }
  kprintf("  killing the process (return code %ld)\n", ZX_TASK_RETCODE_EXCEPTION_KILL);
  p->kill(ZX_TASK_RETCODE_EXCEPTION_KILL);
  ThreadDispatcher::exit_current();
}
