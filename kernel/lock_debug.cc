// Lock misuse reports and the lock-order checker (see lock_debug.h and lock_order.h).
#include "kernel/lock_debug.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/console.h"
#include "kernel/lib/printf.h"
#include "kernel/lock_order.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"

volatile uint64_t g_lock_misuse_count = 0;
volatile int g_lock_misuse_expected = 0;  // live ExpectLockMisuse scopes

void lock_misuse(const char* what, const char* lock_name) {
  __atomic_fetch_add(&g_lock_misuse_count, 1, __ATOMIC_SEQ_CST);
  Cpu* c = this_cpu();
  Thread* t = c ? c->current : nullptr;
#if KERNEL_LOCK_CHECKS
  const char* label = g_lock_misuse_expected ? "lock misuse (expected)" : "LOCK MISUSE";
#else
  const char* label = "LOCK MISUSE";
#endif
  kprintf("%s: %s (lock '%s', hart %d, thread '%s')\n", label, what, lock_name, c ? c->num : -1,
          t ? t->name : "(boot)");
  print_backtrace(0, 0);
}

#if KERNEL_LOCK_CHECKS
HeldLocks g_spinlocks_held[kMaxCpus];

namespace {
// A report prints, which takes the console's lock: no checks while this hart reports.
volatile bool g_reporting[kMaxCpus];

void report_order(LockClass held, LockClass taken, const char* name) {
  int cpu = this_cpu_num();
  if (g_reporting[cpu]) return;
  g_reporting[cpu] = true;
  char what[128];
  ksnprintf(what, sizeof(what), "lock order: '%s' (rank %d) taken while holding '%s' (rank %d)",
            lock_class_name(taken), lock_rank(taken), lock_class_name(held), lock_rank(held));
  lock_misuse(what, name);
  g_reporting[cpu] = false;
}

void push(HeldLocks& h, LockClass c, bool merge) {
  if (merge && h.depth > 0 && h.cls[h.depth - 1] == c) {
    h.count[h.depth - 1]++;
    return;
  }
  if (h.depth == HeldLocks::kMax) {
    if (h.overflow++ == 0)
      lock_misuse("more locks held at once than the order checker tracks", lock_class_name(c));
    return;
  }
  h.cls[h.depth] = c;
  h.count[h.depth] = 1;
  h.depth++;
}
}  // namespace

void lock_order_acquire(HeldLocks& h, LockClass c, bool nested, const char* name) {
  for (int i = 0; i < h.depth; i++) {
    LockClass held = h.cls[i];
    if (lock_rank(held) < lock_rank(c)) continue;
    if (held == c && nested) continue;
    report_order(held, c, name);
    break;
  }
  push(h, c, nested);
}

void lock_order_note(HeldLocks& h, LockClass c) { push(h, c, true); }

void lock_order_release(HeldLocks& h, LockClass c) {
  for (int i = h.depth - 1; i >= 0; i--) {
    if (h.cls[i] != c) continue;
    if (--h.count[i] > 0) return;
    for (int j = i; j + 1 < h.depth; j++) {
      h.cls[j] = h.cls[j + 1];
      h.count[j] = h.count[j + 1];
    }
    h.depth--;
    return;
  }
  // Not found: an acquisition the checker did not record (past kMax).
  if (h.overflow > 0) h.overflow--;
}
#endif
