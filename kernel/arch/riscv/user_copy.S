// arch_user_copy(dst, src, len): the only code that touches user memory. It sets SUM (so
// S-mode may access U pages) just for the copy. A fault inside it is not a kernel bug: the trap
// handler first lets the address space resolve it (demand paging), and if that fails it resumes
// at arch_user_copy_fault, which returns to the caller the status the handler left in a0 (why the
// fault could not be resolved) instead of stopping the kernel.
#include "kernel/arch/riscv/asm.h"

.section .text
.balign 4
.globl arch_user_copy
.globl arch_user_copy_end
.globl arch_user_copy_fault
arch_user_copy:
  li t1, ASM_SSTATUS_SUM
  csrs sstatus, t1
  or t0, a0, a1
  or t0, t0, a2
  andi t2, t0, 7
  beqz t2, 5f
  andi t2, t0, 3
  beqz t2, 6f                    // 4-byte aligned (the 32-bit counts syscalls return)
  j 2f
5:
  li t2, 32
4:                               // all aligned: 32 bytes a turn while they last
  bltu a2, t2, 1f
  ld t0, 0(a1)
  ld t3, 8(a1)
  ld t4, 16(a1)
  ld t5, 24(a1)
  sd t0, 0(a0)
  sd t3, 8(a0)
  sd t4, 16(a0)
  sd t5, 24(a0)
  addi a0, a0, 32
  addi a1, a1, 32
  addi a2, a2, -32
  j 4b
1:                               // then 8 bytes at a time
  beqz a2, 3f
  ld t0, 0(a1)
  sd t0, 0(a0)
  addi a0, a0, 8
  addi a1, a1, 8
  addi a2, a2, -8
  j 1b
6:                               // 4 bytes at a time
  beqz a2, 3f
  lw t0, 0(a1)
  sw t0, 0(a0)
  addi a0, a0, 4
  addi a1, a1, 4
  addi a2, a2, -4
  j 6b
2:
  beqz a2, 3f
  lbu t0, 0(a1)
  sb t0, 0(a0)
  addi a0, a0, 1
  addi a1, a1, 1
  addi a2, a2, -1
  j 2b
3:
  csrc sstatus, t1
  li a0, 0
  ret
arch_user_copy_fault:
  li t1, ASM_SSTATUS_SUM
  csrc sstatus, t1
  ret
arch_user_copy_end:
