// Control and status registers of the RISC-V privileged architecture that S-mode uses, and
// the few instructions (fences, wfi) that have no C++ spelling.
#pragma once
#include <stdint.h>

#define csr_read(csr)                                    \
  ({                                                     \
    uint64_t v_;                                         \
    asm volatile("csrr %0, " #csr : "=r"(v_)::"memory"); \
    v_;                                                  \
  })
#define csr_write(csr, val) asm volatile("csrw " #csr ", %0" ::"rK"((uint64_t)(val)) : "memory")
#define csr_set(csr, bits) asm volatile("csrs " #csr ", %0" ::"rK"((uint64_t)(bits)) : "memory")
#define csr_clear(csr, bits) asm volatile("csrc " #csr ", %0" ::"rK"((uint64_t)(bits)) : "memory")

namespace riscv {

constexpr uint64_t SSTATUS_SIE = 1ull << 1;
constexpr uint64_t SSTATUS_SPIE = 1ull << 5;
constexpr uint64_t SSTATUS_SPP = 1ull << 8;
constexpr uint64_t SSTATUS_SUM = 1ull << 18;

constexpr uint64_t SIE_SSIE = 1ull << 1;
constexpr uint64_t SIE_STIE = 1ull << 5;
constexpr uint64_t SIE_SEIE = 1ull << 9;

constexpr uint64_t SCAUSE_INTERRUPT = 1ull << 63;
enum : uint64_t {
  IRQ_S_SOFT = 1,
  IRQ_S_TIMER = 5,
  IRQ_S_EXT = 9,
};
enum : uint64_t {
  EXC_INST_MISALIGNED = 0,
  EXC_INST_ACCESS = 1,
  EXC_ILLEGAL_INST = 2,
  EXC_BREAKPOINT = 3,
  EXC_LOAD_MISALIGNED = 4,
  EXC_LOAD_ACCESS = 5,
  EXC_STORE_MISALIGNED = 6,
  EXC_STORE_ACCESS = 7,
  EXC_ECALL_U = 8,
  EXC_ECALL_S = 9,
  EXC_INST_PAGE_FAULT = 12,
  EXC_LOAD_PAGE_FAULT = 13,
  EXC_STORE_PAGE_FAULT = 15,
};

inline bool irqs_enabled() { return csr_read(sstatus) & SSTATUS_SIE; }
// Disables interrupts and returns whether they were enabled before.
inline bool irq_save() {
  uint64_t prev;
  asm volatile("csrrc %0, sstatus, %1" : "=r"(prev) : "i"(SSTATUS_SIE) : "memory");
  return prev & SSTATUS_SIE;
}
inline void irq_restore(bool enabled) {
  if (enabled) csr_set(sstatus, SSTATUS_SIE);
}
inline void irq_enable() { csr_set(sstatus, SSTATUS_SIE); }
inline void irq_disable() { csr_clear(sstatus, SSTATUS_SIE); }

inline void wfi() { asm volatile("wfi" ::: "memory"); }
inline void fence() { asm volatile("fence rw, rw" ::: "memory"); }
inline void sfence_vma_all() { asm volatile("sfence.vma zero, zero" ::: "memory"); }
inline void sfence_vma_page(uint64_t va) {
  asm volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
}
inline void pause() { asm volatile(".insn i 0x0f, 0, x0, x0, 0x010" ::: "memory"); }  // Zihintpause

inline uint64_t rdtime() { return csr_read(time); }
inline uint64_t rdinstret() { return csr_read(instret); }
inline uint64_t read_fp() { return reinterpret_cast<uint64_t>(__builtin_frame_address(0)); }

}  // namespace riscv
