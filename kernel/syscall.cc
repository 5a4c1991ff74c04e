// The syscall dispatcher: a switch generated from kernel/syscalls.table. Each case narrows the
// argument registers to the declared types and calls sys_NAME (one file per family: sys_*.cc).
#include "kernel/arch/riscv/trap.h"
#include "kernel/gen/syscall_decls.h"

#define SYSCALL_DISPATCH_NAMES
#include "kernel/gen/syscall_dispatch.inc"
#undef SYSCALL_DISPATCH_NAMES

uint64_t syscall_dispatch(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                          uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7) {
  switch (number) {
#define SYSCALL_DISPATCH_CASES
#include "kernel/gen/syscall_dispatch.inc"
#undef SYSCALL_DISPATCH_CASES
    default:
      return static_cast<uint64_t>(static_cast<int64_t>(ZX_ERR_BAD_SYSCALL));
  }
}

const char* syscall_name(uint64_t number) {
  return number <= kSyscallCount ? SYSCALL_NAME_TABLE[number] : SYSCALL_NAME_TABLE[0];
}
