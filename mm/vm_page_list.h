// The sparse page list of a VM object: a map from page-aligned byte offset to the vm_page that
// backs it. VMOs can be huge (a 1 TiB VMO is legal) and are usually touched sparsely, so the
// map is a radix tree over page indices rather than an array or a hash table:
//  - 64-way nodes, 6 index bits per level. A node is exactly 64 pointers (512 bytes), which is
//    one of the kernel heap's size classes, so nodes waste nothing. A slot is "present" when
//    its pointer is non-null; there is deliberately no bitmap or count in the node, because
//    either would push it into the 1024-byte class. Scanning 64 slots is cheap next to a miss.
//  - The height grows with the largest index stored (like Linux's radix tree) and shrinks back
//    when the high part empties, so a small VMO costs one node and a 1 TiB VMO with two pages
//    at its ends costs 1 + 2 * (height - 1) nodes.
//  - Empty nodes are freed as soon as they become empty, so memory tracks the pages present.
//  - Range walks (for_each, remove_range, next_present) only descend into non-null slots that
//    intersect the range, so their cost is proportional to the pages visited plus the height,
//    never to the length of the range.
// The list does not own the pages: removing or destroying never frees a vm_page.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/status.h"
#include "mm/vm_page.h"

class VmPageList {
 public:
  // Offsets are byte offsets below 2^52 (2^40 page indices).
  static constexpr uint64_t kMaxOffset = uint64_t{1} << 52;

  VmPageList() = default;
  // Frees the tree nodes only. Destroying a non-empty list is the owner's bug (its pages leak
  // from the owner's point of view) but is not checked here.
  ~VmPageList();
  VmPageList(const VmPageList&) = delete;
  VmPageList& operator=(const VmPageList&) = delete;

  // ZX_ERR_INVALID_ARGS if offset is not page aligned, >= kMaxOffset, or p is null;
  // ZX_ERR_ALREADY_EXISTS if a page is already at offset; ZX_ERR_NO_MEMORY if a node could not
  // be allocated (the list is then unchanged).
  zx_status_t insert(uint64_t offset, vm_page* p);
  // nullptr if absent (or offset invalid).
  vm_page* lookup(uint64_t offset) const;
  // Returns the removed page, or nullptr if none was at offset.
  // Swaps the page at `offset` for p in place (no allocation, so it cannot fail for lack of
  // memory); returns the old page, or nullptr (and changes nothing) if none was there.
  vm_page* replace(uint64_t offset, vm_page* p);
  vm_page* remove(uint64_t offset);

  // Calls fn(offset, page) -> bool for present pages with start <= offset < end, ascending;
  // fn returning false stops the walk. fn must not modify the list.
  template <typename F>
  void for_each(uint64_t start, uint64_t end, F fn) const;
  // Removes every page with start <= offset < end, calling fn(offset, page) for each in
  // ascending order (its return value, if any, is ignored). fn must not touch the list: the
  // slot is already cleared when fn runs and nodes are freed around it.
  template <typename F>
  void remove_range(uint64_t start, uint64_t end, F fn);

  // The first present offset in [start, end): returns true and sets *offset.
  bool next_present(uint64_t start, uint64_t end, uint64_t* offset) const;

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Tree nodes currently allocated (for tests: the memory cost is node_count() * 512 bytes).
  uint64_t node_count() const { return nodes_; }

 private:
  static constexpr unsigned kBits = 6;
  static constexpr unsigned kFanout = 1u << kBits;
  static constexpr uint64_t kSlotMask = kFanout - 1;
  // ceil(40 / 6): enough levels for every page index below kMaxOffset.
  static constexpr unsigned kMaxHeight = 7;

  // Level 0 nodes hold pages; higher levels hold children. Which union member is live is
  // always known from the level, so there is no tag.
  struct Node;
  union Slot {
    Node* child;
    vm_page* page;
  };
  struct Node {
    Slot slot[kFanout];
  };
  static_assert(sizeof(Slot) == sizeof(void*), "a slot is one pointer");

