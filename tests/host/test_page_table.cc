// Tests for Sv39 page tables (mm/page_table.cc) on simulated physical memory: tables live in
// host arrays keyed by fake physical addresses, so every table allocation and free is checked
// (no leaks, no double frees) and raw PTEs can be inspected.
#include <doctest/doctest.h>

#include <array>
#include <map>
#include <memory>
#include <set>

#include "mm/page_table.h"

namespace {

constexpr uint64_t KiB4 = 4096;
constexpr uint64_t MiB2 = 2ull << 20;
constexpr uint64_t GiB1 = 1ull << 30;
constexpr uint32_t kRW = kMmuRead | kMmuWrite;

struct SimMemory : PageTableMemory {
  std::map<uint64_t, std::unique_ptr<std::array<uint64_t, 512>>> tables;
  uint64_t next = 0x100000000;
  int64_t budget = -1;  // tables left before alloc_table fails; -1: unlimited
  uint64_t alloc_table() override {
    if (budget == 0) return 0;
    if (budget > 0) budget--;
    uint64_t pa = next;
    next += KiB4;
    auto t = std::make_unique<std::array<uint64_t, 512>>();
    t->fill(0);
    tables[pa] = std::move(t);
    return pa;
  }
  void free_table(uint64_t pa) override {
    REQUIRE(tables.count(pa) == 1);
    tables.erase(pa);
  }
  uint64_t* table_ptr(uint64_t pa) override {
    auto it = tables.find(pa);
    REQUIRE(it != tables.end());
    return it->second->data();
  }
};

struct TestTable {
  SimMemory mem;
  PageTable pt;
  TestTable() { REQUIRE(pt.init(&mem) == ZX_OK); }
  ~TestTable() {
    pt.destroy();
    CHECK(mem.tables.empty());
  }
  // The raw leaf PTE for va and the level it sits at, or 0.
  uint64_t raw_leaf(uint64_t va, int* level_out = nullptr) {
    uint64_t table = pt.root_paddr();
    for (int level = 2; level >= 0; level--) {
      uint64_t pte = mem.table_ptr(table)[(va >> (12 + 9 * level)) & 511];
      if (!(pte & kPteV)) return 0;
      if (pte & (kPteR | kPteW | kPteX)) {
        if (level_out) *level_out = level;
        return pte;
      }
      table = ((pte >> 10) & ((1ull << 44) - 1)) << 12;
    }
    return 0;
  }
};

}  // namespace

TEST_CASE("page_table: init, satp, destroy") {
  SimMemory mem;
  PageTable pt;
  REQUIRE(pt.init(&mem) == ZX_OK);
  CHECK(pt.init(&mem) == ZX_ERR_BAD_STATE);
  CHECK(pt.table_count() == 1);
  CHECK(pt.satp() == ((8ull << 60) | (pt.root_paddr() >> 12)));
  REQUIRE(pt.map(0x10000, 0x80000000, 3 * KiB4, kRW) == ZX_OK);
  REQUIRE(pt.map(0xffffffc000000000, 0x80200000, KiB4, kMmuRead | kMmuExec) == ZX_OK);
  CHECK(pt.table_count() == 5);
  CHECK(mem.tables.size() == 5);
  pt.destroy();
  CHECK(mem.tables.empty());
  CHECK(pt.table_count() == 0);
  CHECK(pt.map(0x10000, 0x80000000, KiB4, kRW) == ZX_ERR_BAD_STATE);
}

