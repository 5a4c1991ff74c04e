// The RISC-V user-readable counters the benchmarks count with (ubench, fsbench, readbench).
// Under QEMU with `-icount shift=0` both advance with retired guest instructions alone, so a
// count is the same on every run and every host (docs/architecture.md, "Self tests and
// benchmarks").
#ifndef COUNTERS_H_
#define COUNTERS_H_

#include <stdint.h>

// Instructions retired by this hart (all of them: other processes' and the kernel's too).
static inline uint64_t rdinstret(void) {
  uint64_t v;
  __asm__ volatile("csrr %0, instret" : "=r"(v));
  return v;
}

static inline uint64_t rdcycle(void) {
  uint64_t v;
  __asm__ volatile("csrr %0, cycle" : "=r"(v));
  return v;
}

#endif  // COUNTERS_H_
