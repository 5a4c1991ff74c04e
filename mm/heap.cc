// Slab and page-run kernel heap. A slab page is a header followed by equal-sized objects;
// free objects are chained through their first word and tagged in their second, so a double
// free is caught by the tag and confirmed by a walk of the (short) slab free list instead of a
// per-object bitmap that would not fit in the header.
#include "mm/heap.h"

#include "kernel/lock_assert.h"

Heap g_heap;

namespace {

constexpr uint32_t kSlabMagic = 0x534c4142;   // "SLAB"
constexpr uint32_t kLargeMagic = 0x4c524745;  // "LRGE"
constexpr size_t kClassSize[Heap::kNumClasses] = {16, 32, 64, 128, 256, 512, 1024, 2048};
// Mixed with the object's address so a freed object copied elsewhere does not look free.
constexpr uint64_t kFreeTag = 0x46524545d00dfeedull;

struct FreeObject {
  FreeObject* next;
  uint64_t tag;
};

uint64_t free_tag(const FreeObject* o) { return kFreeTag ^ reinterpret_cast<uintptr_t>(o); }

}  // namespace

struct Heap::SlabHeader {
  uint32_t magic;
  uint16_t obj_size;
  uint8_t cls;
  uint8_t on_list;
  uint16_t free_count;
  uint16_t capacity;
  FreeObject* free_list;
  SlabHeader* prev;
  SlabHeader* next;
};

struct Heap::LargeHeader {
  uint32_t magic;
  uint32_t order;
  uint64_t size;
};

namespace {
// Objects start here, rounded so that every object of every class is kAlign-aligned.
constexpr size_t kSlabObjOffset = 48;
}  // namespace
void Heap::init(HeapPageSource* src) {
  static_assert(
      sizeof(SlabHeader) <= kSlabObjOffset && kSlabObjOffset < 64 && kSlabObjOffset % kAlign == 0,
      "slab header must fit before the first, aligned object");
  static_assert(sizeof(LargeHeader) == kAlign, "large payload must stay aligned");
  static_assert(sizeof(FreeObject) <= 16, "a free object must fit in the smallest class");
  SpinLockGuard guard(lock_);
  src_ = src;
}

void* Heap::alloc(size_t n) {
  if (n == 0) n = 1;
  void* p = nullptr;
  {
    SpinLockGuard guard(lock_);
    if (src_ == nullptr) return nullptr;
    if (n <= kMaxSmall) {
      size_t cls = 0;
      while (kClassSize[cls] < n) cls++;
      p = alloc_small_locked(cls);
    } else {
      p = alloc_large_locked(n);
    }
    if (p != nullptr) {
      stats_.allocations++;
      stats_.live_objects++;
    }
  }
  return p;
}

void* Heap::alloc_small_locked(size_t cls) {
  assert_held(lock_);
  SlabHeader* s = partial_[cls];
  if (s == nullptr) {
    void* page = src_->alloc_pages(0);
    if (page == nullptr) return nullptr;
    s = static_cast<SlabHeader*>(page);
    size_t size = kClassSize[cls];
    s->magic = kSlabMagic;
    s->obj_size = static_cast<uint16_t>(size);
    s->cls = static_cast<uint8_t>(cls);
    s->on_list = 0;
    s->capacity = static_cast<uint16_t>((PAGE_SIZE - kSlabObjOffset) / size);
    s->free_count = s->capacity;
    s->free_list = nullptr;
    // Chain backwards so the list hands out objects in address order.
    char* base = static_cast<char*>(page) + kSlabObjOffset;
    for (size_t i = s->capacity; i-- > 0;) {
      FreeObject* o = reinterpret_cast<FreeObject*>(base + i * size);
      o->next = s->free_list;
      o->tag = free_tag(o);
      s->free_list = o;
    }
    push_slab_locked(s);
    empty_slabs_[cls]++;
    stats_.slab_pages++;
  }
  if (s->free_count == s->capacity) empty_slabs_[cls]--;
  FreeObject* o = s->free_list;
  o->tag = 0;
  s->free_list = o->next;
  s->free_count--;
  if (s->free_count == 0) unlink_slab_locked(s);
  stats_.bytes_in_use += s->obj_size;
  return o;
}