TEST_CASE("page_table: map, query, unmap 4 KiB pages") {
  TestTable t;
  REQUIRE(t.pt.map(0x400000, 0x80001000, 4 * KiB4, kRW | kMmuUser) == ZX_OK);
  CHECK(t.pt.table_count() == 3);
  uint64_t pa = 0;
  uint32_t flags = 0;
  REQUIRE(t.pt.query(0x402abc, &pa, &flags) == ZX_OK);
  CHECK(pa == 0x80003abc);
  CHECK(flags == (kRW | kMmuUser));
  CHECK(t.pt.query(0x404000, &pa, &flags) == ZX_ERR_NOT_FOUND);
  CHECK(t.pt.query(0x3ff000, &pa, &flags) == ZX_ERR_NOT_FOUND);
  CHECK(t.pt.query(0x2345678000, &pa, &flags) == ZX_ERR_NOT_FOUND);

  int level = -1;
  uint64_t pte = t.raw_leaf(0x401000, &level);
  CHECK(level == 0);
  CHECK((pte & (kPteV | kPteR | kPteW | kPteU | kPteA | kPteD)) ==
        (kPteV | kPteR | kPteW | kPteU | kPteA | kPteD));
  CHECK((pte & (kPteX | kPteG)) == 0);
  CHECK((pte >> 10) == 0x80002);

  uint64_t n = 0;
  CHECK(t.pt.unmap(0x401000, 2 * KiB4, &n) == ZX_OK);
  CHECK(n == 2);
  CHECK(t.pt.query(0x401000, &pa, &flags) == ZX_ERR_NOT_FOUND);
  CHECK(t.pt.query(0x400000, &pa, &flags) == ZX_OK);
  CHECK(t.pt.query(0x403000, &pa, &flags) == ZX_OK);
  // Holes are fine and counted as nothing.
  CHECK(t.pt.unmap(0x300000, 0x200000, &n) == ZX_OK);
  CHECK(n == 2);
  CHECK(t.pt.table_count() == 1);
  CHECK(t.pt.unmap(0x300000, 0x200000, &n) == ZX_OK);
  CHECK(n == 0);
}

TEST_CASE("page_table: argument checks") {
  TestTable t;
  CHECK(t.pt.map(0x1001, 0x80000000, KiB4, kRW) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.map(0x1000, 0x80000001, KiB4, kRW) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.map(0x1000, 0x80000000, 100, kRW) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.map(0x1000, 0x80000000, 0, kRW) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.map(0x1000, 0x80000000, KiB4, kMmuWrite) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.map(0x1000, 0x80000000, KiB4, kMmuUser) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.map(0x1000, 0x80000000, KiB4, 0) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.map(0x1000, 0x80000000, KiB4, kMmuRead | 0x100) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.map(0x1000, 1ull << 56, KiB4, kRW) == ZX_ERR_INVALID_ARGS);
  // Non-canonical addresses, and a range running from the top of the lower half into the hole.
  CHECK(t.pt.map(0x0000004000000000, 0x80000000, KiB4, kRW) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.map(0xffff800000000000, 0x80000000, KiB4, kRW) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.map(0x0000003ffffff000, 0x80000000, 2 * KiB4, kRW) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.unmap(0x0000004000000000, KiB4) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.protect(0x0000004000000000, KiB4, kMmuRead) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.query(0x0000004000000000, nullptr, nullptr) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.unmap(0x1000, 0) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.protect(0x1000, KiB4, kMmuWrite) == ZX_ERR_INVALID_ARGS);
  CHECK(t.pt.table_count() == 1);
  // The very top and very bottom of the canonical ranges work.
  CHECK(t.pt.map(0x0000003ffffff000, 0x80000000, KiB4, kRW) == ZX_OK);
  CHECK(t.pt.map(0xfffffffffffff000, 0x80001000, KiB4, kRW) == ZX_OK);
  CHECK(t.pt.map(0xffffffc000000000, 0x80002000, KiB4, kRW) == ZX_OK);
  uint64_t pa = 0;
  CHECK(t.pt.query(0xfffffffffffffff8, &pa, nullptr) == ZX_OK);
  CHECK(pa == 0x80001ff8);
  uint64_t n = 0;
  CHECK(t.pt.unmap(0xffffffc000000000, 1ull << 38, &n) == ZX_OK);
  CHECK(n == 2);
  CHECK(t.pt.unmap(0, 1ull << 38, &n) == ZX_OK);
  CHECK(n == 1);
  CHECK(t.pt.table_count() == 1);
}

