// VM objects (see vm_object.h). One mutex per object orders faults, reads, writes and commits
// on it; pages come from the page allocator already zeroed. Removing or replacing pages that may
// be mapped first takes the translations away in every mapping (and every slice's mappings),
// so no address space can reach a page the object no longer holds. Lock order: a parent's lock
// before its slices' locks; the address-space lock before any object lock.
#include "mm/vm_object.h"

#include "kernel/arch/riscv/memlayout.h"
#include "kernel/lab.h"
#include "kernel/lib/string.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "mm/pmm.h"
#include "mm/reclaim_queue.h"
#include "mm/vm_mapping.h"

namespace {
uint64_t page_round_up(uint64_t x) { return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }
bool range_ok(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}
void* kva(const vm_page* p) { return phys_to_virt(p->paddr); }
constexpr uint16_t kPageUnclean = kPageDirty | kPageAwaitingClean;
// One sharer lets go of a page; the last one frees it.
void release_page(vm_page* p) {
  if (__atomic_sub_fetch(&p->ref_count, 1, __ATOMIC_ACQ_REL) == 0) {
    p->ref_count = 1;  // the allocator's view: one owner handing it back
    page_free(p);
  }
}
}  // namespace

zx_status_t VmObject::create(uint64_t size, uint32_t options, RefPtr<VmObject>* out) {
  if (options & ~(kResizable | kTrapDirty)) return ZX_ERR_INVALID_ARGS;
  if (size > kMaxSize) return ZX_ERR_OUT_OF_RANGE;
  VmObject* v = new VmObject(page_round_up(size), options);
  if (!v) return ZX_ERR_NO_MEMORY;
  *out = adopt(v);
  return ZX_OK;
}

zx_status_t VmObject::create_paged(uint64_t size, uint32_t options, RefPtr<PageSource> source,
                                   RefPtr<ReclaimQueue> reclaim, RefPtr<VmObject>* out) {
  assert(source && reclaim);
  zx_status_t s = create(size, options, out);
  if (s != ZX_OK) return s;
  (*out)->source_ = move(source);
  (*out)->reclaim_ = move(reclaim);
  assert((*out)->mode_ok());
  return ZX_OK;
}

bool VmObject::range_committed(uint64_t offset, uint64_t len) const {
  MutexGuard g(lock_);
  if (!range_ok(offset, len, size_)) return false;
  uint64_t n = 0;
  pages_.for_each(offset, offset + len, [&](uint64_t, vm_page*) {
    n++;
    return true;
  });
  return n == len / PAGE_SIZE;
}

uint64_t VmObject::insert_batch(uint64_t offset, vm_page** pages, uint64_t n) {
  if (n > kSupplyBatch) n = kSupplyBatch;
  vm_page* added[kSupplyBatch];
  uint64_t kept = 0, nadded = 0;
  {
    MutexGuard g(lock_);
    for (uint64_t i = 0; i < n; i++) {
      uint64_t off = offset + i * PAGE_SIZE;
      vm_page* page = pages[i];
      // Never overwrite: a page the object already has stays (insert refuses to replace it),
      // and the new one is freed below.
      if (off >= size_ || pages_.insert(off, page) != ZX_OK) {
        pages[kept++] = page;
        continue;
      }
      page->object_data = off;
      page->flags = kPageReferenced;  // clean, and just asked for: its first chance
      page->owner = this;
      added[nadded++] = page;
    }
    if (reclaim_ && nadded) reclaim_->clean_pages_added(added, nadded);
  }
  for (uint64_t i = 0; i < kept; i++) page_free(pages[i]);  // the refused ones, gathered
  return nadded;
}

