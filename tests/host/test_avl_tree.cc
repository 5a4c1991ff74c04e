// Tests for the intrusive AVL tree (kernel/lib/avl_tree.h): randomized comparison against
// std::set with the structural check after every operation, order queries, iteration and the
// augmentation hook (here: subtree sizes in AvlNode::aug).
#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <set>
#include <vector>

#include "kernel/lib/avl_tree.h"

namespace {

struct Item {
  int key = 0;
  AvlNode node;
};

struct ItemTraits {
  static int key(const Item& i) { return i.key; }
  static void augment(Item* x, const Item* l, const Item* r) {
    x->node.aug = 1 + (l ? l->node.aug : 0) + (r ? r->node.aug : 0);
  }
};
using Tree = AvlTree<Item, &Item::node, ItemTraits>;

// A traits class without augment, to check the hook is optional.
struct PlainTraits {
  static int key(const Item& i) { return i.key; }
};
using PlainTree = AvlTree<Item, &Item::node, PlainTraits>;

bool aug_ok(const Item* x) {
  if (!x) return true;
  const Item* l = Tree::left(x);
  const Item* r = Tree::right(x);
  uint64_t want = 1 + (l ? l->node.aug : 0) + (r ? r->node.aug : 0);
  return x->node.aug == want && aug_ok(l) && aug_ok(r);
}

std::vector<int> keys(const Tree& t) {
  std::vector<int> v;
  for (Item* i : t) v.push_back(i->key);
  return v;
}

}  // namespace

TEST_CASE("avl_tree: empty tree") {
  Tree t;
  CHECK(t.empty());
  CHECK(t.size() == 0);
  CHECK(t.first() == nullptr);
  CHECK(t.last() == nullptr);
  CHECK(t.find(1) == nullptr);
  CHECK(t.lower_bound(1) == nullptr);
  CHECK(t.floor(1) == nullptr);
  CHECK(t.check());
  CHECK(keys(t).empty());
}

TEST_CASE("avl_tree: sequential inserts stay balanced") {
  std::vector<Item> items(1000);
  Tree t;
  for (int i = 0; i < 1000; i++) {
    items[i].key = i;
    REQUIRE(t.insert(&items[i]));
    REQUIRE(t.check());
  }
  CHECK(t.root()->node.height <= 15);  // 1.44 log2(1000) + 1
  CHECK(t.root()->node.aug == 1000);
  CHECK(aug_ok(t.root()));
  std::vector<int> want(1000);
  for (int i = 0; i < 1000; i++) want[i] = i;
  CHECK(keys(t) == want);
  // Reverse iteration with prev().
  int k = 999;
  for (Item* i = t.last(); i; i = Tree::prev(i)) REQUIRE(i->key == k--);
  CHECK(k == -1);
  for (int i = 0; i < 1000; i += 2) {
    t.remove(&items[i]);
    REQUIRE(t.check());
    REQUIRE_FALSE(items[i].node.in_tree());
  }
  CHECK(t.size() == 500);
  CHECK(aug_ok(t.root()));
}

TEST_CASE("avl_tree: duplicates, floor, lower_bound, upper_bound") {
  Item a{10}, b{20}, c{30}, dup{20};
  Tree t;
  CHECK(t.insert(&b));
  CHECK(t.insert(&a));
  CHECK(t.insert(&c));
  CHECK_FALSE(t.insert(&dup));
  CHECK_FALSE(dup.node.in_tree());
  CHECK(t.size() == 3);
  CHECK(t.find(20) == &b);
  CHECK(t.find(25) == nullptr);
  CHECK(t.lower_bound(5) == &a);
  CHECK(t.lower_bound(10) == &a);
  CHECK(t.lower_bound(11) == &b);
  CHECK(t.lower_bound(31) == nullptr);
  CHECK(t.upper_bound(10) == &b);
  CHECK(t.upper_bound(30) == nullptr);
  CHECK(t.floor(5) == nullptr);
  CHECK(t.floor(10) == &a);
  CHECK(t.floor(29) == &b);
  CHECK(t.floor(100) == &c);
  CHECK(t.first() == &a);
  CHECK(t.last() == &c);
  CHECK(Tree::next(&c) == nullptr);
  CHECK(Tree::prev(&a) == nullptr);
}

TEST_CASE("avl_tree: augmentation is optional") {
  Item a{1}, b{2}, c{3};
  PlainTree t;
  CHECK(t.insert(&a));
  CHECK(t.insert(&b));
  CHECK(t.insert(&c));
  CHECK(t.check());
  CHECK(t.root() == &b);
  t.remove(&b);
  CHECK(t.check());
  CHECK(t.size() == 2);
}

TEST_CASE("avl_tree: random operations match std::set") {
  std::mt19937 rng(7);
  constexpr int kKeys = 600;
  std::vector<Item> items(kKeys);
  for (int i = 0; i < kKeys; i++) items[i].key = i;
  Tree t;
  std::set<int> model;
  for (int op = 0; op < 20000; op++) {
    int k = static_cast<int>(rng() % kKeys);
    switch (rng() % 5) {
      case 0:
      case 1:
        REQUIRE(t.insert(&items[k]) == !model.count(k));
        model.insert(k);
        break;
      case 2:
        if (model.count(k)) {
          t.remove(&items[k]);
          model.erase(k);
        }
        break;
      case 3: {
        auto it = model.lower_bound(k);
        Item* got = t.lower_bound(k);
        REQUIRE((got ? got->key : -1) == (it == model.end() ? -1 : *it));
        auto up = model.upper_bound(k);
        int fl = up == model.begin() ? -1 : *std::prev(up);
        got = t.floor(k);
        REQUIRE((got ? got->key : -1) == fl);
        got = t.find(k);
        REQUIRE((got ? got->key : -1) == (model.count(k) ? k : -1));
        break;
      }
      case 4: {
        if (model.empty()) break;
        Item* x = t.find(*model.begin());
        REQUIRE(x == t.first());
        REQUIRE(t.last()->key == *model.rbegin());
        break;
      }
    }
    REQUIRE(t.size() == model.size());
    REQUIRE(t.check());
    REQUIRE(aug_ok(t.root()));
    if (t.root()) REQUIRE(t.root()->node.aug == model.size());
  }
  CHECK(keys(t) == std::vector<int>(model.begin(), model.end()));
}

TEST_CASE("avl: the structural check refuses a degenerate chain without recursing down it") {
  // One real node, then a million-long right spine grafted under it by hand: keys in order and
  // parent links right, but no AVL tree. check() must say so within its depth bound instead of
  // recursing a million frames deep.
  constexpr int kChain = 1'000'000;
  std::vector<Item> items(kChain + 1);
  Tree t;
  items[0].key = 0;
  REQUIRE(t.insert(&items[0]));
  for (int i = 1; i <= kChain; i++) {
    items[i].key = i;
    items[i].node.parent = &items[i - 1].node;
    items[i - 1].node.right = &items[i].node;
  }
  for (int i = kChain; i >= 0; i--) items[i].node.height = kChain - i + 1;
  CHECK_FALSE(t.check());
  items[0].node.right = nullptr;  // detach before the tree goes away
  items[0].node.height = 1;
}
