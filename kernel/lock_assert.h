// The precondition of every `*_locked` function, stated in code: its lock is held by the caller
// (for a Mutex, by the running thread; for a SpinLock, by the running hart). A function named
// for a lock it does not check documents a rule nobody enforces. Checked in builds with
// KERNEL_LOCK_CHECKS (the default, which `make test` runs, and the host tests); `make bench`
// builds without, so the benchmarks measure the kernel alone.
#pragma once
#include "kernel/lock_order.h"
#include "kernel/panic.h"

#if KERNEL_LOCK_CHECKS
#define assert_held(lock)                                                                    \
  do {                                                                                       \
    if (__builtin_expect(!(lock).held_by_me(), 0))                                           \
      panic("lock '%s' not held by the caller at %s:%d", (lock).name(), __FILE__, __LINE__); \
  } while (0)
#else
#define assert_held(lock) ((void)0)
#endif
