// Self tests of VM objects, VMARs, mappings and the page-fault path. Kernel threads run "on" a
// test address space (Thread::aspace) and reach its user half through copy_to_user /
// copy_from_user, whose faults go through VmAspace::page_fault exactly as a user access would.
#include "kernel/selftests/selftest.h"
#include "kernel/thread.h"
#include "kernel/user_copy.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "mm/vm_aspace.h"

namespace {
constexpr uint64_t kSecond = 1'000'000'000ull;
constexpr uint64_t kTiB = 1ull << 40;

struct Baseline {
  uint64_t pages = page_alloc_free_pages();
  uint64_t objects = g_heap.stats().live_objects;
};
void expect_back_to(TestContext& t, const Baseline& b) {
  thread_reap_zombies();
  EXPECT_EQ(g_heap.stats().live_objects, b.objects);
  EXPECT(page_alloc_free_pages() + 8 >= b.pages);  // spare slabs may stay cached
}

// Runs fn(arg) on a kernel thread whose address space is `aspace`; returns fn's result.
int run_in(VmAspace* aspace, int (*fn)(void*), void* arg) {
  Thread* th = thread_create("vm-test", fn, arg);
  if (!th) return -1;
  th->aspace = aspace;
  thread_start(th);
  int code = -1;
  if (thread_join(th, &code, deadline_after(5 * kSecond)) != ZX_OK) return -2;
  return code;
}

struct Access {
  uint64_t va;
  uint64_t len;
  uint64_t value;
};
int store(void* arg) {
  auto* a = static_cast<Access*>(arg);
  for (uint64_t off = 0; off < a->len; off += 8) {
    zx_status_t s = copy_to_user_raw(a->va + off, &a->value, 8);
    if (s != ZX_OK) return s;
  }
  return ZX_OK;
}
int load(void* arg) {
  auto* a = static_cast<Access*>(arg);
  return copy_from_user_raw(&a->value, a->va, 8);
}
}  // namespace

SELFTEST("vmo.sparse_1tib") {
  Baseline b;
  {
    RefPtr<VmObject> vmo;
    REQUIRE(VmObject::create(kTiB, 0, &vmo) == ZX_OK);
    EXPECT_EQ(vmo->size(), kTiB);
    EXPECT_EQ(vmo->committed_pages(), 0u);
    uint64_t v = 0x1234, r = 0;
    EXPECT_OK(vmo->write(&v, kTiB - 4096, 8));
    EXPECT_EQ(vmo->committed_pages(), 1u);
    EXPECT_OK(vmo->read(&r, kTiB - 4096, 8));
    EXPECT_EQ(r, 0x1234u);
    // Reading untouched memory sees zeroes and commits nothing.
    r = 7;
    EXPECT_OK(vmo->read(&r, kTiB / 2, 8));
    EXPECT_EQ(r, 0u);
    EXPECT_EQ(vmo->committed_pages(), 1u);
    EXPECT_EQ(vmo->write(&v, kTiB - 4, 8), ZX_ERR_OUT_OF_RANGE);
    EXPECT_EQ(vmo->read(&r, ~0ull - 3, 8), ZX_ERR_OUT_OF_RANGE);
  }
  expect_back_to(t, b);
}

SELFTEST("vmo.commit_decommit_resize") {
  Baseline b;
  {
    RefPtr<VmObject> vmo;
    REQUIRE(VmObject::create(16 * 4096, VmObject::kResizable, &vmo) == ZX_OK);
    EXPECT_OK(vmo->commit(4096, 4 * 4096));
    EXPECT_EQ(vmo->committed_pages(), 4u);
    EXPECT_OK(vmo->decommit(2 * 4096, 4096));
    EXPECT_EQ(vmo->committed_pages(), 3u);
    EXPECT_EQ(vmo->commit(15 * 4096, 2 * 4096), ZX_ERR_OUT_OF_RANGE);
    EXPECT_OK(vmo->resize(2 * 4096));  // frees the pages past the new end
    EXPECT_EQ(vmo->committed_pages(), 1u);
    EXPECT_EQ(vmo->size(), 2u * 4096);
    RefPtr<VmObject> fixed;
    REQUIRE(VmObject::create(4096, 0, &fixed) == ZX_OK);
    EXPECT_EQ(fixed->resize(8192), ZX_ERR_UNAVAILABLE);
    EXPECT_EQ(VmObject::create(4096, 0x80, &fixed), ZX_ERR_INVALID_ARGS);
  }
  expect_back_to(t, b);
}

