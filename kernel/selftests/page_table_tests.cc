// Self tests of the Sv39 page-table code (lab 2) on private tables (the mapped frames are
// made-up addresses that are never touched), plus a check of the live kernel table's W^X.
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/selftests/selftest.h"
#include "mm/kernel_aspace.h"
#include "mm/page_alloc.h"
#include "mm/page_table.h"
#include "mm/pmm.h"

extern "C" char __text_start[], __rodata_start[], __data_start[];
void* selftest_some_data_address();

namespace {
class TestTableMemory : public PageTableMemory {
 public:
  uint64_t allocated = 0;
  uint64_t alloc_table() override {
    vm_page* p = page_alloc(PageState::PageTable);
    if (!p) return 0;
    allocated++;
    return p->paddr;
  }
  void free_table(uint64_t paddr) override {
    allocated--;
    page_free(g_pmm.paddr_to_page(paddr));
  }
  uint64_t* table_ptr(uint64_t paddr) override {
    return static_cast<uint64_t*>(phys_to_virt(paddr));
  }
};

constexpr uint64_t kVa = 0x40000000;       // 1 GiB, user half
constexpr uint64_t kPa = 0x2000000000ull;  // never touched
constexpr uint32_t kRW = kMmuRead | kMmuWrite;
}  // namespace

SELFTEST("pt.map_query") {
  TestTableMemory mem;
  PageTable pt;
  REQUIRE(pt.init(&mem) == ZX_OK);
  EXPECT_OK(pt.map(kVa, kPa, 4 * PAGE_SIZE, kRW | kMmuUser));
  uint64_t pa = 0;
  uint32_t flags = 0;
  EXPECT_OK(pt.query(kVa + 2 * PAGE_SIZE + 123, &pa, &flags));
  EXPECT_EQ(pa, kPa + 2 * PAGE_SIZE + 123);
  EXPECT_EQ(flags & (kMmuRead | kMmuWrite | kMmuExec | kMmuUser), kRW | kMmuUser);
  EXPECT_EQ(pt.query(kVa + 4 * PAGE_SIZE, &pa, &flags), ZX_ERR_NOT_FOUND);
  EXPECT_EQ(pt.query(kVa - PAGE_SIZE, &pa, &flags), ZX_ERR_NOT_FOUND);
  EXPECT_EQ(pt.map(kVa + 1, kPa, PAGE_SIZE, kRW), ZX_ERR_INVALID_ARGS);
  EXPECT_EQ(pt.map(0x0000008000000000ull, kPa, PAGE_SIZE, kRW),
            ZX_ERR_INVALID_ARGS);  // not canonical
  EXPECT_EQ(pt.map(kVa + 64 * PAGE_SIZE, kPa, PAGE_SIZE, kMmuWrite),
            ZX_ERR_INVALID_ARGS);  // W without R
  pt.destroy();
  EXPECT_EQ(mem.allocated, 0u);
}

SELFTEST("pt.unmap_frees_tables") {
  TestTableMemory mem;
  PageTable pt;
  REQUIRE(pt.init(&mem) == ZX_OK);
  EXPECT_EQ(pt.table_count(), 1u);
  // Two pages far apart need their own level-1 and level-0 tables.
  EXPECT_OK(pt.map(kVa, kPa, PAGE_SIZE, kRW));
  EXPECT_OK(pt.map(kVa + (5ull << 30), kPa, PAGE_SIZE, kRW));
  EXPECT_EQ(pt.table_count(), 5u);
  uint64_t n = 0;
  EXPECT_OK(pt.unmap(kVa, PAGE_SIZE, &n));
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(pt.table_count(), 3u);
  EXPECT_OK(pt.unmap(kVa + (5ull << 30), PAGE_SIZE));
  EXPECT_EQ(pt.table_count(), 1u);
  uint64_t pa;
  uint32_t flags;
  EXPECT_EQ(pt.query(kVa, &pa, &flags), ZX_ERR_NOT_FOUND);
  EXPECT_OK(pt.unmap(kVa, 16 * PAGE_SIZE));  // unmapping a hole is fine
  pt.destroy();
  EXPECT_EQ(mem.allocated, 0u);
}

