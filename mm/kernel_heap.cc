// Connects the heap (mm/heap.cc, which is host-testable) to the kernel's page allocator, and
// makes heap corruption fatal.
#include "kernel/panic.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"

namespace {
class KernelHeapPages : public HeapPageSource {
 public:
  void* alloc_pages(unsigned order) override { return page_alloc_kva(order, PageState::Heap); }
  void free_pages(void* p, unsigned order) override { page_free_kva(p, order); }
};
KernelHeapPages g_heap_pages;

void heap_corrupt(const char* what, void* ptr) { panic("heap: %s (pointer %p)", what, ptr); }
}  // namespace

void kernel_heap_init() {
  g_heap.on_corruption = heap_corrupt;
  g_heap.init(&g_heap_pages);
}
