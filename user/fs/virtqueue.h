// A split virtqueue (virtio 1.x, section 2.6) as the driver sees it: the descriptor table, the
// available ring (driver -> device) and the used ring (device -> driver) in one physically
// contiguous area. The caller owns that memory and gives both its CPU address and the address the
// device uses for it (from BTI pinning), so nothing here assumes the two are equal.
//
// The ring logic is transport-free and freestanding: it compiles into user programs and into the
// host tests, where a simulated device walks the same rings.
//
// Typical use: add() one chain per request, publish() once per batch and notify the device if it
// says so, then after an interrupt call poll() until it answers ZX_ERR_SHOULD_WAIT.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef KERNEL_HOST_TEST
#include "kernel/status.h"
#else
#include <zircon/types.h>
#endif

// Virtio 1.x structures are little-endian; RISC-V and the hosts we test on are too, so fields are
// read and written as plain integers.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "virtio rings are little-endian");

namespace virtio {

// Memory barriers between the driver and the device. The device is another agent reading and
// writing this memory, so the compiler barrier alone is not enough on RISC-V.
inline void wmb() {  // earlier stores visible before later stores
#if defined(__riscv)
  asm volatile("fence w,w" ::: "memory");
#else
  __atomic_thread_fence(__ATOMIC_RELEASE);
#endif
}
inline void rmb() {  // earlier loads complete before later loads
#if defined(__riscv)
  asm volatile("fence r,r" ::: "memory");
#else
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
}
inline void mb() {  // full: a store before a later load (Dekker-style flag checks)
#if defined(__riscv)
  asm volatile("fence rw,rw" ::: "memory");
#else
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

// ---- ring layout (spec 2.6.4-2.6.8) -----------------------------------------------------------
constexpr uint16_t VIRTQ_DESC_F_NEXT = 1;      // the chain continues at `next`
constexpr uint16_t VIRTQ_DESC_F_WRITE = 2;     // device writes this buffer (else it reads it)
constexpr uint16_t VIRTQ_DESC_F_INDIRECT = 4;  // not used by this driver
constexpr uint16_t VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
constexpr uint16_t VIRTQ_USED_F_NO_NOTIFY = 1;

struct VirtqDesc {
  uint64_t addr;  // device address of the buffer
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
static_assert(sizeof(VirtqDesc) == 16);

struct VirtqUsedElem {
  uint32_t id;   // head descriptor of the completed chain
  uint32_t len;  // bytes the device wrote into the chain's writable buffers
};
static_assert(sizeof(VirtqUsedElem) == 8);

// Where each part sits inside the caller's area, in bytes from its start. The descriptor table
// needs 16-byte alignment, the available ring 2 and the used ring 4 (spec 2.6, table of
// alignments); the used ring starts on its own 64-byte line so the device's writes do not share
// a cache line with the driver's.
struct VirtqLayout {
  size_t desc;
  size_t avail;
  size_t used;
  size_t total;
};
constexpr VirtqLayout virtq_layout(uint16_t size) {
  VirtqLayout l{};
  l.desc = 0;
  l.avail = 16u * size;
  size_t avail_end = l.avail + 4 + 2u * size + 2;  // flags, idx, ring[size], used_event
  l.used = (avail_end + 63) & ~size_t{63};
  l.total = l.used + 4 + 8u * size + 2;  // flags, idx, ring[size], avail_event
  return l;
}

// True when the device asked (through VIRTIO_F_EVENT_IDX) to be told about index `new_idx`
// having moved past `event` since `old_idx`. All arithmetic is modulo 2^16 (spec 2.6.7.2).
constexpr bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx) {
  return static_cast<uint16_t>(new_idx - event - 1) < static_cast<uint16_t>(new_idx - old_idx);
}

// One buffer of a chain: device address, length and direction.
struct VirtqSegment {
  uint64_t device_addr;
  uint32_t len;
  bool device_writable;
};

// One finished chain, taken from the used ring.
struct VirtqCompletion {
  uint16_t head;    // what add() returned
  uint32_t len;     // as reported by the device (written bytes); advisory only
  uint64_t cookie;  // what add() was given
};

class Virtqueue {
 public:
  // Largest queue this driver handles. QEMU's limit is also 1024 (VIRTQUEUE_MAX_SIZE), and the
  // per-descriptor bookkeeping lives in this object, so it stays a fixed array.
  static constexpr uint16_t kMaxSize = 1024;

  // Bytes the ring area needs for `size` entries.
  static constexpr size_t ring_bytes(uint16_t size) { return virtq_layout(size).total; }
  // Required alignment of the area, CPU and device address alike.
  static constexpr size_t kAlign = 16;

  // Lays the rings out in [cpu, cpu + bytes), seen by the device at `device_addr`, and zeroes them.
  // `size` must be a power of two in [1, kMaxSize]. With `event_idx` (VIRTIO_F_EVENT_IDX was
  // negotiated) notifications and interrupts use the event index fields instead of the flags.
  zx_status_t init(uint16_t size, void* cpu, uint64_t device_addr, size_t bytes, bool event_idx);

  uint16_t size() const { return size_; }
  uint16_t num_free() const { return num_free_; }
  // Chains added and not yet returned by poll().
  uint16_t in_flight() const { return in_flight_; }
  bool broken() const { return broken_; }

  // Device addresses to program into QueueDesc/QueueDriver/QueueDevice.
  uint64_t desc_device_addr() const { return device_base_ + layout_.desc; }
  uint64_t avail_device_addr() const { return device_base_ + layout_.avail; }
  uint64_t used_device_addr() const { return device_base_ + layout_.used; }

  // Writes a chain of `n` buffers (device-readable ones first, as the spec requires) and queues
  // its head on the available ring, not yet visible to the device. Returns the head id in *head.
  // ZX_ERR_SHOULD_WAIT: not enough free descriptors now (retry after poll()).
  // ZX_ERR_INVALID_ARGS: empty chain, longer than the queue, zero-length buffer, or a readable
  // buffer after a writable one. ZX_ERR_BAD_STATE: the device broke the ring protocol earlier.
  zx_status_t add(const VirtqSegment* segs, uint32_t n, uint64_t cookie, uint16_t* head);

  // Makes everything add()ed so far visible to the device. Returns true when the device wants a
  // notification (write QueueNotify); false when it said it is already looking, or nothing was new.
  bool publish();

  // Takes one completion from the used ring and frees its descriptors.
  // ZX_ERR_SHOULD_WAIT: nothing (more) completed. ZX_ERR_BAD_STATE: the device returned an id
  // that is not an outstanding head or moved the used index past what it was given; the queue is
  // then marked broken (reset the device).
  zx_status_t poll(VirtqCompletion* out);

  // Asks the device not to interrupt for this queue (a polling driver), or to do so again. A hint
  // only: the device may still interrupt.
  void set_interrupts(bool enabled);

 private:
  void free_chain(uint16_t head);

  VirtqLayout layout_{};
  uint64_t device_base_ = 0;
  uint16_t size_ = 0;
  bool event_idx_ = false;
  bool broken_ = false;
  bool interrupts_ = true;

  // Shared with the device. Indices and flags are volatile: the device changes them behind the
  // compiler's back, and the driver's stores must happen in program order around the barriers.
  VirtqDesc* desc_ = nullptr;
  volatile uint16_t* avail_flags_ = nullptr;
  volatile uint16_t* avail_idx_ = nullptr;
  volatile uint16_t* avail_ring_ = nullptr;
  volatile uint16_t* used_event_ = nullptr;  // driver -> device, after the avail ring
  volatile uint16_t* used_flags_ = nullptr;
  volatile uint16_t* used_idx_ = nullptr;
  volatile VirtqUsedElem* used_ring_ = nullptr;
  volatile uint16_t* avail_event_ = nullptr;  // device -> driver, after the used ring

  // Driver-private state. The chain links and the free list live here, not in the descriptor
  // table, so a device scribbling on the table cannot corrupt the driver's bookkeeping.
  uint16_t free_head_ = 0;
  uint16_t num_free_ = 0;
  uint16_t in_flight_ = 0;
  uint16_t avail_next_ = 0;       // index the next add() writes; published when publish() runs
  uint16_t published_ = 0;        // avail idx the device has seen
  uint16_t last_used_ = 0;        // next used idx to take
  uint16_t next_[kMaxSize];       // chain link while in use, free-list link while free
  uint16_t chain_len_[kMaxSize];  // nonzero exactly for outstanding heads
  uint64_t cookie_[kMaxSize];
};

}  // namespace virtio
