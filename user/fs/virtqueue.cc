// Split virtqueue ring logic; see virtqueue.h for the contract.
#include "user/fs/virtqueue.h"

#include <string.h>

#ifdef KERNEL_HOST_TEST
#include "kernel/lab.h"
#else
#include <stdio.h>
// User programs have no kernel/lab.cc; the lab stubs report the same way, a few times at most.
[[maybe_unused]] static void lab_todo(int lab, const char* what) {
  static int reported;
  if (reported < 4) {
    reported++;
    printf("lab %d: %s is not implemented yet\n", lab, what);
  }
}
#endif

namespace virtio {

zx_status_t Virtqueue::init(uint16_t size, void* cpu, uint64_t device_addr, size_t bytes,
                            bool event_idx) {
  // Split rings index with `idx & (size - 1)`, which only works for powers of two (spec 2.6).
  if (size == 0 || size > kMaxSize || (size & (size - 1)) != 0) return ZX_ERR_INVALID_ARGS;
  if (cpu == nullptr) return ZX_ERR_INVALID_ARGS;
  if ((reinterpret_cast<uintptr_t>(cpu) | device_addr) & (kAlign - 1)) return ZX_ERR_INVALID_ARGS;
  layout_ = virtq_layout(size);
  if (bytes < layout_.total) return ZX_ERR_BUFFER_TOO_SMALL;

  auto* base = static_cast<uint8_t*>(cpu);
  memset(base, 0, layout_.total);
  device_base_ = device_addr;
  size_ = size;
  event_idx_ = event_idx;
  broken_ = false;
  interrupts_ = true;

  desc_ = reinterpret_cast<VirtqDesc*>(base + layout_.desc);
  auto* avail = reinterpret_cast<volatile uint16_t*>(base + layout_.avail);
  avail_flags_ = avail;
  avail_idx_ = avail + 1;
  avail_ring_ = avail + 2;
  used_event_ = avail + 2 + size;
  auto* used = reinterpret_cast<volatile uint16_t*>(base + layout_.used);
  used_flags_ = used;
  used_idx_ = used + 1;
  used_ring_ = reinterpret_cast<volatile VirtqUsedElem*>(used + 2);
  avail_event_ = reinterpret_cast<volatile uint16_t*>(base + layout_.used + 4 + 8u * size);

  // Every descriptor starts on the free list, in order; `size` marks the end.
  for (uint16_t i = 0; i < size; i++) {
    next_[i] = static_cast<uint16_t>(i + 1);
    chain_len_[i] = 0;
    cookie_[i] = 0;
  }
  free_head_ = 0;
  num_free_ = size;
  in_flight_ = 0;
  avail_next_ = 0;
  published_ = 0;
  last_used_ = 0;
  return ZX_OK;
}

zx_status_t Virtqueue::add(const VirtqSegment* segs, uint32_t n, uint64_t cookie, uint16_t* head) {
  if (broken_) return ZX_ERR_BAD_STATE;
  if (n == 0 || n > size_ || segs == nullptr || head == nullptr) return ZX_ERR_INVALID_ARGS;
  // The device consumes a chain as "readable part, then writable part" (spec 2.6.4.2), so a
  // readable buffer after a writable one would be a malformed request.
  bool seen_writable = false;
  for (uint32_t i = 0; i < n; i++) {
    if (segs[i].len == 0) return ZX_ERR_INVALID_ARGS;
    if (segs[i].device_writable) {
      seen_writable = true;
    } else if (seen_writable) {
      return ZX_ERR_INVALID_ARGS;
    }
  }
  // LAB 8 SOLUTION BEGIN
  if (n > num_free_) return ZX_ERR_SHOULD_WAIT;

  uint16_t first = free_head_;
  uint16_t d = first;
  for (uint32_t i = 0; i < n; i++) {
    uint16_t after = next_[d];  // the next free descriptor, which also becomes the chain link
    VirtqDesc& desc = desc_[d];
    desc.addr = segs[i].device_addr;
    desc.len = segs[i].len;
    uint16_t flags = segs[i].device_writable ? VIRTQ_DESC_F_WRITE : 0;
    if (i + 1 < n) flags |= VIRTQ_DESC_F_NEXT;
    desc.flags = flags;
    desc.next = (i + 1 < n) ? after : 0;
    if (i + 1 < n)
      d = after;
    else
      free_head_ = after;
  }
  num_free_ = static_cast<uint16_t>(num_free_ - n);
  chain_len_[first] = static_cast<uint16_t>(n);
  cookie_[first] = cookie;
  in_flight_++;

  // The ring slot may be written now: the device reads only slots below the published idx.
  avail_ring_[avail_next_ & (size_ - 1)] = first;
  avail_next_++;
  *head = first;
  return ZX_OK;
  // LAB 8 SOLUTION END
  // LAB 8 STUB BEGIN
  // (void)cookie;
  // lab_todo(8, "virtqueue: add() (free list, descriptor chain, available ring slot)");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 8 STUB END
}

bool Virtqueue::publish() {
  // LAB 8 SOLUTION BEGIN
  if (broken_ || avail_next_ == published_) return false;
  // Descriptors and ring entries must be visible before the index that hands them over.
  wmb();
  uint16_t old = published_;
  *avail_idx_ = avail_next_;
  published_ = avail_next_;
  // The index store must be visible before we read the device's suppression state; otherwise the
  // device could go idle having missed the new index while we read a stale "don't notify".
  mb();
  if (event_idx_) return virtq_need_event(*avail_event_, published_, old);
  return (*used_flags_ & VIRTQ_USED_F_NO_NOTIFY) == 0;
  // LAB 8 SOLUTION END
  // LAB 8 STUB BEGIN
  // lab_todo(8, "virtqueue: publish() (barriers, available index, notify decision)");
  // return false;
  // LAB 8 STUB END
}

zx_status_t Virtqueue::poll(VirtqCompletion* out) {
  // LAB 8 SOLUTION BEGIN
  if (broken_) return ZX_ERR_BAD_STATE;
  uint16_t used = *used_idx_;
  if (used == last_used_) return ZX_ERR_SHOULD_WAIT;
  // The device can complete only chains it was given.
  if (static_cast<uint16_t>(used - last_used_) > static_cast<uint16_t>(published_ - last_used_)) {
    broken_ = true;
    return ZX_ERR_BAD_STATE;
  }
  // The used entry (and the buffers it describes) are read only after the index that covers them.
  rmb();
  volatile VirtqUsedElem& e = used_ring_[last_used_ & (size_ - 1)];
  uint32_t id = e.id;
  uint32_t len = e.len;
  if (id >= size_ || chain_len_[id] == 0) {
    broken_ = true;
    return ZX_ERR_BAD_STATE;
  }
  out->head = static_cast<uint16_t>(id);
  out->len = len;
  out->cookie = cookie_[id];
  free_chain(static_cast<uint16_t>(id));
  last_used_++;
  if (event_idx_ && interrupts_) {
    // Interrupt us when the entry after this one is used. The store must be visible before the
    // caller's next look at the used index, or a completion landing in between goes unsignalled.
    *used_event_ = last_used_;
    mb();
  }
  return ZX_OK;
  // LAB 8 SOLUTION END
  // LAB 8 STUB BEGIN
  // (void)out;
  // lab_todo(8, "virtqueue: poll() (collecting completions from the used ring)");
  // return ZX_ERR_BAD_STATE;
  // LAB 8 STUB END
}

void Virtqueue::set_interrupts(bool enabled) {
  interrupts_ = enabled;
  if (event_idx_) {
    // With event indices the flag is ignored; an event index half the ring away is "never soon".
    *used_event_ = enabled ? last_used_ : static_cast<uint16_t>(last_used_ - 1);
  } else {
    *avail_flags_ = enabled ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT;
  }
  mb();
}

void Virtqueue::free_chain(uint16_t head) {
  uint16_t n = chain_len_[head];
  uint16_t last = head;
  for (uint16_t i = 1; i < n; i++) last = next_[last];
  // The whole chain goes back at the front of the free list in one splice.
  next_[last] = free_head_;
  free_head_ = head;
  num_free_ = static_cast<uint16_t>(num_free_ + n);
  chain_len_[head] = 0;
  cookie_[head] = 0;
  in_flight_--;
}

}  // namespace virtio
