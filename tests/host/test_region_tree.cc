// Tests for the VMAR region tree (mm/region_tree.h): overlap rules, lookups at region
// boundaries, and find_gap against a brute-force scan of every hole, with the invariants
// (order, balance, augmentation) checked after every step.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "mm/region_tree.h"

namespace {

constexpr uint64_t P = PAGE_SIZE;

RegionNode make(uint64_t base, uint64_t size) {
  RegionNode r;
  r.base = base;
  r.size = size;
  return r;
}

// The reference answer: every hole of the range in address order, first fit at or after hint,
// then from the range base.
bool brute_gap(const std::map<uint64_t, uint64_t>& regions, uint64_t rbase, uint64_t rend,
               uint64_t size, uint64_t align, uint64_t hint, uint64_t* out) {
  std::vector<std::pair<uint64_t, uint64_t>> holes;
  uint64_t cur = rbase;
  for (auto& [b, s] : regions) {
    if (b > cur) holes.push_back({cur, b});
    cur = b + s;
  }
  if (rend > cur) holes.push_back({cur, rend});
  if (hint < rbase || hint >= rend) hint = rbase;
  for (uint64_t h : {hint, rbase}) {
    for (auto& [gs, ge] : holes) {
      uint64_t s = gs > h ? gs : h;
      if (s >= ge) continue;
      uint64_t a = (s + align - 1) / align * align;
      if (a < ge && ge - a >= size) {
        *out = a;
        return true;
      }
    }
  }
  return false;
}

}  // namespace

TEST_CASE("region_tree: insert, overlap rejection, adjacency") {
  RegionTree t;
  t.init(0x10000, 0x100000);
  RegionNode a = make(0x20000, 0x4000);
  RegionNode b = make(0x24000, 0x1000);  // touches a's end
  RegionNode c = make(0x1f000, 0x1000);  // touches a's start
  CHECK(t.insert(&a) == ZX_OK);
  CHECK(t.insert(&b) == ZX_OK);
  CHECK(t.insert(&c) == ZX_OK);
  CHECK(t.size() == 3);
  CHECK(t.check_invariants());

  RegionNode bad[] = {
      make(0x20000, 0x1000),  // same base
      make(0x23000, 0x2000),  // overlaps a's tail and b
      make(0x1e000, 0x2000),  // overlaps c
      make(0x21000, 0x1000),  // inside a
      make(0x1f000, 0x8000),  // covers everything
  };
  for (auto& r : bad) {
    CHECK(t.insert(&r) == ZX_ERR_ALREADY_EXISTS);
    CHECK_FALSE(r.node.in_tree());
  }
  RegionNode invalid[] = {
      make(0x30000, 0),                      // empty
      make(0x31000, 0x800),                  // unaligned size
      make(0x31800, 0x1000),                 // unaligned base
      make(0xf000, 0x1000),                  // below the range
      make(0x10f000, 0x2000),                // crosses the end
      make(0x110000, 0x1000),                // at the end
      make(0x20000000, 0x1000),              // far outside
      make(0x11000, UINT64_MAX & ~(P - 1)),  // end overflows
  };
  for (auto& r : invalid) CHECK(t.insert(&r) == ZX_ERR_INVALID_ARGS);
  RegionNode first = make(0x10000, 0x1000), lastr = make(0x10f000, 0x1000);
  CHECK(t.insert(&first) == ZX_OK);
  CHECK(t.insert(&lastr) == ZX_OK);
  CHECK(t.check_invariants());

  // In-order walk.
  std::vector<uint64_t> bases;
  for (RegionNode* r = t.first(); r; r = t.next(r)) bases.push_back(r->base);
  CHECK(bases == std::vector<uint64_t>{0x10000, 0x1f000, 0x20000, 0x24000, 0x10f000});

  t.remove(&a);
  CHECK(t.check_invariants());
  CHECK(t.find_containing(0x21000) == nullptr);
  RegionNode a2 = make(0x21000, 0x1000);
  CHECK(t.insert(&a2) == ZX_OK);
  CHECK(t.check_invariants());
}

