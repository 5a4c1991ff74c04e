// Mappings (see vm_mapping.h): faults, prefaulting, and removing translations.
#include "mm/vm_mapping.h"

#include "kernel/lab.h"
#include "kernel/lock_assert.h"
#include "mm/vm_aspace.h"

VmRegion::VmRegion(VmAspace* aspace, VmAddressRegion* parent, uint64_t base, uint64_t size,
                   uint32_t flags, bool is_mapping)
    : aspace_(aspace), parent_(parent), flags_(flags), is_mapping_(is_mapping) {
  node_.base = base;
  node_.size = size;
  node_.owner = this;
}

VmRegion* VmRegion::from_node(RegionNode* n) {
  return n ? static_cast<VmRegionNode*>(n)->owner : nullptr;
}

VmMapping::VmMapping(VmAspace* aspace, VmAddressRegion* parent, uint64_t base, uint64_t size,
                     uint32_t flags, RefPtr<VmObject> vmo, uint64_t object_offset)
    : VmRegion(aspace, parent, base, size, flags, true),
      vmo_(move(vmo)),
      object_offset_(object_offset) {
  link_.mapping = this;
}

VmMapping::~VmMapping() = default;

// With the aspace locked. A page its pager has not supplied yet comes back as
// ZX_ERR_SHOULD_WAIT with `request` armed: VmAspace::page_fault waits without its lock and
// retries.
zx_status_t VmMapping::page_fault(uint64_t va, uint32_t access, LazyPageRequest* request) {
  if (destroyed_) return ZX_ERR_NOT_FOUND;
  // LAB 5 SOLUTION BEGIN
  if ((flags_ & access) != access) return ZX_ERR_ACCESS_DENIED;
  uint64_t page_va = va & ~(PAGE_SIZE - 1);
  uint64_t offset = object_offset_ + (page_va - base());
  bool write = access & kVmWrite;
  return vmo_->try_page(offset, write, request, [&](uint64_t pa, bool writable) {
    // A page shared with a snapshot is mapped read-only; the first write faults and copies.
    return aspace_->pt_map(page_va, pa, PAGE_SIZE, mmu_flags(writable), /*replace=*/true);
  });
  // LAB 5 SOLUTION END
  // LAB 5 STUB BEGIN
  // (void)va;
  // (void)access;
  // (void)request;
  // lab_todo(5, "VmMapping::page_fault");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 5 STUB END
}

zx_status_t VmMapping::map_range(uint64_t offset, uint64_t len, bool commit) {
  if (offset > size() || len > size() - offset) return ZX_ERR_OUT_OF_RANGE;
  for (uint64_t off = offset & ~(PAGE_SIZE - 1); off < offset + len; off += PAGE_SIZE) {
    zx_status_t s;
    if (commit) {
      s = vmo_->try_page(object_offset_ + off, false, nullptr, [&](uint64_t pa, bool writable) {
        return aspace_->pt_map(base() + off, pa, PAGE_SIZE, mmu_flags(writable), true);
      });
    } else {
      s = page_fault(base() + off, prefault_access(), nullptr);
    }
    // A pager's page not there yet: mapping ahead never waits for a pager (the fault will).
    if (s == ZX_ERR_SHOULD_WAIT) continue;
    if (s == ZX_ERR_OUT_OF_RANGE) return ZX_OK;  // past the end of the object: nothing to map
    if (s != ZX_OK) return s;
  }
  return ZX_OK;
}

uint32_t VmMapping::prefault_access() const {
  // Mapping ahead must not count as a store: a pager-backed page would turn dirty (or its
  // pager be asked for leave) without anything having been written.
  uint32_t access = flags_ & kVmPermMask;
  return vmo_->is_paged() ? access & ~kVmWrite : access;
}

void VmMapping::fault_around(uint64_t va) {
  if (destroyed_ || !vmo_->is_paged() || !(flags_ & kVmRead)) return;
  uint64_t first = (va & ~(PAGE_SIZE - 1)) + PAGE_SIZE;
  if (first - base() >= size()) return;
  uint64_t n = (size() - (first - base())) / PAGE_SIZE;
  if (n > kFaultAround) n = kFaultAround;
  uint32_t ro = mmu_flags(false), rw = mmu_flags(true);
  // One pass under the object's lock, which stops at the first page the object lacks (a
  // supplied run has ended), and one hold of the page-table lock. Nothing is marked
  // referenced: these pages were not touched yet.
  vmo_->map_present_run(object_offset_ + (first - base()), n,
                        [&](const uint64_t* pas, const bool* writable, uint64_t count) {
                          uint32_t flags[VmObject::kMaxRun];
                          for (uint64_t i = 0; i < count; i++) flags[i] = writable[i] ? rw : ro;
                          aspace_->pt_map_pages(first, pas, flags, count);
                        });
}

void VmMapping::unmap_object_range(uint64_t offset, uint64_t len) {
  uint64_t start = offset > object_offset_ ? offset : object_offset_;
  uint64_t map_end = object_offset_ + size();
  uint64_t end = len > ~0ull - offset ? ~0ull : offset + len;
  if (end > map_end) end = map_end;
  if (start >= end) return;
  aspace_->pt_unmap(base() + (start - object_offset_), end - start);
}

void VmMapping::unmap_pages(uint64_t va, uint64_t len) { aspace_->pt_unmap(va, len); }

void VmMapping::destroy_locked() {
  assert_held(aspace_->lock());
  if (destroyed_) return;
  MutexGuard g(vmo_->lock());
  unmap_pages(base(), size());
  destroyed_ = true;
  vmo_->remove_mapping_locked(&link_);
}