bool VmObject::take_batch(uint64_t offset, uint64_t n, vm_page** out) {
  MutexGuard g(lock_);
  for (uint64_t i = 0; i < n; i++) {
    out[i] = pages_.lookup(offset + i * PAGE_SIZE);
    if (!out[i]) return false;  // all or nothing
  }
  unmap_range_locked(offset, offset + n * PAGE_SIZE);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t off = offset + i * PAGE_SIZE;
    vm_page* p = out[i];
    if (__atomic_load_n(&p->ref_count, __ATOMIC_ACQUIRE) > 1) {
      // Shared with a snapshot: the snapshot keeps it, the pager gets a copy.
      vm_page* copy = page_alloc(PageState::Object);
      if (!copy) {
        // Put back what we took: the caller sees nothing moved.
        for (uint64_t j = 0; j < i; j++) pages_.insert(offset + j * PAGE_SIZE, out[j]);
        return false;
      }
      memcpy(kva(copy), kva(p), PAGE_SIZE);
      pages_.remove(off);
      release_page(p);
      p = copy;
    } else {
      pages_.remove(off);
    }
    out[i] = p;
  }
  return true;
}

zx_status_t VmObject::supply_pages(uint64_t offset, uint64_t len, VmObject* aux,
                                   uint64_t aux_offset) {
  // take_batch checks each batch as it takes it; a longer supply checks the whole source range
  // first, so that an uncommitted page anywhere moves nothing.
  if (len > kSupplyBatch * PAGE_SIZE && !aux->range_committed(aux_offset, len))
    return ZX_ERR_BAD_STATE;
  // Within the pager's page budget: evict the oldest clean pages first (before, not after, so
  // that the pages the waiters asked for are there when they wake).
  if (reclaim_) reclaim_->make_room(len / PAGE_SIZE);

  // LAB 7 SOLUTION BEGIN
  // A batch at a time (one lock hold on each side per batch): a page we already have (supplied
  // twice) stays, and aux's is freed.
  zx_status_t s = ZX_OK;
  uint64_t moved = 0;
  while (moved < len) {
    vm_page* batch[kSupplyBatch];
    uint64_t n = (len - moved) / PAGE_SIZE;
    if (n > kSupplyBatch) n = kSupplyBatch;
    if (!aux->take_batch(aux_offset + moved, n, batch)) {
      s = ZX_ERR_BAD_STATE;  // decommitted under us, or no memory to unshare one
      break;
    }
    insert_batch(offset + moved, batch, n);
    moved += n * PAGE_SIZE;
  }
  if (moved) source_->on_pages_supplied(offset, moved);
  return s;
  // LAB 7 SOLUTION END
  // LAB 7 STUB BEGIN
  // (void)offset;
  // (void)aux_offset;
  // lab_todo(7, "VmObject::supply_pages (moving the pages and waking the waiters)");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 7 STUB END
}

void VmObject::fail_pages(uint64_t offset, uint64_t len, zx_status_t status) {
  // Nothing of ours changes: a failed page stays absent, and the next access asks again.
  source_->on_pages_failed(offset, len, status);
}

void VmObject::detach_source() { source_->detach(); }

