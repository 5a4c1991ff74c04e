// Regions of an address space. A VMAR (VmAddressRegion) is a range that holds child regions in
// a balanced tree; a child is either a smaller VMAR or a VmMapping, which maps part of a VM
// object with some permissions. Page-table entries for a mapping are created lazily, by page
// faults (or MAP_RANGE / commit), and removed when the mapping, its object's pages or its
// permissions change.
//
// Locking (as in Zircon): the address space's mutex protects every region tree and region
// field; a mapping's base, size and object offset change only with both the address-space
// mutex and the object's mutex held, so the object side may read them under its own lock. The
// page table has its own spinlock, innermost.
#pragma once
#include <stdint.h>

#include "kernel/lib/ref_ptr.h"
#include "kernel/status.h"
#include "mm/region_tree.h"
#include "mm/vm_object.h"

class VmAspace;
class VmAddressRegion;

// Translates region permission flags to page-table flags (user pages).
uint32_t vm_flags_to_mmu(uint32_t flags);

// Permission and placement flags of regions (the syscall layer translates ZX_VM_* to these).
constexpr uint32_t kVmRead = 1 << 0;
constexpr uint32_t kVmWrite = 1 << 1;
constexpr uint32_t kVmExecute = 1 << 2;
constexpr uint32_t kVmCanMapRead = 1 << 3;
constexpr uint32_t kVmCanMapWrite = 1 << 4;
constexpr uint32_t kVmCanMapExecute = 1 << 5;
constexpr uint32_t kVmCanMapSpecific = 1 << 6;
constexpr uint32_t kVmSpecific = 1 << 7;
constexpr uint32_t kVmPermMask = kVmRead | kVmWrite | kVmExecute;
constexpr uint32_t kVmCanMapMask =
    kVmCanMapRead | kVmCanMapWrite | kVmCanMapExecute | kVmCanMapSpecific;

class VmRegion;
// A region's node in its parent's tree, with the way back to the region.
struct VmRegionNode : RegionNode {
  VmRegion* owner = nullptr;
};

class VmRegion : public RefCounted<VmRegion> {
 public:
  virtual ~VmRegion() = default;
  uint64_t base() const { return node_.base; }
  uint64_t size() const { return node_.size; }
  uint64_t end() const { return node_.base + node_.size; }
  uint32_t flags() const { return flags_; }
  bool is_mapping() const { return is_mapping_; }
  bool destroyed() const { return destroyed_; }
  VmAspace* aspace() const { return aspace_; }
  static VmRegion* from_node(RegionNode* n);

 protected:
  VmRegion(VmAspace* aspace, VmAddressRegion* parent, uint64_t base, uint64_t size, uint32_t flags,
           bool is_mapping);
  friend class VmAddressRegion;
  friend class VmAspace;

  VmRegionNode node_;
  VmAspace* aspace_;
  VmAddressRegion* parent_;  // nullptr for the root and after destruction
  uint32_t flags_;
  bool is_mapping_;
  bool destroyed_ = false;
};

class VmMapping : public VmRegion {
 public:
  VmMapping(VmAspace* aspace, VmAddressRegion* parent, uint64_t base, uint64_t size, uint32_t flags,
            RefPtr<VmObject> vmo, uint64_t object_offset);
  ~VmMapping() override;

  const RefPtr<VmObject>& vmo() const { return vmo_; }
  uint64_t object_offset() const { return object_offset_; }
  // The most the mapping may ever allow (what the object's handle permitted at map time);
  // protect cannot go beyond it.
  uint32_t max_perms() const { return max_perms_; }
  void set_max_perms(uint32_t perms) { max_perms_ = perms; }

  // Aspace lock held: resolve a fault at va for `access` (kVmRead/kVmWrite/kVmExecute).
  // ZX_ERR_ACCESS_DENIED if the mapping does not allow it; ZX_ERR_OUT_OF_RANGE past the object.
  zx_status_t page_fault(uint64_t va, uint32_t access, LazyPageRequest* request);
  // Aspace lock held: fault in every page now (ZX_VM_MAP_RANGE, commit through the VMAR).
  zx_status_t map_range(uint64_t offset, uint64_t len, bool commit);
  // After a fault that waited for a pager (aspace locked): maps the run of pages after `va` that
  // the object already has, up to kFaultAround of them, since a pager supplies runs and the
  // thread will likely touch them next. Never commits and never waits.
  static constexpr uint64_t kFaultAround = 15;
  void fault_around(uint64_t va);
  // The access a fault taken ahead of time (map_range, fault_around) asks for.
  uint32_t prefault_access() const;
  // The page-table permissions for one page of this mapping: the mapping's permissions, less
  // write unless the object said the page may take stores (VmObject::page_writable: private
  // to the object, and dirty if a pager supplied it). Every path that installs or rewrites a
  // translation of a mapping goes through here, so that none can make a shared copy-on-write
  // page or a clean pager page writable (a store must fault to copy it, or to dirty it).
  uint32_t mmu_flags(bool page_writable) const {
    return vm_flags_to_mmu(page_writable ? flags_ : flags_ & ~kVmWrite);
  }
  // Object lock held (called by the object): drop translations of object range [off, off+len).
  void unmap_object_range(uint64_t offset, uint64_t len);

 private:
  friend class VmAddressRegion;
  // Aspace lock held: remove every translation and detach from the object.
  void destroy_locked();
  // Removes translations of [va, va+len) and flushes TLBs.
  void unmap_pages(uint64_t va, uint64_t len);

  RefPtr<VmObject> vmo_;
  uint64_t object_offset_;
  uint32_t max_perms_ = kVmPermMask;
  VmMappingLink link_;
};
