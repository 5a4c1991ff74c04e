// Tests for the intrusive list (kernel/lib/list.h).
#include <doctest/doctest.h>

#include <vector>

#include "kernel/lib/list.h"

namespace {

struct Item {
  int value = 0;
  ListNode node;
  // A second node, so one object can sit on two lists at once.
  ListNode other;
};

using ItemList = List<Item, &Item::node>;
using OtherList = List<Item, &Item::other>;

template <typename L>
std::vector<int> values(const L& list) {
  std::vector<int> v;
  for (Item* it : list) v.push_back(it->value);
  return v;
}

}  // namespace

TEST_CASE("list: empty list") {
  ItemList l;
  CHECK(l.empty());
  CHECK(l.size() == 0);
  CHECK(l.front() == nullptr);
  CHECK(l.back() == nullptr);
  CHECK(l.pop_front() == nullptr);
  CHECK(l.pop_back() == nullptr);
  CHECK(values(l).empty());
}

TEST_CASE("list: push, pop and order") {
  Item a{1}, b{2}, c{3};
  ItemList l;
  CHECK(!a.node.in_list());
  l.push_back(&b);
  l.push_back(&c);
  l.push_front(&a);
  CHECK(a.node.in_list());
  CHECK(l.size() == 3);
  CHECK(!l.empty());
  CHECK(values(l) == std::vector<int>{1, 2, 3});
  CHECK(l.front() == &a);
  CHECK(l.back() == &c);

  CHECK(l.pop_front() == &a);
  CHECK(!a.node.in_list());
  CHECK(l.pop_back() == &c);
  CHECK(l.size() == 1);
  CHECK(l.pop_front() == &b);
  CHECK(l.empty());
  CHECK(l.size() == 0);
}

TEST_CASE("list: remove from the middle and ends") {
  Item items[5];
  ItemList l;
  for (int i = 0; i < 5; i++) {
    items[i].value = i;
    l.push_back(&items[i]);
  }
  l.remove(&items[2]);
  CHECK(!items[2].node.in_list());
  CHECK(values(l) == std::vector<int>{0, 1, 3, 4});
  l.remove(&items[0]);
  l.remove(&items[4]);
  CHECK(values(l) == std::vector<int>{1, 3});
  CHECK(l.size() == 2);
  // A removed element can be put back.
  l.push_front(&items[0]);
  CHECK(values(l) == std::vector<int>{0, 1, 3});
}

TEST_CASE("list: insert_before") {
  Item a{1}, b{2}, c{3};
  ItemList l;
  l.push_back(&c);
  l.insert_before(&c, &a);
  l.insert_before(&c, &b);
  CHECK(values(l) == std::vector<int>{1, 2, 3});
  CHECK(l.size() == 3);
}

TEST_CASE("list: next() allows removal while walking") {
  Item items[6];
  ItemList l;
  for (int i = 0; i < 6; i++) {
    items[i].value = i;
    l.push_back(&items[i]);
  }
  CHECK(l.next(&items[0]) == &items[1]);
  CHECK(l.next(&items[5]) == nullptr);
  for (Item* it = l.front(); it != nullptr;) {
    Item* nxt = l.next(it);
    if (it->value % 2 == 1) l.remove(it);
    it = nxt;
  }
  CHECK(values(l) == std::vector<int>{0, 2, 4});
  CHECK(l.size() == 3);
}

TEST_CASE("list: one object on two lists through two nodes") {
  Item a{1}, b{2};
  ItemList l1;
  OtherList l2;
  l1.push_back(&a);
  l1.push_back(&b);
  l2.push_back(&b);
  l2.push_back(&a);
  CHECK(values(l1) == std::vector<int>{1, 2});
  CHECK(values(l2) == std::vector<int>{2, 1});
  l1.remove(&a);
  CHECK(values(l1) == std::vector<int>{2});
  CHECK(values(l2) == std::vector<int>{2, 1});
  CHECK(a.other.in_list());
}
