// Tests for the kernel heap (mm/heap.cc) backed by page-aligned host memory: every size class,
// large runs, a random stress loop that must return to baseline, and corruption reports for
// bad pointers and double frees.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <random>
#include <vector>

#include "mm/heap.h"

namespace {

struct HostPages : HeapPageSource {
  std::map<void*, unsigned> live;  // run -> order
  uint64_t pages = 0;
  bool fail = false;
  void* alloc_pages(unsigned order) override {
    if (fail) return nullptr;
    void* p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
    // Garbage, like recycled frames, so the heap cannot rely on zeroed pages.
    memset(p, 0xa5, PAGE_SIZE << order);
    live[p] = order;
    pages += 1ull << order;
    return p;
  }
  void free_pages(void* p, unsigned order) override {
    auto it = live.find(p);
    REQUIRE(it != live.end());
    CHECK(it->second == order);
    live.erase(it);
    pages -= 1ull << order;
    ::free(p);
  }
  ~HostPages() {
    for (auto& [p, o] : live) ::free(p);
  }
};

struct Reports {
  static inline int count = 0;
  static inline const char* last = nullptr;
  static void hook(const char* what, void*) {
    count++;
    last = what;
  }
};

struct TestHeap {
  HostPages src;
  Heap heap;
  TestHeap() {
    heap.init(&src);
    heap.on_corruption = Reports::hook;
    Reports::count = 0;
  }
};

}  // namespace

TEST_CASE("heap: alloc before init fails") {
  Heap h;
  CHECK(h.alloc(16) == nullptr);
  h.free(nullptr);
}

TEST_CASE("heap: every size class") {
  TestHeap t;
  const size_t sizes[] = {1,   16,  17,  32,  48,   64,   100,  128,
                          200, 256, 300, 512, 1000, 1024, 2000, 2048};
  std::vector<void*> ptrs;
  uint64_t expect_bytes = 0;
  for (size_t n : sizes) {
    void* p = t.heap.alloc(n);
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(p) % Heap::kAlign == 0);
    memset(p, 0x5a, n);
    size_t cls = 16;
    while (cls < n) cls *= 2;
    expect_bytes += cls;
    ptrs.push_back(p);
  }
  HeapStats s = t.heap.stats();
  CHECK(s.bytes_in_use == expect_bytes);
  CHECK(s.live_objects == ptrs.size());
  CHECK(s.allocations == ptrs.size());
  CHECK(s.slab_pages == 9);  // one slab per class, two for 2048 (one object per page)
  CHECK(s.large_pages == 0);
  // Objects of one class fill a slab before another page is taken, and never overlap.
  std::vector<char*> objs;
  for (int i = 0; i < 300; i++) {
    char* p = static_cast<char*>(t.heap.alloc(64));
    REQUIRE(p != nullptr);
    memset(p, i & 0xff, 64);
    objs.push_back(p);
  }
  bool intact = true;
  for (int i = 0; i < 300; i++) {
    for (int k = 0; k < 64; k++) intact &= static_cast<unsigned char>(objs[i][k]) == (i & 0xff);
  }
  CHECK(intact);
  // 63 objects of 64 bytes per page: 2 + 300 objects need 5 pages, 4 more than before.
  CHECK(t.heap.stats().slab_pages == 9 + 4);
  for (char* p : objs) t.heap.free(p);
  for (void* p : ptrs) t.heap.free(p);
  s = t.heap.stats();
  CHECK(s.bytes_in_use == 0);
  CHECK(s.live_objects == 0);
  CHECK(s.frees == s.allocations);
  CHECK(s.slab_pages <= Heap::kNumClasses);
  CHECK(Reports::count == 0);
}

TEST_CASE("heap: zero-sized allocations are distinct") {
  TestHeap t;
  void* a = t.heap.alloc(0);
  void* b = t.heap.alloc(0);
  CHECK(a != nullptr);
  CHECK(a != b);
  t.heap.free(a);
  t.heap.free(b);
  CHECK(t.heap.stats().live_objects == 0);
}

