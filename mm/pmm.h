// Physical memory manager: a binary buddy allocator over up to kMaxArenas arenas of
// contiguous RAM. Blocks are 2^order frames (order 0..kMaxOrder), aligned to their size
// relative to the arena base, so a block's buddy is found by flipping one bit of its index and
// freeing merges neighbours back into large blocks without searching.
//
// The allocator only touches the vm_page records (caller-provided storage), never the frames
// themselves, so it runs unchanged in host tests.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/list.h"
#include "kernel/spinlock.h"
#include "kernel/status.h"
#include "mm/vm_page.h"

class Pmm {
 public:
  static constexpr unsigned kMaxOrder = 10;  // 4 MiB blocks
  static constexpr size_t kMaxArenas = 8;

  Pmm() = default;
  Pmm(const Pmm&) = delete;
  Pmm& operator=(const Pmm&) = delete;

  // Registers [base_paddr, base_paddr + size) (both page aligned). `pages` must hold
  // size / PAGE_SIZE records; they are initialized here and every frame starts Reserved, so
  // nothing is allocatable until free_range() hands the usable parts over.
  zx_status_t add_arena(uint64_t base_paddr, uint64_t size, vm_page* pages);

  // Makes the Reserved frames wholly inside [paddr, paddr + size) allocatable. Frames outside
  // every arena and frames that are not Reserved are skipped, so overlapping calls are harmless.
  void free_range(uint64_t paddr, uint64_t size);

  // 2^order physically contiguous frames, all set to `state` (which must not be Free); the head
  // gets ref_count 1. nullptr when no block is large enough.
  vm_page* alloc_pages(unsigned order, PageState state);
  vm_page* alloc_page(PageState state) { return alloc_pages(0, state); }

  // Returns a block from alloc_pages() (same order). ZX_ERR_BAD_STATE if any frame of it is
  // already Free (double free), ZX_ERR_INVALID_ARGS for a page outside the arenas or a head not
  // aligned to the order. Nothing is changed on error.
  zx_status_t free_pages(vm_page* head, unsigned order);
  zx_status_t free_page(vm_page* page) { return free_pages(page, 0); }

  vm_page* paddr_to_page(uint64_t paddr);
  // Whether [paddr, paddr+size) touches any arena (RAM this allocator manages).
  bool overlaps_ram(uint64_t paddr, uint64_t size) const;
  static uint64_t page_to_paddr(const vm_page* page) { return page->paddr; }

  uint64_t total_pages() const;
  uint64_t free_pages_count() const;
  // Every frame that is not Free, Reserved ones included.
  uint64_t used_pages() const;
  uint64_t count(PageState state) const;
  // Number of free blocks of exactly this order, over all arenas.
  uint64_t free_blocks(unsigned order) const;

 private:
  using PageList = List<vm_page, &vm_page::queue_node>;
  struct Arena {
    uint64_t base = 0;
    uint64_t npages = 0;
    vm_page* pages = nullptr;
    PageList free[kMaxOrder + 1];
  };

  Arena* arena_of(const vm_page* page);
  void set_state_locked(vm_page* first, uint64_t n, PageState state);
  void push_free_locked(Arena& a, vm_page* head, unsigned order);
  zx_status_t insert_free_block_locked(Arena& a, uint64_t index, unsigned order);

  mutable SpinLock lock_{LockClass::kPmm};
  Arena arenas_[kMaxArenas];
  size_t num_arenas_ = 0;
  uint64_t total_pages_ = 0;
  uint64_t state_count_[kNumPageStates] = {};
};

extern Pmm g_pmm;