zx_status_t VmObject::create_snapshot(uint64_t offset, uint64_t size, uint32_t options,
                                      bool at_least_on_write, RefPtr<VmObject>* out) {
  if (slice_parent_) {
    // A snapshot of a slice is a snapshot of the slice's part of its parent, and no more.
    if (!range_ok(offset, page_round_up(size), slice_size_)) return ZX_ERR_OUT_OF_RANGE;
    return slice_parent_->create_snapshot(offset + slice_offset_, size, options, at_least_on_write,
                                          out);
  }
  if ((offset & (PAGE_SIZE - 1)) || (options & ~kResizable)) return ZX_ERR_INVALID_ARGS;
  if (size > kMaxSize || offset > kMaxSize) return ZX_ERR_OUT_OF_RANGE;
  // Copy-on-write would move a page of device or DMA memory out from under the device.
  if (is_contiguous()) return ZX_ERR_NOT_SUPPORTED;
  // As Zircon: the full snapshot guarantee cannot hold for pages a pager has yet to supply.
  if ((source_ || cow_parent_) && !at_least_on_write) return ZX_ERR_NOT_SUPPORTED;
  RefPtr<VmObject> child;
  zx_status_t s = create(size, options, &child);
  if (s != ZX_OK) return s;
  MutexGuard g(lock_);
  if (!pins_.empty()) return ZX_ERR_BAD_STATE;  // a pinned page must stay where the device sees it
  uint64_t end = offset + child->size_;
  if (source_) {
    // Shared lazily, page by page, as the child touches them (take_from_parent).
    child->cow_parent_ = RefPtr<VmObject>(this);
    child->cow_offset_ = offset;
    child->cow_limit_ = offset < size_ ? size_ - offset : 0;
  } else if (cow_parent_) {
    // A child of a child: what we lack and would take from our parent, it takes from there too.
    child->cow_parent_ = cow_parent_;
    child->cow_offset_ = cow_offset_ + offset;
    child->cow_limit_ = offset < cow_limit_ ? cow_limit_ - offset : 0;
  }
  if (child->cow_limit_ > child->size_) child->cow_limit_ = child->size_;
  // Share every committed page; both sides now map them read-only until one writes.
  pages_.for_each(offset, end < size_ ? end : size_, [&](uint64_t off, vm_page* p) {
    if (child->pages_.insert(off - offset, p) != ZX_OK) {
      s = ZX_ERR_NO_MEMORY;
      return false;
    }
    __atomic_add_fetch(&p->ref_count, 1, __ATOMIC_ACQ_REL);
    return true;
  });
  if (s != ZX_OK) return s;  // the child's destructor releases what it took
  unmap_range_locked(offset, end);
  assert(child->mode_ok());
  *out = move(child);
  return ZX_OK;
}

zx_status_t VmObject::take_from_parent(uint64_t offset, LazyPageRequest* request) {
  VmObject* parent = cow_parent_.get();  // fixed at creation
  {
    MutexGuard g(lock_);
    if (offset >= cow_limit_) return ZX_OK;  // look again: it reads as zero now
  }
  uint64_t poff = cow_offset_ + offset;
  vm_page* page = nullptr;
  zx_status_t s = parent->try_page(poff, false, request, [&](uint64_t pa, bool exclusive) {
    page = g_pmm.paddr_to_page(pa);
    __atomic_add_fetch(&page->ref_count, 1, __ATOMIC_ACQ_REL);
    // Shared from now on: the parent's own writes must copy instead of showing here.
    if (exclusive) parent->unmap_range_locked(poff, poff + PAGE_SIZE);
    return ZX_OK;
  });
  if (s == ZX_ERR_OUT_OF_RANGE) {
    // The parent shrank below this page: as in Zircon, we never see its content here again.
    MutexGuard g(lock_);
    if (cow_limit_ > offset) cow_limit_ = offset;
    return ZX_OK;
  }
  if (s != ZX_OK) return s;
  MutexGuard g(lock_);
  if (offset < size_ && offset < cow_limit_ && !pages_.lookup(offset)) {
    page->object_data = offset;
    if (pages_.insert(offset, page) == ZX_OK) return ZX_OK;
  }
  release_page(page);  // another thread took it first, or we shrank meanwhile
  return ZX_OK;
}

zx_status_t VmObject::create_slice(uint64_t offset, uint64_t size, RefPtr<VmObject>* out) {
  if ((offset & (PAGE_SIZE - 1)) || (size & (PAGE_SIZE - 1))) return ZX_ERR_INVALID_ARGS;
  if (slice_parent_) {
    if (!range_ok(offset, size, slice_size_)) return ZX_ERR_OUT_OF_RANGE;
    return slice_parent_->create_slice(offset + slice_offset_, size, out);
  }
  auto* v = new VmObject(size, 0);
  if (!v) return ZX_ERR_NO_MEMORY;
  RefPtr<VmObject> child = adopt(v);
  MutexGuard g(lock_);
  if (!range_ok(offset, size, size_)) return ZX_ERR_OUT_OF_RANGE;
  v->slice_parent_ = RefPtr<VmObject>(this);
  v->slice_offset_ = offset;
  v->slice_size_ = size;
  slices_.push_back(v);
  assert(v->mode_ok());
  *out = move(child);
  return ZX_OK;
}

