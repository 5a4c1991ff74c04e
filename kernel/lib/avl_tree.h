// Intrusive AVL tree. Like List, the node lives inside the element, so inserting never
// allocates (the VM code inserts while holding locks and must not fail for lack of memory),
// and the tree does not own its elements.
//
// Why AVL: it is the simplest balanced tree with a hard O(log n) height bound, and rebalancing
// after insert and remove is a walk up the parent pointers. Every update walks all the way to
// the root (rather than stopping once heights settle) so that an optional augmentation, such
// as the region tree's "largest gap in this subtree", is always recomputed on the whole path;
// the walk is O(log n) anyway.
//
// Usage: AvlTree<T, &T::node, Traits> where Traits provides
//   static Key key(const T&);                           // Key is ordered by operator<
// and optionally
//   static void augment(T* x, const T* left, const T* right);
// which recomputes x's augmented data from its children (either may be null). It is called
// bottom-up on every node whose subtree changes. AvlNode::aug is free for a one-word
// augmentation; richer ones live in T.
#pragma once
#include <stddef.h>
#include <stdint.h>

struct AvlNode {
  AvlNode* parent = nullptr;
  AvlNode* left = nullptr;
  AvlNode* right = nullptr;
  int32_t height = 0;  // 1 for a leaf; 0 while not in a tree
  uint64_t aug = 0;    // spare slot for the augmentation
  bool in_tree() const { return height != 0; }
};

