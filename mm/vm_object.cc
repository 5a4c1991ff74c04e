// Anonymous VM objects (see vm_object.h). One mutex per object orders faults, reads, writes and
// commits on it; pages come from the page allocator already zeroed. Removing pages that may be
// mapped first takes the translations away in every mapping (VmMapping::unmap_object_range),
// then frees the pages, so no address space can reach a freed page.
#include "mm/vm_object.h"

#include "kernel/arch/riscv/memlayout.h"
#include "kernel/lib/string.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "mm/pmm.h"
#include "mm/vm_mapping.h"

namespace {
uint64_t page_round_up(uint64_t x) { return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }
bool range_ok(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}
}  // namespace

zx_status_t VmObject::create(uint64_t size, uint32_t options, RefPtr<VmObject>* out) {
  if (options & ~kResizable) return ZX_ERR_INVALID_ARGS;
  if (size > kMaxSize) return ZX_ERR_OUT_OF_RANGE;
  VmObject* v = new VmObject(page_round_up(size), options);
  if (!v) return ZX_ERR_NO_MEMORY;
  *out = adopt(v);
  return ZX_OK;
}

VmObject::~VmObject() { free_range_locked(0, kMaxSize); }

uint64_t VmObject::size() const {
  MutexGuard g(lock_);
  return size_;
}

zx_status_t VmObject::lookup_locked(uint64_t offset, bool commit, uint64_t* paddr) {
  if (offset >= size_) return ZX_ERR_OUT_OF_RANGE;
  vm_page* p = pages_.lookup(offset);
  if (!p) {
    if (!commit) {
      *paddr = 0;
      return ZX_ERR_NOT_FOUND;
    }
    p = page_alloc(PageState::Object);
    if (!p) return ZX_ERR_NO_MEMORY;
    p->object_data = offset;
    zx_status_t s = pages_.insert(offset, p);
    if (s != ZX_OK) {
      page_free(p);
      return s;
    }
  }
  *paddr = p->paddr;
  return ZX_OK;
}

zx_status_t VmObject::get_page(uint64_t offset, uint64_t* paddr) {
  MutexGuard g(lock_);
  return lookup_locked(offset & ~(PAGE_SIZE - 1), true, paddr);
}

// Walks [offset, offset+len) page by page, calling fn(kernel pointer, length, position in the
// request). Absent pages are committed when `commit` is set, else fn gets nullptr (reads of
// untouched memory see zeroes without committing anything).
template <typename F>
zx_status_t VmObject::for_each_chunk(uint64_t offset, uint64_t len, bool commit, F fn) {
  MutexGuard g(lock_);
  if (!range_ok(offset, len, size_)) return ZX_ERR_OUT_OF_RANGE;
  uint64_t done = 0;
  while (done < len) {
    uint64_t off = offset + done;
    uint64_t page = off & ~(PAGE_SIZE - 1);
    uint64_t in_page = off - page;
    uint64_t n = PAGE_SIZE - in_page;
    if (n > len - done) n = len - done;
    uint64_t pa = 0;
    zx_status_t s = lookup_locked(page, commit, &pa);
    if (s != ZX_OK && s != ZX_ERR_NOT_FOUND) return s;
    char* kva = pa ? static_cast<char*>(phys_to_virt(pa)) + in_page : nullptr;
    s = fn(kva, n, done);
    if (s != ZX_OK) return s;
    done += n;
  }
  return ZX_OK;
}

zx_status_t VmObject::read(void* dst, uint64_t offset, uint64_t len) {
  char* out = static_cast<char*>(dst);
  return for_each_chunk(offset, len, false, [&](char* kva, uint64_t n, uint64_t pos) {
    if (kva)
      memcpy(out + pos, kva, n);
    else
      memset(out + pos, 0, n);
    return ZX_OK;
  });
}

zx_status_t VmObject::write(const void* src, uint64_t offset, uint64_t len) {
  const char* in = static_cast<const char*>(src);
  return for_each_chunk(offset, len, true, [&](char* kva, uint64_t n, uint64_t pos) {
    memcpy(kva, in + pos, n);
    return ZX_OK;
  });
}