VmObject::~VmObject() {
  if (source_) source_->on_object_destroyed();
  if (slice_parent_) {
    MutexGuard g(slice_parent_->lock_);
    slice_parent_->slices_.remove(this);
    return;
  }
  // Nobody else can reach us any more; the lock is for page_leaving_locked's precondition.
  MutexGuard g(lock_);
  pages_.remove_range(0, kMaxSize, [&](uint64_t, vm_page* p) {
    page_leaving_locked(p);
    release_page(p);
  });
}

uint64_t VmObject::size() const {
  if (slice_parent_) return slice_size_;
  MutexGuard g(lock_);
  return size_;
}

[[gnu::noinline]] zx_status_t VmObject::lookup_paged_locked(vm_page* p, uint64_t offset, bool write,
                                                            uint64_t* paddr, bool* exclusive) {
  assert_held(lock_);
  page_set_flags(p, kPageReferenced, 0);  // for the reclaim queue's second chance
  if (write) {
    uint16_t f = page_flags(p);
    if (!(f & kPageDirty)) {
      if (options_ & kTrapDirty) return ZX_ERR_SHOULD_WAIT;  // the pager must agree first
      mark_dirty_locked(p);
    }
    modified_ = true;
    if (__atomic_load_n(&p->ref_count, __ATOMIC_ACQUIRE) > 1) {
      // A child shares it: the child keeps the page, we write to a copy.
      vm_page* copy = page_alloc(PageState::Object);
      if (!copy) return ZX_ERR_NO_MEMORY;
      memcpy(kva(copy), kva(p), PAGE_SIZE);
      copy->object_data = offset;
      copy->flags = page_flags(p) & (kPageDirty | kPageAlwaysNeed);
      copy->owner = this;
      unmap_range_locked(offset, offset + PAGE_SIZE);
      pages_.replace(offset, copy);
      if (reclaim_) {
        reclaim_->page_removed(p, true);
        reclaim_->page_added(copy, true);
      }
      release_page(p);
      p = copy;
    }
  }
  *paddr = p->paddr;
  *exclusive = page_writable(p, true);
  return ZX_OK;
}

bool VmObject::page_writable(const vm_page* p, bool pager_backed) {
  if (__atomic_load_n(&p->ref_count, __ATOMIC_ACQUIRE) != 1) return false;
  // Only a dirty page may be mapped writable: the first store to a clean one must fault.
  return !pager_backed || (page_flags(p) & kPageDirty);
}

void VmObject::mark_dirty_locked(vm_page* p) {
  assert_held(lock_);
  uint16_t f = page_flags(p);
  if (f & kPageDirty) return;
  page_set_flags(p, kPageDirty, kPageAwaitingClean);
  if (!(f & kPageAwaitingClean) && reclaim_) reclaim_->became_dirty(p);
}

void VmObject::page_leaving_locked(vm_page* p) {
  assert_held(lock_);
  if (reclaim_) reclaim_->page_removed(p, page_flags(p) & kPageUnclean);
}

EvictResult VmObject::evict_page(vm_page* p, uint64_t offset) {
  assert(reclaim_);  // only a reclaim queue evicts, and only its own objects' pages
  MutexGuard g(lock_);
  if (pages_.lookup(offset) != p) return EvictResult::kSkipped;  // no longer ours
  uint16_t f = page_flags(p);
  if (f & (kPageUnclean | kPageAlwaysNeed)) return EvictResult::kSkipped;
  if (f & kPageReferenced) {
    page_set_flags(p, 0, kPageReferenced);
    reclaim_->second_chance(p);
    return EvictResult::kSecondChance;
  }
  // Nobody may reach the page once it is gone: take it out of every address space first.
  unmap_range_locked(offset, offset + PAGE_SIZE);
  pages_.remove(offset);
  reclaim_->page_removed(p, false);
  reclaim_->note_evicted();
  release_page(p);
  return EvictResult::kEvicted;
}

