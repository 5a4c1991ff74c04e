// arch_context_switch(from, to): saves the callee-saved registers of the running thread in
// *from and resumes the thread whose registers are in *to. Everything else the C++ caller
// needs is already on its own stack. Layout: struct Context in kernel/thread.h.
.section .text
.globl arch_context_switch
arch_context_switch:
  sd ra, 0*8(a0)
  sd sp, 1*8(a0)
  sd s0, 2*8(a0)
  sd s1, 3*8(a0)
  sd s2, 4*8(a0)
  sd s3, 5*8(a0)
  sd s4, 6*8(a0)
  sd s5, 7*8(a0)
  sd s6, 8*8(a0)
  sd s7, 9*8(a0)
  sd s8, 10*8(a0)
  sd s9, 11*8(a0)
  sd s10, 12*8(a0)
  sd s11, 13*8(a0)
  ld ra, 0*8(a1)
  ld sp, 1*8(a1)
  ld s0, 2*8(a1)
  ld s1, 3*8(a1)
  ld s2, 4*8(a1)
  ld s3, 5*8(a1)
  ld s4, 6*8(a1)
  ld s5, 7*8(a1)
  ld s6, 8*8(a1)
  ld s7, 9*8(a1)
  ld s8, 10*8(a1)
  ld s9, 11*8(a1)
  ld s10, 12*8(a1)
  ld s11, 13*8(a1)
  ret
