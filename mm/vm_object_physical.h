// Device registers as a VM object (zx_vmo_create_physical): a fixed physical range with no pages
// of its own, reached only by mapping it. A class of its own because it changes with what
// devices need, never with paging or copy-on-write (mm/vm_object.h holds those).
//
// Invariants: base_ and the size are page aligned and never change; the object holds no pages,
// no source and no copy-on-write parent; the page at offset is always base_ + offset (so every
// lookup succeeds, exclusively, without allocating).
#pragma once
#include "mm/vm_object.h"

class VmObjectPhysical final : public VmObject {
 public:
  // [paddr, paddr+size), both page aligned (the syscall checks it is not RAM).
  static zx_status_t create(uint64_t paddr, uint64_t size, RefPtr<VmObject>* out);

 private:
  VmObjectPhysical(uint64_t paddr, uint64_t size)
      : VmObject(size, 0, Kind::kPhysical), base_(paddr) {}
  zx_status_t lookup_locked(uint64_t offset, bool commit, bool write, uint64_t* paddr,
                            bool* exclusive) override;

  const uint64_t base_;
};