zx_status_t VmObject::hint_range(uint64_t offset, uint64_t len, bool always_need) {
  if (!source_) return ZX_OK;  // only pager-backed pages are ever evicted
  assert(reclaim_);            // every pager-backed object has a reclaim queue
  if (always_need) {
    // As Zircon: the pages are brought in now, and then kept.
    zx_status_t s = commit(offset, len);
    if (s != ZX_OK) return s;
  }
  MutexGuard g(lock_);
  uint64_t start = offset & ~(PAGE_SIZE - 1);
  uint64_t end = len > ~0ull - offset ? ~0ull : page_round_up(offset + len);
  if (end > size_ || start > end) return ZX_ERR_OUT_OF_RANGE;
  pages_.for_each(start, end, [&](uint64_t, vm_page* p) {
    bool clean = !(page_flags(p) & kPageUnclean);
    if (always_need) {
      page_set_flags(p, kPageAlwaysNeed, 0);
      if (clean) reclaim_->pin(p);
    } else {
      page_set_flags(p, 0, kPageAlwaysNeed | kPageReferenced);
      if (clean) {
        reclaim_->unpin(p);
        reclaim_->age_out(p);
      }
    }
    return true;
  });
  return ZX_OK;
}

zx_status_t VmObject::request_page_locked(uint64_t offset, LazyPageRequest* request) {
  assert_held(lock_);
  PageRequestType type = pages_.lookup(offset) ? PageRequestType::kDirty : PageRequestType::kRead;
  PageRequest* r = request->get();
  r->init(type, offset, PAGE_SIZE);
  return source_->get_pages(r);
}

bool VmObject::dirty_locked(uint64_t offset) const {
  assert_held(lock_);
  vm_page* p = pages_.lookup(offset);
  return p && (page_flags(p) & kPageDirty);
}

zx_status_t VmObject::mark_range_dirty(uint64_t offset, uint64_t len) {
  MutexGuard g(lock_);
  if (!range_ok(offset, len, size_)) return ZX_ERR_OUT_OF_RANGE;
  uint64_t n = 0;
  pages_.for_each(offset, offset + len, [&](uint64_t, vm_page*) {
    n++;
    return true;
  });
  if (n != len / PAGE_SIZE) return ZX_ERR_NOT_FOUND;
  pages_.for_each(offset, offset + len, [&](uint64_t, vm_page* p) {
    mark_dirty_locked(p);
    return true;
  });
  modified_ = true;
  return ZX_OK;
}

zx_status_t VmObject::dirty_range(uint64_t offset, uint64_t len) {
  zx_status_t s = mark_range_dirty(offset, len);
  // Writers waiting for leave to dirty these pages may go on now.
  if (s == ZX_OK) source_->on_pages_dirtied(offset, len);
  return s;
}

void VmObject::writeback_begin(uint64_t offset, uint64_t len) {
  MutexGuard g(lock_);
  bool any = false;
  pages_.for_each(offset, offset + len, [&](uint64_t, vm_page* p) {
    if (page_flags(p) & kPageDirty) {
      page_set_flags(p, kPageAwaitingClean, kPageDirty);
      any = true;
    }
    return true;
  });
  // Writable translations would let stores through unseen: the next store must fault.
  if (any) unmap_range_locked(offset, offset + len);
}

void VmObject::writeback_end(uint64_t offset, uint64_t len) {
  MutexGuard g(lock_);
  pages_.for_each(offset, offset + len, [&](uint64_t, vm_page* p) {
    uint16_t f = page_flags(p);
    if (!(f & kPageAwaitingClean)) return true;
    page_set_flags(p, 0, kPageAwaitingClean);
    if (reclaim_) reclaim_->became_clean(p, !(f & kPageAlwaysNeed));
    return true;
  });
}

