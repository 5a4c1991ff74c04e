// Calls into the SBI firmware (OpenSBI) below us: timer, IPIs, remote fences, hart start/stop,
// and system reset. Each returns the SBI error code (0 on success).
#pragma once
#include <stdint.h>

namespace sbi {

struct Ret {
  long error;
  long value;
};

Ret call(uint64_t ext, uint64_t fid, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
         uint64_t a3 = 0);

bool probe(uint64_t ext);
long set_timer(uint64_t stime);
long send_ipi(uint64_t hart_mask, uint64_t hart_mask_base);
long hart_start(uint64_t hartid, uint64_t start_paddr, uint64_t opaque);
long hart_status(uint64_t hartid);
[[noreturn]] void system_reset(bool failure);
void legacy_putchar(char c);

constexpr uint64_t kExtTime = 0x54494D45;
constexpr uint64_t kExtIpi = 0x735049;
constexpr uint64_t kExtHsm = 0x48534D;
constexpr uint64_t kExtSrst = 0x53525354;
constexpr uint64_t kExtBase = 0x10;

}  // namespace sbi
