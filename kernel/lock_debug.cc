// Lock misuse reports (see lock_debug.h).
#include "kernel/lock_debug.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/thread.h"

volatile uint64_t g_lock_misuse_count = 0;

void lock_misuse(const char* what, const char* lock_name) {
  __atomic_fetch_add(&g_lock_misuse_count, 1, __ATOMIC_SEQ_CST);
  Cpu* c = this_cpu();
  Thread* t = c ? c->current : nullptr;
  kprintf("LOCK MISUSE: %s (lock '%s', hart %d, thread '%s')\n", what, lock_name, c ? c->num : -1,
          t ? t->name : "(boot)");
  print_backtrace(0, 0);
}
