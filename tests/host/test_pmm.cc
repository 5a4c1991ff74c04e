// Tests for the buddy allocator (mm/pmm.cc) on arenas whose vm_page records live in host
// memory: exact split/merge block counts, exhaustion and recovery, double-free detection and
// address lookups.
#include <doctest/doctest.h>

#include <vector>

#include "mm/pmm.h"

namespace {

constexpr uint64_t kBase = 0x80000000;

struct TestArena {
  std::vector<vm_page> pages;
  Pmm pmm;
  explicit TestArena(uint64_t npages, uint64_t base = kBase) : pages(npages) {
    REQUIRE(pmm.add_arena(base, npages * PAGE_SIZE, pages.data()) == ZX_OK);
  }
};

}  // namespace

TEST_CASE("pmm: arena pages start reserved") {
  TestArena t(1024);
  CHECK(t.pmm.total_pages() == 1024);
  CHECK(t.pmm.free_pages_count() == 0);
  CHECK(t.pmm.count(PageState::Reserved) == 1024);
  CHECK(t.pmm.used_pages() == 1024);
  CHECK(t.pmm.alloc_page(PageState::Wired) == nullptr);
}

TEST_CASE("pmm: add_arena rejects bad arguments and overlaps") {
  std::vector<vm_page> a(16), b(16);
  Pmm pmm;
  CHECK(pmm.add_arena(kBase + 1, 16 * PAGE_SIZE, a.data()) == ZX_ERR_INVALID_ARGS);
  CHECK(pmm.add_arena(kBase, 100, a.data()) == ZX_ERR_INVALID_ARGS);
  CHECK(pmm.add_arena(kBase, 16 * PAGE_SIZE, nullptr) == ZX_ERR_INVALID_ARGS);
  CHECK(pmm.add_arena(kBase, 16 * PAGE_SIZE, a.data()) == ZX_OK);
  CHECK(pmm.add_arena(kBase + 8 * PAGE_SIZE, 16 * PAGE_SIZE, b.data()) == ZX_ERR_ALREADY_EXISTS);
  CHECK(pmm.add_arena(kBase + 16 * PAGE_SIZE, 16 * PAGE_SIZE, b.data()) == ZX_OK);
  CHECK(pmm.total_pages() == 32);
}

TEST_CASE("pmm: free_range builds maximal blocks and rounds inward") {
  TestArena t(2048);
  t.pmm.free_range(kBase, 2048 * PAGE_SIZE);
  CHECK(t.pmm.free_pages_count() == 2048);
  CHECK(t.pmm.free_blocks(Pmm::kMaxOrder) == 2);
  for (unsigned o = 0; o < Pmm::kMaxOrder; o++) CHECK(t.pmm.free_blocks(o) == 0);

  TestArena u(64);
  // Partial first and last frames are not freed: frames 1..61 are.
  u.pmm.free_range(kBase + 100, 62 * PAGE_SIZE - 100 + 5);
  CHECK(u.pmm.free_pages_count() == 61);
  CHECK(u.pmm.paddr_to_page(kBase)->state == PageState::Reserved);
  CHECK(u.pmm.paddr_to_page(kBase + 62 * PAGE_SIZE)->state == PageState::Reserved);
  // 61 frames from index 1: 1, 2-3, 4-7, 8-15, 16-31, 32-47, 48-55, 56-59, 60-61.
  CHECK(u.pmm.free_blocks(0) == 1);
  CHECK(u.pmm.free_blocks(1) == 2);
  CHECK(u.pmm.free_blocks(2) == 2);
  CHECK(u.pmm.free_blocks(3) == 2);
  CHECK(u.pmm.free_blocks(4) == 2);
  CHECK(u.pmm.free_blocks(5) == 0);
  // Freeing the same range again changes nothing.
  u.pmm.free_range(kBase, 64 * PAGE_SIZE - 2 * PAGE_SIZE);
  CHECK(u.pmm.free_pages_count() == 62);
  // Frame 0 merged all the way up: 0-31, 32-47, 48-55, 56-59, 60-61.
  CHECK(u.pmm.free_blocks(5) == 1);
  CHECK(u.pmm.free_blocks(4) == 1);
  CHECK(u.pmm.free_blocks(3) == 1);
  CHECK(u.pmm.free_blocks(2) == 1);
  CHECK(u.pmm.free_blocks(1) == 1);
  CHECK(u.pmm.free_blocks(0) == 0);
}

