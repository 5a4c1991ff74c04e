// Finding a virtio device on QEMU virt's virtio-mmio slots from user mode.
//
// The board has eight slots: registers at kMmioBase + i * kMmioStride, PLIC interrupt source
// i + 1 (its device tree says so; this kernel does not hand the tree to user mode, so the layout
// is written down here, once, for every driver). Each slot's registers are reached through a
// physical VMO made from the root resource and mapped uncached.
#pragma once
#include <stdint.h>
#include <zircon/types.h>

#include "user/fs/virtio_mmio.h"

namespace virtio {

constexpr uint64_t kMmioBase = 0x10001000, kMmioStride = 0x1000;
constexpr int kMmioSlots = 8;

struct FoundDevice {
  int slot = -1;
  uint32_t irq = 0;                     // PLIC source, for zx_interrupt_create
  zx_handle_t vmo = ZX_HANDLE_INVALID;  // the registers' physical VMO (the caller's)
  volatile void* regs = nullptr;        // mapped here, read-write
};

// The first slot holding a modern (version 2) device of type `device_id`. Slots that hold
// something else are unmapped again. ZX_ERR_NOT_FOUND if there is none.
zx_status_t find_mmio_device(zx_handle_t resource, uint32_t device_id, FoundDevice* out);

}  // namespace virtio