SELFTEST("vmar.map_fault") {
  Baseline b;
  {
    RefPtr<VmAspace> as;
    REQUIRE(VmAspace::create("test", &as) == ZX_OK);
    RefPtr<VmObject> vmo;
    REQUIRE(VmObject::create(8 * 4096, 0, &vmo) == ZX_OK);
    RefPtr<VmMapping> m;
    EXPECT_OK(as->root()->map(0, 8 * 4096, vmo, 0, kVmRead | kVmWrite, 0, &m));
    REQUIRE(m);
    EXPECT(m->base() >= VmAspace::kUserBase);
    // A store through the mapping faults a page in, which the object then holds.
    Access a{m->base() + 3 * 4096 + 16, 8, 0xfeedface};
    EXPECT_EQ(run_in(as.get(), store, &a), ZX_OK);
    EXPECT_EQ(vmo->committed_pages(), 1u);
    uint64_t v = 0;
    EXPECT_OK(vmo->read(&v, 3 * 4096 + 16, 8));
    EXPECT_EQ(v, 0xfeedfaceu);
    // And a write through the object shows through the mapping.
    uint64_t w = 77;
    EXPECT_OK(vmo->write(&w, 5 * 4096, 8));
    Access l{m->base() + 5 * 4096, 8, 0};
    EXPECT_EQ(run_in(as.get(), load, &l), ZX_OK);
    EXPECT_EQ(l.value, 77u);
    // Outside the mapping: the copy fails, the kernel goes on.
    Access out{m->base() + 8 * 4096, 8, 1};
    EXPECT_EQ(run_in(as.get(), store, &out), ZX_ERR_INVALID_ARGS);
  }
  expect_back_to(t, b);
}

SELFTEST("vmar.protect_and_unmap_split") {
  Baseline b;
  {
    RefPtr<VmAspace> as;
    REQUIRE(VmAspace::create("test", &as) == ZX_OK);
    RefPtr<VmObject> vmo;
    REQUIRE(VmObject::create(8 * 4096, 0, &vmo) == ZX_OK);
    RefPtr<VmMapping> m;
    REQUIRE(as->root()->map(0, 8 * 4096, vmo, 0, kVmRead | kVmWrite, 0, &m) == ZX_OK);
    uint64_t base = m->base();
    Access all{base, 8 * 4096, 5};
    EXPECT_EQ(run_in(as.get(), store, &all), ZX_OK);
    // Read-only in the middle: stores there fail, around it they still work.
    EXPECT_OK(as->root()->protect(base + 2 * 4096, 2 * 4096, kVmRead));
    Access mid{base + 2 * 4096, 8, 6};
    EXPECT_EQ(run_in(as.get(), store, &mid), ZX_ERR_INVALID_ARGS);
    Access edge{base + 4 * 4096, 8, 6};
    EXPECT_EQ(run_in(as.get(), store, &edge), ZX_OK);
    Access rd{base + 2 * 4096, 8, 0};
    EXPECT_EQ(run_in(as.get(), load, &rd), ZX_OK);
    EXPECT_EQ(rd.value, 5u);
    // Unmapping a hole in the middle splits the mapping again.
    EXPECT_OK(as->root()->unmap(base + 5 * 4096, 4096));
    Access hole{base + 5 * 4096, 8, 0};
    EXPECT_EQ(run_in(as.get(), load, &hole), ZX_ERR_INVALID_ARGS);
    Access after{base + 6 * 4096, 8, 0};
    EXPECT_EQ(run_in(as.get(), load, &after), ZX_OK);
    EXPECT_EQ(after.value, 5u);
    EXPECT_EQ(as->root()->protect(base + 4 * 4096, 3 * 4096, kVmRead), ZX_ERR_NOT_FOUND);
    // Decommitting the object takes the pages away from the mapping too.
    EXPECT_OK(vmo->decommit(0, 8 * 4096));
    Access z{base, 8, 9};
    EXPECT_EQ(run_in(as.get(), load, &z), ZX_OK);
    EXPECT_EQ(z.value, 0u);
  }
  expect_back_to(t, b);
}

