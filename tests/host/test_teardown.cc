// Tests for object teardown through the per-thread worklist (kernel/object/dispatcher.h): chains
// of objects whose last handle or last reference releases the next one are torn down in a loop,
// however long, in the order the steps were set off, and nothing is leaked or freed twice.
#include <doctest/doctest.h>

#include <vector>

#include "kernel/object/dispatcher.h"

namespace {

int g_live = 0;
std::vector<int> g_order;  // ids of links in the order their on_zero_handles ran

// A link holds a handle to (and a reference on) the next one, like a message holding a channel.
class Link : public Dispatcher {
 public:
  explicit Link(int id) : id_(id) { g_live++; }
  ~Link() override { g_live--; }
  zx_obj_type_t type() const override { return ZX_OBJ_TYPE_EVENT; }
  void hold(RefPtr<Dispatcher> next, bool as_handle) {
    if (as_handle) next->increment_handle_count();
    handle_ = as_handle;
    next_ = move(next);
  }

 protected:
  void on_zero_handles() override {
    g_order.push_back(id_);
    if (next_ && handle_) next_->decrement_handle_count();
    handle_ = false;
    next_ = nullptr;
  }

 private:
  int id_;
  bool handle_ = false;
  RefPtr<Dispatcher> next_;
};

// A chain of n links, link i holding link i+1; returns the head (its one handle counted).
RefPtr<Dispatcher> chain(int n, bool as_handles) {
  RefPtr<Dispatcher> next;
  for (int i = n - 1; i >= 0; i--) {
    auto* l = new Link(i);
    RefPtr<Dispatcher> ref = adopt<Dispatcher>(l);
    if (next) l->hold(move(next), as_handles);
    next = move(ref);
  }
  next->increment_handle_count();
  return next;
}

// Far deeper than the host stack holds when each link costs a few nested frames.
constexpr int kDeep = 1'000'000;

}  // namespace

TEST_CASE("teardown: a million links closed through their handles, in order") {
  g_order.clear();
  RefPtr<Dispatcher> head = chain(kDeep, true);
  CHECK(g_live == kDeep);
  head->decrement_handle_count();
  CHECK(g_order.size() == static_cast<size_t>(kDeep));
  bool in_order = true;
  for (int i = 0; i < kDeep && in_order; i++) in_order = g_order[i] == i;
  CHECK(in_order);
  head = nullptr;
  CHECK(g_live == 0);
}

TEST_CASE("teardown: a million links freed by their last references") {
  RefPtr<Dispatcher> head = chain(kDeep, false);
  head->decrement_handle_count();  // the head's on_zero_handles drops the rest
  head = nullptr;
  CHECK(g_live == 0);
}

TEST_CASE("teardown: a step already queued is not queued twice") {
  int runs = 0;
  TeardownNode inner;
  inner.owner = &runs;
  inner.run = [](TeardownNode* n) { ++*static_cast<int*>(n->owner); };
  struct Outer {
    TeardownNode node;
    TeardownNode* inner;
    bool first = false, second = true;
  } outer;
  outer.inner = &inner;
  outer.node.owner = &outer;
  outer.node.run = [](TeardownNode* n) {
    auto* o = static_cast<Outer*>(n->owner);
    o->first = teardown_submit(o->inner);   // queued behind us
    o->second = teardown_submit(o->inner);  // still queued: refused
  };
  CHECK(teardown_submit(&outer.node));
  CHECK(outer.first);
  CHECK_FALSE(outer.second);
  CHECK(runs == 1);
  CHECK(teardown_submit(&inner));  // free again once it ran
  CHECK(runs == 2);
}