TEST_CASE("pmm: split and merge keep exact block counts") {
  TestArena t(1024);
  t.pmm.free_range(kBase, 1024 * PAGE_SIZE);
  REQUIRE(t.pmm.free_blocks(10) == 1);

  vm_page* p = t.pmm.alloc_page(PageState::Wired);
  REQUIRE(p != nullptr);
  CHECK(p->state == PageState::Wired);
  CHECK(p->ref_count == 1);
  // One 4 MiB block split down to a page leaves one free block of every order below 10.
  CHECK(t.pmm.free_blocks(10) == 0);
  for (unsigned o = 0; o < 10; o++) CHECK(t.pmm.free_blocks(o) == 1);
  CHECK(t.pmm.free_pages_count() == 1023);
  CHECK(t.pmm.count(PageState::Wired) == 1);

  vm_page* q = t.pmm.alloc_pages(3, PageState::Heap);
  REQUIRE(q != nullptr);
  CHECK(Pmm::page_to_paddr(q) % (8 * PAGE_SIZE) == 0);
  for (int i = 0; i < 8; i++) CHECK(q[i].state == PageState::Heap);
  CHECK(q[0].ref_count == 1);
  CHECK(t.pmm.free_blocks(3) == 0);
  CHECK(t.pmm.count(PageState::Heap) == 8);

  CHECK(t.pmm.free_page(p) == ZX_OK);
  CHECK(t.pmm.free_blocks(0) == 0);
  CHECK(t.pmm.free_blocks(1) == 0);
  CHECK(t.pmm.free_blocks(2) == 0);
  CHECK(t.pmm.free_blocks(3) == 1);  // frames 0-7 merged up to where q blocks them
  CHECK(t.pmm.free_pages(q, 3) == ZX_OK);
  CHECK(t.pmm.free_blocks(10) == 1);
  for (unsigned o = 0; o < 10; o++) CHECK(t.pmm.free_blocks(o) == 0);
  CHECK(t.pmm.free_pages_count() == 1024);
  CHECK(t.pmm.count(PageState::Heap) == 0);
  CHECK(t.pmm.count(PageState::Wired) == 0);
}

TEST_CASE("pmm: alloc until exhausted, free all, back to the initial state") {
  // An arena that is not a power of two and a second one, so blocks of many orders exist.
  std::vector<vm_page> a(1500), b(300);
  Pmm pmm;
  REQUIRE(pmm.add_arena(kBase, a.size() * PAGE_SIZE, a.data()) == ZX_OK);
  REQUIRE(pmm.add_arena(kBase + 0x10000000, b.size() * PAGE_SIZE, b.data()) == ZX_OK);
  pmm.free_range(kBase, a.size() * PAGE_SIZE);
  pmm.free_range(kBase + 0x10000000 + PAGE_SIZE, (b.size() - 1) * PAGE_SIZE);
  const uint64_t initial_free = pmm.free_pages_count();
  CHECK(initial_free == 1500 + 299);
  uint64_t initial_blocks[Pmm::kMaxOrder + 1];
  for (unsigned o = 0; o <= Pmm::kMaxOrder; o++) initial_blocks[o] = pmm.free_blocks(o);

  struct Alloc {
    vm_page* p;
    unsigned order;
  };
  std::vector<Alloc> allocs;
  unsigned orders[] = {0, 2, 1, 5, 0, 3, 0, 0, 7};
  size_t i = 0;
  uint64_t got = 0;
  for (;;) {
    unsigned order = orders[i++ % 9];
    vm_page* p = pmm.alloc_pages(order, PageState::Object);
    if (p == nullptr) {
      // Only single pages once nothing larger is left.
      p = pmm.alloc_pages(0, PageState::Object);
      order = 0;
      if (p == nullptr) break;
    }
    allocs.push_back({p, order});
    got += 1ull << order;
  }
  CHECK(got == initial_free);
  CHECK(pmm.free_pages_count() == 0);
  CHECK(pmm.count(PageState::Object) == initial_free);
  CHECK(pmm.alloc_page(PageState::Wired) == nullptr);
  // No two allocations overlap.
  std::vector<int> owner(1500 + 300, 0);
  for (auto& al : allocs) {
    for (uint64_t k = 0; k < (1ull << al.order); k++) {
      vm_page* pg = al.p + k;
      size_t idx =
          pg >= a.data() && pg < a.data() + a.size() ? pg - a.data() : 1500 + (pg - b.data());
      CHECK(owner[idx]++ == 0);
    }
  }
  // Free in an interleaved order to exercise merges from both sides.
  for (size_t k = 0; k < allocs.size(); k += 2)
    CHECK(pmm.free_pages(allocs[k].p, allocs[k].order) == ZX_OK);
  for (size_t k = 1; k < allocs.size(); k += 2)
    CHECK(pmm.free_pages(allocs[k].p, allocs[k].order) == ZX_OK);
  CHECK(pmm.free_pages_count() == initial_free);
  CHECK(pmm.count(PageState::Object) == 0);
  for (unsigned o = 0; o <= Pmm::kMaxOrder; o++) CHECK(pmm.free_blocks(o) == initial_blocks[o]);
}