TEST_CASE("page_table: ALREADY_EXISTS leaves everything unchanged") {
  TestTable t;
  REQUIRE(t.pt.map(0x205000, 0x90000000, KiB4, kMmuRead) == ZX_OK);
  const uint64_t tables = t.pt.table_count();
  // Overlaps at its end after crossing into a new 2 MiB region and a new 1 GiB region.
  CHECK(t.pt.map(0x1ff000, 0x80000000, 7 * KiB4, kRW) == ZX_ERR_ALREADY_EXISTS);
  CHECK(t.pt.table_count() == tables);
  for (uint64_t va = 0x1ff000; va < 0x206000; va += KiB4) {
    CHECK(t.pt.query(va, nullptr, nullptr) == (va == 0x205000 ? ZX_OK : ZX_ERR_NOT_FOUND));
  }
  CHECK(t.pt.map(0x3fff000, 0x80000000, 2 * KiB4, kRW) == ZX_OK);
  CHECK(t.pt.map(0x3ffff000, 0x80000000, 2 * KiB4, kRW) == ZX_OK);
  const uint64_t tables2 = t.pt.table_count();
  CHECK(t.pt.map(0x3fffe000, 0x80000000, 4 * KiB4, kRW) == ZX_ERR_ALREADY_EXISTS);
  CHECK(t.pt.table_count() == tables2);
  CHECK(t.pt.query(0x3fffe000, nullptr, nullptr) == ZX_ERR_NOT_FOUND);
  // A mapping inside a large leaf.
  REQUIRE(t.pt.map(0x80000000, 0x80000000, MiB2, kRW | kMmuAllowLarge) == ZX_OK);
  const uint64_t tables3 = t.pt.table_count();
  CHECK(t.pt.map(0x7ffff000, 0x1000, 2 * KiB4, kRW) == ZX_ERR_ALREADY_EXISTS);
  CHECK(t.pt.map(0x80100000, 0x1000, KiB4, kRW) == ZX_ERR_ALREADY_EXISTS);
  CHECK(t.pt.table_count() == tables3);
  CHECK(t.pt.query(0x7ffff000, nullptr, nullptr) == ZX_ERR_NOT_FOUND);
}

TEST_CASE("page_table: out of table memory undoes partial work") {
  TestTable t;
  REQUIRE(t.pt.map(0x1000, 0x80000000, KiB4, kRW) == ZX_OK);
  t.mem.budget = 1;
  // Needs one new level-0 table; the second map needs one more, then two for the next 1 GiB.
  CHECK(t.pt.map(0x1ff000, 0x80000000, 2 * KiB4, kRW) == ZX_OK);
  t.mem.budget = 1;
  CHECK(t.pt.map(0x3ffff000, 0x80000000, 2 * KiB4, kRW) == ZX_ERR_NO_MEMORY);
  CHECK(t.pt.query(0x3ffff000, nullptr, nullptr) == ZX_ERR_NOT_FOUND);
  CHECK(t.pt.table_count() == 4);
  t.mem.budget = -1;
  CHECK(t.pt.unmap(0, 1ull << 31) == ZX_OK);
  CHECK(t.pt.table_count() == 1);
}

TEST_CASE("page_table: large leaves with kMmuAllowLarge") {
  TestTable t;
  // 1 GiB + 2 MiB + 4 KiB, all aligned: one leaf of each size.
  const uint64_t va = GiB1, pa = 0x80000000, len = GiB1 + MiB2 + KiB4;
  REQUIRE(t.pt.map(va, pa, len, kRW | kMmuAllowLarge | kMmuGlobal) == ZX_OK);
  int level = -1;
  CHECK(t.raw_leaf(va, &level) != 0);
  CHECK(level == 2);
  CHECK(t.raw_leaf(va + GiB1, &level) != 0);
  CHECK(level == 1);
  CHECK(t.raw_leaf(va + GiB1 + MiB2, &level) != 0);
  CHECK(level == 0);
  CHECK((t.raw_leaf(va) & kPteG) != 0);
  CHECK(t.pt.table_count() == 3);
  uint64_t got = 0;
  uint32_t flags = 0;
  REQUIRE(t.pt.query(va + 0x12345678, &got, &flags) == ZX_OK);
  CHECK(got == pa + 0x12345678);
  CHECK(flags == (kRW | kMmuGlobal));
  REQUIRE(t.pt.query(va + GiB1 + 0x1234, &got, nullptr) == ZX_OK);
  CHECK(got == pa + GiB1 + 0x1234);
  uint64_t n = 0;
  CHECK(t.pt.unmap(va, len, &n) == ZX_OK);
  CHECK(n == len / KiB4);
  CHECK(t.pt.table_count() == 1);

  // Without the flag, or when pa is not aligned like va, only 4 KiB leaves are used.
  REQUIRE(t.pt.map(va, pa, MiB2, kRW) == ZX_OK);
  CHECK(t.raw_leaf(va, &level) != 0);
  CHECK(level == 0);
  REQUIRE(t.pt.map(va + MiB2, pa + KiB4, MiB2, kRW | kMmuAllowLarge) == ZX_OK);
  CHECK(t.raw_leaf(va + MiB2, &level) != 0);
  CHECK(level == 0);
  CHECK(t.pt.unmap(va, 2 * MiB2, &n) == ZX_OK);
  CHECK(n == 1024);
  // Misaligned start: small pages up to the boundary, then a large leaf, then small ones.
  REQUIRE(t.pt.map(va + MiB2 - KiB4, pa + MiB2 - KiB4, MiB2 + 2 * KiB4, kRW | kMmuAllowLarge) ==
          ZX_OK);
  CHECK(t.raw_leaf(va + MiB2, &level) != 0);
  CHECK(level == 1);
  CHECK(t.raw_leaf(va + MiB2 - KiB4, &level) != 0);
  CHECK(level == 0);
  CHECK(t.pt.unmap(va, 4 * MiB2, &n) == ZX_OK);
  CHECK(n == 514);
  CHECK(t.pt.table_count() == 1);
}

