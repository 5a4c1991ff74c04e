// VM objects for devices: the device-register class VmObjectPhysical (vm_object_physical.h),
// physically contiguous committed memory (zx_vmo_create_contiguous) and pinning pages for DMA
// (zx_bti_pin). Apart from the rest of the VM object because it changes with what devices need,
// not with paging or copy-on-write.
#include "mm/vm_object_physical.h"

#include "kernel/lock_assert.h"
#include "mm/page_alloc.h"
#include "mm/pmm.h"

namespace {
uint64_t page_round_up(uint64_t x) { return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }
bool range_ok(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}
}  // namespace

zx_status_t VmObjectPhysical::create(uint64_t paddr, uint64_t size, RefPtr<VmObject>* out) {
  if ((paddr | size) & (PAGE_SIZE - 1)) return ZX_ERR_INVALID_ARGS;
  if (size == 0 || size > kMaxSize || paddr + size < paddr) return ZX_ERR_INVALID_ARGS;
  VmObjectPhysical* v = new VmObjectPhysical(paddr, size);
  if (!v) return ZX_ERR_NO_MEMORY;
  *out = adopt<VmObject>(v);
  return ZX_OK;
}

zx_status_t VmObjectPhysical::lookup_locked(uint64_t offset, bool, bool, uint64_t* paddr,
                                            bool* exclusive) {
  assert_held(lock());
  if (offset >= size_locked()) return ZX_ERR_OUT_OF_RANGE;
  *paddr = base_ + (offset & ~(PAGE_SIZE - 1));
  *exclusive = true;  // nobody shares device registers copy-on-write
  return ZX_OK;
}

zx_status_t VmObject::create_contiguous(uint64_t size, uint32_t alignment_log2,
                                        RefPtr<VmObject>* out) {
  if (size == 0 || size > (PAGE_SIZE << Pmm::kMaxOrder)) return ZX_ERR_INVALID_ARGS;
  if (alignment_log2 != 0 && (alignment_log2 < PAGE_SHIFT || alignment_log2 > 63))
    return ZX_ERR_INVALID_ARGS;
  uint64_t pages = page_round_up(size) / PAGE_SIZE;
  // The buddy allocator hands out naturally aligned blocks: ask for one big enough for both
  // the size and the alignment, and give back the pages past the end.
  unsigned order = 0;
  while ((1ull << order) < pages) order++;
  if (alignment_log2 > PAGE_SHIFT && alignment_log2 - PAGE_SHIFT > order)
    order = alignment_log2 - PAGE_SHIFT;
  if (order > Pmm::kMaxOrder) return ZX_ERR_INVALID_ARGS;
  VmObject* v = new VmObject(pages * PAGE_SIZE, kContiguous);
  if (!v) return ZX_ERR_NO_MEMORY;
  assert(v->mode_ok());
  RefPtr<VmObject> ref = adopt(v);
  vm_page* head = page_alloc_contig(order, PageState::Object);
  if (!head) return ZX_ERR_NO_MEMORY;
  for (uint64_t i = 0; i < (1ull << order); i++) {
    head[i].ref_count = 1;
    head[i].order = 0;
    if (i >= pages) page_free(&head[i]);
  }
  for (uint64_t i = 0; i < pages; i++) {
    head[i].object_data = i * PAGE_SIZE;
    if (v->pages_.insert(i * PAGE_SIZE, &head[i]) != ZX_OK) {
      for (uint64_t j = i; j < pages; j++)
        page_free(&head[j]);  // the rest; the object frees its own
      return ZX_ERR_NO_MEMORY;
    }
  }
  *out = move(ref);
  return ZX_OK;
}

bool VmObject::pinned_locked(uint64_t start, uint64_t end) const {
  assert_held(lock_);
  for (const PinnedRange* r : pins_) {
    if (start < r->offset + r->len && r->offset < end) return true;
  }
  return false;
}

zx_status_t VmObject::pin(uint64_t offset, uint64_t len, PinnedRange* pin, uint64_t* paddrs) {
  if (slice_parent_) {
    if (!range_ok(offset, len, slice_size_)) return ZX_ERR_OUT_OF_RANGE;
    return slice_parent_->pin(offset + slice_offset_, len, pin, paddrs);
  }
  // A pager could take its pages back (eviction) or change them under the device.
  if (source_ || cow_parent_) return ZX_ERR_NOT_SUPPORTED;
  if (((offset | len) & (PAGE_SIZE - 1)) || len == 0) return ZX_ERR_INVALID_ARGS;
  MutexGuard g(lock_);
  if (!range_ok(offset, len, size_)) return ZX_ERR_OUT_OF_RANGE;
  for (uint64_t i = 0; i < len / PAGE_SIZE; i++) {
    bool exclusive;
    // As for a write: a page shared with a snapshot is copied first, so that nobody's later
    // copy-on-write can move it away from the device.
    zx_status_t s = lookup_locked(offset + i * PAGE_SIZE, true, true, &paddrs[i], &exclusive);
    if (s != ZX_OK) return s;
  }
  pin->offset = offset;
  pin->len = len;
  pins_.push_back(pin);
  return ZX_OK;
}

void VmObject::unpin(PinnedRange* pin) {
  VmObject* owner = slice_parent_ ? slice_parent_.get() : this;
  MutexGuard g(owner->lock_);
  if (pin->node.in_list()) owner->pins_.remove(pin);
}