TEST_CASE("region_tree: find_containing and first_overlapping at boundaries") {
  RegionTree t;
  t.init(0, 1ull << 38);
  RegionNode a = make(0x10000, 0x2000), b = make(0x12000, 0x1000), c = make(0x20000, 0x1000);
  REQUIRE(t.insert(&a) == ZX_OK);
  REQUIRE(t.insert(&b) == ZX_OK);
  REQUIRE(t.insert(&c) == ZX_OK);
  CHECK(t.find_containing(0xffff) == nullptr);
  CHECK(t.find_containing(0x10000) == &a);
  CHECK(t.find_containing(0x11fff) == &a);
  CHECK(t.find_containing(0x12000) == &b);
  CHECK(t.find_containing(0x12fff) == &b);
  CHECK(t.find_containing(0x13000) == nullptr);
  CHECK(t.find_containing(0x20fff) == &c);
  CHECK(t.find_containing(0x21000) == nullptr);
  CHECK(t.find_containing(UINT64_MAX) == nullptr);

  CHECK(t.first_overlapping(0, 0x10000) == nullptr);
  CHECK(t.first_overlapping(0, 0x10001) == &a);
  CHECK(t.first_overlapping(0x11fff, 0x30000) == &a);
  CHECK(t.first_overlapping(0x12000, 0x30000) == &b);
  CHECK(t.first_overlapping(0x13000, 0x20000) == nullptr);
  CHECK(t.first_overlapping(0x13000, 0x20001) == &c);
  CHECK(t.first_overlapping(0x21000, UINT64_MAX) == nullptr);
  CHECK(t.first_overlapping(0x10800, 0x10800) == nullptr);
  CHECK(t.first_overlapping(0x30000, 0x10000) == nullptr);
}