TEST_CASE("heap: large allocations use page runs") {
  TestHeap t;
  void* a = t.heap.alloc(2049);
  REQUIRE(a != nullptr);
  CHECK(reinterpret_cast<uintptr_t>(a) % Heap::kAlign == 0);
  CHECK(t.heap.stats().large_pages == 1);
  void* b = t.heap.alloc(PAGE_SIZE);  // header does not fit with it in one page
  REQUIRE(b != nullptr);
  CHECK(t.heap.stats().large_pages == 1 + 2);
  void* c = t.heap.alloc(100 * 1024);
  REQUIRE(c != nullptr);
  memset(c, 1, 100 * 1024);
  CHECK(t.heap.stats().large_pages == 3 + 32);
  CHECK(t.heap.stats().bytes_in_use == 2049 + PAGE_SIZE + 100 * 1024);
  CHECK(t.heap.alloc((PAGE_SIZE << Heap::kMaxLargeOrder)) == nullptr);
  CHECK(t.heap.alloc(~size_t{0}) == nullptr);
  t.heap.free(a);
  t.heap.free(b);
  t.heap.free(c);
  HeapStats s = t.heap.stats();
  CHECK(s.large_pages == 0);
  CHECK(s.bytes_in_use == 0);
  CHECK(t.src.pages == 0);
  CHECK(Reports::count == 0);
}

TEST_CASE("heap: out of memory returns nullptr") {
  TestHeap t;
  t.src.fail = true;
  CHECK(t.heap.alloc(32) == nullptr);
  CHECK(t.heap.alloc(9000) == nullptr);
  CHECK(t.heap.stats().allocations == 0);
}

TEST_CASE("heap: random stress returns to baseline") {
  TestHeap t;
  std::mt19937 rng(12345);
  struct Obj {
    unsigned char* p;
    size_t n;
    unsigned char fill;
  };
  std::vector<Obj> live;
  bool intact = true;
  for (int round = 0; round < 20000; round++) {
    if (live.empty() || rng() % 100 < 55) {
      size_t n = rng() % 4 == 0 ? rng() % 20000 + 1 : rng() % 2048 + 1;
      auto* p = static_cast<unsigned char*>(t.heap.alloc(n));
      if (p == nullptr) FAIL("out of memory at round ", round);
      unsigned char fill = static_cast<unsigned char>(rng());
      memset(p, fill, n);
      live.push_back({p, n, fill});
    } else {
      size_t i = rng() % live.size();
      Obj o = live[i];
      // Neighbours did not scribble over it.
      for (size_t k = 0; k < o.n; k += 7) intact &= o.p[k] == o.fill;
      t.heap.free(o.p);
      live[i] = live.back();
      live.pop_back();
    }
  }
  CHECK(intact);
  for (Obj& o : live) t.heap.free(o.p);
  HeapStats s = t.heap.stats();
  CHECK(s.bytes_in_use == 0);
  CHECK(s.live_objects == 0);
  CHECK(s.allocations == s.frees);
  CHECK(s.large_pages == 0);
  CHECK(s.slab_pages <= Heap::kNumClasses);
  CHECK(t.src.pages == s.slab_pages);
  CHECK(Reports::count == 0);
}

TEST_CASE("heap: bad pointers and double frees are reported") {
  TestHeap t;
  char* a = static_cast<char*>(t.heap.alloc(64));
  char* b = static_cast<char*>(t.heap.alloc(64));
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  t.heap.free(a + 8);  // inside an object
  CHECK(Reports::count == 1);
  t.heap.free(a);
  CHECK(Reports::count == 1);
  t.heap.free(a);  // double free
  CHECK(Reports::count == 2);
  CHECK(strstr(Reports::last, "double free") != nullptr);

  // Live data that happens to look like a free object is still freed normally.
  char* c = static_cast<char*>(t.heap.alloc(64));
  REQUIRE(c != nullptr);
  memset(c, 0, 64);
  t.heap.free(c);
  CHECK(Reports::count == 2);

  // A page that is not the heap's.
  void* foreign = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
  memset(foreign, 0, PAGE_SIZE);
  t.heap.free(static_cast<char*>(foreign) + 64);
  CHECK(Reports::count == 3);
  ::free(foreign);

  // The middle of a large allocation.
  char* big = static_cast<char*>(t.heap.alloc(3000));
  REQUIRE(big != nullptr);
  t.heap.free(big + 16);
  CHECK(Reports::count == 4);
  t.heap.free(big);
  CHECK(Reports::count == 4);

  // Freeing the last object of a slab that is then kept as the spare, then freeing it again.
  t.heap.free(b);
  CHECK(Reports::count == 4);
  t.heap.free(b);
  CHECK(Reports::count == 5);

  HeapStats s = t.heap.stats();
  CHECK(s.corruptions == 5);
  CHECK(s.live_objects == 0);
  CHECK(s.bytes_in_use == 0);
}

TEST_CASE("heap: kmalloc and kfree use g_heap") {
  HostPages src;
  g_heap.init(&src);
  void* p = kmalloc(40);
  REQUIRE(p != nullptr);
  CHECK(g_heap.stats().live_objects == 1);
  kfree(p);
  CHECK(g_heap.stats().live_objects == 0);
  g_heap.init(nullptr);
}
