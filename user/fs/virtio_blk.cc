// virtio-blk requests over a split virtqueue; see virtio_blk.h.
#include "user/fs/virtio_blk.h"

namespace virtio {

namespace {

// The features this driver can use. EVENT_IDX is added per Options; ACCESS_PLATFORM is accepted
// because every address we give the device already comes from the platform's DMA mapping (BTI).
constexpr uint64_t kSupported = F_VERSION_1 | F_ACCESS_PLATFORM | BLK_F_SIZE_MAX | BLK_F_SEG_MAX |
                                BLK_F_RO | BLK_F_BLK_SIZE | BLK_F_FLUSH;

// The device writes this status value never; finding it after completion means it did not write
// the status byte at all.
constexpr uint8_t kStatusUnwritten = 0xff;

constexpr size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

uint32_t slots_for(uint16_t queue_size) { return queue_size / 2 == 0 ? 1 : queue_size / 2; }

}  // namespace

zx_status_t blk_status_to_zx(uint8_t status) {
  switch (status) {
    case BLK_S_OK:
      return ZX_OK;
    case BLK_S_UNSUPP:
      return ZX_ERR_NOT_SUPPORTED;
    case BLK_S_IOERR:
    default:
      return ZX_ERR_IO;
  }
}

size_t VirtioBlk::dma_bytes(uint16_t queue_size) {
  uint32_t slots = slots_for(queue_size);
  return align_up(Virtqueue::ring_bytes(queue_size), kHeaderStride) + slots * kHeaderStride + slots;
}

zx_status_t VirtioBlk::init(MmioRegs* regs, void* dma_cpu, uint64_t dma_device, size_t dma_size,
                            const Options& options, const char** why) {
  const char* unused;
  if (why == nullptr) why = &unused;
  regs_ = nullptr;
  if (regs == nullptr || dma_cpu == nullptr) {
    *why = "virtio-blk: no registers or no DMA area";
    return ZX_ERR_INVALID_ARGS;
  }
  zx_status_t st = mmio_probe(*regs, DEVICE_ID_BLOCK, nullptr, why);
  if (st != ZX_OK) return st;

  uint64_t supported = kSupported | (options.event_idx ? F_RING_EVENT_IDX : 0);
  uint64_t features = 0;
  st = mmio_negotiate(*regs, supported, F_VERSION_1, &features, why);
  if (st != ZX_OK) return st;

  // The queue: the largest power of two that the device, the caller and the DMA area all allow.
  uint32_t limit = mmio_queue_max(*regs, 0);
  if (limit > options.max_queue_size) limit = options.max_queue_size;
  if (limit > Virtqueue::kMaxSize) limit = Virtqueue::kMaxSize;
  uint16_t size = 1;
  while (static_cast<uint32_t>(size) * 2 <= limit && dma_bytes(size * 2) <= dma_size) size *= 2;
  if (limit < 2 || dma_bytes(size) > dma_size || size < 2) {
    mmio_fail(*regs);
    *why = limit < 2 ? "virtio-blk: queue 0 is missing or holds fewer than 2 entries"
                     : "virtio-blk: the DMA area is too small for a queue of 2 entries";
    return limit < 2 ? ZX_ERR_NOT_SUPPORTED : ZX_ERR_BUFFER_TOO_SMALL;
  }

  dma_cpu_ = static_cast<uint8_t*>(dma_cpu);
  dma_device_ = dma_device;
  st = vq_.init(size, dma_cpu, dma_device, dma_size, (features & F_RING_EVENT_IDX) != 0);
  if (st != ZX_OK) {
    mmio_fail(*regs);
    *why = "virtio-blk: the DMA area is misaligned (needs 16 bytes)";
    return st;
  }
  headers_offset_ = align_up(Virtqueue::ring_bytes(size), kHeaderStride);
  num_slots_ = slots_for(size);
  status_offset_ = headers_offset_ + num_slots_ * kHeaderStride;
  free_top_ = 0;
  // Hand out low slots first (popped from the top): easier to read in a debugger.
  for (uint32_t i = num_slots_; i-- > 0;) {
    free_slots_[free_top_++] = static_cast<uint16_t>(i);
    slots_[i] = {};
  }

  st = mmio_setup_queue(*regs, 0, size, vq_.desc_device_addr(), vq_.avail_device_addr(),
                        vq_.used_device_addr(), why);
  if (st != ZX_OK) {
    mmio_fail(*regs);
    return st;
  }

  regs_ = regs;
  info_ = {};
  info_.features = features;
  info_.queue_size = size;
  info_.read_only = (features & BLK_F_RO) != 0;
  info_.flush = (features & BLK_F_FLUSH) != 0;
  read_config();
  mmio_driver_ok(*regs);
  return ZX_OK;
}

void VirtioBlk::read_config() {
  info_.capacity = mmio_read_config64(*regs_, BLK_CFG_CAPACITY);
  info_.blk_size = BLK_SECTOR_SIZE;
  if (info_.features & BLK_F_BLK_SIZE) {
    uint32_t b = mmio_read_config32(*regs_, BLK_CFG_BLK_SIZE);
    // Only a power of two of at least a sector makes sense as an I/O granule; ignore the rest.
    if (b >= BLK_SECTOR_SIZE && (b & (b - 1)) == 0) info_.blk_size = b;
  }
  // Two descriptors of every chain are the header and the status.
  info_.seg_max = info_.queue_size - 2u;
  if (info_.seg_max > BLK_MAX_SEGMENTS) info_.seg_max = BLK_MAX_SEGMENTS;
  if (info_.features & BLK_F_SEG_MAX) {
    uint32_t s = mmio_read_config32(*regs_, BLK_CFG_SEG_MAX);
    if (s != 0 && s < info_.seg_max) info_.seg_max = s;
  }
  info_.size_max = 0;
  if (info_.features & BLK_F_SIZE_MAX)
    info_.size_max = mmio_read_config32(*regs_, BLK_CFG_SIZE_MAX);
}

zx_status_t VirtioBlk::submit_read(uint64_t sector, const BlkSegment* segs, uint32_t n,
                                   uint64_t cookie, uint64_t* token) {
  return submit(BLK_T_IN, sector, segs, n, true, cookie, token);
}

zx_status_t VirtioBlk::submit_write(uint64_t sector, const BlkSegment* segs, uint32_t n,
                                    uint64_t cookie, uint64_t* token) {
  if (regs_ != nullptr && info_.read_only) return ZX_ERR_ACCESS_DENIED;
  return submit(BLK_T_OUT, sector, segs, n, false, cookie, token);
}

zx_status_t VirtioBlk::submit_flush(uint64_t cookie, uint64_t* token) {
  if (regs_ != nullptr && !info_.flush) return ZX_ERR_NOT_SUPPORTED;
  return submit(BLK_T_FLUSH, 0, nullptr, 0, false, cookie, token);
}

zx_status_t VirtioBlk::submit_get_id(BlkSegment id, uint64_t cookie, uint64_t* token) {
  if (id.len != BLK_ID_BYTES) return ZX_ERR_INVALID_ARGS;
  return submit(BLK_T_GET_ID, 0, &id, 1, true, cookie, token);
}

zx_status_t VirtioBlk::submit(uint32_t type, uint64_t sector, const BlkSegment* segs, uint32_t n,
                              bool device_writes, uint64_t cookie, uint64_t* token) {
  if (regs_ == nullptr || vq_.broken()) return ZX_ERR_BAD_STATE;
  if (token == nullptr || (n > 0 && segs == nullptr)) return ZX_ERR_INVALID_ARGS;
  if (n > info_.seg_max) return ZX_ERR_INVALID_ARGS;

  if (type == BLK_T_IN || type == BLK_T_OUT) {
    if (n == 0) return ZX_ERR_INVALID_ARGS;
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
      if (segs[i].len == 0 || segs[i].len % BLK_SECTOR_SIZE != 0) return ZX_ERR_INVALID_ARGS;
      if (info_.size_max != 0 && segs[i].len > info_.size_max) return ZX_ERR_INVALID_ARGS;
      bytes += segs[i].len;
    }
    uint64_t sectors = bytes / BLK_SECTOR_SIZE;
    // Written so that a huge `sector` cannot wrap around.
    if (sector > info_.capacity || sectors > info_.capacity - sector) return ZX_ERR_OUT_OF_RANGE;
  }
  if (free_top_ == 0 || vq_.num_free() < n + 2) return ZX_ERR_SHOULD_WAIT;