TEST_CASE("region_tree: find_gap basics") {
  RegionTree t;
  const uint64_t base = 0x100000, size = 0x10000;  // 16 pages
  t.init(base, size);
  uint64_t out = 0;
  CHECK(t.find_gap(0, P, base, &out) == ZX_ERR_INVALID_ARGS);
  CHECK(t.find_gap(P + 1, P, base, &out) == ZX_ERR_INVALID_ARGS);
  CHECK(t.find_gap(P, 0x800, base, &out) == ZX_ERR_INVALID_ARGS);
  CHECK(t.find_gap(P, 3 * P, base, &out) == ZX_ERR_INVALID_ARGS);
  // Empty range: the whole range fits exactly, one more page does not.
  CHECK(t.find_gap(size, P, 0, &out) == ZX_OK);
  CHECK(out == base);
  CHECK(t.find_gap(size + P, P, 0, &out) == ZX_ERR_NO_RESOURCES);
  CHECK(t.find_gap(P, P, base + 5 * P, &out) == ZX_OK);
  CHECK(out == base + 5 * P);
  // Unaligned hint rounds up to the alignment.
  CHECK(t.find_gap(P, 4 * P, base + P, &out) == ZX_OK);
  CHECK(out == base + 4 * P);

  // Regions at pages [2,4) and [7,8) and [12,16): holes [0,2) [4,7) [8,12).
  RegionNode a = make(base + 2 * P, 2 * P), b = make(base + 7 * P, P),
             c = make(base + 12 * P, 4 * P);
  REQUIRE(t.insert(&a) == ZX_OK);
  REQUIRE(t.insert(&b) == ZX_OK);
  REQUIRE(t.insert(&c) == ZX_OK);
  CHECK(t.find_gap(2 * P, P, base, &out) == ZX_OK);  // exact fit in [0,2)
  CHECK(out == base);
  CHECK(t.find_gap(3 * P, P, base, &out) == ZX_OK);  // exact fit in [4,7)
  CHECK(out == base + 4 * P);
  CHECK(t.find_gap(4 * P, P, base, &out) == ZX_OK);  // exact fit in [8,12)
  CHECK(out == base + 8 * P);
  CHECK(t.find_gap(5 * P, P, base, &out) == ZX_ERR_NO_RESOURCES);
  // Alignment: 4-page aligned 2-page block: 0 fits.
  CHECK(t.find_gap(2 * P, 4 * P, base + P, &out) == ZX_OK);  // [4,6)
  CHECK(out == base + 4 * P);
  CHECK(t.find_gap(3 * P, 8 * P, base, &out) == ZX_OK);  // only page 8 is 8-aligned with room
  CHECK(out == base + 8 * P);
  // Hint inside a hole, and the wrap around when nothing after the hint fits.
  CHECK(t.find_gap(P, P, base + 5 * P, &out) == ZX_OK);
  CHECK(out == base + 5 * P);
  CHECK(t.find_gap(3 * P, P, base + 9 * P, &out) == ZX_OK);
  CHECK(out == base + 9 * P);
  CHECK(t.find_gap(3 * P, P, base + 10 * P, &out) == ZX_OK);  // wraps to [4,7)
  CHECK(out == base + 4 * P);
  CHECK(t.find_gap(P, P, base + 13 * P, &out) == ZX_OK);  // wraps to page 0
  CHECK(out == base);
  CHECK(t.find_gap(P, P, 0, &out) == ZX_OK);  // hint below the range
  CHECK(out == base);
  CHECK(t.find_gap(P, P, UINT64_MAX, &out) == ZX_OK);  // hint above the range
  CHECK(out == base);

  // Fill every hole: nothing fits any more.
  RegionNode h1 = make(base, 2 * P), h2 = make(base + 4 * P, 3 * P), h3 = make(base + 8 * P, 4 * P);
  REQUIRE(t.insert(&h1) == ZX_OK);
  REQUIRE(t.insert(&h2) == ZX_OK);
  REQUIRE(t.insert(&h3) == ZX_OK);
  CHECK(t.check_invariants());
  CHECK(t.find_gap(P, P, base, &out) == ZX_ERR_NO_RESOURCES);
  CHECK(t.find_gap(P, P, base + 9 * P, &out) == ZX_ERR_NO_RESOURCES);
}

TEST_CASE("region_tree: range ending at the top of the address space") {
  RegionTree t;
  // A range may not reach 2^64 itself, so it stops one page short.
  const uint64_t base = (UINT64_MAX & ~(P - 1)) - 15 * P;
  t.init(base, 15 * P);
  uint64_t out = 0;
  CHECK(t.find_gap(15 * P, P, 0, &out) == ZX_OK);
  CHECK(out == base);
  // Aligning up past the top must not wrap to a low address.
  CHECK(t.find_gap(P, 1ull << 63, 0, &out) == ZX_ERR_NO_RESOURCES);
  RegionNode a = make(t.range_end() - P, P);
  CHECK(t.insert(&a) == ZX_OK);
  CHECK(t.find_gap(P, P, t.range_end() - P, &out) == ZX_OK);  // wraps
  CHECK(out == t.range_base());
  CHECK(t.check_invariants());
}

