// The virtio-mmio slot scan (see virtio_slots.h).
#include "user/fs/virtio_slots.h"

#include <zircon/process.h>
#include <zircon/syscalls.h>

namespace virtio {

zx_status_t find_mmio_device(zx_handle_t resource, uint32_t device_id, FoundDevice* out) {
  for (int i = 0; i < kMmioSlots; i++) {
    zx_handle_t vmo;
    if (zx_vmo_create_physical(resource, kMmioBase + i * kMmioStride, 4096, &vmo) != ZX_OK)
      continue;
    zx_vaddr_t addr;
    if (zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 4096,
                    &addr) != ZX_OK) {
      zx_handle_close(vmo);
      continue;
    }
    MmioWindow probe(reinterpret_cast<volatile void*>(addr));
    MmioDeviceInfo info;
    const char* why;
    if (mmio_probe(probe, device_id, &info, &why) == ZX_OK) {
      out->slot = i;
      out->irq = static_cast<uint32_t>(i + 1);
      out->vmo = vmo;
      out->regs = reinterpret_cast<volatile void*>(addr);
      return ZX_OK;
    }
    zx_vmar_unmap(zx_vmar_root_self(), addr, 4096);
    zx_handle_close(vmo);
  }
  return ZX_ERR_NOT_FOUND;
}

}  // namespace virtio
