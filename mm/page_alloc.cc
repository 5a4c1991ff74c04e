// Boot-time setup of physical memory and the kernel's page allocation entry points (see
// page_alloc.h). The free ranges are RAM minus reserved ranges; the vm_page arrays themselves
// are carved out of the free ranges before the rest is handed to the buddy allocator.
#include "mm/page_alloc.h"

#include "kernel/arch/riscv/memlayout.h"
#include "kernel/console.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "mm/pmm.h"

namespace {
constexpr int kMaxRanges = 32;
MemRange g_free[kMaxRanges];  // page-aligned free ranges (boot allocator state)
int g_nfree = 0;
bool g_boot_alloc_mode = true;
SpinLock g_boot_lock(LockClass::kBootAlloc);
uint64_t g_boot_total = 0;

uint64_t round_up(uint64_t x) { return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }
uint64_t round_down(uint64_t x) { return x & ~(PAGE_SIZE - 1); }

void subtract(const MemRange& r) {
  uint64_t rs = round_down(r.base), re = round_up(r.base + r.size);
  for (int i = 0; i < g_nfree; i++) {
    uint64_t fs = g_free[i].base, fe = fs + g_free[i].size;
    if (re <= fs || rs >= fe) continue;
    MemRange left{fs, rs > fs ? rs - fs : 0}, right{re < fe ? re : fe, re < fe ? fe - re : 0};
    g_free[i] = left;
    if (right.size && g_nfree < kMaxRanges) g_free[g_nfree++] = right;
  }
  int j = 0;
  for (int i = 0; i < g_nfree; i++) {
    if (g_free[i].size) g_free[j++] = g_free[i];
  }
  g_nfree = j;
}

// Takes n contiguous bytes (page multiple) from the first free range that has them.
uint64_t boot_take(uint64_t n, uint64_t align) {
  for (int i = 0; i < g_nfree; i++) {
    uint64_t start = (g_free[i].base + align - 1) & ~(align - 1);
    uint64_t end = g_free[i].base + g_free[i].size;
    if (start + n > end) continue;
    uint64_t pa = start;
    MemRange used{g_free[i].base, start + n - g_free[i].base};
    subtract(used);
    if (start > used.base) {
      // Keep the alignment gap usable.
      if (g_nfree < kMaxRanges) g_free[g_nfree++] = MemRange{used.base, start - used.base};
    }
    return pa;
  }
  return 0;
}

vm_page* boot_alloc(unsigned order, PageState state) {
  SpinLockGuard g(g_boot_lock);
  uint64_t n = PAGE_SIZE << order;
  uint64_t pa = boot_take(n, n);
  if (!pa) return nullptr;
  memset(phys_to_virt(pa), 0, n);
  vm_page* p = g_pmm.paddr_to_page(pa);
  for (uint64_t i = 0; p && i < (1ull << order); i++) {
    p[i].state = state;
    p[i].ref_count = 1;
  }
  return p;
}
}  // namespace

void page_alloc_init(const MemRange* ram, int nram, const MemRange* reserved, int nreserved) {
  g_nfree = 0;
  for (int i = 0; i < nram && g_nfree < kMaxRanges; i++) {
    uint64_t s = round_up(ram[i].base), e = round_down(ram[i].base + ram[i].size);
    if (e > s) g_free[g_nfree++] = MemRange{s, e - s};
  }
  for (int i = 0; i < nreserved; i++) subtract(reserved[i]);
  // vm_page arrays, one per RAM range, from the free memory itself.
  for (int i = 0; i < nram; i++) {
    uint64_t s = round_up(ram[i].base), e = round_down(ram[i].base + ram[i].size);
    if (e <= s) continue;
    uint64_t npages = (e - s) / PAGE_SIZE;
    uint64_t bytes = round_up(npages * sizeof(vm_page));
    uint64_t pa = boot_take(bytes, PAGE_SIZE);
    if (!pa) panic("no memory for the vm_page array of [0x%lx, 0x%lx)", s, e);
    auto* pages = static_cast<vm_page*>(phys_to_virt(pa));
    memset(pages, 0, bytes);
    g_pmm.add_arena(s, e - s, pages);
  }
  for (int i = 0; i < g_nfree; i++) g_boot_total += g_free[i].size / PAGE_SIZE;
  // Hand everything left to the buddy allocator, then check it can give a page back.
  for (int i = 0; i < g_nfree; i++) g_pmm.free_range(g_free[i].base, g_free[i].size);
  vm_page* probe = g_pmm.alloc_page(PageState::Wired);
  if (probe && g_pmm.free_page(probe) == ZX_OK) {
    g_boot_alloc_mode = false;
  } else {
    kprintf(
        "lab 1: the physical page allocator does not work yet; falling back to the boot "
        "allocator (pages are never freed)\n");
  }
}

bool page_alloc_using_boot_allocator() { return g_boot_alloc_mode; }

namespace {
// Zeroing every page handed out is the allocator's main cost (a demand-zero fault, a commit, a
// pager's aux pages): 32 doubleword stores a turn keep the loop overhead to a few percent.
// The attribute stops GCC from turning the loop back into a call to memset.
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void zero_pages(void* va,
                                                                              uint64_t bytes) {
  auto* w = static_cast<uint64_t*>(va);
  for (uint64_t* end = w + bytes / sizeof(uint64_t); w < end; w += 32) {
    w[0] = w[1] = w[2] = w[3] = w[4] = w[5] = w[6] = w[7] = 0;
    w[8] = w[9] = w[10] = w[11] = w[12] = w[13] = w[14] = w[15] = 0;
    w[16] = w[17] = w[18] = w[19] = w[20] = w[21] = w[22] = w[23] = 0;
    w[24] = w[25] = w[26] = w[27] = w[28] = w[29] = w[30] = w[31] = 0;
  }
}
static_assert(PAGE_SIZE % (32 * sizeof(uint64_t)) == 0, "zero_pages works in 256-byte turns");
}  // namespace

vm_page* page_alloc_contig(unsigned order, PageState state) {
  if (g_boot_alloc_mode) return boot_alloc(order, state);
  vm_page* p = g_pmm.alloc_pages(order, state);
  if (p) zero_pages(phys_to_virt(p->paddr), PAGE_SIZE << order);
  return p;
}

vm_page* page_alloc(PageState state) { return page_alloc_contig(0, state); }

void page_free_contig(vm_page* head, unsigned order) {
  if (g_boot_alloc_mode) return;
  zx_status_t s = g_pmm.free_pages(head, order);
  if (s != ZX_OK)
    panic("page_free: freeing page 0x%lx failed: %s", head->paddr, zx_status_get_string(s));
}

void page_free(vm_page* page) { page_free_contig(page, 0); }

void* page_alloc_kva(unsigned order, PageState state) {
  vm_page* p = page_alloc_contig(order, state);
  return p ? phys_to_virt(p->paddr) : nullptr;
}

void page_free_kva(void* va, unsigned order) {
  vm_page* p = g_pmm.paddr_to_page(virt_to_phys(va));
  assert(p);
  page_free_contig(p, order);
}

uint64_t page_alloc_free_pages() {
  if (!g_boot_alloc_mode) return g_pmm.free_pages_count();
  SpinLockGuard g(g_boot_lock);
  uint64_t n = 0;
  for (int i = 0; i < g_nfree; i++) n += g_free[i].size / PAGE_SIZE;
  return n;
}

uint64_t page_alloc_total_pages() { return g_pmm.total_pages(); }
