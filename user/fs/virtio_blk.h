// The virtio-blk request layer (spec 5.2) over one split virtqueue and the virtio-mmio transport.
//
// Every request is a three-part chain: a 16-byte header the device reads (type, sector), the
// data buffers (read by the device for OUT, written for IN), and a one-byte status the device
// writes. Headers and status bytes live in a DMA area the caller provides together with the ring;
// data buffers are the caller's, given as device addresses (pinned pages, never assumed to be
// identity-mapped). Requests are asynchronous: submit_*() queue a request and return a token;
// kick() hands the batch to the device; after an interrupt, ack_interrupt() and then poll() (or
// drain()) until ZX_ERR_SHOULD_WAIT return the completions, in whatever order the device finished.
//
// Not thread-safe: one thread (the driver's port loop) owns a VirtioBlk.
//
// A driver, in outline (mmio mapped from zx_vmo_create_physical; dma a zx_vmo_create_contiguous
// VMO, mapped at `dma_cpu` and pinned with zx_bti_pin to get `dma_phys`; data pages pinned the
// same way):
//
//   static MmioWindow regs(mmio);
//   static VirtioBlk blk;                       // ~25 KiB of bookkeeping: not on the stack
//   const char* why;
//   if (blk.init(&regs, dma_cpu, dma_phys, VirtioBlk::dma_bytes(256), &why) != ZX_OK) log(why);
//   zx_interrupt_bind(irq, port, kIrqKey, 0);
//   for (;;) {
//     zx_port_wait(port, ZX_TIME_INFINITE, &packet);
//     if (packet.key == kIrqKey) {
//       blk.ack_interrupt();                    // device first: a later completion re-raises it
//       zx_interrupt_ack(irq);                  // then re-arm the interrupt object
//       BlkCompletion c;
//       while (blk.poll(&c) == ZX_OK) finish(c.cookie, c.status);   // any order
//     } else {                                  // work: queue it, then one kick for the batch
//       blk.submit_read(sector, segs, n, cookie, &token);   // ZX_ERR_SHOULD_WAIT: queue full
//       blk.kick();
//     }
//   }
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "user/fs/virtio_mmio.h"
#include "user/fs/virtqueue.h"

namespace virtio {

// ---- the protocol (spec 5.2.6) ----------------------------------------------------------------
constexpr uint32_t BLK_T_IN = 0;      // read sectors into the writable buffers
constexpr uint32_t BLK_T_OUT = 1;     // write sectors from the readable buffers
constexpr uint32_t BLK_T_FLUSH = 4;   // make earlier completed writes durable
constexpr uint32_t BLK_T_GET_ID = 8;  // 20-byte device id string

constexpr uint8_t BLK_S_OK = 0;
constexpr uint8_t BLK_S_IOERR = 1;
constexpr uint8_t BLK_S_UNSUPP = 2;

// Feature bits (spec 5.2.3).
constexpr uint64_t BLK_F_SIZE_MAX = 1ull << 1;  // size_max: largest single buffer
constexpr uint64_t BLK_F_SEG_MAX = 1ull << 2;   // seg_max: most data buffers per request
constexpr uint64_t BLK_F_GEOMETRY = 1ull << 4;
constexpr uint64_t BLK_F_RO = 1ull << 5;        // the disk is read-only
constexpr uint64_t BLK_F_BLK_SIZE = 1ull << 6;  // blk_size: the optimal I/O granule
constexpr uint64_t BLK_F_FLUSH = 1ull << 9;     // BLK_T_FLUSH works
constexpr uint64_t BLK_F_TOPOLOGY = 1ull << 10;

// Configuration space offsets (struct virtio_blk_config).
constexpr uint32_t BLK_CFG_CAPACITY = 0;  // le64, in 512-byte sectors whatever blk_size says
constexpr uint32_t BLK_CFG_SIZE_MAX = 8;
constexpr uint32_t BLK_CFG_SEG_MAX = 12;
constexpr uint32_t BLK_CFG_BLK_SIZE = 20;

constexpr uint32_t BLK_SECTOR_SIZE = 512;  // the protocol's unit, always
// Most data buffers in one request this driver builds: 128 pages is 512 KiB, four times the
// largest readahead, and keeps the chain under construction small enough for the stack.
constexpr uint32_t BLK_MAX_SEGMENTS = 128;
constexpr uint32_t BLK_ID_BYTES = 20;

struct BlkReqHeader {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};
static_assert(sizeof(BlkReqHeader) == 16);

// Maps a device status byte to a zx_status_t: OK -> ZX_OK, IOERR -> ZX_ERR_IO, UNSUPP ->
// ZX_ERR_NOT_SUPPORTED, and anything else (including a status never written) -> ZX_ERR_IO.
zx_status_t blk_status_to_zx(uint8_t status);

// One data buffer as the device sees it.
struct BlkSegment {
  uint64_t device_addr;
  uint32_t len;
};

struct BlkCompletion {
  uint64_t token;   // what submit_*() returned
  uint64_t cookie;  // what submit_*() was given
  uint32_t type;    // BLK_T_*
  zx_status_t status;
};

struct BlkInfo {
  uint64_t capacity;  // in 512-byte sectors
  uint32_t blk_size;  // from config with BLK_F_BLK_SIZE, else 512
  uint32_t seg_max;   // data buffers per request we allow (<= BLK_MAX_SEGMENTS)
  uint32_t size_max;  // bytes per data buffer we allow (0: no limit)
  bool read_only;
  bool flush;
  uint64_t features;  // the negotiated set
  uint16_t queue_size;
};

class VirtioBlk {
 public:
  struct Options {
    // Use VIRTIO_F_EVENT_IDX when the device offers it (fewer notifications and interrupts).
    bool event_idx = true;
    // Upper bound on the queue size (further bounded by the device and by kMaxSize).
    uint16_t max_queue_size = Virtqueue::kMaxSize;
  };

