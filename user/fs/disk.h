// The filesystem server's disk: the first virtio-blk device on QEMU virt's virtio-mmio slots,
// driven from user mode with the kernel's driver objects (docs/drivers.md), and offered two ways.
//
//  - As an ext2::BlockDevice (Read/Write/Flush of byte ranges), for the filesystem library's
//    metadata and for writeback: data goes through a pinned bounce buffer, in requests as large
//    as the buffer, and the call returns when the device has finished.
//  - As a batch of runs for the pager (ReadRuns): several disjoint disk ranges read at once into
//    one pinned staging buffer, one virtio request per run, all in flight together. This is how a
//    readahead window of scattered blocks costs one interrupt, not one per block.
//
// Completion is interrupt-driven: the interrupt object is bound to a port of the disk's own, so
// a synchronous request waits on that port alone and the server's client and pager packets stay
// queued on its main port meanwhile. A device that does not answer within kTimeout fails the
// request with ZX_ERR_TIMED_OUT. Not thread-safe: the server's one thread owns the disk.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <zircon/types.h>

#include "user/fs/ext2.h"
#include "user/fs/virtio_blk.h"

namespace fs {

class Disk final : public ext2::BlockDevice {
 public:
  static constexpr size_t kStagingBytes = 128 * 1024;  // the largest readahead window
  static constexpr size_t kBounceBytes = 64 * 1024;

  // One piece of a ReadRuns batch: `len` bytes from disk byte `disk_offset` into the staging
  // buffer at `buf_offset`. Offsets and lengths are multiples of 512.
  struct Run {
    uint64_t disk_offset;
    uint32_t len;
    uint32_t buf_offset;
  };
  static constexpr int kMaxRuns = 256;  // a 128 KiB window of 512-byte pieces
  // Requests in flight at once: each takes three descriptors (header, data, status) when its data
  // is one segment, and the ring has kQueueSize of them.
  static constexpr int kWave = 32;

  // Finds the device (the first modern virtio-blk on the slots), maps its registers, sets up
  // DMA memory, the interrupt and the queue. `resource` is the root resource (borrowed).
  // On failure *why says what went wrong.
  zx_status_t Init(zx_handle_t resource, const char** why);
  // Resets the device and unpins the DMA memory (the kernel would unpin it at exit, and log it).
  void Shutdown();

  // ext2::BlockDevice.
  zx_status_t Read(uint64_t offset, void* buf, size_t len) override;
  zx_status_t Write(uint64_t offset, const void* buf, size_t len) override;
  zx_status_t Flush() override;
  uint64_t SizeBytes() override;

  bool read_only() const { return blk_.info().read_only; }
  int slot() const { return slot_; }

  // Reads every run into the staging buffer; returns the first error (every run is waited for
  // either way, so the buffer is never written behind the caller's back).
  zx_status_t ReadRuns(const Run* runs, int n);
  uint8_t* staging() { return staging_cpu_; }

  // Statistics for the server's log and the benches.
  uint64_t requests() const { return requests_; }
  // Of those, the requests ReadRuns made (one per run): what the pager asked of the device.
  uint64_t run_requests() const { return run_requests_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  static constexpr int64_t kTimeout = 10'000'000'000;  // ns
  static constexpr uint64_t kIrqKey = 1;

  zx_status_t Transfer(bool write, uint64_t offset, uint64_t phys, size_t len);
  zx_status_t Submit(bool write, uint64_t sector, uint64_t phys, size_t len, uint64_t cookie);
  // Waits until `count` submitted requests have completed; statuses[cookie] gets each status.
  zx_status_t Complete(int count, zx_status_t* statuses);

  virtio::VirtioBlk blk_;
  virtio::MmioRegs* regs_ = nullptr;
  int slot_ = -1;
  zx_handle_t mmio_ = ZX_HANDLE_INVALID, irq_ = ZX_HANDLE_INVALID, port_ = ZX_HANDLE_INVALID;
  zx_handle_t bti_ = ZX_HANDLE_INVALID;
  static constexpr int kDmaAreas = 3;  // rings and headers, staging, bounce
  zx_handle_t pmts_[kDmaAreas] = {};
  uint8_t* staging_cpu_ = nullptr;
  uint64_t staging_phys_ = 0;
  uint8_t* bounce_cpu_ = nullptr;
  uint64_t bounce_phys_ = 0;
  uint64_t requests_ = 0, run_requests_ = 0, bytes_read_ = 0;
};

}  // namespace fs