SELFTEST("pt.protect") {
  TestTableMemory mem;
  PageTable pt;
  REQUIRE(pt.init(&mem) == ZX_OK);
  EXPECT_OK(pt.map(kVa, kPa, 8 * PAGE_SIZE, kRW));
  EXPECT_OK(pt.protect(kVa + 2 * PAGE_SIZE, 2 * PAGE_SIZE, kMmuRead | kMmuExec));
  uint64_t pa;
  uint32_t flags;
  EXPECT_OK(pt.query(kVa + PAGE_SIZE, &pa, &flags));
  EXPECT_EQ(flags & (kMmuRead | kMmuWrite | kMmuExec), kRW);
  EXPECT_OK(pt.query(kVa + 2 * PAGE_SIZE, &pa, &flags));
  EXPECT_EQ(flags & (kMmuRead | kMmuWrite | kMmuExec), kMmuRead | kMmuExec);
  EXPECT_EQ(pa, kPa + 2 * PAGE_SIZE);
  EXPECT_OK(pt.query(kVa + 4 * PAGE_SIZE, &pa, &flags));
  EXPECT_EQ(flags & (kMmuRead | kMmuWrite | kMmuExec), kRW);
  pt.destroy();
  EXPECT_EQ(mem.allocated, 0u);
}

SELFTEST("pt.large_pages") {
  TestTableMemory mem;
  PageTable pt;
  REQUIRE(pt.init(&mem) == ZX_OK);
  constexpr uint64_t k2M = 2ull << 20;
  EXPECT_OK(pt.map(kVa, kPa, 2 * k2M, kRW | kMmuAllowLarge));
  EXPECT_EQ(pt.table_count(), 2u);  // root + one level-1 table holding two 2 MiB leaves
  uint64_t pa;
  uint32_t flags;
  EXPECT_OK(pt.query(kVa + k2M + 5 * PAGE_SIZE + 7, &pa, &flags));
  EXPECT_EQ(pa, kPa + k2M + 5 * PAGE_SIZE + 7);
  // Unmapping one page inside a large leaf splits it.
  EXPECT_OK(pt.unmap(kVa + PAGE_SIZE, PAGE_SIZE));
  EXPECT_EQ(pt.query(kVa + PAGE_SIZE, &pa, &flags), ZX_ERR_NOT_FOUND);
  EXPECT_OK(pt.query(kVa + 2 * PAGE_SIZE, &pa, &flags));
  EXPECT_EQ(pa, kPa + 2 * PAGE_SIZE);
  EXPECT_OK(pt.query(kVa, &pa, &flags));
  EXPECT_EQ(pa, kPa);
  pt.destroy();
  EXPECT_EQ(mem.allocated, 0u);
}

SELFTEST("pt.already_exists") {
  TestTableMemory mem;
  PageTable pt;
  REQUIRE(pt.init(&mem) == ZX_OK);
  EXPECT_OK(pt.map(kVa + 3 * PAGE_SIZE, kPa, PAGE_SIZE, kRW));
  uint64_t tables = pt.table_count();
  EXPECT_EQ(pt.map(kVa, kPa + 0x100000, 8 * PAGE_SIZE, kRW), ZX_ERR_ALREADY_EXISTS);
  // Nothing of the failed map is left behind.
  uint64_t pa;
  uint32_t flags;
  EXPECT_EQ(pt.query(kVa, &pa, &flags), ZX_ERR_NOT_FOUND);
  EXPECT_OK(pt.query(kVa + 3 * PAGE_SIZE, &pa, &flags));
  EXPECT_EQ(pa, kPa);
  EXPECT_EQ(pt.table_count(), tables);
  pt.destroy();
  EXPECT_EQ(mem.allocated, 0u);
}

SELFTEST("pt.kernel_wx") {
  REQUIRE(kernel_aspace_ready());
  PageTable& kpt = kernel_page_table();
  uint64_t pa;
  uint32_t flags;
  EXPECT_OK(kpt.query(reinterpret_cast<uint64_t>(__text_start), &pa, &flags));
  EXPECT_EQ(flags & (kMmuRead | kMmuWrite | kMmuExec), kMmuRead | kMmuExec);
  EXPECT_OK(kpt.query(reinterpret_cast<uint64_t>(__rodata_start), &pa, &flags));
  EXPECT_EQ(flags & (kMmuRead | kMmuWrite | kMmuExec), kMmuRead);
  EXPECT_OK(kpt.query(reinterpret_cast<uint64_t>(selftest_some_data_address()), &pa, &flags));
  EXPECT_EQ(flags & (kMmuRead | kMmuWrite | kMmuExec), kRW);
  EXPECT_EQ(pa, virt_to_phys(selftest_some_data_address()));
  // The direct map is never executable.
  EXPECT_OK(kpt.query(kPhysMapBase + pa, &pa, &flags));
  EXPECT_EQ(flags & kMmuExec, 0u);
}

namespace {
int g_some_data = 1;
}
void* selftest_some_data_address() { return &g_some_data; }