TEST_CASE("region_tree: random operations match a brute-force hole scan") {
  std::mt19937_64 rng(1234);
  for (int round = 0; round < 4; round++) {
    RegionTree t;
    const uint64_t rbase = 0x4000000 + uint64_t(round) * 3 * P;  // not always align-aligned
    const uint64_t rpages = round == 3 ? 4096 : 512;
    const uint64_t rend = rbase + rpages * P;
    t.init(rbase, rpages * P);
    std::map<uint64_t, uint64_t> model;
    std::map<uint64_t, std::unique_ptr<RegionNode>> nodes;
    for (int op = 0; op < 5000; op++) {
      uint64_t choice = rng() % 10;
      if (choice < 4) {
        // Insert at a random place, possibly overlapping or out of range.
        uint64_t base = rbase + (rng() % (rpages + 8)) * P - 4 * P;
        uint64_t size = (1 + rng() % 8) * P;
        auto n = std::make_unique<RegionNode>(make(base, size));
        zx_status_t want = ZX_OK;
        if (base < rbase || base + size > rend) {
          want = ZX_ERR_INVALID_ARGS;
        } else {
          auto it = model.upper_bound(base);
          if (it != model.end() && it->first < base + size) want = ZX_ERR_ALREADY_EXISTS;
          if (it != model.begin()) {
            --it;
            if (it->first + it->second > base) want = ZX_ERR_ALREADY_EXISTS;
          }
        }
        REQUIRE(t.insert(n.get()) == want);
        if (want == ZX_OK) {
          model[base] = size;
          nodes[base] = std::move(n);
        }
      } else if (choice < 6) {
        if (model.empty()) continue;
        auto it = nodes.begin();
        std::advance(it, rng() % nodes.size());
        t.remove(it->second.get());
        model.erase(it->first);
        nodes.erase(it);
      } else if (choice < 9) {
        uint64_t size = (1 + rng() % 12) * P;
        uint64_t align = P << (rng() % 5);
        uint64_t hint = rbase + (rng() % (rpages + 16)) * P + (rng() % 2) * 123 - 8 * P;
        uint64_t got = 0, want = 0;
        bool ok = brute_gap(model, rbase, rend, size, align, hint, &want);
        zx_status_t s = t.find_gap(size, align, hint, &got);
        REQUIRE(s == (ok ? ZX_OK : ZX_ERR_NO_RESOURCES));
        if (ok) {
          REQUIRE(got == want);
          // Claim the spot sometimes, so the range fills up.
          if (rng() % 2) {
            auto n = std::make_unique<RegionNode>(make(got, size));
            REQUIRE(t.insert(n.get()) == ZX_OK);
            model[got] = size;
            nodes[got] = std::move(n);
          }
        }
      } else {
        uint64_t addr = rbase + rng() % (rpages * P);
        RegionNode* got = t.find_containing(addr);
        auto it = model.upper_bound(addr);
        uint64_t want = 0;
        if (it != model.begin()) {
          --it;
          if (addr < it->first + it->second) want = it->first;
        }
        REQUIRE((got ? got->base : 0) == want);
        uint64_t end = addr + rng() % (16 * P);
        RegionNode* ov = t.first_overlapping(addr, end);
        uint64_t want_ov = 0;
        for (auto& [b, s] : model) {
          if (b < end && addr < b + s && addr < end) {
            want_ov = b;
            break;
          }
        }
        REQUIRE((ov ? ov->base : 0) == want_ov);
      }
      REQUIRE(t.size() == model.size());
      REQUIRE(t.check_invariants());
    }
  }
}

TEST_CASE("region_tree: find_gap does not scan every region") {
  // 50000 one-page regions separated by one-page holes, then one big hole at the end. A scan
  // would touch every region for each query; the augmented descent goes straight there.
  constexpr uint64_t kRegions = 50000;
  RegionTree t;
  t.init(0, (2 * kRegions + 64) * P);
  std::vector<RegionNode> nodes(kRegions);
  for (uint64_t i = 0; i < kRegions; i++) {
    nodes[i] = make((2 * i + 1) * P, P);
    REQUIRE(t.insert(&nodes[i]) == ZX_OK);
  }
  CHECK(t.check_invariants());
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20000; i++) {
    uint64_t out = 0;
    REQUIRE(t.find_gap(2 * P, P, (uint64_t(i) % kRegions) * P, &out) == ZX_OK);
    REQUIRE(out == 2 * kRegions * P);
  }
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  CHECK(ms < 1000);
}
