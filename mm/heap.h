// Kernel heap: kmalloc/kfree for objects of any size. Small requests (up to 2048 bytes) come
// from one-page slabs of a fixed size class; larger ones get a run of 2^order whole pages.
// Either way the page (or first page of the run) containing a returned pointer starts with a
// header, so kfree finds everything it needs from `ptr & ~(PAGE_SIZE - 1)`; that is also why
// large allocations return a pointer just past the run's header instead of the run itself.
//
// The heap gets pages through HeapPageSource so host tests can back it with ordinary memory.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/spinlock.h"
#include "mm/vm_page.h"

// Page-aligned runs of PAGE_SIZE << order bytes. The kernel implements it with the pmm and
// the direct map.
struct HeapPageSource {
  virtual void* alloc_pages(unsigned order) = 0;  // nullptr when out of memory
  virtual void free_pages(void* p, unsigned order) = 0;

 protected:
  ~HeapPageSource() = default;
};

struct HeapStats {
  uint64_t bytes_in_use;  // size-class bytes of live small objects + requested bytes of large
  uint64_t allocations;   // successful alloc() calls
  uint64_t frees;         // successful free() calls
  uint64_t live_objects;
  uint64_t slab_pages;   // pages currently held as slabs (partly used or spare)
  uint64_t large_pages;  // pages currently held by large allocations
  uint64_t corruptions;  // bad pointers and double frees reported
};

class Heap {
 public:
  static constexpr size_t kNumClasses = 8;
  static constexpr size_t kMaxSmall = 2048;
  static constexpr unsigned kMaxLargeOrder = 10;  // the pmm's largest block
  // Returned pointers are aligned to this much.
  static constexpr size_t kAlign = 16;

  constexpr Heap() = default;
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  void init(HeapPageSource* src);
  // nullptr when out of memory, before init(), or when n needs more than 2^kMaxLargeOrder pages.
  // alloc(0) returns a distinct minimal object.
  void* alloc(size_t n);
  // free(nullptr) does nothing. A pointer the heap did not return, or a second free of a
  // small object, is reported through on_corruption and otherwise ignored (the memory leaks,
  // which is safer than corrupting a free list).
  void free(void* p);
  HeapStats stats() const;

  // Called outside the heap lock when free() detects a bad pointer. The kernel panics; host
  // tests count.
  void (*on_corruption)(const char* what, void* ptr) = nullptr;

 private:
  struct SlabHeader;
  struct LargeHeader;

  void* alloc_small_locked(size_t cls);
  void* alloc_large_locked(size_t n);
  const char* free_locked(void* p);
  const char* free_small_locked(SlabHeader* slab, void* p);
  void unlink_slab_locked(SlabHeader* slab);
  void push_slab_locked(SlabHeader* slab);

  mutable SpinLock lock_{LockClass::kHeap};
  HeapPageSource* src_ = nullptr;
  // Slabs with at least one free object, per class; full slabs are on no list.
  SlabHeader* partial_[kNumClasses] = {};
  // Completely unused slabs per class (they stay on partial_); only one is kept.
  uint32_t empty_slabs_[kNumClasses] = {};
  HeapStats stats_ = {};
};

extern Heap g_heap;

void* kmalloc(size_t n);
void kfree(void* p);
