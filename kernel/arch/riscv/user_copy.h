// The user-copy routine (user_copy.S) as the rest of the architecture code sees it: the copy
// itself, for kernel/user_copy.cc, and the bounds of its code and its fault exit, for the trap
// handler, which resolves a fault inside the copy or makes the copy fail instead of stopping
// the kernel.
#pragma once
#include <stddef.h>
#include <stdint.h>

// Copies len bytes with SUM set; 0 on success, or, if a fault ended it early, the (negative)
// status of the failed attempt to resolve it, as a uint64_t.
extern "C" uint64_t arch_user_copy(void* dst, const void* src, size_t len);
extern "C" char arch_user_copy_end[], arch_user_copy_fault[];

namespace riscv {
// True when a kernel fault at pc was taken inside arch_user_copy.
inline bool user_copy_owns_pc(uint64_t pc) {
  return pc >= reinterpret_cast<uint64_t>(&arch_user_copy) &&
         pc < reinterpret_cast<uint64_t>(arch_user_copy_end);
}
}  // namespace riscv
