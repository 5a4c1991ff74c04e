// RegionTree: overlap checks and gap search over the VMAR's AVL tree of regions. Why the
// augmentation looks the way it does is explained in region_tree.h.
#include "mm/region_tree.h"

namespace {

uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

}  // namespace

void RegionTree::init(uint64_t range_base, uint64_t range_size) {
  range_base_ = range_base;
  range_end_ = range_base + range_size;
}

void RegionTree::augment(RegionNode* x, const RegionNode* l, const RegionNode* r) {
  x->subtree_min = l ? l->subtree_min : x->base;
  x->subtree_max_end = r ? r->subtree_max_end : x->end();
  uint64_t gap = 0;
  if (l) gap = max64(l->max_gap, x->base - l->subtree_max_end);
  if (r) gap = max64(gap, max64(r->max_gap, r->subtree_min - x->end()));
  x->max_gap = gap;
}

zx_status_t RegionTree::insert(RegionNode* r) {
  if (r->size == 0 || (r->base & (PAGE_SIZE - 1)) || (r->size & (PAGE_SIZE - 1))) {
    return ZX_ERR_INVALID_ARGS;
  }
  if (r->base < range_base_ || r->base >= range_end_ || range_end_ - r->base < r->size) {
    return ZX_ERR_INVALID_ARGS;
  }
  // Regions do not overlap, so only the neighbours on either side of r->base can collide.
  RegionNode* below = tree_.floor(r->base);
  if (below && below->end() > r->base) return ZX_ERR_ALREADY_EXISTS;
  RegionNode* above = tree_.lower_bound(r->base);
  if (above && above->base < r->end()) return ZX_ERR_ALREADY_EXISTS;
  if (!tree_.insert(r)) return ZX_ERR_ALREADY_EXISTS;
  return ZX_OK;
}

void RegionTree::remove(RegionNode* r) { tree_.remove(r); }

RegionNode* RegionTree::find_containing(uint64_t addr) const {
  RegionNode* r = tree_.floor(addr);
  return r && addr < r->end() ? r : nullptr;
}

RegionNode* RegionTree::first_overlapping(uint64_t start, uint64_t end) const {
  if (start >= end) return nullptr;
  RegionNode* r = tree_.floor(start);
  if (r && r->end() > start) return r;
  r = tree_.lower_bound(start);
  return r && r->base < end ? r : nullptr;
}

bool RegionTree::fits(uint64_t gap_start, uint64_t gap_end, uint64_t size, uint64_t align,
                      uint64_t hint, uint64_t* out) {
  uint64_t s = gap_start > hint ? gap_start : hint;
  if (s >= gap_end) return false;
  uint64_t a = (s + align - 1) & ~(align - 1);
  if (a < s || a >= gap_end || gap_end - a < size) return false;
  *out = a;
  return true;
}

bool RegionTree::search(const RegionNode* n, uint64_t prev_end, uint64_t size, uint64_t align,
                        uint64_t hint, uint64_t* out) const {
  // Prune subtrees with no hole big enough, and subtrees whose holes all end too early to
  // hold [hint, hint + size): both tests are O(1) thanks to the augmentation.
  if (max64(n->subtree_min - prev_end, n->max_gap) < size) return false;
  if (n->subtree_max_end <= hint || n->subtree_max_end - hint < size) return false;
  const RegionNode* l = Tree::left(n);
  if (l) {
    if (search(l, prev_end, size, align, hint, out)) return true;
    if (fits(l->subtree_max_end, n->base, size, align, hint, out)) return true;
  } else if (fits(prev_end, n->base, size, align, hint, out)) {
    return true;
  }
  const RegionNode* r = Tree::right(n);
  return r && search(r, n->end(), size, align, hint, out);
}

bool RegionTree::search_all(uint64_t size, uint64_t align, uint64_t hint, uint64_t* out) const {
  const RegionNode* root = tree_.root();
  uint64_t tail_start = range_base_;
  if (root) {
    if (search(root, range_base_, size, align, hint, out)) return true;
    tail_start = root->subtree_max_end;
  }
  return fits(tail_start, range_end_, size, align, hint, out);
}

zx_status_t RegionTree::find_gap(uint64_t size, uint64_t align, uint64_t hint,
                                 uint64_t* out) const {
  if (size == 0 || (size & (PAGE_SIZE - 1)) || align < PAGE_SIZE || (align & (align - 1))) {
    return ZX_ERR_INVALID_ARGS;
  }
  if (size > range_end_ - range_base_) return ZX_ERR_NO_RESOURCES;
  if (hint < range_base_ || hint >= range_end_) hint = range_base_;
  if (search_all(size, align, hint, out)) return ZX_OK;
  // Wrap around: everything at or after hint was full, so try from the start of the range.
  if (hint > range_base_ && search_all(size, align, range_base_, out)) return ZX_OK;
  return ZX_ERR_NO_RESOURCES;
}

bool RegionTree::check_node(const RegionNode* n, uint64_t* min, uint64_t* max_end,
                            uint64_t* gap) const {
  const RegionNode* l = Tree::left(n);
  const RegionNode* r = Tree::right(n);
  uint64_t lmin = 0, lend = 0, lgap = 0, rmin = 0, rend = 0, rgap = 0;
  if (l && !check_node(l, &lmin, &lend, &lgap)) return false;
  if (r && !check_node(r, &rmin, &rend, &rgap)) return false;
  if (n->size == 0 || n->base < range_base_ || n->end() > range_end_ || n->end() < n->base) {
    return false;
  }
  if (l && lend > n->base) return false;
  if (r && rmin < n->end()) return false;
  *min = l ? lmin : n->base;
  *max_end = r ? rend : n->end();
  uint64_t g = 0;
  if (l) g = max64(lgap, n->base - lend);
  if (r) g = max64(g, max64(rgap, rmin - n->end()));
  *gap = g;
  return n->subtree_min == *min && n->subtree_max_end == *max_end && n->max_gap == g;
}

bool RegionTree::check_invariants() const {
  if (!tree_.check()) return false;
  const RegionNode* root = tree_.root();
  if (!root) return true;
  uint64_t min, max_end, gap;
  return check_node(root, &min, &max_end, &gap);
}