TEST_CASE("pmm: double free and bad frees are caught and change nothing") {
  TestArena t(64);
  t.pmm.free_range(kBase, 64 * PAGE_SIZE);
  vm_page* p = t.pmm.alloc_pages(1, PageState::Wired);
  REQUIRE(p != nullptr);
  vm_page* q = t.pmm.alloc_page(PageState::Wired);
  REQUIRE(q != nullptr);
  CHECK(t.pmm.free_pages(p, 1) == ZX_OK);
  const uint64_t free_after = t.pmm.free_pages_count();
  CHECK(t.pmm.free_pages(p, 1) == ZX_ERR_BAD_STATE);
  CHECK(t.pmm.free_page(p + 1) == ZX_ERR_BAD_STATE);
  // A block that only partly overlaps free frames is rejected too.
  vm_page* r = t.pmm.alloc_page(PageState::Wired);
  REQUIRE(r != nullptr);
  CHECK(t.pmm.free_pages(r - (r - t.pages.data()) % 4, 2) == ZX_ERR_BAD_STATE);
  CHECK(t.pmm.free_page(r) == ZX_OK);
  CHECK(t.pmm.free_pages_count() == free_after);
  CHECK(t.pmm.free_page(nullptr) == ZX_ERR_INVALID_ARGS);
  vm_page outside{};
  CHECK(t.pmm.free_page(&outside) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pmm.free_pages(t.pages.data() + 2, 2) == ZX_ERR_INVALID_ARGS);  // misaligned head
  CHECK(t.pmm.free_pages(q, Pmm::kMaxOrder + 1) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pmm.free_page(q) == ZX_OK);
  CHECK(t.pmm.free_pages_count() == 64);
  CHECK(t.pmm.free_blocks(6) == 1);
}

TEST_CASE("pmm: alloc rejects bad requests") {
  TestArena t(16);
  t.pmm.free_range(kBase, 16 * PAGE_SIZE);
  CHECK(t.pmm.alloc_pages(Pmm::kMaxOrder + 1, PageState::Wired) == nullptr);
  CHECK(t.pmm.alloc_page(PageState::Free) == nullptr);
  CHECK(t.pmm.alloc_pages(5, PageState::Wired) == nullptr);  // arena holds only 2^4
  CHECK(t.pmm.free_pages_count() == 16);
}

TEST_CASE("pmm: paddr_to_page and page_to_paddr") {
  TestArena t(32);
  CHECK(t.pmm.paddr_to_page(kBase) == &t.pages[0]);
  CHECK(t.pmm.paddr_to_page(kBase + 5 * PAGE_SIZE + 123) == &t.pages[5]);
  CHECK(t.pmm.paddr_to_page(kBase + 32 * PAGE_SIZE) == nullptr);
  CHECK(t.pmm.paddr_to_page(kBase - 1) == nullptr);
  CHECK(t.pmm.paddr_to_page(0) == nullptr);
  CHECK(Pmm::page_to_paddr(&t.pages[7]) == kBase + 7 * PAGE_SIZE);
  t.pmm.free_range(kBase, 32 * PAGE_SIZE);
  vm_page* p = t.pmm.alloc_page(PageState::Wired);
  REQUIRE(p != nullptr);
  CHECK(t.pmm.paddr_to_page(Pmm::page_to_paddr(p)) == p);
}