uint64_t VmObject::dirty_runs(uint64_t offset, uint64_t len, uint64_t (*out)[2], uint64_t max,
                              uint64_t* written) const {
  MutexGuard g(lock_);
  uint64_t runs = 0, start = 0, end = 0;
  *written = 0;
  auto flush = [&] {
    if (end == start) return;
    if (*written < max) {
      out[*written][0] = start;
      out[*written][1] = end - start;
      ++*written;
    }
    runs++;
  };
  pages_.for_each(offset, offset + len, [&](uint64_t off, vm_page* p) {
    if (!(page_flags(p) & kPageUnclean)) return true;
    if (off != end) {
      flush();
      start = off;
    }
    end = off + PAGE_SIZE;
    return true;
  });
  flush();
  return runs;
}

bool VmObject::modified(bool reset) {
  MutexGuard g(lock_);
  bool m = modified_;
  if (reset) modified_ = false;
  return m;
}

zx_status_t VmObject::lookup_locked(uint64_t offset, bool commit, bool write, uint64_t* paddr,
                                    bool* exclusive) {
  assert_held(lock_);
  if (offset >= size_) return ZX_ERR_OUT_OF_RANGE;
  vm_page* p = pages_.lookup(offset);
  // A pager-backed object never makes up a page: the pager supplies it (request_page_locked).
  if (source_)
    return p ? lookup_paged_locked(p, offset, write, paddr, exclusive) : ZX_ERR_SHOULD_WAIT;
  // Nor does a child of one below its parent's limit: that page is the parent's.
  if (!p && cow_parent_ && offset < cow_limit_) return ZX_ERR_NEXT;
  // LAB 5 SOLUTION BEGIN
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
  } else if (write && __atomic_load_n(&p->ref_count, __ATOMIC_ACQUIRE) > 1) {
    // Copy-on-write: take a private copy, then let go of the shared page. Our mappings may
    // still translate to the shared page: drop those translations first.
    vm_page* copy = page_alloc(PageState::Object);
    if (!copy) return ZX_ERR_NO_MEMORY;
    memcpy(kva(copy), kva(p), PAGE_SIZE);
    copy->object_data = offset;
    unmap_range_locked(offset, offset + PAGE_SIZE);
    pages_.replace(offset, copy);
    release_page(p);
    p = copy;
  }
  *paddr = p->paddr;
  *exclusive = __atomic_load_n(&p->ref_count, __ATOMIC_ACQUIRE) == 1;
  return ZX_OK;
  // LAB 5 SOLUTION END
  // LAB 5 STUB BEGIN
  // (void)p;
  // (void)commit;
  // (void)write;
  // (void)paddr;
  // (void)exclusive;
  // (void)kva;
  // lab_todo(5, "VmObject::lookup_locked (demand-zero pages and copy-on-write)");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 5 STUB END
}

// Walks [offset, offset+len) page by page, calling fn(kernel pointer, length, position in the
// request). Absent pages are committed when `commit` is set, else fn gets nullptr (reads of
// untouched memory see zeroes without committing anything); `write` makes shared pages private.
template <typename F>
zx_status_t VmObject::for_each_chunk(uint64_t offset, uint64_t len, bool commit, bool write, F fn) {
  // Device registers are reached through mappings only (and their reads may have effects).
  if (is_physical()) return ZX_ERR_NOT_SUPPORTED;
  if (slice_parent_) {
    if (!range_ok(offset, len, slice_size_)) return ZX_ERR_OUT_OF_RANGE;
    return slice_parent_->for_each_chunk(offset + slice_offset_, len, commit, write, fn);
  }
  if (len > ~0ull - offset) return ZX_ERR_OUT_OF_RANGE;
  uint64_t end = offset + len;  // the object must stay at least this long
  uint64_t done = 0;
  while (done < len) {
    uint64_t off = offset + done;
    uint64_t in_page = off & (PAGE_SIZE - 1);
    uint64_t n = PAGE_SIZE - in_page;
    if (n > len - done) n = len - done;
    zx_status_t s = wait_for_pages([&](LazyPageRequest* request, bool) {
      return access_page(off - in_page, end, commit, write, request, [&](uint64_t pa, bool) {
        return fn(pa ? static_cast<char*>(phys_to_virt(pa)) + in_page : nullptr, n, done);
      });
    });
    if (s != ZX_OK) return s;
    done += n;
  }
  return ZX_OK;
}

