// The only place board addresses appear: what QEMU `virt` uses, for when the device tree
// lacks a node (it never should). Everything else comes from the device tree at boot.
#pragma once
#include <stdint.h>

namespace board_fallback {
constexpr uint64_t kUartBase = 0x10000000;
constexpr uint32_t kUartIrq = 10;
constexpr uint64_t kPlicBase = 0x0c000000;
constexpr uint64_t kPlicSize = 0x600000;
constexpr uint32_t kPlicNdev = 95;
constexpr uint64_t kTestDeviceBase = 0x100000;
constexpr uint64_t kTimebaseHz = 10000000;
constexpr uint64_t kKernelLoadOffset = 0x200000;  // fw_jump enters at RAM base + 2 MiB
}  // namespace board_fallback
