// SBI calls: the ecall convention puts the extension id in a7, the function id in a6 and
// returns (error, value) in (a0, a1).
#include "kernel/arch/riscv/sbi.h"

namespace sbi {

Ret call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3) {
  register uint64_t r0 asm("a0") = a0;
  register uint64_t r1 asm("a1") = a1;
  register uint64_t r2 asm("a2") = a2;
  register uint64_t r3 asm("a3") = a3;
  register uint64_t r6 asm("a6") = fid;
  register uint64_t r7 asm("a7") = ext;
  asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r6), "r"(r7) : "memory");
  return Ret{static_cast<long>(r0), static_cast<long>(r1)};
}

bool probe(uint64_t ext) { return call(kExtBase, 3, ext).value != 0; }

long set_timer(uint64_t stime) { return call(kExtTime, 0, stime).error; }

long send_ipi(uint64_t hart_mask, uint64_t hart_mask_base) {
  return call(kExtIpi, 0, hart_mask, hart_mask_base).error;
}

long hart_start(uint64_t hartid, uint64_t start_paddr, uint64_t opaque) {
  return call(kExtHsm, 0, hartid, start_paddr, opaque).error;
}

long hart_status(uint64_t hartid) {
  Ret r = call(kExtHsm, 2, hartid);
  return r.error ? r.error : r.value;
}

void system_reset(bool failure) {
  // Shutdown (type 0), reason 0 = none, 1 = system failure.
  call(kExtSrst, 0, 0, failure ? 1 : 0);
  for (;;) asm volatile("wfi");
}

void legacy_putchar(char c) { call(0x01, 0, static_cast<uint8_t>(c)); }

}  // namespace sbi
