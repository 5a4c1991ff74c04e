// Tests for RefPtr (kernel/lib/ref_ptr.h): adopt() makes the first reference to a fresh object,
// RefPtr(p) one more to a held one, move() hands a reference on without touching the count, and
// the last reference deletes.
#include <doctest/doctest.h>

#include "kernel/lib/ref_ptr.h"

namespace {

int g_live = 0;

struct Base : RefCounted<Base> {
  Base() { g_live++; }
  virtual ~Base() { g_live--; }
};
struct Derived : Base {};

}  // namespace

TEST_CASE("ref_ptr: adopt takes the first reference, RefPtr(p) another") {
  {
    RefPtr<Base> a = adopt(new Base());
    CHECK(a->ref_count() == 1u);
    RefPtr<Base> b(a.get());
    CHECK(a->ref_count() == 2u);
    RefPtr<Base> c = b;
    CHECK(a->ref_count() == 3u);
    CHECK(g_live == 1);
  }
  CHECK(g_live == 0);
  RefPtr<Base> none = adopt<Base>(nullptr);
  CHECK(!none);
}

TEST_CASE("ref_ptr: move hands the reference on") {
  {
    RefPtr<Derived> d = adopt(new Derived());
    RefPtr<Derived> e = move(d);
    CHECK(!d);
    CHECK(e->ref_count() == 1u);
    RefPtr<Base> b = move(e);  // converting: still one reference
    CHECK(!e);
    CHECK(b->ref_count() == 1u);
    RefPtr<Base> c;
    c = move(b);
    CHECK(!b);
    CHECK(c->ref_count() == 1u);
    RefPtr<Base> copy(c);
    CHECK(c->ref_count() == 2u);
    Base* raw = copy.leak();
    CHECK(c->ref_count() == 2u);
    RefPtr<Base> back = RefPtr<Base>::take_existing(raw);
    CHECK(c->ref_count() == 2u);
  }
  CHECK(g_live == 0);
}
