// The regions of a VMAR: non-overlapping, page-aligned [base, base + size) ranges (mappings
// and child VMARs) inside the VMAR's own range, kept in an AVL tree ordered by base.
//
// Every node is augmented with the lowest base and highest end in its subtree and with the
// largest gap *between* regions of its subtree. That is enough to answer "where is the first
// hole of at least this size after the hint?" by descending only into subtrees whose gaps
// could hold it, instead of scanning every region as a linked list of regions would. The gaps
// before the first and after the last region of the whole range are not in the augmentation;
// find_gap checks them directly.
//
// RegionNode is meant to be embedded in the VMAR code's mapping and child-VMAR objects; the
// tree never allocates and does not own the nodes. base and size must not change while a node
// is in the tree.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/avl_tree.h"
#include "kernel/status.h"
#include "mm/vm_page.h"

struct RegionNode {
  AvlNode node;
  uint64_t base = 0;
  uint64_t size = 0;
  // Augmentation, maintained by the tree: the subtree spans [subtree_min, subtree_max_end)
  // and the largest hole between two of its regions is max_gap bytes.
  uint64_t subtree_min = 0;
  uint64_t subtree_max_end = 0;
  uint64_t max_gap = 0;

  uint64_t end() const { return base + size; }
};

class RegionTree {
 public:
  RegionTree() = default;
  RegionTree(const RegionTree&) = delete;
  RegionTree& operator=(const RegionTree&) = delete;

  // The VMAR's own range. range_base + range_size must not overflow 2^64.
  void init(uint64_t range_base, uint64_t range_size);

  // r must not be in a tree. ZX_ERR_INVALID_ARGS if r is empty, not page aligned, or not inside the
  // range; ZX_ERR_ALREADY_EXISTS if it overlaps a region already present. Touching (end == base) is
  // fine.
  zx_status_t insert(RegionNode* r);
  // r must be in this tree.
  void remove(RegionNode* r);

  RegionNode* find_containing(uint64_t addr) const;
  // The lowest region intersecting [start, end), or nullptr.
  RegionNode* first_overlapping(uint64_t start, uint64_t end) const;
  RegionNode* first() const { return tree_.first(); }
  RegionNode* last() const { return tree_.last(); }
  RegionNode* next(RegionNode* r) const { return Tree::next(r); }
  RegionNode* prev(RegionNode* r) const { return Tree::prev(r); }
  size_t size() const { return tree_.size(); }
  bool empty() const { return tree_.empty(); }
  uint64_t range_base() const { return range_base_; }
  uint64_t range_end() const { return range_end_; }

  // The lowest a >= hint, a multiple of align (a power of two >= PAGE_SIZE), such that
  // [a, a + size) lies in a hole of the range; if there is none at or after hint, the lowest
  // such a from the range base. ZX_ERR_INVALID_ARGS for size 0, a bad align or a size that is
  // not page aligned; ZX_ERR_NO_RESOURCES when nothing fits.
  //
  // Cost: O(log n) to reach the first candidate hole at or after hint. A hole whose length is
  // >= size but which cannot hold an aligned block (possible only when align > PAGE_SIZE) is a
  // miss that costs another O(log n); with align == PAGE_SIZE every hole the descent reaches
  // fits, so the search is O(log n).
  zx_status_t find_gap(uint64_t size, uint64_t align, uint64_t hint, uint64_t* out) const;

  // For tests: BST order, no overlap, inside the range, AVL heights and balance, and every
  // node's augmentation equal to a recomputation from its children.
  bool check_invariants() const;

  // Recomputes a node's augmentation from its children (either may be null). Public because
  // the AVL tree calls it through Traits.
  static void augment(RegionNode* x, const RegionNode* left, const RegionNode* right);

 private:
  struct Traits {
    static uint64_t key(const RegionNode& r) { return r.base; }
    static void augment(RegionNode* x, const RegionNode* l, const RegionNode* r) {
      RegionTree::augment(x, l, r);
    }
  };
  using Tree = AvlTree<RegionNode, &RegionNode::node, Traits>;

  // The lowest fit in the hole [prev_end, subtree_min(n)) or in the holes inside n's subtree.
  bool search(const RegionNode* n, uint64_t prev_end, uint64_t size, uint64_t align, uint64_t hint,
              uint64_t* out) const;
  bool search_all(uint64_t size, uint64_t align, uint64_t hint, uint64_t* out) const;
  static bool fits(uint64_t gap_start, uint64_t gap_end, uint64_t size, uint64_t align,
                   uint64_t hint, uint64_t* out);
  bool check_node(const RegionNode* n, uint64_t* min, uint64_t* max_end, uint64_t* gap) const;

  Tree tree_;
  uint64_t range_base_ = 0;
  uint64_t range_end_ = 0;
};
