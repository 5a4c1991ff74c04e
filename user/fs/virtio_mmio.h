// The virtio-mmio transport, version 2 (virtio 1.x, spec 4.2): register offsets, status and
// feature bits, and the initialisation sequence (spec 3.1.1) written against an abstract register
// window, so the same code drives a real device through an MMIO VMO and a fake register file in
// the host tests.
#pragma once

#include <stdint.h>

#ifdef KERNEL_HOST_TEST
#include "kernel/status.h"
#else
#include <zircon/types.h>
#endif

namespace virtio {

// ---- registers (spec 4.2.2, table "MMIO Device Register Layout") ------------------------------
constexpr uint32_t MMIO_MAGIC_VALUE = 0x000;  // "virt" little-endian
constexpr uint32_t MMIO_VERSION = 0x004;      // 2 for virtio 1.x, 1 for legacy
constexpr uint32_t MMIO_DEVICE_ID = 0x008;    // 0: empty slot
constexpr uint32_t MMIO_VENDOR_ID = 0x00c;
constexpr uint32_t MMIO_DEVICE_FEATURES = 0x010;
constexpr uint32_t MMIO_DEVICE_FEATURES_SEL = 0x014;  // which 32 bits DEVICE_FEATURES shows
constexpr uint32_t MMIO_DRIVER_FEATURES = 0x020;
constexpr uint32_t MMIO_DRIVER_FEATURES_SEL = 0x024;
constexpr uint32_t MMIO_QUEUE_SEL = 0x030;
constexpr uint32_t MMIO_QUEUE_NUM_MAX = 0x034;  // 0: no such queue
constexpr uint32_t MMIO_QUEUE_NUM = 0x038;
constexpr uint32_t MMIO_QUEUE_READY = 0x044;
constexpr uint32_t MMIO_QUEUE_NOTIFY = 0x050;  // write the queue index
constexpr uint32_t MMIO_INTERRUPT_STATUS = 0x060;
constexpr uint32_t MMIO_INTERRUPT_ACK = 0x064;
constexpr uint32_t MMIO_STATUS = 0x070;
constexpr uint32_t MMIO_QUEUE_DESC_LOW = 0x080;
constexpr uint32_t MMIO_QUEUE_DESC_HIGH = 0x084;
constexpr uint32_t MMIO_QUEUE_DRIVER_LOW = 0x090;  // the available ring
constexpr uint32_t MMIO_QUEUE_DRIVER_HIGH = 0x094;
constexpr uint32_t MMIO_QUEUE_DEVICE_LOW = 0x0a0;  // the used ring
constexpr uint32_t MMIO_QUEUE_DEVICE_HIGH = 0x0a4;
constexpr uint32_t MMIO_CONFIG_GENERATION = 0x0fc;
constexpr uint32_t MMIO_CONFIG = 0x100;  // device-specific configuration space

constexpr uint32_t MMIO_MAGIC = 0x74726976;  // 'v' 'i' 'r' 't'
constexpr uint32_t MMIO_VERSION_LEGACY = 1;
constexpr uint32_t MMIO_VERSION_MODERN = 2;

// InterruptStatus bits.
constexpr uint32_t MMIO_INT_VRING = 1u << 0;   // a used buffer was added
constexpr uint32_t MMIO_INT_CONFIG = 1u << 1;  // the configuration space changed

// ---- device status (spec 2.1) -------------------------------------------------------------------
constexpr uint32_t STATUS_ACKNOWLEDGE = 1;  // the guest noticed the device
constexpr uint32_t STATUS_DRIVER = 2;       // and has a driver for it
constexpr uint32_t STATUS_DRIVER_OK = 4;    // the driver is ready; the device goes live
constexpr uint32_t STATUS_FEATURES_OK = 8;  // feature negotiation is complete
constexpr uint32_t STATUS_DEVICE_NEEDS_RESET = 64;
constexpr uint32_t STATUS_FAILED = 128;  // the driver gave up on the device

// ---- device-independent feature bits (spec 6) ---------------------------------------------------
constexpr uint64_t F_RING_INDIRECT_DESC = 1ull << 28;
constexpr uint64_t F_RING_EVENT_IDX = 1ull << 29;
constexpr uint64_t F_VERSION_1 = 1ull << 32;  // a modern (1.x) device; required here
constexpr uint64_t F_ACCESS_PLATFORM = 1ull << 33;

// Device IDs (spec 5).
constexpr uint32_t DEVICE_ID_NET = 1;
constexpr uint32_t DEVICE_ID_BLOCK = 2;

// A 32-bit register window. The driver implements it over its MMIO VMO (MmioWindow below); the
// host tests implement it as a fake device. Offsets are bytes from the window's base.
class MmioRegs {
 public:
  virtual uint32_t read32(uint32_t offset) = 0;
  virtual void write32(uint32_t offset, uint32_t value) = 0;