TEST_CASE("page_table: a table already under a large slot gets small leaves") {
  TestTable t;
  REQUIRE(t.pt.map(0x200000, 0x80000000, KiB4, kRW) == ZX_OK);
  CHECK(t.pt.unmap(0x200000, KiB4) == ZX_OK);
  REQUIRE(t.pt.map(0x201000, 0x80001000, KiB4, kRW) == ZX_OK);
  // 0x200000..0x400000 is aligned for a 2 MiB leaf but its slot holds a table.
  CHECK(t.pt.map(0x200000, 0x80000000, MiB2, kRW | kMmuAllowLarge) == ZX_ERR_ALREADY_EXISTS);
  CHECK(t.pt.unmap(0x201000, KiB4) == ZX_OK);
  CHECK(t.pt.table_count() == 1);
}

TEST_CASE("page_table: partial unmap of a large leaf splits it") {
  TestTable t;
  const uint64_t va = 0x40000000, pa = 0xc0000000;
  REQUIRE(t.pt.map(va, pa, GiB1, kRW | kMmuAllowLarge) == ZX_OK);
  CHECK(t.pt.table_count() == 1);  // a 1 GiB leaf lives in the root
  uint64_t n = 0;
  // One page in the middle of the second 2 MiB of the 1 GiB leaf: 1 GiB -> 2 MiB -> 4 KiB.
  REQUIRE(t.pt.unmap(va + MiB2 + 5 * KiB4, KiB4, &n) == ZX_OK);
  CHECK(n == 1);
  CHECK(t.pt.table_count() == 3);
  int level = -1;
  CHECK(t.raw_leaf(va, &level) != 0);
  CHECK(level == 1);
  CHECK(t.raw_leaf(va + MiB2, &level) != 0);
  CHECK(level == 0);
  CHECK(t.pt.query(va + MiB2 + 5 * KiB4, nullptr, nullptr) == ZX_ERR_NOT_FOUND);
  // Every other page still translates to the same place with the same permissions.
  for (uint64_t off : {uint64_t{0}, MiB2 + 4 * KiB4, MiB2 + 6 * KiB4, 7 * MiB2 + 123, GiB1 - 8}) {
    uint64_t got = 0;
    uint32_t flags = 0;
    REQUIRE(t.pt.query(va + off, &got, &flags) == ZX_OK);
    CHECK(got == pa + off);
    CHECK(flags == kRW);
  }
  CHECK(t.pt.unmap(va, GiB1, &n) == ZX_OK);
  CHECK(n == GiB1 / KiB4 - 1);
  CHECK(t.pt.table_count() == 1);
}