SELFTEST("vmar.nested_destroy_and_specific") {
  Baseline b;
  {
    RefPtr<VmAspace> as;
    REQUIRE(VmAspace::create("test", &as) == ZX_OK);
    RefPtr<VmAddressRegion> child;
    EXPECT_OK(as->root()->allocate(0, 64 * 4096, kVmCanMapRead | kVmCanMapWrite | kVmCanMapSpecific,
                                   0, &child));
    REQUIRE(child);
    RefPtr<VmObject> vmo;
    REQUIRE(VmObject::create(4096, 0, &vmo) == ZX_OK);
    RefPtr<VmMapping> m;
    EXPECT_OK(child->map(8 * 4096, 4096, vmo, 0, kVmRead | kVmWrite | kVmSpecific, 0, &m));
    REQUIRE(m);
    EXPECT_EQ(m->base(), child->base() + 8 * 4096);
    RefPtr<VmMapping> clash;
    EXPECT_EQ(child->map(8 * 4096, 4096, vmo, 0, kVmRead | kVmSpecific, 0, &clash),
              ZX_ERR_ALREADY_EXISTS);
    EXPECT_EQ(child->map(0, 4096, vmo, 0, kVmRead | kVmExecute, 0, &clash), ZX_ERR_ACCESS_DENIED);
    Access a{m->base(), 8, 3};
    EXPECT_EQ(run_in(as.get(), store, &a), ZX_OK);
    EXPECT_OK(child->destroy());
    EXPECT(m->destroyed());
    EXPECT_EQ(run_in(as.get(), load, &a), ZX_ERR_INVALID_ARGS);
    EXPECT_EQ(child->map(0, 4096, vmo, 0, kVmRead, 0, &clash), ZX_ERR_BAD_STATE);
  }
  expect_back_to(t, b);
}

SELFTEST("vmar.aslr_spread") {
  RefPtr<VmAspace> as;
  REQUIRE(VmAspace::create("test", &as) == ZX_OK);
  RefPtr<VmObject> vmo;
  REQUIRE(VmObject::create(4096, 0, &vmo) == ZX_OK);
  uint64_t lo = ~0ull, hi = 0;
  for (int i = 0; i < 16; i++) {
    RefPtr<VmMapping> m;
    REQUIRE(as->root()->map(0, 4096, vmo, 0, kVmRead, 0, &m) == ZX_OK);
    if (m->base() < lo) lo = m->base();
    if (m->base() > hi) hi = m->base();
  }
  // Sixteen random placements in a 256 GiB range are not packed together.
  EXPECT(hi - lo > (1ull << 30));
}

SELFTEST("vmo.snapshot_isolation") {
  Baseline b;
  {
    RefPtr<VmObject> parent, child;
    REQUIRE(VmObject::create(4 * 4096, 0, &parent) == ZX_OK);
    uint64_t a = 0xA, v = 0;
    EXPECT_OK(parent->write(&a, 0, 8));
    REQUIRE(parent->create_snapshot(0, 4 * 4096, 0, false, &child) == ZX_OK);
    EXPECT_EQ(child->committed_pages(), 1u);  // shared, not copied
    EXPECT_OK(child->read(&v, 0, 8));
    EXPECT_EQ(v, 0xAu);
    uint64_t bb = 0xB, c = 0xC;
    EXPECT_OK(child->write(&bb, 0, 8));  // copy-on-write in the child
    EXPECT_OK(parent->read(&v, 0, 8));
    EXPECT_EQ(v, 0xAu);
    EXPECT_OK(parent->write(&c, 0, 8));  // the parent's page is its own again
    EXPECT_OK(child->read(&v, 0, 8));
    EXPECT_EQ(v, 0xBu);
    EXPECT_OK(parent->write(&c, 4096, 8));  // untouched at snapshot time: the child sees zero
    EXPECT_OK(child->read(&v, 4096, 8));
    EXPECT_EQ(v, 0u);
    // Snapshot of a snapshot, and dropping the middle one keeps the last intact.
    RefPtr<VmObject> grandchild;
    REQUIRE(child->create_snapshot(0, 4096, 0, false, &grandchild) == ZX_OK);
    child = nullptr;
    EXPECT_OK(grandchild->read(&v, 0, 8));
    EXPECT_EQ(v, 0xBu);
  }
  expect_back_to(t, b);
}

