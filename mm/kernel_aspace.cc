// Building and switching to the kernel page table (see kernel_aspace.h).
#include "mm/kernel_aspace.h"

#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/console.h"
#include "kernel/ipi.h"
#include "kernel/spinlock.h"
#include "mm/page_alloc.h"
#include "mm/pmm.h"

extern "C" char __kernel_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __kernel_end[];

namespace {
// Page-table pages come from the page allocator and are reached through the direct map.
class KernelTableMemory : public PageTableMemory {
 public:
  uint64_t alloc_table() override {
    vm_page* p = page_alloc(PageState::PageTable);
    return p ? p->paddr : 0;
  }
  void free_table(uint64_t paddr) override { page_free(g_pmm.paddr_to_page(paddr)); }
  uint64_t* table_ptr(uint64_t paddr) override {
    return static_cast<uint64_t*>(phys_to_virt(paddr));
  }
};

KernelTableMemory g_table_memory;
PageTable g_kernel_pt;
SpinLock g_kernel_pt_lock(LockClass::kKernelPt);
bool g_ready = false;

uint64_t va_of(char* p) { return reinterpret_cast<uint64_t>(p); }

zx_status_t map_image_section(char* start, char* end, uint32_t flags) {
  uint64_t va = va_of(start);
  return g_kernel_pt.map(va, virt_to_phys(start), va_of(end) - va, flags | kMmuGlobal);
}
}  // namespace

zx_status_t kernel_aspace_init(uint64_t phys_end) {
  zx_status_t s = g_kernel_pt.init(&g_table_memory);
  if (s != ZX_OK) return s;
  uint64_t direct = (phys_end + (1ull << 30) - 1) & ~((1ull << 30) - 1);
  if (direct > kPhysMapSize) direct = kPhysMapSize;
  s = g_kernel_pt.map(kPhysMapBase, 0, direct, kMmuRead | kMmuWrite | kMmuGlobal | kMmuAllowLarge);
  if (s == ZX_OK) s = map_image_section(__text_start, __text_end, kMmuRead | kMmuExec);
  if (s == ZX_OK) s = map_image_section(__rodata_start, __rodata_end, kMmuRead);
  if (s == ZX_OK) s = map_image_section(__data_start, __kernel_end, kMmuRead | kMmuWrite);
  if (s != ZX_OK) {
    g_kernel_pt.destroy();
    kprintf(
        "lab 2: kernel page table not built (%s); staying on the boot page table "
        "(no W^X, no stack guards)\n",
        zx_status_get_string(s));
    return s;
  }
  g_ready = true;
  kernel_aspace_activate_hart();
  return ZX_OK;
}

void kernel_aspace_activate_hart() {
  if (!g_ready) return;
  riscv::sfence_vma_all();
  csr_write(satp, g_kernel_pt.satp());
  riscv::sfence_vma_all();
}

bool kernel_aspace_ready() { return g_ready; }
PageTable& kernel_page_table() { return g_kernel_pt; }
PageTableMemory* kernel_table_memory() { return &g_table_memory; }

zx_status_t kernel_map(uint64_t va, uint64_t pa, uint64_t len, uint32_t mmu_flags) {
  zx_status_t s;
  {
    SpinLockGuard g(g_kernel_pt_lock);
    s = g_kernel_pt.map(va, pa, len, mmu_flags);
  }
  // The entries were invalid before; a local fence is enough (other harts fault and retry
  // never happens in the kernel, but they have no stale entry for an address never mapped).
  riscv::sfence_vma_all();
  return s;
}

zx_status_t kernel_unmap(uint64_t va, uint64_t len) {
  zx_status_t s;
  {
    SpinLockGuard g(g_kernel_pt_lock);
    s = g_kernel_pt.unmap(va, len);
  }
  tlb_shootdown(va, len);
  return s;
}
