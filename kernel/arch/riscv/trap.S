// The trap vector. Every interrupt and exception, from user or kernel mode, enters here with
// sscratch holding this hart's Cpu. We pick a stack (the thread's kernel stack for traps from
// user mode; the current stack for traps from the kernel, or the hart's emergency stack when
// the current one has overflowed into its guard page), save the whole register file in a
// TrapFrame, and call trap_handler(). trap_return restores a frame and leaves with sret.
#include "kernel/arch/riscv/asm.h"

.section .text
.balign 4
.globl trap_vector
trap_vector:
  csrrw tp, sscratch, tp               // tp = Cpu*, sscratch = interrupted tp
  sd t0, CPU_SCRATCH_T0(tp)
  sd t1, CPU_SCRATCH_T1(tp)
  sd sp, CPU_SCRATCH_SP(tp)
  csrr t0, sstatus
  andi t0, t0, ASM_SSTATUS_SPP         // did the trap come from S-mode?
  bnez t0, 1f
  ld t0, CPU_KSTACK_TOP(tp)
  j 3f
1:
  ld t1, CPU_KSTACK_LIMIT(tp)
  addi t0, sp, -TF_SIZE
  bltu t0, t1, 2f                      // the frame would land in the guard page
  mv t0, sp
  j 3f
2:
  ld t0, CPU_EMERGENCY_SP(tp)
3:
  andi t0, t0, -16
  addi sp, t0, -TF_SIZE
  sd ra, 1*8(sp)
  sd gp, 3*8(sp)
  sd t2, 7*8(sp)
  sd s0, 8*8(sp)
  sd a0, 10*8(sp)
  sd a1, 11*8(sp)
  sd a2, 12*8(sp)
  sd a3, 13*8(sp)
  sd a4, 14*8(sp)
  sd a5, 15*8(sp)
  sd a6, 16*8(sp)
  sd a7, 17*8(sp)
  // A system call from user mode does not save s1..s11: the C code below preserves them (they
  // are callee-saved), and nothing reads them from the frame of a system call. trap_return
  // skips them on the way back for the same frames. Every other trap saves everything.
  csrr t0, scause
  addi t0, t0, -ASM_EXC_ECALL_U
  beqz t0, 5f
  sd s1, 9*8(sp)
  sd s2, 18*8(sp)
  sd s3, 19*8(sp)
  sd s4, 20*8(sp)
  sd s5, 21*8(sp)
  sd s6, 22*8(sp)
  sd s7, 23*8(sp)
  sd s8, 24*8(sp)
  sd s9, 25*8(sp)
  sd s10, 26*8(sp)
  sd s11, 27*8(sp)
5:
  sd t3, 28*8(sp)
  sd t4, 29*8(sp)
  sd t5, 30*8(sp)
  sd t6, 31*8(sp)
  ld t0, CPU_SCRATCH_T0(tp)
  sd t0, 5*8(sp)
  ld t0, CPU_SCRATCH_T1(tp)
  sd t0, 6*8(sp)
  ld t0, CPU_SCRATCH_SP(tp)
  sd t0, 2*8(sp)
  csrr t0, sscratch
  sd t0, 4*8(sp)
  csrw sscratch, tp
  csrr t0, sepc
  sd t0, TF_SEPC(sp)
  csrr t1, sstatus
  sd t1, TF_SSTATUS(sp)
  csrr t1, scause
  sd t1, TF_SCAUSE(sp)
  csrr t1, stval
  sd t1, TF_STVAL(sp)
  // A frame record {fp, ra} = {interrupted s0, sepc} so backtraces walk through the trap.
  sd s0, TF_FP_LINK(sp)
  sd t0, TF_RA_LINK(sp)
  addi s0, sp, TF_SIZE
  mv a0, sp
  // System calls take a shorter road than every other trap (syscall_entry).
  ld t0, TF_SCAUSE(sp)
  addi t0, t0, -ASM_EXC_ECALL_U
  bnez t0, 7f
  call syscall_entry
  j trap_return
7:
  call trap_handler

.globl trap_return
trap_return:                           // sp = the TrapFrame to restore
  ld t0, TF_SEPC(sp)
  csrw sepc, t0
  ld t0, TF_SSTATUS(sp)
  csrw sstatus, t0
  andi t0, t0, ASM_SSTATUS_SPP
  bnez t0, 4f
  ld tp, 4*8(sp)                       // back to user: its tp. To the kernel: keep this hart's.
4:
  ld t0, TF_SCAUSE(sp)
  addi t0, t0, -ASM_EXC_ECALL_U        // a system call's frame holds no s1..s11 (see above)
  beqz t0, 6f
  ld s1, 9*8(sp)
  ld s2, 18*8(sp)
  ld s3, 19*8(sp)
  ld s4, 20*8(sp)
  ld s5, 21*8(sp)
  ld s6, 22*8(sp)
  ld s7, 23*8(sp)
  ld s8, 24*8(sp)
  ld s9, 25*8(sp)
  ld s10, 26*8(sp)
  ld s11, 27*8(sp)
6:
  ld ra, 1*8(sp)
  ld gp, 3*8(sp)
  ld t0, 5*8(sp)
  ld t1, 6*8(sp)
  ld t2, 7*8(sp)
  ld s0, 8*8(sp)
  ld a0, 10*8(sp)
  ld a1, 11*8(sp)
  ld a2, 12*8(sp)
  ld a3, 13*8(sp)
  ld a4, 14*8(sp)
  ld a5, 15*8(sp)
  ld a6, 16*8(sp)
  ld a7, 17*8(sp)
  ld t3, 28*8(sp)
  ld t4, 29*8(sp)
  ld t5, 30*8(sp)
  ld t6, 31*8(sp)
  ld sp, 2*8(sp)
  sret

// arch_enter_user(frame): first entry of a thread into user mode. `frame` is a TrapFrame the
// caller filled (sepc = entry point, sstatus with SPP clear and SPIE set, sp and arguments) at
// the top of the thread's kernel stack, where later traps from user mode save theirs.
.globl arch_enter_user
arch_enter_user:
  mv sp, a0
  csrw sscratch, tp
  j trap_return