TEST_CASE("page_table: protect changes permissions and splits partly covered leaves") {
  TestTable t;
  REQUIRE(t.pt.map(0x10000, 0x80010000, 4 * KiB4, kRW) == ZX_OK);
  REQUIRE(t.pt.map(0x200000, 0x80200000, MiB2, kRW | kMmuAllowLarge) == ZX_OK);
  const uint64_t tables = t.pt.table_count();
  // Covers two of the small pages, a hole, and the large leaf entirely.
  CHECK(t.pt.protect(0x12000, 0x400000 - 0x12000, kMmuRead | kMmuExec) == ZX_OK);
  CHECK(t.pt.table_count() == tables);
  uint32_t flags = 0;
  uint64_t pa = 0;
  CHECK(t.pt.query(0x10000, &pa, &flags) == ZX_OK);
  CHECK(flags == kRW);
  CHECK(t.pt.query(0x13000, &pa, &flags) == ZX_OK);
  CHECK(flags == (kMmuRead | kMmuExec));
  CHECK(pa == 0x80013000);
  CHECK(t.pt.query(0x300000, &pa, &flags) == ZX_OK);
  CHECK(flags == (kMmuRead | kMmuExec));
  CHECK(pa == 0x80300000);
  CHECK(t.pt.query(0x14000, &pa, &flags) == ZX_ERR_NOT_FOUND);  // holes stay holes
  // Part of the large leaf: split into 4 KiB pages.
  CHECK(t.pt.protect(0x200000, KiB4, kRW | kMmuUser) == ZX_OK);
  CHECK(t.pt.table_count() == tables + 1);
  CHECK(t.pt.query(0x200000, &pa, &flags) == ZX_OK);
  CHECK(flags == (kRW | kMmuUser));
  CHECK(t.pt.query(0x201000, &pa, &flags) == ZX_OK);
  CHECK(flags == (kMmuRead | kMmuExec));
  CHECK(pa == 0x80201000);
  CHECK((t.raw_leaf(0x200000) & (kPteA | kPteD)) == (kPteA | kPteD));
  CHECK(t.pt.unmap(0, 0x400000) == ZX_OK);
  CHECK(t.pt.table_count() == 1);
}

TEST_CASE("page_table: many mappings unmapped leave only the root") {
  TestTable t;
  for (uint64_t i = 0; i < 64; i++) {
    uint64_t va = (i * 0x12345000) & ((1ull << 38) - 1) & ~(KiB4 - 1);
    if (t.pt.query(va, nullptr, nullptr) == ZX_OK) continue;
    REQUIRE(t.pt.map(va, 0x80000000 + i * KiB4, KiB4, kRW) == ZX_OK);
  }
  CHECK(t.pt.table_count() > 3);
  uint64_t n = 0;
  CHECK(t.pt.unmap(0, 1ull << 38, &n) == ZX_OK);
  CHECK(n > 0);
  CHECK(t.pt.table_count() == 1);
  CHECK(t.mem.tables.size() == 1);
}

TEST_CASE("page_table: copy_kernel_half shares the upper half") {
  SimMemory mem;
  PageTable kernel;
  REQUIRE(kernel.init(&mem) == ZX_OK);
  const uint64_t kva = 0xffffffc000000000;
  REQUIRE(kernel.map(kva, 0x80000000, KiB4, kRW | kMmuGlobal) == ZX_OK);
  {
    PageTable user;
    REQUIRE(user.init(&mem) == ZX_OK);
    user.copy_kernel_half(kernel);
    uint64_t pa = 0;
    CHECK(user.query(kva + 8, &pa, nullptr) == ZX_OK);
    CHECK(pa == 0x80000008);
    CHECK(user.map(kva + KiB4, 0x80001000, KiB4, kRW) == ZX_ERR_ACCESS_DENIED);
    CHECK(user.unmap(kva, KiB4) == ZX_ERR_ACCESS_DENIED);
    REQUIRE(user.map(0x10000, 0x90000000, KiB4, kRW | kMmuUser) == ZX_OK);
    CHECK(user.table_count() == 3);
    // The kernel's new mapping under an existing upper-half slot is seen by the user table.
    REQUIRE(kernel.map(kva + MiB2, 0x80200000, KiB4, kRW) == ZX_OK);
    CHECK(user.query(kva + MiB2, nullptr, nullptr) == ZX_OK);
    // Emptying the kernel half must not free the shared second-level table.
    CHECK(kernel.unmap(kva, 2 * MiB2) == ZX_OK);
    CHECK(kernel.table_count() == 2);
    user.destroy();
    CHECK(user.table_count() == 0);
  }
  CHECK(kernel.table_count() == 2);
  CHECK(mem.tables.size() == 2);
  kernel.destroy();
  CHECK(mem.tables.empty());
}