// User copies go through a bounce buffer with the object unlocked: the user buffer may itself
// be a mapping of this object, and faulting it in needs the lock.
zx_status_t VmObject::read_user(UserOutPtr<void> dst, uint64_t offset, uint64_t len) {
  char* bounce = static_cast<char*>(kmalloc(PAGE_SIZE));
  if (!bounce) return ZX_ERR_NO_MEMORY;
  zx_status_t s = ZX_OK;
  for (uint64_t done = 0; done < len && s == ZX_OK; done += PAGE_SIZE) {
    uint64_t n = len - done < PAGE_SIZE ? len - done : PAGE_SIZE;
    if (offset + done < offset) s = ZX_ERR_OUT_OF_RANGE;
    if (s == ZX_OK) s = read(bounce, offset + done, n);
    if (s == ZX_OK) s = copy_to_user_raw(dst.addr() + done, bounce, n);
  }
  kfree(bounce);
  return s;
}

zx_status_t VmObject::write_user(UserInPtr<const void> src, uint64_t offset, uint64_t len) {
  {
    MutexGuard g(lock_);
    if (!range_ok(offset, len, size_)) return ZX_ERR_OUT_OF_RANGE;
  }
  char* bounce = static_cast<char*>(kmalloc(PAGE_SIZE));
  if (!bounce) return ZX_ERR_NO_MEMORY;
  zx_status_t s = ZX_OK;
  for (uint64_t done = 0; done < len && s == ZX_OK; done += PAGE_SIZE) {
    uint64_t n = len - done < PAGE_SIZE ? len - done : PAGE_SIZE;
    s = copy_from_user_raw(bounce, src.addr() + done, n);
    if (s == ZX_OK) s = write(bounce, offset + done, n);
  }
  kfree(bounce);
  return s;
}

zx_status_t VmObject::commit(uint64_t offset, uint64_t len) {
  uint64_t start = offset & ~(PAGE_SIZE - 1);
  uint64_t end = len > ~0ull - offset ? ~0ull : page_round_up(offset + len);
  MutexGuard g(lock_);
  if (end > size_ || start > end) return ZX_ERR_OUT_OF_RANGE;
  for (uint64_t off = start; off < end; off += PAGE_SIZE) {
    uint64_t pa;
    zx_status_t s = lookup_locked(off, true, &pa);
    if (s != ZX_OK) return s;
  }
  return ZX_OK;
}

void VmObject::free_range_locked(uint64_t start, uint64_t end) {
  for (VmMappingLink* l : mappings_) l->mapping->unmap_object_range(start, end - start);
  pages_.remove_range(start, end, [](uint64_t, vm_page* p) { page_free(p); });
}

zx_status_t VmObject::decommit(uint64_t offset, uint64_t len) {
  uint64_t start = offset & ~(PAGE_SIZE - 1);
  uint64_t end = len > ~0ull - offset ? ~0ull : page_round_up(offset + len);
  MutexGuard g(lock_);
  if (end > size_ || start > end) return ZX_ERR_OUT_OF_RANGE;
  free_range_locked(start, end);
  return ZX_OK;
}

zx_status_t VmObject::zero(uint64_t offset, uint64_t len) {
  // Whole pages go back to the allocator (they read as zero again); partial pages are cleared.
  return for_each_chunk(offset, len, false, [&](char* kva, uint64_t n, uint64_t) {
    if (kva) memset(kva, 0, n);
    return ZX_OK;
  });
}

zx_status_t VmObject::resize(uint64_t new_size) {
  if (!resizable()) return ZX_ERR_UNAVAILABLE;
  if (new_size > kMaxSize) return ZX_ERR_OUT_OF_RANGE;
  uint64_t rounded = page_round_up(new_size);
  MutexGuard g(lock_);
  if (rounded < size_) free_range_locked(rounded, size_);
  // As Zircon: bytes between the new size and the end of its page read as zero afterwards.
  if (new_size != rounded) {
    if (vm_page* p = pages_.lookup(new_size & ~(PAGE_SIZE - 1))) {
      uint64_t in_page = new_size & (PAGE_SIZE - 1);
      memset(static_cast<char*>(phys_to_virt(p->paddr)) + in_page, 0, PAGE_SIZE - in_page);
    }
  }
  size_ = rounded;
  return ZX_OK;
}

uint64_t VmObject::committed_pages() const {
  MutexGuard g(lock_);
  return pages_.count();
}

void VmObject::add_mapping(VmMappingLink* m) {
  MutexGuard g(lock_);
  mappings_.push_back(m);
}

void VmObject::remove_mapping(VmMappingLink* m) {
  MutexGuard g(lock_);
  mappings_.remove(m);
}

void VmObject::set_name(const char* name) {
  MutexGuard g(lock_);
  kstrlcpy(name_, name, sizeof(name_));
}

void VmObject::get_name(char* out, size_t size) const {
  MutexGuard g(lock_);
  kstrlcpy(out, name_, size);
}
