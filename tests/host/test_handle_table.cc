// Tests for the per-process handle table (kernel/object/handle_table.h): value format, lookup
// checks in Zircon's order, rights rules of duplicate/replace, limits, and reference hygiene,
// plus a randomized comparison against a std::map model.
#include <doctest/doctest.h>
#include <stdint.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "kernel/object/handle_table.h"

namespace {

int g_live = 0;       // FakeDispatchers currently alive
int g_destroyed = 0;  // destructor calls so far

class FakeDispatcher : public Dispatcher {
 public:
  explicit FakeDispatcher(zx_obj_type_t type = ZX_OBJ_TYPE_EVENT) : type_(type) { g_live++; }
  ~FakeDispatcher() override {
    g_live--;
    g_destroyed++;
  }
  zx_obj_type_t type() const override { return type_; }

 private:
  zx_obj_type_t type_;
};

RefPtr<Dispatcher> make(zx_obj_type_t type = ZX_OBJ_TYPE_EVENT) {
  return adopt<Dispatcher>(new FakeDispatcher(type));
}

constexpr zx_rights_t kAll = ZX_DEFAULT_EVENT_RIGHTS | ZX_RIGHTS_IO;

}  // namespace

TEST_CASE("handle table: koids are distinct and start at 1024 or above") {
  RefPtr<Dispatcher> a = make(), b = make();
  CHECK(a->koid() >= 1024);
  CHECK(b->koid() != a->koid());
}

TEST_CASE("handle table: add, get, remove") {
  int live0 = g_live;
  {
    HandleTable t(0x1234);
    RefPtr<Dispatcher> obj = make();
    Dispatcher* raw = obj.get();
    zx_handle_t h = ZX_HANDLE_INVALID;
    REQUIRE(t.add(obj, kAll, &h) == ZX_OK);
    CHECK(h != ZX_HANDLE_INVALID);
    CHECK((h & ZX_HANDLE_FIXED_BITS_MASK) == ZX_HANDLE_FIXED_BITS_MASK);
    CHECK(t.count() == 1);
    CHECK(raw->ref_count() == 2);

    RefPtr<Dispatcher> got;
    zx_rights_t rights = 0;
    REQUIRE(t.get(h, ZX_OBJ_TYPE_EVENT, ZX_RIGHT_READ, &got, &rights) == ZX_OK);
    CHECK(got.get() == raw);
    CHECK(rights == kAll);
    CHECK(t.get(h, ZX_OBJ_TYPE_NONE, 0, nullptr) == ZX_OK);

    RefPtr<Dispatcher> taken;
    REQUIRE(t.remove(h, &taken, &rights) == ZX_OK);
    CHECK(taken.get() == raw);
    CHECK(rights == kAll);
    CHECK(t.count() == 0);
    CHECK(t.get(h, ZX_OBJ_TYPE_NONE, 0, &got) == ZX_ERR_BAD_HANDLE);
    CHECK(t.remove(h) == ZX_ERR_BAD_HANDLE);
  }
  CHECK(g_live == live0);
}