SELFTEST("vmo.snapshot_through_mappings") {
  Baseline b;
  {
    RefPtr<VmAspace> as;
    REQUIRE(VmAspace::create("test", &as) == ZX_OK);
    RefPtr<VmObject> parent, child;
    REQUIRE(VmObject::create(2 * 4096, 0, &parent) == ZX_OK);
    RefPtr<VmMapping> pm, cm;
    REQUIRE(as->root()->map(0, 2 * 4096, parent, 0, kVmRead | kVmWrite, 0, &pm) == ZX_OK);
    Access w1{pm->base(), 8, 111};
    EXPECT_EQ(run_in(as.get(), store, &w1), ZX_OK);
    REQUIRE(parent->create_snapshot(0, 2 * 4096, 0, false, &child) == ZX_OK);
    // A store through the parent's mapping now faults on the shared page and copies it.
    Access w2{pm->base(), 8, 222};
    EXPECT_EQ(run_in(as.get(), store, &w2), ZX_OK);
    uint64_t v = 0;
    EXPECT_OK(child->read(&v, 0, 8));
    EXPECT_EQ(v, 111u);
    REQUIRE(as->root()->map(0, 2 * 4096, child, 0, kVmRead | kVmWrite, 0, &cm) == ZX_OK);
    Access r{cm->base(), 8, 0};
    EXPECT_EQ(run_in(as.get(), load, &r), ZX_OK);
    EXPECT_EQ(r.value, 111u);
    Access w3{cm->base(), 8, 333};
    EXPECT_EQ(run_in(as.get(), store, &w3), ZX_OK);
    EXPECT_OK(parent->read(&v, 0, 8));
    EXPECT_EQ(v, 222u);
    EXPECT_OK(child->read(&v, 0, 8));
    EXPECT_EQ(v, 333u);
  }
  expect_back_to(t, b);
}

SELFTEST("vmo.slice") {
  Baseline b;
  {
    RefPtr<VmAspace> as;
    REQUIRE(VmAspace::create("test", &as) == ZX_OK);
    RefPtr<VmObject> parent, slice;
    REQUIRE(VmObject::create(4 * 4096, 0, &parent) == ZX_OK);
    EXPECT_EQ(parent->create_slice(4096, 4096 * 4, &slice), ZX_ERR_OUT_OF_RANGE);
    EXPECT_EQ(parent->create_slice(100, 4096, &slice), ZX_ERR_INVALID_ARGS);
    REQUIRE(parent->create_slice(4096, 2 * 4096, &slice) == ZX_OK);
    uint64_t x = 5, v = 0;
    EXPECT_OK(slice->write(&x, 8, 8));  // lands in the parent at 4096 + 8
    EXPECT_OK(parent->read(&v, 4096 + 8, 8));
    EXPECT_EQ(v, 5u);
    EXPECT_EQ(slice->write(&x, 2 * 4096, 8), ZX_ERR_OUT_OF_RANGE);
    EXPECT_EQ(slice->resize(4096), ZX_ERR_UNAVAILABLE);
    RefPtr<VmMapping> sm;
    REQUIRE(as->root()->map(0, 2 * 4096, slice, 0, kVmRead | kVmWrite, 0, &sm) == ZX_OK);
    Access r{sm->base() + 8, 8, 0};
    EXPECT_EQ(run_in(as.get(), load, &r), ZX_OK);
    EXPECT_EQ(r.value, 5u);
    // Decommitting the parent takes the page away from the slice's mapping too.
    EXPECT_OK(parent->decommit(0, 4 * 4096));
    EXPECT_EQ(run_in(as.get(), load, &r), ZX_OK);
    EXPECT_EQ(r.value, 0u);
  }
  expect_back_to(t, b);
}
