// virtio-mmio version 2 initialisation; see virtio_mmio.h.
#include "user/fs/virtio_mmio.h"

namespace virtio {

namespace {

// A device resets quickly (QEMU at once); a status that never reads back 0 means a dead device,
// and the driver should say so rather than hang.
constexpr int kResetPolls = 100000;

void set_status_bits(MmioRegs& regs, uint32_t bits) {
  regs.write32(MMIO_STATUS, regs.read32(MMIO_STATUS) | bits);
}

uint64_t read_device_features(MmioRegs& regs) {
  regs.write32(MMIO_DEVICE_FEATURES_SEL, 0);
  uint64_t lo = regs.read32(MMIO_DEVICE_FEATURES);
  regs.write32(MMIO_DEVICE_FEATURES_SEL, 1);
  uint64_t hi = regs.read32(MMIO_DEVICE_FEATURES);
  return lo | (hi << 32);
}

void write_driver_features(MmioRegs& regs, uint64_t features) {
  regs.write32(MMIO_DRIVER_FEATURES_SEL, 0);
  regs.write32(MMIO_DRIVER_FEATURES, static_cast<uint32_t>(features));
  regs.write32(MMIO_DRIVER_FEATURES_SEL, 1);
  regs.write32(MMIO_DRIVER_FEATURES, static_cast<uint32_t>(features >> 32));
}

zx_status_t fail(MmioRegs& regs, const char** why, const char* text, zx_status_t status) {
  set_status_bits(regs, STATUS_FAILED);
  if (why != nullptr) *why = text;
  return status;
}

}  // namespace

zx_status_t mmio_probe(MmioRegs& regs, uint32_t device_id, MmioDeviceInfo* info, const char** why) {
  const char* unused;
  if (why == nullptr) why = &unused;
  uint32_t magic = regs.read32(MMIO_MAGIC_VALUE);
  if (magic != MMIO_MAGIC) {
    *why = "virtio-mmio: no magic value 0x74726976 ('virt'): not a virtio-mmio register window";
    return ZX_ERR_WRONG_TYPE;
  }
  uint32_t version = regs.read32(MMIO_VERSION);
  uint32_t id = regs.read32(MMIO_DEVICE_ID);
  if (info != nullptr) *info = {version, id, regs.read32(MMIO_VENDOR_ID)};
  if (version == MMIO_VERSION_LEGACY) {
    *why =
        "virtio-mmio: version 1 (legacy) device; this driver speaks only version 2 (virtio 1.x). "
        "With QEMU, add -global virtio-mmio.force-legacy=false";
    return ZX_ERR_NOT_SUPPORTED;
  }
  if (version != MMIO_VERSION_MODERN) {
    *why = "virtio-mmio: unknown version (neither 1 nor 2)";
    return ZX_ERR_NOT_SUPPORTED;
  }
  if (id == 0) {
    *why = "virtio-mmio: device id 0: no device in this slot";
    return ZX_ERR_NOT_FOUND;
  }
  if (id != device_id) {
    *why = "virtio-mmio: the slot holds another kind of device";
    return ZX_ERR_WRONG_TYPE;
  }
  return ZX_OK;
}

zx_status_t mmio_reset(MmioRegs& regs) {
  regs.write32(MMIO_STATUS, 0);
  for (int i = 0; i < kResetPolls; i++) {
    if (regs.read32(MMIO_STATUS) == 0) return ZX_OK;
  }
  return ZX_ERR_TIMED_OUT;
}

zx_status_t mmio_negotiate(MmioRegs& regs, uint64_t supported, uint64_t required,
                           uint64_t* accepted, const char** why) {
  const char* unused;
  if (why == nullptr) why = &unused;
  if (mmio_reset(regs) != ZX_OK) {
    *why = "virtio-mmio: the device status did not read back 0 after a reset";
    return ZX_ERR_TIMED_OUT;
  }
  set_status_bits(regs, STATUS_ACKNOWLEDGE);
  set_status_bits(regs, STATUS_DRIVER);

  uint64_t offered = read_device_features(regs);
  if ((offered & required) != required) {
    if ((required & F_VERSION_1) != 0 && (offered & F_VERSION_1) == 0) {
      return fail(regs, why, "virtio-mmio: the device does not offer VIRTIO_F_VERSION_1",
                  ZX_ERR_NOT_SUPPORTED);
    }
    return fail(regs, why, "virtio-mmio: the device lacks a feature this driver requires",
                ZX_ERR_NOT_SUPPORTED);
  }
  uint64_t features = offered & (supported | required);
  write_driver_features(regs, features);

  set_status_bits(regs, STATUS_FEATURES_OK);
  // The device clears FEATURES_OK if it cannot work with the subset we accepted (spec 3.1.1 step
  // 6).
  if ((regs.read32(MMIO_STATUS) & STATUS_FEATURES_OK) == 0) {
    return fail(regs, why, "virtio-mmio: the device refused the accepted feature set",
                ZX_ERR_NOT_SUPPORTED);
  }
  if (accepted != nullptr) *accepted = features;
  return ZX_OK;
}

uint32_t mmio_queue_max(MmioRegs& regs, uint16_t index) {
  regs.write32(MMIO_QUEUE_SEL, index);
  return regs.read32(MMIO_QUEUE_NUM_MAX);
}

zx_status_t mmio_setup_queue(MmioRegs& regs, uint16_t index, uint16_t size, uint64_t desc,
                             uint64_t driver, uint64_t device, const char** why) {
  const char* unused;
  if (why == nullptr) why = &unused;
  regs.write32(MMIO_QUEUE_SEL, index);
  if (regs.read32(MMIO_QUEUE_READY) != 0) {
    *why = "virtio-mmio: the queue is already live (QueueReady is set)";
    return ZX_ERR_BAD_STATE;
  }
  uint32_t max = regs.read32(MMIO_QUEUE_NUM_MAX);
  if (max == 0) {
    *why = "virtio-mmio: the device has no such queue";
    return ZX_ERR_NOT_FOUND;
  }
  if (size == 0 || size > max) {
    *why = "virtio-mmio: queue size larger than QueueNumMax";
    return ZX_ERR_OUT_OF_RANGE;
  }
  regs.write32(MMIO_QUEUE_NUM, size);
  regs.write32(MMIO_QUEUE_DESC_LOW, static_cast<uint32_t>(desc));
  regs.write32(MMIO_QUEUE_DESC_HIGH, static_cast<uint32_t>(desc >> 32));
  regs.write32(MMIO_QUEUE_DRIVER_LOW, static_cast<uint32_t>(driver));
  regs.write32(MMIO_QUEUE_DRIVER_HIGH, static_cast<uint32_t>(driver >> 32));
  regs.write32(MMIO_QUEUE_DEVICE_LOW, static_cast<uint32_t>(device));
  regs.write32(MMIO_QUEUE_DEVICE_HIGH, static_cast<uint32_t>(device >> 32));
  regs.write32(MMIO_QUEUE_READY, 1);
  return ZX_OK;
}

void mmio_driver_ok(MmioRegs& regs) { set_status_bits(regs, STATUS_DRIVER_OK); }

void mmio_fail(MmioRegs& regs) { set_status_bits(regs, STATUS_FAILED); }

uint32_t mmio_ack_interrupt(MmioRegs& regs) {
  uint32_t pending = regs.read32(MMIO_INTERRUPT_STATUS);
  if (pending != 0) regs.write32(MMIO_INTERRUPT_ACK, pending);
  return pending;
}

uint32_t mmio_read_config32(MmioRegs& regs, uint32_t offset) {
  // A single aligned 32-bit read is atomic; the generation matters only across registers.
  return regs.read32(MMIO_CONFIG + offset);
}

uint64_t mmio_read_config64(MmioRegs& regs, uint32_t offset) {
  for (;;) {
    uint32_t before = regs.read32(MMIO_CONFIG_GENERATION);
    uint64_t lo = regs.read32(MMIO_CONFIG + offset);
    uint64_t hi = regs.read32(MMIO_CONFIG + offset + 4);
    if (regs.read32(MMIO_CONFIG_GENERATION) == before) return lo | (hi << 32);
  }
}

}  // namespace virtio