void* Heap::alloc_large_locked(size_t n) {
  assert_held(lock_);
  if (n > (PAGE_SIZE << kMaxLargeOrder) - sizeof(LargeHeader)) return nullptr;
  unsigned order = 0;
  while ((PAGE_SIZE << order) < n + sizeof(LargeHeader)) order++;
  void* run = src_->alloc_pages(order);
  if (run == nullptr) return nullptr;
  LargeHeader* h = static_cast<LargeHeader*>(run);
  h->magic = kLargeMagic;
  h->order = order;
  h->size = n;
  stats_.bytes_in_use += n;
  stats_.large_pages += 1ull << order;
  return h + 1;
}

void Heap::free(void* p) {
  if (p == nullptr) return;
  const char* what;
  {
    SpinLockGuard guard(lock_);
    what = free_locked(p);
    if (what == nullptr) {
      stats_.frees++;
      stats_.live_objects--;
    } else {
      stats_.corruptions++;
    }
  }
  // Outside the lock: the kernel's handler panics and may want to print heap state.
  if (what != nullptr && on_corruption != nullptr) on_corruption(what, p);
}

const char* Heap::free_locked(void* p) {
  assert_held(lock_);
  uintptr_t page = reinterpret_cast<uintptr_t>(p) & ~(PAGE_SIZE - 1);
  uint32_t magic = *reinterpret_cast<const uint32_t*>(page);
  if (magic == kSlabMagic) {
    SlabHeader* s = reinterpret_cast<SlabHeader*>(page);
    if (s->cls >= kNumClasses || s->obj_size != kClassSize[s->cls]) {
      return "kfree: corrupted slab header";
    }
    return free_small_locked(s, p);
  }
  if (magic == kLargeMagic) {
    LargeHeader* h = reinterpret_cast<LargeHeader*>(page);
    if (p != h + 1) return "kfree: pointer into the middle of a large allocation";
    if (h->order > kMaxLargeOrder) return "kfree: corrupted large allocation header";
    unsigned order = h->order;
    stats_.bytes_in_use -= h->size;
    stats_.large_pages -= 1ull << order;
    // A second free of this run then finds no magic (if the memory is still readable).
    h->magic = 0;
    src_->free_pages(h, order);
    return nullptr;
  }
  return "kfree: not a heap pointer (no heap header on its page)";
}

const char* Heap::free_small_locked(SlabHeader* s, void* p) {
  assert_held(lock_);
  uintptr_t off = reinterpret_cast<uintptr_t>(p) - reinterpret_cast<uintptr_t>(s);
  if (off < kSlabObjOffset || (off - kSlabObjOffset) % s->obj_size != 0 ||
      (off - kSlabObjOffset) / s->obj_size >= s->capacity) {
    return "kfree: pointer is not the start of a slab object";
  }
  FreeObject* o = static_cast<FreeObject*>(p);
  if (o->tag == free_tag(o)) {
    // Live data can match the tag by chance; only a free-list entry is a real double free.
    size_t steps = 0;
    for (FreeObject* f = s->free_list; f != nullptr && steps <= s->capacity; f = f->next, steps++) {
      if (f == o) return "kfree: double free";
    }
  }
  if (s->free_count == s->capacity) return "kfree: double free (slab already empty)";
  o->next = s->free_list;
  o->tag = free_tag(o);
  s->free_list = o;
  s->free_count++;
  stats_.bytes_in_use -= s->obj_size;
  if (s->free_count == 1) push_slab_locked(s);
  if (s->free_count == s->capacity) {
    // Keep one empty slab per class so alloc/free of a single object does not thrash pages.
    if (empty_slabs_[s->cls] >= 1) {
      unlink_slab_locked(s);
      s->magic = 0;
      stats_.slab_pages--;
      src_->free_pages(s, 0);
    } else {
      empty_slabs_[s->cls]++;
    }
  }
  return nullptr;
}

void Heap::push_slab_locked(SlabHeader* s) {
  assert_held(lock_);
  s->prev = nullptr;
  s->next = partial_[s->cls];
  if (s->next != nullptr) s->next->prev = s;
  partial_[s->cls] = s;
  s->on_list = 1;
}

void Heap::unlink_slab_locked(SlabHeader* s) {
  assert_held(lock_);
  if (!s->on_list) return;
  if (s->prev != nullptr) {
    s->prev->next = s->next;
  } else {
    partial_[s->cls] = s->next;
  }
  if (s->next != nullptr) s->next->prev = s->prev;
  s->prev = s->next = nullptr;
  s->on_list = 0;
}

HeapStats Heap::stats() const {
  SpinLockGuard guard(lock_);
  return stats_;
}

void* kmalloc(size_t n) { return g_heap.alloc(n); }
void kfree(void* p) { g_heap.free(p); }
