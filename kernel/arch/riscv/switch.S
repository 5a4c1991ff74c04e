// arch_context_switch(from, to): saves the callee-saved registers of the running thread in
// *from and resumes the thread whose registers are in *to. Everything else the C++ caller
// needs is already on its own stack. Layout: struct Context in kernel/thread.h, offsets
// CONTEXT_* in asm.h.
#include "kernel/arch/riscv/asm.h"

.section .text
.globl arch_context_switch
arch_context_switch:
  sd ra, CONTEXT_RA(a0)
  sd sp, CONTEXT_SP(a0)
  sd s0, (CONTEXT_S0 + 0 * 8)(a0)
  sd s1, (CONTEXT_S0 + 1 * 8)(a0)
  sd s2, (CONTEXT_S0 + 2 * 8)(a0)
  sd s3, (CONTEXT_S0 + 3 * 8)(a0)
  sd s4, (CONTEXT_S0 + 4 * 8)(a0)
  sd s5, (CONTEXT_S0 + 5 * 8)(a0)
  sd s6, (CONTEXT_S0 + 6 * 8)(a0)
  sd s7, (CONTEXT_S0 + 7 * 8)(a0)
  sd s8, (CONTEXT_S0 + 8 * 8)(a0)
  sd s9, (CONTEXT_S0 + 9 * 8)(a0)
  sd s10, (CONTEXT_S0 + 10 * 8)(a0)
  sd s11, (CONTEXT_S0 + 11 * 8)(a0)
  ld ra, CONTEXT_RA(a1)
  ld sp, CONTEXT_SP(a1)
  ld s0, (CONTEXT_S0 + 0 * 8)(a1)
  ld s1, (CONTEXT_S0 + 1 * 8)(a1)
  ld s2, (CONTEXT_S0 + 2 * 8)(a1)
  ld s3, (CONTEXT_S0 + 3 * 8)(a1)
  ld s4, (CONTEXT_S0 + 4 * 8)(a1)
  ld s5, (CONTEXT_S0 + 5 * 8)(a1)
  ld s6, (CONTEXT_S0 + 6 * 8)(a1)
  ld s7, (CONTEXT_S0 + 7 * 8)(a1)
  ld s8, (CONTEXT_S0 + 8 * 8)(a1)
  ld s9, (CONTEXT_S0 + 9 * 8)(a1)
  ld s10, (CONTEXT_S0 + 10 * 8)(a1)
  ld s11, (CONTEXT_S0 + 11 * 8)(a1)
  ret
