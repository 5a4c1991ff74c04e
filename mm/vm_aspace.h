// An address space: a page table for the user half (sharing the kernel's upper half) and the
// root VMAR that covers the user range. Threads of a process run on its address space; a page
// fault on a user address comes here ("The page-fault path" in docs/architecture.md, steps 1-3):
// find the mapping, check the access, ask the object for the page, install the translation.
#pragma once
#include <stdint.h>

#include "kernel/lib/ref_ptr.h"
#include "kernel/mutex.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"
#include "mm/page_table.h"
#include "mm/vm_address_region.h"

class VmAspace : public RefCounted<VmAspace> {
 public:
  // The user range: [kUserBase, kUserBase + kUserSize); page 0 is never mappable.
  static constexpr uint64_t kUserBase = 0x10000;
  static constexpr uint64_t kUserSize = (1ull << 38) - kUserBase;

  static zx_status_t create(const char* name, RefPtr<VmAspace>* out);
  ~VmAspace();

  const RefPtr<VmAddressRegion>& root() const { return root_; }
  // Switches this hart to the address space (the kernel's own table when aspace is null).
  static void activate(VmAspace* aspace);
  static VmAspace* current();

  // A fault at va (access kVmRead/kVmWrite/kVmExecute). ZX_OK when the access can be retried.
  zx_status_t page_fault(uint64_t va, uint32_t access);
  // Tears everything down (process death); later operations fail with ZX_ERR_BAD_STATE.
  void destroy();

  Mutex& lock() { return lock_; }
  // Page-table access for mappings (the spinlock is taken inside).
  zx_status_t pt_map(uint64_t va, uint64_t pa, uint64_t len, uint32_t mmu_flags, bool replace);
  void pt_unmap(uint64_t va, uint64_t len);  // and flushes TLBs
  // Maps single pages at va + i pages to pas[i] with flags[i] (i < n) in one hold of the
  // page-table lock, leaving any page already mapped as it is: for fault-around, where nothing
  // was mapped there and a translation that appeared meanwhile is the same page. Returns how
  // many it mapped before running out of memory for page tables (or n).
  uint64_t pt_map_pages(uint64_t va, const uint64_t* pas, const uint32_t* flags, uint64_t n);
  // Changes the permissions of whatever is mapped in [va, va+len). mmu_flags may not grant
  // write: whether a page may take stores depends on the page (VmMapping::mmu_flags), which
  // only a fault can look at, so a store after protect faults and the fault decides.
  void pt_protect(uint64_t va, uint64_t len, uint32_t mmu_flags);
  // ZX_INFO_TASK_STATS: bytes mapped, and committed bytes private / shared / shared-scaled.
  struct Stats {
    uint64_t mapped_bytes = 0, private_bytes = 0, shared_bytes = 0, scaled_shared_bytes = 0;
  };
  Stats stats();
  uint64_t random_u64();
  const char* name() const { return name_; }

 private:
  friend class VmAddressRegion;
  VmAspace() = default;
  Mutex lock_{LockClass::kAspace};
  SpinLock pt_lock_{LockClass::kAspacePt};
  PageTable pt_;
  RefPtr<VmAddressRegion> root_;
  bool destroyed_ = false;
  uint64_t rng_ = 0;
  char name_[32] = {};
};

// The architecture's trap code calls this for a page fault on a user address: one taken in user
// mode, or by the kernel's user-copy routine inside a system call. It resolves the fault in the
// current address space (access kVmRead/kVmWrite/kVmExecute); ZX_OK: retry the access.
// Interrupts are on; it may block. Inline: every demand-zero fault passes here.
inline zx_status_t user_page_fault(uint64_t va, uint32_t access) {
  Thread* t = thread_current();
  VmAspace* a = t ? t->aspace : nullptr;
  return a ? a->page_fault(va, access) : ZX_ERR_NOT_FOUND;
}
// Context switch: load `to`'s page table (the kernel's when null) if it differs from `from`'s.
void vm_aspace_switch(VmAspace* from, VmAspace* to);