template <typename T, AvlNode T::*Node, typename Traits>
class AvlTree {
 public:
  AvlTree() = default;
  AvlTree(const AvlTree&) = delete;
  AvlTree& operator=(const AvlTree&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* root() const { return owner_or_null(root_); }

  // Child and parent links, for searches that descend by augmented data.
  static T* left(const T* x) { return owner_or_null(node_of(x)->left); }
  static T* right(const T* x) { return owner_or_null(node_of(x)->right); }
  static T* parent(const T* x) { return owner_or_null(node_of(x)->parent); }

  // False (and the tree is unchanged) if an element with an equal key is already present.
  bool insert(T* obj) {
    AvlNode* n = node_of(obj);
    const auto k = Traits::key(*obj);
    AvlNode* p = nullptr;
    AvlNode** link = &root_;
    while (*link) {
      p = *link;
      const auto pk = Traits::key(*owner_of(p));
      if (k < pk) {
        link = &p->left;
      } else if (pk < k) {
        link = &p->right;
      } else {
        return false;
      }
    }
    n->parent = p;
    n->left = n->right = nullptr;
    n->height = 1;
    *link = n;
    size_++;
    fixup(n);
    return true;
  }

  // obj must be in this tree.
  void remove(T* obj) {
    AvlNode* z = node_of(obj);
    AvlNode* fix_from;
    if (z->left && z->right) {
      // Splice in the successor y (leftmost of the right subtree, so it has no left child) in
      // z's place. Nodes are relinked, never copied, because elements are intrusive.
      AvlNode* y = z->right;
      while (y->left) y = y->left;
      if (y->parent == z) {
        fix_from = y;
      } else {
        fix_from = y->parent;
        y->parent->left = y->right;
        if (y->right) y->right->parent = y->parent;
        y->right = z->right;
        z->right->parent = y;
      }
      y->left = z->left;
      z->left->parent = y;
      y->parent = z->parent;
      replace_child(z->parent, z, y);
    } else {
      AvlNode* c = z->left ? z->left : z->right;
      if (c) c->parent = z->parent;
      replace_child(z->parent, z, c);
      fix_from = z->parent;
    }
    z->parent = z->left = z->right = nullptr;
    z->height = 0;
    size_--;
    fixup(fix_from);
  }

  // Recomputes the augmentation from obj up to the root, after obj's own augmented inputs
  // changed in place (its key must not have changed).
  void update_path(T* obj) { fixup(node_of(obj)); }

  template <typename K>
  T* find(const K& k) const {
    AvlNode* n = root_;
    while (n) {
      const auto nk = Traits::key(*owner_of(n));
      if (k < nk) {
        n = n->left;
      } else if (nk < k) {
        n = n->right;
      } else {
        return owner_of(n);
      }
    }
    return nullptr;
  }
  // The first element with key >= k.
  template <typename K>
  T* lower_bound(const K& k) const {
    AvlNode* n = root_;
    AvlNode* best = nullptr;
    while (n) {
      if (Traits::key(*owner_of(n)) < k) {
        n = n->right;
      } else {
        best = n;
        n = n->left;
      }
    }
    return owner_or_null(best);
  }
  // The first element with key > k.
  template <typename K>
  T* upper_bound(const K& k) const {
    AvlNode* n = root_;
    AvlNode* best = nullptr;
    while (n) {
      if (k < Traits::key(*owner_of(n))) {
        best = n;
        n = n->left;
      } else {
        n = n->right;
      }
    }
    return owner_or_null(best);
  }
  // The last element with key <= k.
  template <typename K>
  T* floor(const K& k) const {
    AvlNode* n = root_;
    AvlNode* best = nullptr;
    while (n) {
      if (k < Traits::key(*owner_of(n))) {
        n = n->left;
      } else {
        best = n;
        n = n->right;
      }
    }
    return owner_or_null(best);
  }

  T* first() const { return root_ ? owner_of(leftmost(root_)) : nullptr; }
  T* last() const { return root_ ? owner_of(rightmost(root_)) : nullptr; }
  static T* next(const T* x) {
    const AvlNode* n = node_of(x);
    if (n->right) return owner_of(leftmost(n->right));
    while (n->parent && n->parent->right == n) n = n->parent;
    return owner_or_null(n->parent);
  }
  static T* prev(const T* x) {
    const AvlNode* n = node_of(x);
    if (n->left) return owner_of(rightmost(n->left));
    while (n->parent && n->parent->left == n) n = n->parent;
    return owner_or_null(n->parent);
  }

  // In-order iteration. The current element must not be removed; use next() for that.
  class Iterator {
   public:
    explicit Iterator(T* x) : x_(x) {}
    T* operator*() const { return x_; }
    Iterator& operator++() {
      x_ = AvlTree::next(x_);
      return *this;
    }
    bool operator!=(const Iterator& o) const { return x_ != o.x_; }

   private:
    T* x_;
  };
  Iterator begin() const { return Iterator(first()); }
  Iterator end() const { return Iterator(nullptr); }

  // For tests: parent links, strict key order, exact heights, AVL balance and size. The
  // augmentation is the owner's to check.
  bool check() const {
    size_t n = 0;
    if (root_ && root_->parent) return false;
    if (check_subtree(root_, nullptr, nullptr, &n) < 0) return false;
    return n == size_;
  }

 private:
  static AvlNode* node_of(T* x) { return &(x->*Node); }
  static const AvlNode* node_of(const T* x) { return &(x->*Node); }
  static size_t node_offset() {
    // The offset of the member node, measured on a zeroed static buffer rather than through
    // a null pointer, which sanitizers rightly reject. The compiler folds it to a constant.
    alignas(T) static unsigned char probe[sizeof(T)];
    T* t = reinterpret_cast<T*>(probe);
    return reinterpret_cast<uintptr_t>(&(t->*Node)) - reinterpret_cast<uintptr_t>(t);
  }
  static T* owner_of(const AvlNode* n) {
    return reinterpret_cast<T*>(reinterpret_cast<uintptr_t>(n) - node_offset());
  }
  static T* owner_or_null(const AvlNode* n) { return n ? owner_of(n) : nullptr; }
  static AvlNode* leftmost(AvlNode* n) {
    while (n->left) n = n->left;
    return n;
  }
  static AvlNode* rightmost(AvlNode* n) {
    while (n->right) n = n->right;
    return n;
  }
  static const AvlNode* leftmost(const AvlNode* n) {
    while (n->left) n = n->left;
    return n;
  }
  static const AvlNode* rightmost(const AvlNode* n) {
    while (n->right) n = n->right;
    return n;
  }
  static int32_t height(const AvlNode* n) { return n ? n->height : 0; }

  // Recomputes n's height and augmentation from its children.
  static void update(AvlNode* n) {
    int32_t hl = height(n->left), hr = height(n->right);
    n->height = 1 + (hl > hr ? hl : hr);
    if constexpr (requires(T * x, const T* c) { Traits::augment(x, c, c); }) {
      Traits::augment(owner_of(n), owner_or_null(n->left), owner_or_null(n->right));
    }
  }

  void replace_child(AvlNode* parent, AvlNode* old_child, AvlNode* new_child) {
    if (!parent) {
      root_ = new_child;
    } else if (parent->left == old_child) {
      parent->left = new_child;
    } else {
      parent->right = new_child;
    }
  }

  // Rotations update the two nodes that moved, lower one first, and return the new subtree
  // root.
  AvlNode* rotate_left(AvlNode* x) {
    AvlNode* y = x->right;
    x->right = y->left;
    if (y->left) y->left->parent = x;
    y->parent = x->parent;
    replace_child(x->parent, x, y);
    y->left = x;
    x->parent = y;
    update(x);
    update(y);
    return y;
  }
  AvlNode* rotate_right(AvlNode* x) {
    AvlNode* y = x->left;
    x->left = y->right;
    if (y->right) y->right->parent = x;
    y->parent = x->parent;
    replace_child(x->parent, x, y);
    y->right = x;
    x->parent = y;
    update(x);
    update(y);
    return y;
  }

  // Restores height, balance and augmentation from n up to the root.
  void fixup(AvlNode* n) {
    while (n) {
      update(n);
      int32_t balance = height(n->left) - height(n->right);
      if (balance > 1) {
        if (height(n->left->left) < height(n->left->right)) rotate_left(n->left);
        n = rotate_right(n);
      } else if (balance < -1) {
        if (height(n->right->right) < height(n->right->left)) rotate_right(n->right);
        n = rotate_left(n);
      }
      n = n->parent;
    }
  }

  // Returns the height of the subtree, or -1 if it is malformed; lo/hi bound the keys. A
  // balanced tree is under 1.45 log2(n + 2) high, so deeper than kMaxCheckDepth can only be a
  // malformed one (a chain): refused there, which bounds the recursion whatever it is given.
  static constexpr int kMaxCheckDepth = 96;
  int32_t check_subtree(const AvlNode* n, const T* lo, const T* hi, size_t* count,
                        int depth = 0) const {
    if (!n) return 0;
    if (depth >= kMaxCheckDepth) return -1;
    const T* x = owner_of(n);
    if (lo && !(Traits::key(*lo) < Traits::key(*x))) return -1;
    if (hi && !(Traits::key(*x) < Traits::key(*hi))) return -1;
    if (n->left && n->left->parent != n) return -1;
    if (n->right && n->right->parent != n) return -1;
    int32_t hl = check_subtree(n->left, lo, x, count, depth + 1);
    int32_t hr = check_subtree(n->right, x, hi, count, depth + 1);
    if (hl < 0 || hr < 0) return -1;
    if (hl - hr > 1 || hr - hl > 1) return -1;
    int32_t h = 1 + (hl > hr ? hl : hr);
    if (n->height != h) return -1;
    (*count)++;
    return h;
  }

  AvlNode* root_ = nullptr;
  size_t size_ = 0;
};
