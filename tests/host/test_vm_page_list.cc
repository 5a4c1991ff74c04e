// Tests for the VMO page list (mm/vm_page_list.h): sparseness of huge lists, a randomized
// comparison against std::map, range walks and the error cases. vm_page records are plain
// test objects: the list only stores pointers.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <random>
#include <vector>

#include "mm/vm_page_list.h"

namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kTiB = kKiB * kKiB * kKiB * kKiB;

std::vector<std::pair<uint64_t, vm_page*>> collect(const VmPageList& l, uint64_t start,
                                                   uint64_t end) {
  std::vector<std::pair<uint64_t, vm_page*>> v;
  l.for_each(start, end, [&](uint64_t off, vm_page* p) {
    v.push_back({off, p});
    return true;
  });
  return v;
}

std::vector<std::pair<uint64_t, vm_page*>> model_range(const std::map<uint64_t, vm_page*>& m,
                                                       uint64_t start, uint64_t end) {
  std::vector<std::pair<uint64_t, vm_page*>> v;
  if (start >= end) return v;
  for (auto it = m.lower_bound(start); it != m.end() && it->first < end; ++it) v.push_back(*it);
  return v;
}

}  // namespace

TEST_CASE("vm_page_list: empty list") {
  VmPageList l;
  CHECK(l.empty());
  CHECK(l.count() == 0);
  CHECK(l.node_count() == 0);
  CHECK(l.lookup(0) == nullptr);
  CHECK(l.remove(0) == nullptr);
  uint64_t off = 123;
  CHECK_FALSE(l.next_present(0, UINT64_MAX, &off));
  CHECK(off == 123);
  CHECK(collect(l, 0, UINT64_MAX).empty());
}

TEST_CASE("vm_page_list: invalid arguments") {
  VmPageList l;
  vm_page p{};
  CHECK(l.insert(1, &p) == ZX_ERR_INVALID_ARGS);
  CHECK(l.insert(PAGE_SIZE + 8, &p) == ZX_ERR_INVALID_ARGS);
  CHECK(l.insert(VmPageList::kMaxOffset, &p) == ZX_ERR_INVALID_ARGS);
  CHECK(l.insert(UINT64_MAX & ~(PAGE_SIZE - 1), &p) == ZX_ERR_INVALID_ARGS);
  CHECK(l.insert(0, nullptr) == ZX_ERR_INVALID_ARGS);
  CHECK(l.empty());
  CHECK(l.node_count() == 0);
  CHECK(l.insert(VmPageList::kMaxOffset - PAGE_SIZE, &p) == ZX_OK);
  CHECK(l.lookup(VmPageList::kMaxOffset - PAGE_SIZE) == &p);
  CHECK(l.lookup(VmPageList::kMaxOffset) == nullptr);
  CHECK(l.lookup(1) == nullptr);
  CHECK(l.remove(VmPageList::kMaxOffset - PAGE_SIZE + 1) == nullptr);
  CHECK(l.remove(VmPageList::kMaxOffset - PAGE_SIZE) == &p);
  CHECK(l.node_count() == 0);
}

TEST_CASE("vm_page_list: duplicate insert") {
  VmPageList l;
  vm_page a{}, b{};
  CHECK(l.insert(5 * PAGE_SIZE, &a) == ZX_OK);
  CHECK(l.insert(5 * PAGE_SIZE, &b) == ZX_ERR_ALREADY_EXISTS);
  CHECK(l.lookup(5 * PAGE_SIZE) == &a);
  CHECK(l.count() == 1);
  CHECK(l.remove(5 * PAGE_SIZE) == &a);
}

TEST_CASE("vm_page_list: 1 TiB sparse list costs a handful of nodes") {
  VmPageList l;
  vm_page a{}, b{};
  CHECK(l.insert(0, &a) == ZX_OK);
  CHECK(l.node_count() == 1);
  CHECK(l.insert(kTiB - PAGE_SIZE, &b) == ZX_OK);
  CHECK(l.count() == 2);
  // 2^28 page indices need 5 levels: the root plus two 4-node paths.
  CHECK(l.node_count() <= 9);
  CHECK(l.lookup(0) == &a);
  CHECK(l.lookup(kTiB - PAGE_SIZE) == &b);
  CHECK(l.lookup(kTiB / 2) == nullptr);

  // Walking the whole terabyte visits two pages, not 2^28 slots.
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 10000; i++) {
    uint64_t n = 0;
    l.for_each(0, kTiB, [&](uint64_t, vm_page*) {
      n++;
      return true;
    });
    REQUIRE(n == 2);
    CHECK(collect(l, PAGE_SIZE, kTiB - PAGE_SIZE).empty());
  }
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  CHECK(ms < 2000);

  uint64_t off = 0;
  CHECK(l.next_present(1, kTiB, &off));
  CHECK(off == kTiB - PAGE_SIZE);
  CHECK_FALSE(l.next_present(PAGE_SIZE, kTiB - PAGE_SIZE, &off));

  CHECK(l.remove(kTiB - PAGE_SIZE) == &b);
  // The tree shrinks back to one leaf.
  CHECK(l.node_count() == 1);
  CHECK(l.remove(0) == &a);
  CHECK(l.node_count() == 0);
  CHECK(l.empty());
}

