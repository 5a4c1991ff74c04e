// First instructions. OpenSBI's fw_jump enters _start in S-mode with the MMU off, a0 = hart id
// and a1 = physical address of the device tree. Depending on the firmware, only the boot hart
// comes here (the others wait for SBI HSM hart_start) or every hart does; in that case the first
// to get here boots and the others wait in `held` until kmain releases them one by one. We zero .bss, build a boot
// page table that maps the kernel where it was linked (the upper half) and, for the moment of
// the switch, where it was loaded (identity), then jump to kmain in the upper half. Secondary
// harts, started with SBI HSM by the boot hart, enter at secondary_entry and reuse that table.
#include "kernel/arch/riscv/asm.h"

.section .text.entry, "ax"
.globl _start
_start:
  lla t0, boot_lottery
  li t1, 1
  amoswap.w.aq t1, t1, (t0)
  bnez t1, held
  mv s0, a0                      // hart id
  mv s1, a1                      // device tree (physical)

  // Running at the load address: every `la` is pc-relative and yields a physical address.
  lla t0, __bss_start
  lla t1, __bss_end
1:
  bgeu t0, t1, 2f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 1b
2:
  // The gigabyte the kernel was loaded in; the image is linked at kKernelVBase + 2 MiB.
  lla t0, _start
  li t1, ~((1 << 30) - 1)
  and s2, t0, t1
  lla t0, g_kernel_phys_base
  sd s2, 0(t0)

  call build_boot_page_table     // a0 = phys base of the kernel gigabyte (s2)

  lla t0, boot_page_table
  srli t0, t0, 12
  li t1, SATP_SV39
  or t0, t0, t1
  sfence.vma zero, zero
  csrw satp, t0
  sfence.vma zero, zero

  ld t0, .Lhigh_boot             // absolute: the upper-half address
  jr t0

.balign 8
.Lhigh_boot: .dword high_boot
.Lhigh_secondary: .dword high_secondary

// Fills boot_page_table (physical, MMU still off). Uses 1 GiB leaves only:
//   [base>>30]          identity map of the kernel's gigabyte (RWX) for the jump
//   [256 .. 256+63]     direct map of PA 0 .. 64 GiB (RW)
//   [510]               kKernelVBase -> base (RWX until kmain installs the W^X table)
build_boot_page_table:
  mv a0, s2
  lla t0, boot_page_table
  srli t1, a0, 30                // identity slot
  slli t1, t1, 3
  add t1, t1, t0
  srli t2, a0, 2                 // PPN field = (pa >> 12) << 10 = pa >> 2
  ori t3, t2, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
  sd t3, 0(t1)
  li t1, 510 * 8
  add t1, t1, t0
  ori t3, t2, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G
  sd t3, 0(t1)
  li t4, 0                       // gigabyte index
  li t5, 64
  li t1, 256 * 8
  add t1, t1, t0
3:
  slli t2, t4, 28                // (i << 30) >> 2
  ori t3, t2, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G
  sd t3, 0(t1)
  addi t1, t1, 8
  addi t4, t4, 1
  blt t4, t5, 3b
  ret

// A hart that lost the lottery waits for g_hart_release[hartid] = cpu number + 1.
held:
  li t0, MAX_HARTID
  bgeu a0, t0, park_phys
  lla t0, g_hart_release
  slli t1, a0, 3
  add t0, t0, t1
1:
  ld t2, 0(t0)
  beqz t2, 1b
  fence r, rw
  addi a1, t2, -1
  j secondary_entry
park_phys:
  wfi
  j park_phys

// Secondary harts: a0 = hart id, a1 = opaque = logical cpu number (from hart_start).
.globl secondary_entry
secondary_entry:
  mv s0, a0
  mv s1, a1
  lla t0, boot_page_table
  srli t0, t0, 12
  li t1, SATP_SV39
  or t0, t0, t1
  sfence.vma zero, zero
  csrw satp, t0
  sfence.vma zero, zero
  ld t0, .Lhigh_secondary
  jr t0

.section .text
high_boot:
  lla sp, boot_stacks
  li t0, BOOT_STACK_SIZE
  add sp, sp, t0
  mv tp, zero
  lla t0, early_trap_vector
  csrw stvec, t0
  mv a0, s0
  mv a1, s1
  mv fp, zero                    // fp is s0: clear it only after its last use
  call kmain
  j park

high_secondary:
  lla sp, boot_stacks
  li t0, BOOT_STACK_SIZE
  addi t1, s1, 1
  mul t0, t0, t1
  add sp, sp, t0
  lla t0, early_trap_vector
  csrw stvec, t0
  mv a0, s1
  mv a1, s0
  mv fp, zero
  call secondary_main
park:
  wfi
  j park

// Traps before the real vector is installed: report what we can and stop.
.balign 4
early_trap_vector:
  csrr a0, scause
  csrr a1, sepc
  csrr a2, stval
  call early_trap
  j park

.section .bss
.balign 4096
.globl boot_page_table
boot_page_table: .space 4096
.balign 16
.globl boot_stacks
boot_stacks: .space BOOT_STACK_SIZE * MAX_CPUS

.section .data
.balign 8
boot_lottery: .dword 0
.globl g_hart_release
g_hart_release: .fill MAX_HARTID, 8, 0
.globl g_kernel_phys_base
g_kernel_phys_base: .dword 0
