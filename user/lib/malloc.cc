// The heap. Every block has a 16-byte header in front of it. Small blocks (up to 2048 bytes)
// come in eight power-of-two size classes carved from 64 KiB arenas, and freed blocks go onto
// a free list per class. Large blocks get a VMO mapping of their own, unmapped by free().
// Memory comes from VMOs mapped into the root VMAR. One mutex covers the heap, for programs
// with several threads.
#include <libc_mutex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kHeader = 16;
constexpr int kClasses = 8;  // payloads 16, 32, ..., 2048
constexpr size_t kMinSmall = 16;
constexpr size_t kMaxSmall = kMinSmall << (kClasses - 1);
constexpr size_t kArenaSize = 64 * 1024;
constexpr uint32_t kMagic = 0x6d616c6c;  // "mall"
constexpr uint32_t kLarge = 0xffffffff;  // Header::cls of a large block

struct Header {
  uint64_t size;  // payload capacity (small) or whole mapping length (large)
  uint32_t cls;   // size class, or kLarge
  uint32_t magic;
};
static_assert(sizeof(Header) == kHeader);

struct FreeBlock {
  FreeBlock* next;
};

FreeBlock* g_free[kClasses];
char* g_arena_next;
size_t g_arena_left;

size_t page_up(size_t n) { return (n + kPage - 1) & ~(kPage - 1); }

// Maps `len` (page-aligned) fresh zero bytes, or returns null.
void* map_memory(size_t len) {
  zx_handle_t vmo;
  if (zx_vmo_create(len, 0, &vmo) != ZX_OK) return nullptr;
  zx_vaddr_t addr = 0;
  zx_status_t s =
      zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, len, &addr);
  zx_handle_close(vmo);  // the mapping keeps the VMO alive
  return s == ZX_OK ? reinterpret_cast<void*>(addr) : nullptr;
}

int class_of(size_t n) {
  int c = 0;
  for (size_t cap = kMinSmall; cap < n; cap <<= 1) c++;
  return c;
}

Header* header_of(void* p) {
  auto* h = reinterpret_cast<Header*>(static_cast<char*>(p) - kHeader);
  if (h->magic != kMagic) {
    printf("malloc: bad pointer %p\n", p);
    abort();
  }
  return h;
}

void* alloc_small(int cls) {
  size_t cap = kMinSmall << cls;
  Header* h;
  if (g_free[cls] != nullptr) {
    FreeBlock* b = g_free[cls];
    g_free[cls] = b->next;
    h = reinterpret_cast<Header*>(reinterpret_cast<char*>(b) - kHeader);
  } else {
    size_t need = kHeader + cap;
    if (g_arena_left < need) {
      // The tail of the old arena is abandoned; at most 2 KiB per 64 KiB.
      void* arena = map_memory(kArenaSize);
      if (arena == nullptr) return nullptr;
      g_arena_next = static_cast<char*>(arena);
      g_arena_left = kArenaSize;
    }
    h = reinterpret_cast<Header*>(g_arena_next);
    g_arena_next += need;
    g_arena_left -= need;
  }
  h->size = cap;
  h->cls = static_cast<uint32_t>(cls);
  h->magic = kMagic;
  return reinterpret_cast<char*>(h) + kHeader;
}

void* alloc_large(size_t n) {
  if (n > (SIZE_MAX >> 1)) return nullptr;
  size_t len = page_up(n + kHeader);
  auto* h = static_cast<Header*>(map_memory(len));
  if (h == nullptr) return nullptr;
  h->size = len;
  h->cls = kLarge;
  h->magic = kMagic;
  return reinterpret_cast<char*>(h) + kHeader;
}

size_t capacity(Header* h) { return h->cls == kLarge ? h->size - kHeader : h->size; }

}  // namespace

static libc_mutex_t g_heap_lock = LIBC_MUTEX_INIT;

extern "C" {

void* malloc(size_t n) {
  if (n == 0) n = 1;
  LibcMutexGuard guard(&g_heap_lock);
  return n <= kMaxSmall ? alloc_small(class_of(n)) : alloc_large(n);
}

void free(void* p) {
  if (p == nullptr) return;
  LibcMutexGuard guard(&g_heap_lock);
  Header* h = header_of(p);
  if (h->cls == kLarge) {
    h->magic = 0;
    zx_vmar_unmap(zx_vmar_root_self(), reinterpret_cast<zx_vaddr_t>(h), h->size);
    return;
  }
  auto* b = static_cast<FreeBlock*>(p);
  b->next = g_free[h->cls];
  g_free[h->cls] = b;
}

void* calloc(size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size) return nullptr;
  void* p = malloc(n * size);
  if (p != nullptr) memset(p, 0, n * size);
  return p;
}

void* realloc(void* p, size_t n) {
  if (p == nullptr) return malloc(n);
  if (n == 0) {
    free(p);
    return nullptr;
  }
  size_t cap = capacity(header_of(p));
  if (n <= cap) return p;
  void* q = malloc(n);
  if (q == nullptr) return nullptr;
  memcpy(q, p, cap);
  free(p);
  return q;
}

}  // extern "C"
