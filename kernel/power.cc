// Power off. Writing 0x5555 to the test device exits QEMU with status 0; (code << 16) | 0x3333
// exits with status `code`.
#include "kernel/power.h"

#include "kernel/arch/riscv/memlayout.h"
#include "kernel/arch/riscv/sbi.h"

static volatile uint32_t* g_test_dev = nullptr;

void power_init(uint64_t test_device_paddr) {
  if (test_device_paddr)
    g_test_dev = static_cast<volatile uint32_t*>(phys_to_virt(test_device_paddr));
}

void power_off(int exit_code) {
  if (g_test_dev) *g_test_dev = exit_code == 0 ? 0x5555 : ((exit_code & 0xffff) << 16) | 0x3333;
  sbi::system_reset(exit_code != 0);
}