TEST_CASE("handle table: invalid values and arguments") {
  HandleTable t(99);
  zx_handle_t h;
  REQUIRE(t.add(make(), kAll, &h) == ZX_OK);
  CHECK(t.get(ZX_HANDLE_INVALID, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
  CHECK(t.get(h & ~1u, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);  // fixed bits cleared
  CHECK(t.get(h & ~2u, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
  CHECK(t.get(0xffffffffu, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
  CHECK(t.add(RefPtr<Dispatcher>(), kAll, &h) == ZX_ERR_INVALID_ARGS);
  CHECK(t.add(make(), kAll, nullptr) == ZX_ERR_INVALID_ARGS);
  CHECK(t.count() == 1);
  // Every other 30-bit payload near the live one is rejected.
  for (uint32_t d = 1; d < 5000; d++) {
    CHECK(t.get(h ^ (d << 2), 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
  }
}

TEST_CASE("handle table: values are not indexes and differ between tables") {
  HandleTable a(0x0123456789abcdefull), b(0xfedcba9876543210ull);
  std::vector<zx_handle_t> va, vb;
  for (int i = 0; i < 64; i++) {
    zx_handle_t h;
    REQUIRE(a.add(make(), kAll, &h) == ZX_OK);
    va.push_back(h);
    REQUIRE(b.add(make(), kAll, &h) == ZX_OK);
    vb.push_back(h);
  }
  int same = 0, small = 0, sequential = 0;
  for (int i = 0; i < 64; i++) {
    if (va[i] == vb[i]) same++;
    if (va[i] < 0x1000) small++;
    if (i > 0 && va[i] - va[i - 1] == va[1] - va[0]) sequential++;
  }
  CHECK(same == 0);
  CHECK(small == 0);
  CHECK(sequential < 4);
  CHECK(std::set<zx_handle_t>(va.begin(), va.end()).size() == 64);
  // A value from one table means nothing in the other.
  int cross = 0;
  for (zx_handle_t h : va) cross += b.get(h, 0, 0, nullptr) == ZX_OK;
  CHECK(cross == 0);
}

TEST_CASE("handle table: a closed value stays dead after its slot is reused") {
  HandleTable t(7);
  zx_handle_t old_h;
  REQUIRE(t.add(make(), kAll, &old_h) == ZX_OK);
  REQUIRE(t.remove(old_h) == ZX_OK);
  // Only one slot ever exists if the table has capacity 1, so reuse is guaranteed.
  HandleTable one(7, 1);
  zx_handle_t first;
  REQUIRE(one.add(make(), kAll, &first) == ZX_OK);
  REQUIRE(one.remove(first) == ZX_OK);
  std::set<zx_handle_t> seen{first};
  for (int i = 0; i < 1000; i++) {
    zx_handle_t h;
    REQUIRE(one.add(make(), kAll, &h) == ZX_OK);
    CHECK(seen.count(h) == 0);
    seen.insert(h);
    CHECK(one.get(first, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
    REQUIRE(one.remove(h) == ZX_OK);
  }
  // In a bigger table, freed slots are recycled oldest-first.
  std::vector<zx_handle_t> hs;
  for (int i = 0; i < 8; i++) {
    zx_handle_t h;
    REQUIRE(t.add(make(), kAll, &h) == ZX_OK);
    hs.push_back(h);
  }
  for (zx_handle_t h : hs) REQUIRE(t.remove(h) == ZX_OK);
  for (int i = 0; i < 8; i++) {
    zx_handle_t h;
    REQUIRE(t.add(make(), kAll, &h) == ZX_OK);
    for (zx_handle_t old : hs) CHECK(h != old);
    CHECK(h != old_h);
  }
  for (zx_handle_t old : hs) CHECK(t.get(old, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
}

TEST_CASE("handle table: type and rights checks in Zircon's order") {
  HandleTable t(1);
  zx_handle_t h;
  REQUIRE(t.add(make(ZX_OBJ_TYPE_VMO), ZX_RIGHT_READ | ZX_RIGHT_MAP, &h) == ZX_OK);
  RefPtr<Dispatcher> obj;
  CHECK(t.get(h, ZX_OBJ_TYPE_VMO, ZX_RIGHT_READ | ZX_RIGHT_MAP, &obj) == ZX_OK);
  CHECK(t.get(h, ZX_OBJ_TYPE_CHANNEL, ZX_RIGHT_READ, &obj) == ZX_ERR_WRONG_TYPE);
  // Wrong type wins over missing rights.
  CHECK(t.get(h, ZX_OBJ_TYPE_CHANNEL, ZX_RIGHT_WRITE, &obj) == ZX_ERR_WRONG_TYPE);
  CHECK(t.get(h, ZX_OBJ_TYPE_VMO, ZX_RIGHT_WRITE, &obj) == ZX_ERR_ACCESS_DENIED);
  CHECK(t.get(h, ZX_OBJ_TYPE_NONE, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &obj) == ZX_ERR_ACCESS_DENIED);
  // A bad handle wins over everything.
  CHECK(t.get(h ^ 4, ZX_OBJ_TYPE_CHANNEL, ZX_RIGHT_WRITE, &obj) == ZX_ERR_BAD_HANDLE);
}

TEST_CASE("handle table: duplicate") {
  HandleTable t(2);
  zx_handle_t h;
  zx_rights_t r = ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ | ZX_RIGHT_WRITE;
  RefPtr<Dispatcher> obj = make();
  REQUIRE(t.add(obj, r, &h) == ZX_OK);

  zx_handle_t d;
  zx_rights_t got;
  REQUIRE(t.duplicate(h, ZX_RIGHT_SAME_RIGHTS, &d) == ZX_OK);
  CHECK(d != h);
  RefPtr<Dispatcher> o;
  REQUIRE(t.get(d, 0, 0, &o, &got) == ZX_OK);
  CHECK(o == obj);
  CHECK(got == r);

  REQUIRE(t.duplicate(h, ZX_RIGHT_READ, &d) == ZX_OK);
  REQUIRE(t.get(d, 0, 0, nullptr, &got) == ZX_OK);
  CHECK(got == ZX_RIGHT_READ);
  REQUIRE(t.duplicate(h, ZX_RIGHT_NONE, &d) == ZX_OK);
  REQUIRE(t.get(d, 0, 0, nullptr, &got) == ZX_OK);
  CHECK(got == ZX_RIGHT_NONE);

  CHECK(t.duplicate(h, ZX_RIGHT_READ | ZX_RIGHT_EXECUTE, &d) == ZX_ERR_INVALID_ARGS);
  CHECK(t.duplicate(h, ZX_RIGHT_SAME_RIGHTS | ZX_RIGHT_READ, &d) == ZX_ERR_INVALID_ARGS);
  CHECK(t.count() == 4);

  // Without ZX_RIGHT_DUPLICATE nothing can be duplicated, not even to fewer rights.
  zx_handle_t nodup;
  REQUIRE(t.duplicate(h, ZX_RIGHT_READ, &nodup) == ZX_OK);
  CHECK(t.duplicate(nodup, ZX_RIGHT_SAME_RIGHTS, &d) == ZX_ERR_ACCESS_DENIED);
  CHECK(t.duplicate(nodup, ZX_RIGHT_NONE, &d) == ZX_ERR_ACCESS_DENIED);
  CHECK(t.duplicate(nodup ^ 8, ZX_RIGHT_NONE, &d) == ZX_ERR_BAD_HANDLE);
  CHECK(t.count() == 5);
  CHECK(obj->ref_count() == 7);  // five handles, `obj` and `o`
}

TEST_CASE("handle table: replace") {
  HandleTable t(3);
  RefPtr<Dispatcher> obj = make();
  zx_handle_t h;
  REQUIRE(t.add(obj, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &h) == ZX_OK);

  zx_handle_t r1;
  REQUIRE(t.replace(h, ZX_RIGHT_SAME_RIGHTS, &r1) == ZX_OK);  // no DUPLICATE right needed
  CHECK(r1 != h);
  CHECK(t.get(h, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
  zx_rights_t got;
  REQUIRE(t.get(r1, 0, 0, nullptr, &got) == ZX_OK);
  CHECK(got == (ZX_RIGHT_READ | ZX_RIGHT_WRITE));
  CHECK(t.count() == 1);

  zx_handle_t r2;
  REQUIRE(t.replace(r1, ZX_RIGHT_READ, &r2) == ZX_OK);
  CHECK(t.get(r1, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
  REQUIRE(t.get(r2, 0, 0, nullptr, &got) == ZX_OK);
  CHECK(got == ZX_RIGHT_READ);

  // Asking for more rights fails and still consumes the handle.
  zx_handle_t r3 = 0;
  CHECK(t.replace(r2, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &r3) == ZX_ERR_INVALID_ARGS);
  CHECK(t.get(r2, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
  CHECK(t.count() == 0);
  CHECK(obj->ref_count() == 1);
  CHECK(t.replace(r2, ZX_RIGHT_SAME_RIGHTS, &r3) == ZX_ERR_BAD_HANDLE);
}

TEST_CASE("handle table: full table") {
  int live0 = g_live;
  {
    HandleTable t(4, 100);
    std::vector<zx_handle_t> hs;
    for (int i = 0; i < 100; i++) {
      zx_handle_t h;
      REQUIRE(t.add(make(), kAll, &h) == ZX_OK);
      hs.push_back(h);
    }
    zx_handle_t h;
    CHECK(t.add(make(), kAll, &h) == ZX_ERR_NO_RESOURCES);
    CHECK(t.duplicate(hs[0], ZX_RIGHT_SAME_RIGHTS, &h) == ZX_ERR_NO_RESOURCES);
    // Replace needs no new slot.
    CHECK(t.replace(hs[0], ZX_RIGHT_SAME_RIGHTS, &hs[0]) == ZX_OK);
    REQUIRE(t.remove(hs[5]) == ZX_OK);
    CHECK(t.add(make(), kAll, &h) == ZX_OK);
    CHECK(t.count() == 100);
    CHECK(g_live == live0 + 100);
  }
  CHECK(g_live == live0);
}

TEST_CASE("handle table: the per-process limit") {
  int live0 = g_live;
  {
    HandleTable t(5);
    RefPtr<Dispatcher> obj = make();
    zx_handle_t h;
    for (uint32_t i = 0; i < HandleTable::kMaxHandles; i++) {
      REQUIRE(t.add(obj, kAll, &h) == ZX_OK);
    }
    CHECK(t.add(obj, kAll, &h) == ZX_ERR_NO_RESOURCES);
    CHECK(t.count() == HandleTable::kMaxHandles);
    CHECK(obj->ref_count() == HandleTable::kMaxHandles + 1);
  }
  CHECK(g_live == live0);
}

TEST_CASE("handle table: destructor and close_all release each object exactly once") {
  int live0 = g_live, destroyed0 = g_destroyed;
  {
    HandleTable t(6);
    for (int i = 0; i < 300; i++) {
      zx_handle_t h;
      REQUIRE(t.add(make(), kAll, &h) == ZX_OK);
      if (i % 3 == 0) REQUIRE(t.duplicate(h, ZX_RIGHT_SAME_RIGHTS, &h) == ZX_OK);
      if (i % 5 == 0) REQUIRE(t.remove(h) == ZX_OK);
    }
    // Removing the only handle (i % 5 == 0 but not i % 3 == 0) destroys the object; removing
    // one of two handles (i % 15 == 0) does not.
    CHECK(g_destroyed - destroyed0 == 40);
  }
  CHECK(g_live == live0);
  CHECK(g_destroyed - destroyed0 == 300);

  destroyed0 = g_destroyed;
  HandleTable t(8);
  std::vector<zx_handle_t> hs;
  for (int i = 0; i < 50; i++) {
    zx_handle_t h;
    REQUIRE(t.add(make(), kAll, &h) == ZX_OK);
    hs.push_back(h);
  }
  t.close_all();
  CHECK(t.count() == 0);
  CHECK(g_destroyed - destroyed0 == 50);
  for (zx_handle_t h : hs) CHECK(t.get(h, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
  t.close_all();
  CHECK(g_destroyed - destroyed0 == 50);
  // The table still works afterwards, and old values stay dead.
  zx_handle_t h;
  REQUIRE(t.add(make(), kAll, &h) == ZX_OK);
  for (zx_handle_t old : hs) CHECK(h != old);
}

TEST_CASE("handle table: for_each visits every live handle once") {
  HandleTable t(9);
  std::map<zx_handle_t, zx_rights_t> want;
  for (int i = 0; i < 40; i++) {
    zx_handle_t h;
    REQUIRE(t.add(make(), static_cast<zx_rights_t>(i), &h) == ZX_OK);
    want[h] = static_cast<zx_rights_t>(i);
  }
  for (auto it = want.begin(); it != want.end();) {
    if (it->second % 4 == 0) {
      REQUIRE(t.remove(it->first) == ZX_OK);
      it = want.erase(it);
    } else {
      ++it;
    }
  }
  std::map<zx_handle_t, zx_rights_t> seen;
  t.for_each([&](zx_handle_t h, Dispatcher* d, zx_rights_t r) {
    CHECK(d != nullptr);
    CHECK(seen.count(h) == 0);
    seen[h] = r;
  });
  CHECK(seen == want);
}

TEST_CASE("handle table: random operations match a std::map model") {
  struct Entry {
    RefPtr<Dispatcher> obj;
    zx_rights_t rights;
  };
  int live0 = g_live;
  {
    std::mt19937_64 rng(42);
    HandleTable t(rng(), 500);
    std::map<zx_handle_t, Entry> model;
    std::vector<zx_handle_t> dead;
    auto pick = [&]() -> zx_handle_t {
      if (model.empty() || rng() % 8 == 0) {
        if (!dead.empty() && rng() % 2) return dead[rng() % dead.size()];
        return static_cast<zx_handle_t>(rng());
      }
      auto it = model.begin();
      std::advance(it, rng() % model.size());
      return it->first;
    };
    const zx_obj_type_t types[] = {ZX_OBJ_TYPE_EVENT, ZX_OBJ_TYPE_VMO, ZX_OBJ_TYPE_CHANNEL};
    for (int step = 0; step < 20000; step++) {
      int op = static_cast<int>(rng() % 6);
      zx_rights_t rights = static_cast<zx_rights_t>(rng() & 0x1f);
      zx_handle_t h = pick();
      auto it = model.find(h);
      bool live = it != model.end();
      CAPTURE(step);
      CAPTURE(op);
      switch (op) {
        case 0: {  // add
          zx_handle_t out;
          RefPtr<Dispatcher> obj = make(types[rng() % 3]);
          zx_status_t st = t.add(obj, rights, &out);
          if (model.size() == 500) {
            REQUIRE(st == ZX_ERR_NO_RESOURCES);
          } else {
            REQUIRE(st == ZX_OK);
            REQUIRE(model.count(out) == 0);
            REQUIRE((out & 3) == 3);
            model[out] = {obj, rights};
          }
          break;
        }
        case 1: {  // get
          RefPtr<Dispatcher> obj;
          zx_rights_t r;
          zx_obj_type_t type = rng() % 2 ? ZX_OBJ_TYPE_NONE : types[rng() % 3];
          zx_rights_t need = static_cast<zx_rights_t>(rng() & 0x1f) & (rng() % 2 ? 0 : ~0u);
          zx_status_t st = t.get(h, type, need, &obj, &r);
          if (!live) {
            REQUIRE(st == ZX_ERR_BAD_HANDLE);
          } else if (type != ZX_OBJ_TYPE_NONE && it->second.obj->type() != type) {
            REQUIRE(st == ZX_ERR_WRONG_TYPE);
          } else if ((it->second.rights & need) != need) {
            REQUIRE(st == ZX_ERR_ACCESS_DENIED);
          } else {
            REQUIRE(st == ZX_OK);
            REQUIRE(obj == it->second.obj);
            REQUIRE(r == it->second.rights);
          }
          break;
        }
        case 2: {  // remove
          zx_status_t st = t.remove(h);
          REQUIRE(st == (live ? ZX_OK : ZX_ERR_BAD_HANDLE));
          if (live) {
            model.erase(it);
            dead.push_back(h);
          }
          break;
        }
        case 3:    // duplicate
        case 4: {  // replace
          if (rng() % 3 == 0) rights = ZX_RIGHT_SAME_RIGHTS;
          zx_handle_t out;
          zx_status_t st = op == 3 ? t.duplicate(h, rights, &out) : t.replace(h, rights, &out);
          if (!live) {
            REQUIRE(st == ZX_ERR_BAD_HANDLE);
            break;
          }
          zx_rights_t src = it->second.rights;
          zx_rights_t nr = rights == ZX_RIGHT_SAME_RIGHTS ? src : rights;
          if (op == 3 && !(src & ZX_RIGHT_DUPLICATE)) {
            REQUIRE(st == ZX_ERR_ACCESS_DENIED);
          } else if ((nr & ~src) != 0) {
            REQUIRE(st == ZX_ERR_INVALID_ARGS);
            if (op == 4) {
              model.erase(it);
              dead.push_back(h);
            }
          } else if (op == 3 && model.size() == 500) {
            REQUIRE(st == ZX_ERR_NO_RESOURCES);
          } else {
            REQUIRE(st == ZX_OK);
            Entry e{it->second.obj, nr};
            if (op == 4) {
              model.erase(it);
              dead.push_back(h);
            }
            REQUIRE(model.count(out) == 0);
            model[out] = e;
          }
          break;
        }
        case 5:
          REQUIRE(t.count() == model.size());
          if (rng() % 200 == 0) {
            t.close_all();
            for (auto& kv : model) dead.push_back(kv.first);
            model.clear();
          }
          break;
      }
    }
    // Every live value still resolves; every dead one does not.
    for (auto& kv : model) REQUIRE(t.get(kv.first, 0, 0, nullptr) == ZX_OK);
    for (zx_handle_t h : dead) {
      if (!model.count(h)) REQUIRE(t.get(h, 0, 0, nullptr) == ZX_ERR_BAD_HANDLE);
    }
    model.clear();
  }
  CHECK(g_live == live0);
}
