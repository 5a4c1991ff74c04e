// Reports of lock misuse (taking a spinlock twice, releasing a lock one does not hold,
// blocking with a spinlock held, unlocking a mutex owned by another thread, taking locks out of
// the order in kernel/lock_order.h). A report prints the problem with a backtrace and counts
// it; the kernel goes on rather than hang. The test harness fails any run whose console shows
// a "LOCK MISUSE:" line; a self test that provokes misuse on purpose says so first
// (ExpectLockMisuse), and its reports print as "lock misuse (expected):" instead.
#pragma once
#include <stdint.h>

#include "kernel/lock_order.h"  // KERNEL_LOCK_CHECKS

void lock_misuse(const char* what, const char* lock_name);
extern volatile uint64_t g_lock_misuse_count;

// While one exists, reports are expected (a self test provoking them): counted, not failures.
// Only the checked build (KERNEL_LOCK_CHECKS, what the harness runs) tells the two apart.
extern volatile int g_lock_misuse_expected;
class ExpectLockMisuse {
 public:
#if KERNEL_LOCK_CHECKS
  ExpectLockMisuse() { __atomic_fetch_add(&g_lock_misuse_expected, 1, __ATOMIC_SEQ_CST); }
  ~ExpectLockMisuse() { __atomic_fetch_sub(&g_lock_misuse_expected, 1, __ATOMIC_SEQ_CST); }
#else
  ExpectLockMisuse() {}
  ~ExpectLockMisuse() {}
#endif
  ExpectLockMisuse(const ExpectLockMisuse&) = delete;
  ExpectLockMisuse& operator=(const ExpectLockMisuse&) = delete;
};
