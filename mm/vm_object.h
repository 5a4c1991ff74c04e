// A VM object: memory that can be mapped, read and written, independent of any address space.
// This is the anonymous kind: pages are allocated zeroed on first touch (a fault, a write or a
// commit) and kept in a sparse page list, so a 1 TiB object costs nothing until touched.
// Pager-backed objects and copy-on-write children build on the same page list later.
#pragma once
#include <stdint.h>

#include "kernel/lib/list.h"
#include "kernel/lib/ref_ptr.h"
#include "kernel/mutex.h"
#include "kernel/status.h"
#include "kernel/user_copy.h"
#include "mm/vm_page_list.h"

class VmMapping;

// A mapping's entry on its object's list of mappings (VmMapping embeds one).
struct VmMappingLink {
  ListNode node;
  VmMapping* mapping = nullptr;
};

class VmObject : public RefCounted<VmObject> {
 public:
  static constexpr uint32_t kResizable = 1;
  static constexpr uint64_t kMaxSize = 1ull << 52;

  static zx_status_t create(uint64_t size, uint32_t options, RefPtr<VmObject>* out);
  ~VmObject();

  uint64_t size() const;
  bool resizable() const { return options_ & kResizable; }
  // Shrinking frees the pages past the new end and unmaps them from every mapping.
  zx_status_t resize(uint64_t new_size);

  // The page backing `offset` (page aligned), committing a zeroed page if there is none.
  // ZX_ERR_OUT_OF_RANGE past the end.
  zx_status_t get_page(uint64_t offset, uint64_t* paddr);

  zx_status_t read(void* dst, uint64_t offset, uint64_t len);
  zx_status_t write(const void* src, uint64_t offset, uint64_t len);
  zx_status_t read_user(UserOutPtr<void> dst, uint64_t offset, uint64_t len);
  zx_status_t write_user(UserInPtr<const void> src, uint64_t offset, uint64_t len);

  zx_status_t commit(uint64_t offset, uint64_t len);
  zx_status_t decommit(uint64_t offset, uint64_t len);
  zx_status_t zero(uint64_t offset, uint64_t len);

  uint64_t committed_pages() const;

  // Calls fn(paddr) with the page at `offset` committed and the object locked, so the page
  // cannot be freed before fn has installed its translation (the page-fault path).
  template <typename F>
  zx_status_t with_page(uint64_t offset, F fn) {
    MutexGuard g(lock_);
    uint64_t pa = 0;
    zx_status_t s = lookup_locked(offset, true, &pa);
    return s == ZX_OK ? fn(pa) : s;
  }
  Mutex& lock() const { return lock_; }
  void add_mapping_locked(VmMappingLink* m) { mappings_.push_back(m); }
  void remove_mapping_locked(VmMappingLink* m) { mappings_.remove(m); }

  // Mappings register themselves so that decommit and shrink can remove stale translations.
  void add_mapping(VmMappingLink* m);
  void remove_mapping(VmMappingLink* m);

  void set_name(const char* name);
  void get_name(char* out, size_t size) const;

 private:
  VmObject(uint64_t size, uint32_t options) : size_(size), options_(options) {}
  // With lock_ held: the page at offset, allocating it when `commit` is set.
  zx_status_t lookup_locked(uint64_t offset, bool commit, uint64_t* paddr);
  void free_range_locked(uint64_t start, uint64_t end);
  template <typename F>
  zx_status_t for_each_chunk(uint64_t offset, uint64_t len, bool commit, F fn);

  mutable Mutex lock_{"vmo"};
  VmPageList pages_;
  uint64_t size_;
  uint32_t options_;
  List<VmMappingLink, &VmMappingLink::node> mappings_;
  char name_[32] = {};
};
