// The disk: finding the virtio-blk device, its DMA memory, and synchronous and batched I/O.
#include "user/fs/disk.h"

#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/port.h>

#include "user/fs/virtio_mmio.h"
#include "user/fs/virtio_slots.h"

namespace fs {
namespace {

constexpr uint16_t kQueueSize = 128;
constexpr uint64_t kSector = 512;

zx_status_t map(zx_handle_t vmo, size_t len, void** out) {
  zx_vaddr_t addr;
  zx_status_t s =
      zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, len, &addr);
  if (s == ZX_OK) *out = reinterpret_cast<void*>(addr);
  return s;
}

// Contiguous memory the device reaches at *phys: allocated, mapped, pinned. The VMO handle is
// closed (the mapping and the pin keep the pages); the PMT is the caller's.
zx_status_t dma_area(zx_handle_t bti, size_t len, uint8_t** cpu, uint64_t* phys, zx_handle_t* pmt) {
  zx_handle_t vmo;
  zx_status_t s = zx_vmo_create_contiguous(bti, len, 0, &vmo);
  if (s != ZX_OK) return s;
  void* p = nullptr;
  s = map(vmo, len, &p);
  zx_paddr_t pa = 0;
  if (s == ZX_OK)
    s = zx_bti_pin(bti, ZX_BTI_PERM_READ | ZX_BTI_PERM_WRITE | ZX_BTI_CONTIGUOUS, vmo, 0, len, &pa,
                   1, pmt);
  zx_handle_close(vmo);
  *cpu = static_cast<uint8_t*>(p);
  *phys = pa;
  return s;
}

}  // namespace

zx_status_t Disk::Init(zx_handle_t resource, const char** why) {
  *why = "no modern virtio-blk device on the virtio-mmio slots";
  virtio::FoundDevice dev;
  zx_status_t found = virtio::find_mmio_device(resource, 2 /* block */, &dev);
  if (found != ZX_OK) return found;
  slot_ = dev.slot;
  mmio_ = dev.vmo;
  static virtio::MmioWindow window(dev.regs);  // one disk per server, for its lifetime
  regs_ = &window;

  *why = "cannot set up DMA memory or the interrupt";
  zx_iommu_desc_dummy_t desc{};
  zx_handle_t iommu;
  zx_status_t s = zx_iommu_create(resource, ZX_IOMMU_TYPE_DUMMY, &desc, sizeof(desc), &iommu);
  if (s != ZX_OK) return s;
  s = zx_bti_create(iommu, 0, 0, &bti_);
  zx_handle_close(iommu);
  if (s != ZX_OK) return s;
  size_t ring_len = (virtio::VirtioBlk::dma_bytes(kQueueSize) + 4095) & ~size_t{4095};
  uint8_t* ring_cpu;
  uint64_t ring_phys;
  if ((s = dma_area(bti_, ring_len, &ring_cpu, &ring_phys, &pmts_[0])) != ZX_OK ||
      (s = dma_area(bti_, kStagingBytes, &staging_cpu_, &staging_phys_, &pmts_[1])) != ZX_OK ||
      (s = dma_area(bti_, kBounceBytes, &bounce_cpu_, &bounce_phys_, &pmts_[2])) != ZX_OK)
    return s;
  if ((s = zx_port_create(ZX_PORT_BIND_TO_INTERRUPT, &port_)) != ZX_OK) return s;
  if ((s = zx_interrupt_create(resource, dev.irq, 0, &irq_)) != ZX_OK) return s;
  if ((s = zx_interrupt_bind(irq_, port_, kIrqKey, ZX_INTERRUPT_BIND)) != ZX_OK) return s;
  virtio::VirtioBlk::Options opts;
  opts.max_queue_size = kQueueSize;
  return blk_.init(regs_, ring_cpu, ring_phys, ring_len, opts, why);
}

void Disk::Shutdown() {
  if (regs_ != nullptr) virtio::mmio_reset(*regs_);  // no DMA into memory about to be unpinned
  for (zx_handle_t& pmt : pmts_) {
    if (pmt != ZX_HANDLE_INVALID) zx_pmt_unpin(pmt);
    pmt = ZX_HANDLE_INVALID;
  }
}

uint64_t Disk::SizeBytes() { return blk_.info().capacity * kSector; }

zx_status_t Disk::Submit(bool write, uint64_t sector, uint64_t phys, size_t len, uint64_t cookie) {
  // A buffer larger than the device takes in one segment is split into several.
  virtio::BlkSegment segs[virtio::BLK_MAX_SEGMENTS];
  uint32_t n = 0;
  uint32_t max_seg_bytes = blk_.info().size_max ? blk_.info().size_max & ~uint32_t{511} : 0;
  while (len > 0) {
    if (n == blk_.info().seg_max || n == virtio::BLK_MAX_SEGMENTS) return ZX_ERR_OUT_OF_RANGE;
    uint32_t chunk = static_cast<uint32_t>(len);
    if (max_seg_bytes && chunk > max_seg_bytes) chunk = max_seg_bytes;
    segs[n++] = virtio::BlkSegment{phys, chunk};
    phys += chunk;
    len -= chunk;
  }
  // ZX_ERR_SHOULD_WAIT (ring full) cannot happen: callers keep at most kWave requests in flight.
  uint64_t token;
  zx_status_t s = write ? blk_.submit_write(sector, segs, n, cookie, &token)
                        : blk_.submit_read(sector, segs, n, cookie, &token);
  if (s == ZX_OK) requests_++;
  return s;
}

