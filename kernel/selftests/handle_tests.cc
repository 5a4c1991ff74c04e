// Self tests of the handle table as the kernel uses it (lab 4): values, generations, the order
// of Zircon's checks, and the rights rules of duplicate and replace.
#include "kernel/object/event_dispatcher.h"
#include "kernel/object/handle_table.h"
#include "kernel/object/rights.h"
#include "kernel/object/vm_object_dispatcher.h"
#include "kernel/selftests/selftest.h"
#include "mm/heap.h"

namespace {
RefPtr<Dispatcher> new_event() { return adopt<Dispatcher>(new EventDispatcher()); }
}  // namespace

SELFTEST("handle.values_and_generations") {
  uint64_t objects = g_heap.stats().live_objects;
  {
    HandleTable ht(0x1234567890abcdefull);
    zx_handle_t a, b;
    EXPECT_OK(ht.add(new_event(), ZX_DEFAULT_EVENT_RIGHTS, &a));
    EXPECT_OK(ht.add(new_event(), ZX_DEFAULT_EVENT_RIGHTS, &b));
    EXPECT(a != ZX_HANDLE_INVALID && b != ZX_HANDLE_INVALID && a != b);
    EXPECT_EQ(a & ZX_HANDLE_FIXED_BITS_MASK, ZX_HANDLE_FIXED_BITS_MASK);
    EXPECT_OK(ht.get(a, ZX_OBJ_TYPE_NONE, 0, nullptr));
    EXPECT_EQ(ht.get(ZX_HANDLE_INVALID, ZX_OBJ_TYPE_NONE, 0, nullptr), ZX_ERR_BAD_HANDLE);
    EXPECT_EQ(ht.get(a & ~1u, ZX_OBJ_TYPE_NONE, 0, nullptr), ZX_ERR_BAD_HANDLE);
    EXPECT_EQ(ht.get(a ^ 0x40u, ZX_OBJ_TYPE_NONE, 0, nullptr), ZX_ERR_BAD_HANDLE);
    // A closed value stays dead even when its slot is reused.
    EXPECT_OK(ht.remove(a));
    EXPECT_EQ(ht.get(a, ZX_OBJ_TYPE_NONE, 0, nullptr), ZX_ERR_BAD_HANDLE);
    for (int i = 0; i < 50; i++) {
      zx_handle_t c;
      EXPECT_OK(ht.add(new_event(), ZX_DEFAULT_EVENT_RIGHTS, &c));
      EXPECT(c != a);
      EXPECT_OK(ht.remove(c));
    }
    EXPECT_EQ(ht.get(a, ZX_OBJ_TYPE_NONE, 0, nullptr), ZX_ERR_BAD_HANDLE);
    EXPECT_EQ(ht.remove(a), ZX_ERR_BAD_HANDLE);
    EXPECT_EQ(ht.count(), 1u);
  }
  EXPECT_EQ(g_heap.stats().live_objects, objects);  // the table let go of everything
}

SELFTEST("handle.type_and_rights_order") {
  HandleTable ht(42);
  zx_handle_t e;
  EXPECT_OK(ht.add(new_event(), ZX_RIGHT_WAIT | ZX_RIGHT_DUPLICATE, &e));
  // Zircon's order: BAD_HANDLE, then WRONG_TYPE, then ACCESS_DENIED.
  EXPECT_EQ(ht.get(e, ZX_OBJ_TYPE_VMO, ZX_RIGHT_SIGNAL, nullptr), ZX_ERR_WRONG_TYPE);
  EXPECT_EQ(ht.get(e, ZX_OBJ_TYPE_EVENT, ZX_RIGHT_SIGNAL, nullptr), ZX_ERR_ACCESS_DENIED);
  EXPECT_EQ(ht.get(e, ZX_OBJ_TYPE_NONE, ZX_RIGHT_WAIT | ZX_RIGHT_SIGNAL, nullptr),
            ZX_ERR_ACCESS_DENIED);
  RefPtr<Dispatcher> obj;
  zx_rights_t rights = 0;
  EXPECT_OK(ht.get(e, ZX_OBJ_TYPE_EVENT, ZX_RIGHT_WAIT, &obj, &rights));
  EXPECT(obj && obj->type() == ZX_OBJ_TYPE_EVENT);
  EXPECT_EQ(rights, ZX_RIGHT_WAIT | ZX_RIGHT_DUPLICATE);
}

SELFTEST("handle.duplicate_replace_rules") {
  HandleTable ht(7);
  zx_handle_t h, d;
  EXPECT_OK(ht.add(new_event(), ZX_RIGHT_WAIT | ZX_RIGHT_SIGNAL | ZX_RIGHT_DUPLICATE, &h));
  EXPECT_OK(ht.duplicate(h, ZX_RIGHT_SAME_RIGHTS, &d));
  zx_rights_t r = 0;
  EXPECT_OK(ht.get(d, ZX_OBJ_TYPE_NONE, 0, nullptr, &r));
  EXPECT_EQ(r, ZX_RIGHT_WAIT | ZX_RIGHT_SIGNAL | ZX_RIGHT_DUPLICATE);
  EXPECT_OK(ht.duplicate(h, ZX_RIGHT_WAIT, &d));  // a subset
  EXPECT_OK(ht.get(d, ZX_OBJ_TYPE_NONE, 0, nullptr, &r));
  EXPECT_EQ(r, ZX_RIGHT_WAIT);
  EXPECT_EQ(ht.duplicate(h, ZX_RIGHT_WAIT | ZX_RIGHT_WRITE, &d), ZX_ERR_INVALID_ARGS);  // more
  EXPECT_EQ(ht.duplicate(d, ZX_RIGHT_SAME_RIGHTS, &d), ZX_ERR_ACCESS_DENIED);  // no DUPLICATE
  zx_handle_t rep;
  EXPECT_OK(ht.replace(h, ZX_RIGHT_WAIT, &rep));
  EXPECT_EQ(ht.get(h, ZX_OBJ_TYPE_NONE, 0, nullptr), ZX_ERR_BAD_HANDLE);  // the old value is gone
  EXPECT_OK(ht.get(rep, ZX_OBJ_TYPE_NONE, 0, nullptr, &r));
  EXPECT_EQ(r, ZX_RIGHT_WAIT);
  // Replacing with more rights fails and still closes the handle.
  EXPECT_EQ(ht.replace(rep, ZX_RIGHT_WAIT | ZX_RIGHT_SIGNAL, &h), ZX_ERR_INVALID_ARGS);
  EXPECT_EQ(ht.get(rep, ZX_OBJ_TYPE_NONE, 0, nullptr), ZX_ERR_BAD_HANDLE);
}

SELFTEST("handle.counts_reach_objects") {
  // The last handle to a channel-like object is what tells the object it is closed.
  HandleTable ht(9);
  RefPtr<Dispatcher> e = new_event();
  zx_handle_t a, b;
  EXPECT_OK(ht.add(e, ZX_DEFAULT_EVENT_RIGHTS, &a));
  EXPECT_OK(ht.duplicate(a, ZX_RIGHT_SAME_RIGHTS, &b));
  EXPECT_EQ(e->handle_count(), 2u);
  EXPECT_OK(ht.remove(a));
  EXPECT_EQ(e->handle_count(), 1u);
  ht.close_all();
  EXPECT_EQ(e->handle_count(), 0u);
  EXPECT_EQ(e->ref_count(), 1u);  // only ours is left
}
