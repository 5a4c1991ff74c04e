// Constants shared by the assembly files and the C++ that must agree with them. Each struct
// layout here is checked against its C++ definition with static_assert(offsetof(...)) next to
// that definition (trap.h, cpu.h, kernel/thread.h), so a field moved on one side stops the build.
#pragma once

#define SATP_SV39 (8 << 60)
#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_U (1 << 4)
#define PTE_G (1 << 5)
#define PTE_A (1 << 6)
#define PTE_D (1 << 7)

// CSR bits and cause codes the assembly tests (csr.h has them for C++; trap.h checks they agree).
#define ASM_SSTATUS_SPP 0x100
#define ASM_SSTATUS_SUM 0x40000
#define ASM_EXC_ECALL_U 8

#define MAX_CPUS 8
#define MAX_HARTID 64  // hart ids the entry code can hold back (see entry.S)
#define BOOT_STACK_SIZE 16384

// struct Cpu (cpu.h): the fields the trap vector uses.
#define CPU_SCRATCH_T0 0
#define CPU_SCRATCH_T1 8
#define CPU_SCRATCH_SP 16
#define CPU_KSTACK_TOP 24
#define CPU_KSTACK_LIMIT 32
#define CPU_EMERGENCY_SP 40

// struct TrapFrame (trap.h): xn at 8*n (trap.S writes n*8(sp): the registers start the frame,
// TF_REGS), then the CSRs, then a frame record that links the interrupted code into backtraces.
#define TF_REGS 0
#define TF_SEPC (32 * 8)
#define TF_SSTATUS (33 * 8)
#define TF_SCAUSE (34 * 8)
#define TF_STVAL (35 * 8)
#define TF_FP_LINK (36 * 8)
#define TF_RA_LINK (37 * 8)
#define TF_SIZE (38 * 8)

// struct Context (kernel/thread.h), saved and restored by arch_context_switch (switch.S): ra,
// sp, then s0..s11 at CONTEXT_S0 + 8*n.
#define CONTEXT_RA 0
#define CONTEXT_SP 8
#define CONTEXT_S0 16
#define CONTEXT_SIZE (14 * 8)
