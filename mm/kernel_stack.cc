// Kernel stack allocation. The stack region is cut into 32 KiB slots: a slot maps its 16 KiB
// stack at the top and leaves the 16 KiB below unmapped, so the guard is at least a page. When
// the kernel page table is not usable (a lab 2 handout) a stack lives in the direct map without
// a guard, and the kernel says so once.
#include "mm/kernel_stack.h"

#include "kernel/arch/riscv/memlayout.h"
#include "kernel/console.h"
#include "kernel/spinlock.h"
#include "mm/kernel_aspace.h"
#include "mm/page_alloc.h"
#include "mm/pmm.h"

namespace {
constexpr uint64_t kSlotSize = 32 * 1024;
constexpr int kSlots = static_cast<int>(kKernelStackRegionSize / kSlotSize);
constexpr unsigned kStackOrder = 2;  // 16 KiB
static_assert((PAGE_SIZE << kStackOrder) == kKernelStackSize);
SpinLock g_lock(LockClass::kKstackSlots);
uint64_t g_bitmap[kSlots / 64];
int g_hint = 0;
uint64_t g_in_use = 0;

int take_slot() {
  SpinLockGuard g(g_lock);
  for (int n = 0; n < kSlots; n++) {
    int i = (g_hint + n) % kSlots;
    if (!(g_bitmap[i / 64] & (1ull << (i % 64)))) {
      g_bitmap[i / 64] |= 1ull << (i % 64);
      g_hint = i + 1;
      return i;
    }
  }
  return -1;
}

void put_slot(int i) {
  SpinLockGuard g(g_lock);
  g_bitmap[i / 64] &= ~(1ull << (i % 64));
}
}  // namespace

zx_status_t kernel_stack_alloc(KernelStack* s) {
  vm_page* p = page_alloc_contig(kStackOrder, PageState::KernelStack);
  if (!p) return ZX_ERR_NO_MEMORY;
  s->paddr = p->paddr;
  s->slot = -1;
  s->guarded = false;
  if (kernel_aspace_ready()) {
    int slot = take_slot();
    if (slot >= 0) {
      uint64_t va = kKernelStackBase + slot * kSlotSize + (kSlotSize - kKernelStackSize);
      if (kernel_map(va, s->paddr, kKernelStackSize, kMmuRead | kMmuWrite | kMmuGlobal) == ZX_OK) {
        s->slot = slot;
        s->limit = va;
        s->top = va + kKernelStackSize;
        s->guarded = true;
      } else {
        put_slot(slot);
      }
    }
  }
  if (!s->guarded) {
    s->limit = reinterpret_cast<uint64_t>(phys_to_virt(s->paddr));
    s->top = s->limit + kKernelStackSize;
  }
  __atomic_fetch_add(&g_in_use, 1, __ATOMIC_RELAXED);
  return ZX_OK;
}

void kernel_stack_free(KernelStack* s) {
  if (s->slot >= 0) {
    kernel_unmap(s->limit, kKernelStackSize);
    put_slot(s->slot);
    s->slot = -1;
  }
  page_free_contig(g_pmm.paddr_to_page(s->paddr), kStackOrder);
  s->paddr = 0;
  __atomic_fetch_sub(&g_in_use, 1, __ATOMIC_RELAXED);
}

uint64_t kernel_stacks_in_use() { return g_in_use; }