  // Page indices [0, capacity(h)) fit a tree of height h.
  static uint64_t capacity(unsigned height) { return uint64_t{1} << (kBits * height); }
  static unsigned slot_of(uint64_t idx, unsigned level) {
    return static_cast<unsigned>((idx >> (kBits * level)) & kSlotMask);
  }
  // Rounds a byte offset up to a page index, so that [start, end) in bytes becomes
  // [lo, hi) in indices.
  static uint64_t ceil_index(uint64_t off) {
    return (off >> PAGE_SHIFT) + ((off & (PAGE_SIZE - 1)) != 0);
  }
  static bool node_empty(const Node* n);

  Node* alloc_node();
  void free_node(Node* n);
  void free_subtree(Node* n, unsigned level);
  // Frees the now-empty nodes on the path to idx, bottom up, stopping at the root.
  void prune_path(uint64_t idx);
  // Frees an empty root and collapses roots whose only child is slot 0, so the height stays
  // the minimum that covers the largest index present.
  void shrink();

  template <typename F>
  static bool visit(const Node* n, unsigned level, uint64_t base, uint64_t lo, uint64_t hi, F& fn);
  template <typename F>
  void remove_visit(Node* n, unsigned level, uint64_t base, uint64_t lo, uint64_t hi, F& fn);
  // The index of the first and last slot of a node at (level, base) that intersect [lo, hi);
  // the caller guarantees the node's span intersects the range.
  static unsigned first_slot(unsigned level, uint64_t base, uint64_t lo) {
    return lo > base ? static_cast<unsigned>((lo - base) >> (kBits * level)) : 0;
  }
  static unsigned last_slot(unsigned level, uint64_t base, uint64_t hi) {
    uint64_t s = (hi - 1 - base) >> (kBits * level);
    return s > kSlotMask ? static_cast<unsigned>(kSlotMask) : static_cast<unsigned>(s);
  }

  Node* root_ = nullptr;
  unsigned height_ = 0;  // 0 iff root_ is null; the root is at level height_ - 1
  uint64_t count_ = 0;
  uint64_t nodes_ = 0;
};

template <typename F>
bool VmPageList::visit(const Node* n, unsigned level, uint64_t base, uint64_t lo, uint64_t hi,
                       F& fn) {
  unsigned first = first_slot(level, base, lo);
  unsigned last = last_slot(level, base, hi);
  for (unsigned i = first; i <= last; i++) {
    if (level == 0) {
      vm_page* p = n->slot[i].page;
      if (p && !fn((base + i) << PAGE_SHIFT, p)) return false;
    } else {
      const Node* c = n->slot[i].child;
      if (c && !visit(c, level - 1, base + (uint64_t{i} << (kBits * level)), lo, hi, fn)) {
        return false;
      }
    }
  }
  return true;
}

template <typename F>
void VmPageList::for_each(uint64_t start, uint64_t end, F fn) const {
  if (!root_ || start >= end) return;
  uint64_t lo = ceil_index(start);
  uint64_t hi = ceil_index(end);
  if (hi > capacity(height_)) hi = capacity(height_);
  if (lo >= hi) return;
  visit(root_, height_ - 1, 0, lo, hi, fn);
}

template <typename F>
void VmPageList::remove_visit(Node* n, unsigned level, uint64_t base, uint64_t lo, uint64_t hi,
                              F& fn) {
  unsigned first = first_slot(level, base, lo);
  unsigned last = last_slot(level, base, hi);
  for (unsigned i = first; i <= last; i++) {
    if (level == 0) {
      vm_page* p = n->slot[i].page;
      if (p) {
        n->slot[i].page = nullptr;
        count_--;
        fn((base + i) << PAGE_SHIFT, p);
      }
    } else {
      Node* c = n->slot[i].child;
      if (!c) continue;
      remove_visit(c, level - 1, base + (uint64_t{i} << (kBits * level)), lo, hi, fn);
      if (node_empty(c)) {
        free_node(c);
        n->slot[i].child = nullptr;
      }
    }
  }
}

template <typename F>
void VmPageList::remove_range(uint64_t start, uint64_t end, F fn) {
  if (!root_ || start >= end) return;
  uint64_t lo = ceil_index(start);
  uint64_t hi = ceil_index(end);
  if (hi > capacity(height_)) hi = capacity(height_);
  if (lo >= hi) return;
  remove_visit(root_, height_ - 1, 0, lo, hi, fn);
  shrink();
}
