// Self tests of the physical page allocator (lab 1). Most run on a private Pmm over a made-up
// arena, so block counts are exact whatever the rest of the kernel has allocated; the last ones
// use the real allocator and check that everything comes back.
#include "kernel/lib/string.h"
#include "kernel/selftests/selftest.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "mm/pmm.h"

namespace {
// 8 MiB of pretend frames at an address no real RAM uses; only the vm_page records are touched.
constexpr uint64_t kFakeBase = 0x4000000000ull;
constexpr uint64_t kFakePages = 2048;

struct FakeArena {
  Pmm pmm;
  vm_page* pages = nullptr;
  bool ok = false;
  FakeArena() {
    pages = static_cast<vm_page*>(kmalloc(kFakePages * sizeof(vm_page)));
    if (!pages) return;
    memset(pages, 0, kFakePages * sizeof(vm_page));
    ok = pmm.add_arena(kFakeBase, kFakePages * PAGE_SIZE, pages) == ZX_OK;
    pmm.free_range(kFakeBase, kFakePages * PAGE_SIZE);
  }
  ~FakeArena() { kfree(pages); }
};
}  // namespace

SELFTEST("pmm.alloc_free") {
  FakeArena a;
  REQUIRE(a.ok);
  EXPECT_EQ(a.pmm.free_pages_count(), kFakePages);
  vm_page* p = a.pmm.alloc_page(PageState::Wired);
  REQUIRE(p != nullptr);
  EXPECT(p->paddr >= kFakeBase && p->paddr < kFakeBase + kFakePages * PAGE_SIZE);
  EXPECT(p->state == PageState::Wired);
  EXPECT_EQ(a.pmm.paddr_to_page(p->paddr), p);
  EXPECT_EQ(a.pmm.free_pages_count(), kFakePages - 1);
  EXPECT_OK(a.pmm.free_page(p));
  EXPECT_EQ(a.pmm.free_pages_count(), kFakePages);
  EXPECT(p->state == PageState::Free);
}

SELFTEST("pmm.buddy_split") {
  FakeArena a;
  REQUIRE(a.ok);
  // 2048 pages = two 4 MiB (order 10) blocks.
  EXPECT_EQ(a.pmm.free_blocks(10), 2u);
  vm_page* p = a.pmm.alloc_page(PageState::Wired);
  REQUIRE(p != nullptr);
  // Splitting one order-10 block leaves one free block at each order 0..9.
  EXPECT_EQ(a.pmm.free_blocks(10), 1u);
  for (unsigned o = 0; o < 10; o++) EXPECT_EQ(a.pmm.free_blocks(o), 1u);
  vm_page* q = a.pmm.alloc_pages(3, PageState::Wired);
  REQUIRE(q != nullptr);
  EXPECT_EQ((q->paddr - kFakeBase) % (8 * PAGE_SIZE), 0u);  // blocks are aligned to their size
  EXPECT_EQ(a.pmm.free_blocks(3), 0u);
  EXPECT_OK(a.pmm.free_pages(q, 3));
  EXPECT_OK(a.pmm.free_page(p));
}

SELFTEST("pmm.buddy_merge") {
  FakeArena a;
  REQUIRE(a.ok);
  vm_page* pages[16];
  for (int i = 0; i < 16; i++) {
    pages[i] = a.pmm.alloc_page(PageState::Wired);
    REQUIRE(pages[i] != nullptr);
  }
  // Free in an order that only merges completely at the end.
  for (int i = 0; i < 16; i += 2) EXPECT_OK(a.pmm.free_page(pages[i]));
  // Eight lone pages: no two free pages are buddies yet.
  EXPECT_EQ(a.pmm.free_blocks(0), 8u);
  for (int i = 1; i < 16; i += 2) EXPECT_OK(a.pmm.free_page(pages[i]));
  // Everything coalesced back into the two largest blocks.
  EXPECT_EQ(a.pmm.free_blocks(10), 2u);
  for (unsigned o = 0; o < 10; o++) EXPECT_EQ(a.pmm.free_blocks(o), 0u);
  EXPECT_EQ(a.pmm.free_pages_count(), kFakePages);
}

SELFTEST("pmm.exhaust") {
  FakeArena a;
  REQUIRE(a.ok);
  static vm_page* got[kFakePages];
  uint64_t n = 0;
  while (n < kFakePages) {
    vm_page* p = a.pmm.alloc_page(PageState::Wired);
    if (!p) break;
    got[n++] = p;
  }
  EXPECT_EQ(n, kFakePages);
  EXPECT(a.pmm.alloc_page(PageState::Wired) == nullptr);
  EXPECT_EQ(a.pmm.free_pages_count(), 0u);
  // Every page distinct.
  uint64_t sum = 0;
  for (uint64_t i = 0; i < n; i++) sum += (got[i]->paddr - kFakeBase) / PAGE_SIZE;
  EXPECT_EQ(sum, kFakePages * (kFakePages - 1) / 2);
  for (uint64_t i = 0; i < n; i++) EXPECT_OK(a.pmm.free_page(got[i]));
  EXPECT_EQ(a.pmm.free_blocks(10), 2u);
}

SELFTEST("pmm.double_free") {
  FakeArena a;
  REQUIRE(a.ok);
  vm_page* p = a.pmm.alloc_page(PageState::Wired);
  REQUIRE(p != nullptr);
  EXPECT_OK(a.pmm.free_page(p));
  EXPECT_EQ(a.pmm.free_page(p), ZX_ERR_BAD_STATE);
  EXPECT_EQ(a.pmm.free_pages_count(), kFakePages);
}

SELFTEST("pmm.stress") {
  // The real allocator: random orders allocated and freed, then back to where it started.
  REQUIRE(!page_alloc_using_boot_allocator());
  uint64_t before = g_pmm.free_pages_count();
  struct Held {
    vm_page* p;
    unsigned order;
  };
  static Held held[256];
  int n = 0;
  uint64_t seed = 12345;
  for (int round = 0; round < 2000; round++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    bool do_alloc = n == 0 || (n < 256 && ((seed >> 33) & 3) != 0);
    if (do_alloc) {
      unsigned order = (seed >> 40) % 4;
      vm_page* p = g_pmm.alloc_pages(order, PageState::Wired);
      if (!p) continue;
      EXPECT_EQ(p->paddr % (PAGE_SIZE << order), 0u);
      held[n++] = Held{p, order};
    } else {
      int i = static_cast<int>((seed >> 20) % n);
      EXPECT_OK(g_pmm.free_pages(held[i].p, held[i].order));
      held[i] = held[--n];
    }
  }
  while (n > 0) {
    n--;
    EXPECT_OK(g_pmm.free_pages(held[n].p, held[n].order));
  }
  EXPECT_EQ(g_pmm.free_pages_count(), before);
}