 protected:
  ~MmioRegs() = default;
};

// MmioRegs over a mapped register page. The fences keep MMIO accesses ordered against ordinary
// memory the device also reads (rings and buffers), as Linux's readl/writel do on RISC-V: a write
// waits for earlier memory writes; a read completes before later memory reads.
class MmioWindow final : public MmioRegs {
 public:
  explicit MmioWindow(volatile void* base) : base_(static_cast<volatile uint32_t*>(base)) {}
  uint32_t read32(uint32_t offset) override {
    uint32_t v = base_[offset / 4];
#if defined(__riscv)
    asm volatile("fence i,r" ::: "memory");
#endif
    return v;
  }
  void write32(uint32_t offset, uint32_t value) override {
#if defined(__riscv)
    asm volatile("fence w,o" ::: "memory");
#endif
    base_[offset / 4] = value;
  }

 private:
  volatile uint32_t* base_;
};

struct MmioDeviceInfo {
  uint32_t version;
  uint32_t device_id;
  uint32_t vendor_id;
};

// Checks that the window holds a modern device of type `device_id`. Each refusal sets *why to a
// sentence for the log:
//   ZX_ERR_WRONG_TYPE      no virtio magic value (not a virtio-mmio window)
//   ZX_ERR_NOT_SUPPORTED   version 1 (legacy) or an unknown version
//   ZX_ERR_NOT_FOUND       device id 0: the slot is empty
//   ZX_ERR_WRONG_TYPE      another kind of device
zx_status_t mmio_probe(MmioRegs& regs, uint32_t device_id, MmioDeviceInfo* info, const char** why);

// Resets the device and waits (a bounded number of reads) for the status to read back 0.
zx_status_t mmio_reset(MmioRegs& regs);

// Steps 1-6 of spec 3.1.1: reset, ACKNOWLEDGE, DRIVER, read the 64 device feature bits, accept
// those in `supported`, check every bit of `required` is offered, write the accepted set, set
// FEATURES_OK and check the device kept it. On failure sets FAILED in the status register and
// *why. The accepted set is returned in *accepted.
zx_status_t mmio_negotiate(MmioRegs& regs, uint64_t supported, uint64_t required,
                           uint64_t* accepted, const char** why);

// QueueNumMax of queue `index` (0: the queue does not exist).
uint32_t mmio_queue_max(MmioRegs& regs, uint16_t index);

// Programs queue `index` with `size` entries at the given device addresses and sets QueueReady.
zx_status_t mmio_setup_queue(MmioRegs& regs, uint16_t index, uint16_t size, uint64_t desc,
                             uint64_t driver, uint64_t device, const char** why);

// Step 8: the device may now use the queues.
void mmio_driver_ok(MmioRegs& regs);
// Marks the device FAILED (the driver gave up on it).
void mmio_fail(MmioRegs& regs);

inline void mmio_notify(MmioRegs& regs, uint16_t queue) { regs.write32(MMIO_QUEUE_NOTIFY, queue); }

// Reads InterruptStatus and acknowledges exactly those bits; returns them (MMIO_INT_*). Done
// before draining the used ring, so a completion arriving during the drain raises a new
// interrupt instead of being acknowledged unseen.
uint32_t mmio_ack_interrupt(MmioRegs& regs);

// Reads of the configuration space that are consistent across several registers: repeated while
// ConfigGeneration changes under them (spec 2.5.1, 4.2.2.2).
uint32_t mmio_read_config32(MmioRegs& regs, uint32_t offset);
uint64_t mmio_read_config64(MmioRegs& regs, uint32_t offset);

}  // namespace virtio