zx_status_t VmObject::read(void* dst, uint64_t offset, uint64_t len) {
  char* out = static_cast<char*>(dst);
  return for_each_chunk(offset, len, false, false, [&](char* p, uint64_t n, uint64_t pos) {
    if (p)
      memcpy(out + pos, p, n);
    else
      memset(out + pos, 0, n);
    return ZX_OK;
  });
}

zx_status_t VmObject::write(const void* src, uint64_t offset, uint64_t len) {
  const char* in = static_cast<const char*>(src);
  return for_each_chunk(offset, len, true, true, [&](char* p, uint64_t n, uint64_t pos) {
    memcpy(p, in + pos, n);
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
  if (!range_ok(offset, len, size())) return ZX_ERR_OUT_OF_RANGE;
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
  if (slice_parent_) {
    if (!range_ok(offset, len, slice_size_)) return ZX_ERR_OUT_OF_RANGE;
    return slice_parent_->commit(offset + slice_offset_, len);
  }
  uint64_t start = offset & ~(PAGE_SIZE - 1);
  uint64_t end = len > ~0ull - offset ? ~0ull : page_round_up(offset + len);
  if (source_ || cow_parent_) {
    // Committing a pager-backed range means having the pager supply it; so does committing a
    // child of one where the page is still the parent's (with_page fetches it).
    if (end > size() || start > end) return ZX_ERR_OUT_OF_RANGE;
    for (uint64_t off = start; off < end; off += PAGE_SIZE) {
      zx_status_t s = with_page(off, false, [](uint64_t, bool) { return ZX_OK; });
      if (s != ZX_OK) return s;
    }
    return ZX_OK;
  }
  MutexGuard g(lock_);
  if (end > size_ || start > end) return ZX_ERR_OUT_OF_RANGE;
  for (uint64_t off = start; off < end; off += PAGE_SIZE) {
    uint64_t pa;
    bool exclusive;
    zx_status_t s = lookup_locked(off, true, false, &pa, &exclusive);
    if (s != ZX_OK) return s;
  }
  return ZX_OK;
}

void VmObject::unmap_range_locked(uint64_t start, uint64_t end) {
  assert_held(lock_);
  for (VmMappingLink* l : mappings_) l->mapping->unmap_object_range(start, end - start);
  for (VmObject* s : slices_) {
    uint64_t lo = start > s->slice_offset_ ? start : s->slice_offset_;
    uint64_t hi = end < s->slice_offset_ + s->slice_size_ ? end : s->slice_offset_ + s->slice_size_;
    if (lo >= hi) continue;
    MutexGuard g(s->lock_, kLockNested);  // parent before slice (lock_order.h)
    for (VmMappingLink* l : s->mappings_)
      l->mapping->unmap_object_range(lo - s->slice_offset_, hi - lo);
  }
}

void VmObject::free_range_locked(uint64_t start, uint64_t end) {
  assert_held(lock_);
  unmap_range_locked(start, end);
  pages_.remove_range(start, end, [&](uint64_t, vm_page* p) {
    page_leaving_locked(p);
    release_page(p);
  });
}

zx_status_t VmObject::decommit(uint64_t offset, uint64_t len) {
  // As Zircon: a pager's pages are not discarded here; and a child of a pager-backed object
  // would see its parent's page again instead of zeroes.
  // Nor are device registers and contiguous (DMA) memory.
  if (source_ || cow_parent_ || is_contiguous()) return ZX_ERR_NOT_SUPPORTED;
  if (slice_parent_) {
    if (!range_ok(offset, len, slice_size_)) return ZX_ERR_OUT_OF_RANGE;
    return slice_parent_->decommit(offset + slice_offset_, len);
  }
  uint64_t start = offset & ~(PAGE_SIZE - 1);
  uint64_t end = len > ~0ull - offset ? ~0ull : page_round_up(offset + len);
  MutexGuard g(lock_);
  if (end > size_ || start > end) return ZX_ERR_OUT_OF_RANGE;
  if (pinned_locked(start, end)) return ZX_ERR_BAD_STATE;  // a device may be using them
  free_range_locked(start, end);
  return ZX_OK;
}

zx_status_t VmObject::zero(uint64_t offset, uint64_t len) {
  if (source_) return ZX_ERR_NOT_SUPPORTED;
  // Present pages are cleared (a shared page is made private first); absent pages read zero.
  return for_each_chunk(offset, len, false, true, [&](char* p, uint64_t n, uint64_t) {
    if (p) memset(p, 0, n);
    return ZX_OK;
  });
}

zx_status_t VmObject::resize(uint64_t new_size) {
  if (slice_parent_ || !resizable()) return ZX_ERR_UNAVAILABLE;
  if (new_size > kMaxSize) return ZX_ERR_OUT_OF_RANGE;
  uint64_t rounded = page_round_up(new_size);
  MutexGuard g(lock_);
  if (rounded < size_ && pinned_locked(rounded, size_)) return ZX_ERR_BAD_STATE;
  if (rounded < size_) free_range_locked(rounded, size_);
  // As Zircon: a child that shrinks no longer sees its parent's pages past the cut, even if it
  // grows back.
  if (cow_limit_ > rounded) cow_limit_ = rounded;
  // As Zircon: bytes between the new size and the end of its page read as zero afterwards.
  if (new_size != rounded && pages_.lookup(new_size & ~(PAGE_SIZE - 1))) {
    uint64_t pa;
    bool exclusive;
    if (lookup_locked(new_size & ~(PAGE_SIZE - 1), true, true, &pa, &exclusive) == ZX_OK) {
      uint64_t in_page = new_size & (PAGE_SIZE - 1);
      memset(static_cast<char*>(phys_to_virt(pa)) + in_page, 0, PAGE_SIZE - in_page);
    }
  }
  size_ = rounded;
  if (source_) {
    modified_ = true;
    source_->on_resize(rounded);
  }
  return ZX_OK;
}

uint64_t VmObject::committed_pages() const {
  if (slice_parent_) return 0;
  MutexGuard g(lock_);
  return pages_.count();
}

void VmObject::count_pages(uint64_t offset, uint64_t len, uint64_t* private_bytes,
                           uint64_t* shared_bytes, uint64_t* scaled_bytes) const {
  if (slice_parent_) {
    slice_parent_->count_pages(offset + slice_offset_, len, private_bytes, shared_bytes,
                               scaled_bytes);
    return;
  }
  MutexGuard g(lock_);
  uint64_t end = len > ~0ull - offset ? ~0ull : offset + len;
  pages_.for_each(offset, end, [&](uint64_t, vm_page* p) {
    uint32_t refs = __atomic_load_n(&p->ref_count, __ATOMIC_RELAXED);
    if (refs <= 1) {
      *private_bytes += PAGE_SIZE;
    } else {
      *shared_bytes += PAGE_SIZE;
      *scaled_bytes += PAGE_SIZE / refs;
    }
    return true;
  });
}

void VmObject::add_mapping(VmMappingLink* m) {
  MutexGuard g(lock_);
  mappings_.push_back(m);
}

size_t VmObject::mapping_count() const {
  MutexGuard g(lock_);
  return mappings_.size();
}

void VmObject::set_name(const char* name) {
  MutexGuard g(lock_);
  kstrlcpy(name_, name, sizeof(name_));
}

void VmObject::get_name(char* out, size_t size) const {
  MutexGuard g(lock_);
  kstrlcpy(out, name_, size);
}