zx_status_t Disk::Complete(int count, zx_status_t* statuses) {
  int got = 0;
  while (got < count) {
    virtio::BlkCompletion c;
    zx_status_t s;
    while (got < count && (s = blk_.poll(&c)) == ZX_OK) {
      if (c.cookie < static_cast<uint64_t>(count)) statuses[c.cookie] = c.status;
      got++;
    }
    if (got == count) break;
    if (s == ZX_ERR_BAD_STATE) return ZX_ERR_IO;
    zx_port_packet_t p;
    s = zx_port_wait(port_, zx_deadline_after(kTimeout), &p);
    if (s != ZX_OK) {
      printf("fsd: disk: no completion from the device: %s\n", zx_status_get_string(s));
      return s;
    }
    blk_.ack_interrupt();  // the device first, so a completion racing the drain re-raises it
    if ((s = zx_interrupt_ack(irq_)) != ZX_OK) return s;
  }
  return ZX_OK;
}

zx_status_t Disk::Transfer(bool write, uint64_t offset, uint64_t phys, size_t len) {
  if (offset % kSector || len % kSector) return ZX_ERR_INVALID_ARGS;
  zx_status_t s = Submit(write, offset / kSector, phys, len, 0);
  if (s != ZX_OK) return s;
  blk_.kick();
  zx_status_t status = ZX_ERR_IO;
  if ((s = Complete(1, &status)) != ZX_OK) return s;
  if (status == ZX_OK && !write) bytes_read_ += len;
  return status;
}

zx_status_t Disk::Read(uint64_t offset, void* buf, size_t len) {
  uint8_t* out = static_cast<uint8_t*>(buf);
  while (len > 0) {
    size_t chunk = len < kBounceBytes ? len : kBounceBytes;
    zx_status_t s = Transfer(false, offset, bounce_phys_, chunk);
    if (s != ZX_OK) return s;
    memcpy(out, bounce_cpu_, chunk);
    out += chunk;
    offset += chunk;
    len -= chunk;
  }
  return ZX_OK;
}

zx_status_t Disk::Write(uint64_t offset, const void* buf, size_t len) {
  const uint8_t* in = static_cast<const uint8_t*>(buf);
  while (len > 0) {
    size_t chunk = len < kBounceBytes ? len : kBounceBytes;
    memcpy(bounce_cpu_, in, chunk);
    zx_status_t s = Transfer(true, offset, bounce_phys_, chunk);
    if (s != ZX_OK) return s;
    in += chunk;
    offset += chunk;
    len -= chunk;
  }
  return ZX_OK;
}

zx_status_t Disk::Flush() {
  if (!blk_.info().flush) return ZX_OK;  // the device writes through
  uint64_t token;
  zx_status_t s = blk_.submit_flush(0, &token);
  if (s != ZX_OK) return s;
  blk_.kick();
  zx_status_t status = ZX_ERR_IO;
  if ((s = Complete(1, &status)) != ZX_OK) return s;
  return status;
}

zx_status_t Disk::ReadRuns(const Run* runs, int n) {
  if (n < 0 || n > kMaxRuns) return ZX_ERR_INVALID_ARGS;
  for (int i = 0; i < n; i++) {
    const Run& r = runs[i];
    if (r.disk_offset % kSector || r.len % kSector || r.buf_offset % kSector ||
        r.buf_offset + static_cast<uint64_t>(r.len) > kStagingBytes)
      return ZX_ERR_INVALID_ARGS;
  }
  // In waves the ring can hold, each submitted whole and then waited for.
  zx_status_t first_error = ZX_OK;
  for (int base = 0; base < n; base += kWave) {
    int count = n - base < kWave ? n - base : kWave;
    zx_status_t statuses[kWave];
    int submitted = 0;
    zx_status_t s = ZX_OK;
    for (; submitted < count; submitted++) {
      const Run& r = runs[base + submitted];
      statuses[submitted] = ZX_ERR_IO;
      s = Submit(false, r.disk_offset / kSector, staging_phys_ + r.buf_offset, r.len,
                 static_cast<uint64_t>(submitted));
      if (s != ZX_OK) break;
    }
    run_requests_ += static_cast<uint64_t>(submitted);
    if (submitted > 0) {
      blk_.kick();
      zx_status_t c = Complete(submitted, statuses);
      if (s == ZX_OK) s = c;
    }
    for (int i = 0; i < submitted && s == ZX_OK; i++) {
      if (statuses[i] != ZX_OK)
        s = statuses[i];
      else
        bytes_read_ += runs[base + i].len;
    }
    if (s != ZX_OK && first_error == ZX_OK) first_error = s;
  }
  return first_error;
}

}  // namespace fs
