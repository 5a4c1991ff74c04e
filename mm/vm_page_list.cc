// VmPageList: the radix tree behind a VM object's pages. The design (why 64-way, why no
// per-node bitmap, why the height is dynamic) is explained in vm_page_list.h; this file holds
// the non-template operations.
#include "mm/vm_page_list.h"

VmPageList::~VmPageList() {
  if (root_) free_subtree(root_, height_ - 1);
  root_ = nullptr;
  height_ = 0;
}

bool VmPageList::node_empty(const Node* n) {
  // Leaf slots are read through the child member too: only nullness matters, and GCC defines
  // reading an inactive union member as reinterpreting the same pointer-sized bits.
  for (unsigned i = 0; i < kFanout; i++) {
    if (n->slot[i].child) return false;
  }
  return true;
}

VmPageList::Node* VmPageList::alloc_node() {
  // Value-initialization zeroes every slot. The kernel is built with -fcheck-new, so a failed
  // heap allocation comes back as nullptr instead of being dereferenced.
  Node* n = new Node();
  if (n) nodes_++;
  return n;
}

void VmPageList::free_node(Node* n) {
  delete n;
  nodes_--;
}

void VmPageList::free_subtree(Node* n, unsigned level) {
  if (level > 0) {
    for (unsigned i = 0; i < kFanout; i++) {
      if (n->slot[i].child) free_subtree(n->slot[i].child, level - 1);
    }
  }
  free_node(n);
}

void VmPageList::prune_path(uint64_t idx) {
  if (!root_) return;
  Node* path[kMaxHeight];
  unsigned depth = 0;  // path[d] is the node at level height_ - 1 - d
  Node* n = root_;
  for (unsigned level = height_ - 1;; level--) {
    path[depth++] = n;
    if (level == 0) break;
    Node* c = n->slot[slot_of(idx, level)].child;
    if (!c) break;
    n = c;
  }
  // The root is left for shrink(), which also handles height changes.
  while (depth > 1) {
    Node* child = path[depth - 1];
    if (!node_empty(child)) break;
    unsigned parent_level = height_ - 1 - (depth - 2);
    path[depth - 2]->slot[slot_of(idx, parent_level)].child = nullptr;
    free_node(child);
    depth--;
  }
}

void VmPageList::shrink() {
  while (root_) {
    if (node_empty(root_)) {
      free_node(root_);
      root_ = nullptr;
      height_ = 0;
      return;
    }
    if (height_ == 1) return;
    for (unsigned i = 1; i < kFanout; i++) {
      if (root_->slot[i].child) return;
    }
    Node* c = root_->slot[0].child;
    free_node(root_);
    root_ = c;
    height_--;
  }
}

zx_status_t VmPageList::insert(uint64_t offset, vm_page* p) {
  if (!p || (offset & (PAGE_SIZE - 1)) || offset >= kMaxOffset) return ZX_ERR_INVALID_ARGS;
  uint64_t idx = offset >> PAGE_SHIFT;
  unsigned need = 1;
  while (idx >= capacity(need)) need++;

  if (!root_) {
    root_ = alloc_node();
    if (!root_) return ZX_ERR_NO_MEMORY;
    height_ = need;
  }
  // Growing puts the old tree under slot 0 of a new root; if a later allocation fails,
  // shrink() undoes exactly this.
  while (height_ < need) {
    Node* n = alloc_node();
    if (!n) {
      shrink();
      return ZX_ERR_NO_MEMORY;
    }
    n->slot[0].child = root_;
    root_ = n;
    height_++;
  }

  Node* n = root_;
  for (unsigned level = height_ - 1; level > 0; level--) {
    Slot& s = n->slot[slot_of(idx, level)];
    if (!s.child) {
      s.child = alloc_node();
      if (!s.child) {
        prune_path(idx);
        shrink();
        return ZX_ERR_NO_MEMORY;
      }
    }
    n = s.child;
  }
  Slot& leaf = n->slot[slot_of(idx, 0)];
  if (leaf.page) return ZX_ERR_ALREADY_EXISTS;
  leaf.page = p;
  count_++;
  return ZX_OK;
}

vm_page* VmPageList::lookup(uint64_t offset) const {
  if ((offset & (PAGE_SIZE - 1)) || offset >= kMaxOffset || !root_) return nullptr;
  uint64_t idx = offset >> PAGE_SHIFT;
  if (idx >= capacity(height_)) return nullptr;
  const Node* n = root_;
  for (unsigned level = height_ - 1; level > 0; level--) {
    n = n->slot[slot_of(idx, level)].child;
    if (!n) return nullptr;
  }
  return n->slot[slot_of(idx, 0)].page;
}

vm_page* VmPageList::replace(uint64_t offset, vm_page* p) {
  if (!p || (offset & (PAGE_SIZE - 1)) || offset >= kMaxOffset || !root_) return nullptr;
  uint64_t idx = offset >> PAGE_SHIFT;
  if (idx >= capacity(height_)) return nullptr;
  Node* n = root_;
  for (unsigned level = height_ - 1; level > 0; level--) {
    n = n->slot[slot_of(idx, level)].child;
    if (!n) return nullptr;
  }
  vm_page* old = n->slot[slot_of(idx, 0)].page;
  if (old) n->slot[slot_of(idx, 0)].page = p;
  return old;
}

vm_page* VmPageList::remove(uint64_t offset) {
  if ((offset & (PAGE_SIZE - 1)) || offset >= kMaxOffset || !root_) return nullptr;
  uint64_t idx = offset >> PAGE_SHIFT;
  if (idx >= capacity(height_)) return nullptr;
  Node* n = root_;
  for (unsigned level = height_ - 1; level > 0; level--) {
    n = n->slot[slot_of(idx, level)].child;
    if (!n) return nullptr;
  }
  Slot& leaf = n->slot[slot_of(idx, 0)];
  vm_page* p = leaf.page;
  if (!p) return nullptr;
  leaf.page = nullptr;
  count_--;
  prune_path(idx);
  shrink();
  return p;
}

bool VmPageList::next_present(uint64_t start, uint64_t end, uint64_t* offset) const {
  bool found = false;
  for_each(start, end, [&](uint64_t off, vm_page*) {
    *offset = off;
    found = true;
    return false;
  });
  return found;
}