  // DMA bytes init() needs for a queue of `queue_size`: the ring, then per request slot a header
  // and a status byte. Every request takes at least two descriptors (a flush: header and status),
  // so size / 2 slots cover the most requests that can ever be in flight.
  static size_t dma_bytes(uint16_t queue_size);

  // Probes, negotiates (VIRTIO_F_VERSION_1 required), reads the configuration, sets up queue 0 in
  // the DMA area (largest power-of-two size that the device, the options and `dma_size` allow) and
  // sets DRIVER_OK. `dma_cpu`/`dma_device` are one contiguous area, 16-byte aligned, seen by the
  // CPU and the device at those addresses. On failure *why says what went wrong.
  zx_status_t init(MmioRegs* regs, void* dma_cpu, uint64_t dma_device, size_t dma_size,
                   const Options& options, const char** why);
  zx_status_t init(MmioRegs* regs, void* dma_cpu, uint64_t dma_device, size_t dma_size,
                   const char** why) {
    return init(regs, dma_cpu, dma_device, dma_size, Options(), why);
  }

  const BlkInfo& info() const { return info_; }

  // Queue a request; the device sees it after kick(). `cookie` comes back in the completion.
  // The data length must be a positive multiple of 512 and the range inside the disk.
  //   ZX_ERR_SHOULD_WAIT    the queue is full now: poll() completions and retry
  //   ZX_ERR_OUT_OF_RANGE   past the end of the disk
  //   ZX_ERR_INVALID_ARGS   bad lengths, too many segments (seg_max), a segment over size_max
  //   ZX_ERR_ACCESS_DENIED  a write to a read-only disk
  //   ZX_ERR_NOT_SUPPORTED  flush on a device without VIRTIO_BLK_F_FLUSH (it writes through)
  //   ZX_ERR_BAD_STATE      not initialised, or the device broke the ring protocol
  zx_status_t submit_read(uint64_t sector, const BlkSegment* segs, uint32_t n, uint64_t cookie,
                          uint64_t* token);
  zx_status_t submit_write(uint64_t sector, const BlkSegment* segs, uint32_t n, uint64_t cookie,
                           uint64_t* token);
  zx_status_t submit_flush(uint64_t cookie, uint64_t* token);
  // `id` must be BLK_ID_BYTES long; the device writes its serial there (not NUL-terminated when
  // it is 20 characters long).
  zx_status_t submit_get_id(BlkSegment id, uint64_t cookie, uint64_t* token);

  // Makes the queued requests visible and notifies the device if it wants that.
  void kick();

  // The interrupt half: acknowledges the device's interrupt and returns the MMIO_INT_* bits.
  // A configuration change re-reads the capacity. Call before poll()/drain().
  uint32_t ack_interrupt();

  // One completion; ZX_ERR_SHOULD_WAIT when there is none. ZX_ERR_BAD_STATE: the device broke the
  // ring protocol (the driver should reset it and fail outstanding requests).
  zx_status_t poll(BlkCompletion* out);
  // Calls `done` for every available completion; returns how many.
  uint32_t drain(void (*done)(const BlkCompletion& c, void* ctx), void* ctx);

  // Requests submitted and not yet returned by poll().
  uint32_t in_flight() const { return vq_.in_flight(); }
  const Virtqueue& queue() const { return vq_; }

 private:
  struct Slot {
    uint64_t token;  // 0: free
    uint64_t cookie;
    uint32_t type;
  };
  static constexpr uint32_t kMaxSlots = Virtqueue::kMaxSize / 2;
  static constexpr size_t kHeaderStride = 16;

  zx_status_t submit(uint32_t type, uint64_t sector, const BlkSegment* segs, uint32_t n,
                     bool device_writes, uint64_t cookie, uint64_t* token);
  void read_config();

  MmioRegs* regs_ = nullptr;
  BlkInfo info_{};
  Virtqueue vq_;
  uint8_t* dma_cpu_ = nullptr;
  uint64_t dma_device_ = 0;
  size_t headers_offset_ = 0;  // within the DMA area
  size_t status_offset_ = 0;
  uint32_t num_slots_ = 0;
  uint32_t free_top_ = 0;  // free_slots_[0, free_top_) are free
  uint64_t next_token_ = 1;
  uint16_t free_slots_[kMaxSlots];
  Slot slots_[kMaxSlots];
};

}  // namespace virtio