TEST_CASE("vm_page_list: for_each bounds and early stop") {
  VmPageList l;
  std::vector<vm_page> pages(10);
  for (int i = 0; i < 10; i++) REQUIRE(l.insert(uint64_t(i) * 100 * PAGE_SIZE, &pages[i]) == ZX_OK);
  auto v = collect(l, 100 * PAGE_SIZE, 300 * PAGE_SIZE);
  REQUIRE(v.size() == 2);
  CHECK(v[0].first == 100 * PAGE_SIZE);
  CHECK(v[1].first == 200 * PAGE_SIZE);
  // Unaligned bounds: start rounds up, end is exclusive.
  v = collect(l, 100 * PAGE_SIZE + 1, 300 * PAGE_SIZE + 1);
  REQUIRE(v.size() == 2);
  CHECK(v[0].first == 200 * PAGE_SIZE);
  CHECK(v[1].first == 300 * PAGE_SIZE);
  CHECK(collect(l, 500 * PAGE_SIZE, 500 * PAGE_SIZE).empty());
  CHECK(collect(l, 600 * PAGE_SIZE, 500 * PAGE_SIZE).empty());
  CHECK(collect(l, 0, UINT64_MAX).size() == 10);
  int n = 0;
  l.for_each(0, UINT64_MAX, [&](uint64_t, vm_page*) { return ++n < 3; });
  CHECK(n == 3);
  l.remove_range(0, UINT64_MAX, [](uint64_t, vm_page*) {});
  CHECK(l.empty());
  CHECK(l.node_count() == 0);
}

TEST_CASE("vm_page_list: remove_range frees empty nodes") {
  VmPageList l;
  std::vector<vm_page> pages(2000);
  std::map<uint64_t, vm_page*> m;
  for (int i = 0; i < 2000; i++) {
    uint64_t off = uint64_t(i) * 37 * PAGE_SIZE;
    REQUIRE(l.insert(off, &pages[i]) == ZX_OK);
    m[off] = &pages[i];
  }
  uint64_t nodes_full = l.node_count();
  uint64_t start = 1000 * PAGE_SIZE, end = 40000 * PAGE_SIZE;
  std::vector<std::pair<uint64_t, vm_page*>> removed;
  l.remove_range(start, end, [&](uint64_t off, vm_page* p) { removed.push_back({off, p}); });
  CHECK(removed == model_range(m, start, end));
  for (auto& [off, p] : removed) m.erase(off);
  CHECK(l.count() == m.size());
  CHECK(collect(l, 0, UINT64_MAX) == model_range(m, 0, UINT64_MAX));
  CHECK(l.node_count() < nodes_full);
  // Removing a range with nothing in it changes nothing.
  uint64_t nodes = l.node_count();
  l.remove_range(start, end, [](uint64_t, vm_page*) { FAIL("nothing to remove"); });
  CHECK(l.node_count() == nodes);
  l.remove_range(0, UINT64_MAX, [](uint64_t, vm_page*) {});
  CHECK(l.empty());
  CHECK(l.node_count() == 0);
}

TEST_CASE("vm_page_list: destructor frees a non-empty list") {
  // Under ASan a leaked node would be reported.
  vm_page p{};
  VmPageList l;
  REQUIRE(l.insert(0, &p) == ZX_OK);
  REQUIRE(l.insert(kTiB, &p) == ZX_OK);
}

TEST_CASE("vm_page_list: random operations match std::map") {
  std::mt19937_64 rng(42);
  std::vector<vm_page> pages(512);
  for (int round = 0; round < 3; round++) {
    VmPageList l;
    std::map<uint64_t, vm_page*> m;
    // Mix dense small offsets with sparse huge ones so the height grows and shrinks.
    uint64_t span_pages = round == 0 ? 512 : (round == 1 ? (1ull << 20) : (1ull << 40));
    auto rand_off = [&]() {
      uint64_t idx = (rng() % 4 == 0) ? rng() % 64 : rng() % span_pages;
      return idx * PAGE_SIZE;
    };
    for (int op = 0; op < 6000; op++) {
      uint64_t off = rand_off();
      vm_page* p = &pages[rng() % pages.size()];
      switch (rng() % 6) {
        case 0:
        case 1: {
          zx_status_t s = l.insert(off, p);
          if (m.count(off)) {
            REQUIRE(s == ZX_ERR_ALREADY_EXISTS);
          } else {
            REQUIRE(s == ZX_OK);
            m[off] = p;
          }
          break;
        }
        case 2: {
          auto it = m.find(off);
          vm_page* want = it == m.end() ? nullptr : it->second;
          REQUIRE(l.remove(off) == want);
          if (it != m.end()) m.erase(it);
          break;
        }
        case 3: {
          auto it = m.find(off);
          REQUIRE(l.lookup(off) == (it == m.end() ? nullptr : it->second));
          break;
        }
        case 4: {
          uint64_t a = rand_off() + rng() % PAGE_SIZE, b = rand_off();
          if (a > b) std::swap(a, b);
          REQUIRE(collect(l, a, b) == model_range(m, a, b));
          uint64_t got = 0;
          bool found = l.next_present(a, b, &got);
          auto it = m.lower_bound(a);
          bool want = it != m.end() && it->first < b;
          REQUIRE(found == want);
          if (want) REQUIRE(got == it->first);
          break;
        }
        case 5: {
          if (rng() % 8 != 0) break;
          uint64_t a = rand_off(), b = a + (rng() % 200) * PAGE_SIZE;
          auto want = model_range(m, a, b);
          std::vector<std::pair<uint64_t, vm_page*>> got;
          l.remove_range(a, b, [&](uint64_t o, vm_page* pg) { got.push_back({o, pg}); });
          REQUIRE(got == want);
          for (auto& [o, pg] : want) m.erase(o);
          break;
        }
      }
      REQUIRE(l.count() == m.size());
      REQUIRE(l.empty() == m.empty());
    }
    REQUIRE(collect(l, 0, UINT64_MAX) == model_range(m, 0, UINT64_MAX));
    // Emptying the list must free every node.
    for (auto& [off, p] : m) REQUIRE(l.remove(off) == p);
    CHECK(l.node_count() == 0);
  }
}
