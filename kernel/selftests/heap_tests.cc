// Self tests of the kernel heap: every size class, large allocations, and a stress loop that
// must leave the heap and the page allocator where they started.
#include "kernel/lib/string.h"
#include "kernel/selftests/selftest.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"

SELFTEST("heap.size_classes") {
  HeapStats before = g_heap.stats();
  static const size_t sizes[] = {1, 8, 16, 17, 32, 64, 100, 128, 256, 500, 512, 1024, 2000, 2048};
  void* ptrs[sizeof(sizes) / sizeof(sizes[0])];
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    ptrs[i] = kmalloc(sizes[i]);
    REQUIRE(ptrs[i] != nullptr);
    EXPECT_EQ(reinterpret_cast<uint64_t>(ptrs[i]) % 16, 0u);
    memset(ptrs[i], static_cast<int>(i), sizes[i]);
  }
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    EXPECT_EQ(static_cast<unsigned char*>(ptrs[i])[sizes[i] - 1], i);
    kfree(ptrs[i]);
  }
  EXPECT_EQ(g_heap.stats().bytes_in_use, before.bytes_in_use);
}

SELFTEST("heap.large") {
  HeapStats before = g_heap.stats();
  void* a = kmalloc(5000);
  void* b = kmalloc(100000);
  REQUIRE(a && b);
  memset(a, 1, 5000);
  memset(b, 2, 100000);
  EXPECT(g_heap.stats().large_pages > before.large_pages);
  kfree(a);
  kfree(b);
  EXPECT_EQ(g_heap.stats().large_pages, before.large_pages);
  EXPECT_EQ(g_heap.stats().bytes_in_use, before.bytes_in_use);
}

SELFTEST("heap.stress_no_leak") {
  uint64_t pages_before = page_alloc_free_pages();
  HeapStats before = g_heap.stats();
  static void* held[512];
  uint64_t seed = 99;
  for (int round = 0; round < 4000; round++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    int i = static_cast<int>((seed >> 33) % 512);
    if (held[i]) {
      kfree(held[i]);
      held[i] = nullptr;
    } else {
      size_t n = 1 + (seed >> 45) % 3000;
      held[i] = kmalloc(n);
      EXPECT(held[i] != nullptr);
    }
  }
  for (int i = 0; i < 512; i++) {
    kfree(held[i]);
    held[i] = nullptr;
  }
  EXPECT_EQ(g_heap.stats().bytes_in_use, before.bytes_in_use);
  EXPECT_EQ(g_heap.stats().live_objects, before.live_objects);
  // Spare slabs may stay cached (at most one per size class).
  EXPECT(page_alloc_free_pages() + 8 >= pages_before);
}
