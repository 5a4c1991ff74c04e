// Ending the machine: the SiFive test device on QEMU virt turns a write into QEMU's exit
// status (how tests report pass or fail); without it, SBI system reset shuts down.
#pragma once
#include <stdint.h>

void power_init(uint64_t test_device_paddr);
[[noreturn]] void power_off(int exit_code);