  uint16_t slot = free_slots_[free_top_ - 1];
  auto* header = reinterpret_cast<BlkReqHeader*>(dma_cpu_ + headers_offset_ + slot * kHeaderStride);
  header->type = type;
  header->reserved = 0;
  header->sector = sector;
  volatile uint8_t* status = dma_cpu_ + status_offset_ + slot;
  *status = kStatusUnwritten;

  // header (device reads) | data (direction per type) | status (device writes)
  VirtqSegment chain[BLK_MAX_SEGMENTS + 2];
  uint32_t c = 0;
  chain[c++] = {dma_device_ + headers_offset_ + slot * kHeaderStride, sizeof(BlkReqHeader), false};
  for (uint32_t i = 0; i < n; i++) chain[c++] = {segs[i].device_addr, segs[i].len, device_writes};
  chain[c++] = {dma_device_ + status_offset_ + slot, 1, true};

  uint16_t head;
  zx_status_t st = vq_.add(chain, c, slot, &head);
  if (st != ZX_OK) return st;
  free_top_--;
  slots_[slot] = {next_token_++, cookie, type};
  *token = slots_[slot].token;
  return ZX_OK;
}

void VirtioBlk::kick() {
  if (regs_ != nullptr && vq_.publish()) mmio_notify(*regs_, 0);
}

uint32_t VirtioBlk::ack_interrupt() {
  if (regs_ == nullptr) return 0;
  uint32_t pending = mmio_ack_interrupt(*regs_);
  if (pending & MMIO_INT_CONFIG) read_config();
  return pending;
}

zx_status_t VirtioBlk::poll(BlkCompletion* out) {
  if (regs_ == nullptr) return ZX_ERR_BAD_STATE;
  VirtqCompletion vc;
  zx_status_t st = vq_.poll(&vc);
  if (st != ZX_OK) return st;
  auto slot = static_cast<uint16_t>(vc.cookie);
  // Virtqueue::poll() already ordered this read after the used index (rmb).
  uint8_t status = *(static_cast<volatile uint8_t*>(dma_cpu_ + status_offset_ + slot));
  out->token = slots_[slot].token;
  out->cookie = slots_[slot].cookie;
  out->type = slots_[slot].type;
  out->status = blk_status_to_zx(status);
  slots_[slot] = {};
  free_slots_[free_top_++] = slot;
  return ZX_OK;
}

uint32_t VirtioBlk::drain(void (*done)(const BlkCompletion& c, void* ctx), void* ctx) {
  uint32_t count = 0;
  BlkCompletion c;
  while (poll(&c) == ZX_OK) {
    done(c, ctx);
    count++;
  }
  return count;
}

}  // namespace virtio
