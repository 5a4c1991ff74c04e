// Address spaces (see vm_aspace.h): creation, switching, faults and the page table behind them.
#include "mm/vm_aspace.h"

#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/ipi.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/thread.h"
#include "mm/kernel_aspace.h"
#include "mm/reclaim_queue.h"

uint32_t vm_flags_to_mmu(uint32_t flags) {
  uint32_t mmu = kMmuUser;
  if (flags & kVmRead) mmu |= kMmuRead;
  if (flags & kVmWrite) mmu |= kMmuWrite;
  if (flags & kVmExecute) mmu |= kMmuExec;
  return mmu;
}

zx_status_t VmAspace::create(const char* name, RefPtr<VmAspace>* out) {
  auto* a = new VmAspace();
  if (!a) return ZX_ERR_NO_MEMORY;
  RefPtr<VmAspace> ref = adopt(a);
  kstrlcpy(a->name_, name, sizeof(a->name_));
  zx_status_t s = a->pt_.init(kernel_table_memory());
  if (s != ZX_OK) return s;
  a->pt_.copy_kernel_half(kernel_page_table());
  a->rng_ = riscv::rdtime() ^ reinterpret_cast<uint64_t>(a) ^ 0x9e3779b97f4a7c15ull;
  a->root_ = adopt(
      new VmAddressRegion(a, nullptr, kUserBase, kUserSize, kVmCanMapMask | kVmCanMapSpecific));
  if (!a->root_) return ZX_ERR_NO_MEMORY;
  *out = move(ref);
  return ZX_OK;
}

VmAspace::~VmAspace() {
  destroy();
  pt_.destroy();
}

void VmAspace::destroy() {
  MutexGuard g(lock_);
  if (destroyed_) return;
  destroyed_ = true;
  if (root_) root_->destroy_locked();
}

void VmAspace::activate(VmAspace* aspace) {
  uint64_t satp = aspace ? aspace->pt_.satp() : kernel_page_table().satp();
  // Announce the switch before making it, and fence, so a concurrent shootdown of this address
  // space either sees us or has already changed the table we are about to walk (kernel/ipi.cc).
  __atomic_store_n(&this_cpu()->active_aspace, static_cast<const void*>(aspace), __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  csr_write(satp, satp);
  riscv::sfence_vma_all();
}

VmAspace* VmAspace::current() {
  Thread* t = thread_current();
  return t ? t->aspace : nullptr;
}

zx_status_t VmAspace::page_fault(uint64_t va, uint32_t access) {
  bool waited = false;  // fault-around only after a wait: the pager's run is likely there too
  for (;;) {
    // A wait for a pager happens without our lock, so the process's other threads (the pager
    // among them, perhaps) can fault and map meanwhile; the mapping may be gone when we look
    // again.
    zx_status_t s = VmObject::wait_for_pages([&](LazyPageRequest* request, bool after_wait) {
      waited |= after_wait;
      MutexGuard g(lock_);
      if (destroyed_) return ZX_ERR_BAD_STATE;
      VmMapping* m = root_->find_mapping_locked(va);
      if (!m) return ZX_ERR_NOT_FOUND;
      zx_status_t s = m->page_fault(va, access, request);
      if (s == ZX_OK && waited) m->fault_around(va);
      return s;
    });
    // Clean pager pages can make room; try again once they are gone (without our lock: the
    // eviction unmaps from every address space, this one included).
    if (s == ZX_ERR_NO_MEMORY && ReclaimQueue::reclaim_now() > 0) continue;
    return s;
  }
}

zx_status_t VmAspace::pt_map(uint64_t va, uint64_t pa, uint64_t len, uint32_t mmu_flags,
                             bool replace) {
  bool flush = false;
  zx_status_t s;
  {
    SpinLockGuard g(pt_lock_);
    s = pt_.map(va, pa, len, mmu_flags);
    if (s == ZX_ERR_ALREADY_EXISTS && replace) {
      // Another thread faulted the same page in first: nothing to do. A different page or
      // different permissions (a copy-on-write upgrade) replace the old entry.
      uint64_t cur_pa;
      uint32_t cur_flags;
      constexpr uint32_t kPerm = kMmuRead | kMmuWrite | kMmuExec | kMmuUser;
      if (pt_.query(va, &cur_pa, &cur_flags) == ZX_OK && cur_pa == pa &&
          (cur_flags & kPerm) == (mmu_flags & kPerm))
        return ZX_OK;
      pt_.unmap(va, len);
      s = pt_.map(va, pa, len, mmu_flags);
      flush = true;
    }
  }
  if (flush) tlb_shootdown_aspace(this, va, len);  // outside the spinlock, as always
  return s;
}

uint64_t VmAspace::pt_map_pages(uint64_t va, const uint64_t* pas, const uint32_t* flags,
                                uint64_t n) {
  SpinLockGuard g(pt_lock_);
  for (uint64_t i = 0; i < n; i++) {
    zx_status_t s = pt_.map(va + i * PAGE_SIZE, pas[i], PAGE_SIZE, flags[i]);
    if (s != ZX_OK && s != ZX_ERR_ALREADY_EXISTS) return i;
  }
  return n;
}

void VmAspace::pt_unmap(uint64_t va, uint64_t len) {
  uint64_t n = 0;
  {
    SpinLockGuard g(pt_lock_);
    pt_.unmap(va, len, &n);
  }
  if (n) tlb_shootdown_aspace(this, va, len);  // outside the spinlock: others must answer
}

void VmAspace::pt_protect(uint64_t va, uint64_t len, uint32_t mmu_flags) {
  assert(!(mmu_flags & kMmuWrite));  // see vm_aspace.h: never granted without a fault
  {
    SpinLockGuard g(pt_lock_);
    pt_.protect(va, len, mmu_flags);
  }
  tlb_shootdown_aspace(this, va, len);
}

VmAspace::Stats VmAspace::stats() {
  Stats st;
  MutexGuard g(lock_);
  if (destroyed_) return st;
  root_->for_each_mapping_locked([&](VmMapping* m) {
    st.mapped_bytes += m->size();
    m->vmo()->count_pages(m->object_offset(), m->size(), &st.private_bytes, &st.shared_bytes,
                          &st.scaled_shared_bytes);
  });
  return st;
}

uint64_t VmAspace::random_u64() {
  // xorshift64*: placement only needs to be unpredictable to a program, not cryptographic.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 2685821657736338717ull;
}

void vm_aspace_switch(VmAspace* from, VmAspace* to) {
  if (from != to) VmAspace::activate(to);
}
