// Isolation: rights that must be refused and memory that must stay private.
//
// Memory: zx_vmar_protect must not make writable a page the mapping may not yet store to: a
// page still shared copy-on-write with a parent or a snapshot (a store would reach the other
// side), or a clean page of a pager-backed VMO (a store would go unseen by the pager, so the
// data would be lost at eviction). Each attack maps such a page read-only, touches it, protects
// the mapping writable and stores, then looks at what the other side sees.
//
// Rights: each attack makes a handle short of exactly one right and tries the call that needs
// it, then checks that nothing changed. Every attack ends by checking that the kernel still
// serves (objects made and used, memory mapped, written and read back).
#ifndef USER_BIN_HOSTILE_ISOLATION_H_
#define USER_BIN_HOSTILE_ISOLATION_H_

#include <testing.h>
#include <zircon/syscalls/port.h>

#include "counts.h"

namespace hostile {
namespace isolation {

constexpr size_t kPage = testing::kPage;
constexpr zx_vm_option_t kR = ZX_VM_PERM_READ;
constexpr zx_vm_option_t kRW = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;

// The kernel still makes and uses objects and maps memory: the check after every attack.
inline void check_serves() {
  zx_handle_t e, v;
  CHECK_OK(zx_event_create(0, &e));
  CHECK_OK(zx_object_signal(e, 0, ZX_USER_SIGNAL_0));
  zx_signals_t seen = 0;
  CHECK_OK(zx_object_wait_one(e, ZX_USER_SIGNAL_0, 0, &seen));
  CHECK_OK(zx_handle_close(e));
  CHECK_OK(zx_vmo_create(kPage, 0, &v));
  zx_vaddr_t a;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), kRW, 0, v, 0, kPage, &a));
  *reinterpret_cast<volatile char*>(a) = 's';
  char c = 0;
  CHECK_OK(zx_vmo_read(v, &c, 0, 1));
  CHECK_EQ(c, 's');
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), a, kPage));
  CHECK_OK(zx_handle_close(v));
}

inline char load(zx_vaddr_t a) { return *reinterpret_cast<volatile char*>(a); }
inline void store(zx_vaddr_t a, char c) { *reinterpret_cast<volatile char*>(a) = c; }

inline zx_status_t byte_at(zx_handle_t vmo, uint64_t off, char* c) {
  return zx_vmo_read(vmo, c, off, 1);
}

// Maps `vmo` read-only, loads from it (the page is now mapped, read-only since it is shared
// or clean), protects it writable and stores 77 through it.
inline void protect_then_store(zx_handle_t vmo, char want_before, bool* stored) {
  *stored = false;
  zx_vaddr_t a;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), kR, 0, vmo, 0, kPage, &a));
  CHECK_EQ(load(a), want_before);
  CHECK_OK(zx_vmar_protect(zx_vmar_root_self(), kRW, a, kPage));
  store(a, 77);
  CHECK_EQ(load(a), 77);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), a, kPage));
  *stored = true;
}

// Fuchsia's Vmar.ProtectCowWritable, both ways round and for both snapshot kinds: a store
// through a protected-writable mapping of one side of a copy-on-write pair never shows on
// the other side.
inline void test_isolation_protect_cow() {
  const uint32_t kKinds[] = {ZX_VMO_CHILD_SNAPSHOT, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE};
  for (uint32_t kind : kKinds) {
    for (int child_side = 0; child_side < 2; child_side++) {
      g_counts.attacks++;
      zx_handle_t parent, child;
      CHECK_OK(zx_vmo_create(kPage, 0, &parent));
      char v = 42;
      CHECK_OK(zx_vmo_write(parent, &v, 0, 1));
      CHECK_OK(zx_vmo_create_child(parent, kind, 0, kPage, &child));
      bool stored;
      protect_then_store(child_side ? child : parent, 42, &stored);
      if (!stored) return;
      char c = 0;
      CHECK_OK(byte_at(child_side ? parent : child, 0, &c));
      CHECK_EQ(c, 42);  // 77 before the fix: the store reached the shared page
      CHECK_OK(byte_at(child_side ? child : parent, 0, &c));
      CHECK_EQ(c, 77);
      zx_handle_t both[2] = {parent, child};
      CHECK_OK(zx_handle_close_many(both, 2));
    }
  }
  // Through a slice of the parent (a window on it, so its faults are the parent's), and
  // through a snapshot of a snapshot: the other sides keep 42.
  g_counts.attacks++;
  zx_handle_t parent, snap, slice, grandchild;
  CHECK_OK(zx_vmo_create(kPage, 0, &parent));
  char v = 42;
  CHECK_OK(zx_vmo_write(parent, &v, 0, 1));
  CHECK_OK(zx_vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &snap));
  CHECK_OK(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE, 0, kPage, &slice));
  CHECK_OK(zx_vmo_create_child(snap, ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &grandchild));
  bool stored;
  protect_then_store(slice, 42, &stored);
  if (!stored) return;
  char c = 0;
  CHECK_OK(byte_at(snap, 0, &c));
  CHECK_EQ(c, 42);
  CHECK_OK(byte_at(grandchild, 0, &c));
  CHECK_EQ(c, 42);
  CHECK_OK(byte_at(parent, 0, &c));
  CHECK_EQ(c, 77);  // the slice's store is the parent's
  g_counts.attacks++;
  protect_then_store(grandchild, 42, &stored);
  if (!stored) return;
  CHECK_OK(byte_at(snap, 0, &c));
  CHECK_EQ(c, 42);
  zx_handle_t all[4] = {parent, snap, slice, grandchild};
  CHECK_OK(zx_handle_close_many(all, 4));
  check_serves();
}

// A pager, its port and a one-page VMO whose page is supplied with `fill`.
struct Paged {
  zx_handle_t pager = ZX_HANDLE_INVALID, port = ZX_HANDLE_INVALID, vmo = ZX_HANDLE_INVALID;
};

inline zx_status_t paged_create(Paged* p, uint32_t options, char fill) {
  zx_status_t s = zx_pager_create(0, &p->pager);
  if (s == ZX_OK) s = zx_port_create(0, &p->port);
  if (s == ZX_OK) s = zx_pager_create_vmo(p->pager, options, p->port, 1, kPage, &p->vmo);
  zx_handle_t aux = ZX_HANDLE_INVALID;
  if (s == ZX_OK) s = zx_vmo_create(kPage, 0, &aux);
  if (s == ZX_OK) s = zx_vmo_write(aux, &fill, 0, 1);
  if (s == ZX_OK) s = zx_pager_supply_pages(p->pager, p->vmo, 0, kPage, aux, 0);
  if (aux != ZX_HANDLE_INVALID) zx_handle_close(aux);
  return s;
}

inline zx_status_t paged_close(Paged* p) {
  zx_handle_t all[3] = {p->pager, p->port, p->vmo};
  return zx_handle_close_many(all, 3);
}

// How many dirty runs the pager sees in the VMO's one page.
inline long dirty_runs(const Paged& p) {
  zx_vmo_dirty_range_t r[2];
  size_t actual = 0, avail = 0;
  zx_status_t s =
      zx_pager_query_dirty_ranges(p.pager, p.vmo, 0, kPage, r, sizeof(r), &actual, &avail);
  return s == ZX_OK ? static_cast<long>(actual) : s;
}

// Without ZX_VMO_TRAP_DIRTY: a store after protect still makes the clean page dirty, so the
// pager finds it (before the fix it stayed clean: written, yet evictable and never written
// back). And a snapshot of the pager VMO, protected writable, stores into its own copy.
inline void test_isolation_protect_clean_pager_page() {
  g_counts.attacks++;
  Paged p;
  CHECK_OK(paged_create(&p, 0, 42));
  CHECK_EQ(dirty_runs(p), 0);
  zx_handle_t child;
  CHECK_OK(zx_vmo_create_child(p.vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, kPage, &child));
  bool stored;
  protect_then_store(child, 42, &stored);
  if (!stored) return;
  char c = 0;
  CHECK_OK(byte_at(p.vmo, 0, &c));
  CHECK_EQ(c, 42);  // the pager's clean page is untouched
  CHECK_EQ(dirty_runs(p), 0);
  CHECK_OK(zx_handle_close(child));
  g_counts.attacks++;
  protect_then_store(p.vmo, 42, &stored);
  if (!stored) return;
  CHECK_EQ(dirty_runs(p), 1);  // 0 before the fix
  CHECK_OK(byte_at(p.vmo, 0, &c));
  CHECK_EQ(c, 77);
  CHECK_OK(paged_close(&p));
  check_serves();
}

// The store of the TRAP_DIRTY attack, on a thread of its own: it waits for the pager's leave.
struct TrapStore {
  zx_vaddr_t addr;
  testing::Helper thread;
};

[[noreturn]] inline void trap_store_thread(uintptr_t arg, uintptr_t) {
  store(reinterpret_cast<TrapStore*>(arg)->addr, 77);
  zx_thread_exit();
}

// With ZX_VMO_TRAP_DIRTY: the store after protect asks the pager first (a DIRTY request),
// and goes through once the pager agrees. Before the fix no request came at all.
inline void test_isolation_protect_trap_dirty() {
  g_counts.attacks++;
  Paged p;
  CHECK_OK(paged_create(&p, ZX_VMO_TRAP_DIRTY, 42));
  zx_vaddr_t a;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), kR, 0, p.vmo, 0, kPage, &a));
  CHECK_EQ(load(a), 42);
  CHECK_OK(zx_vmar_protect(zx_vmar_root_self(), kRW, a, kPage));
  static TrapStore t;
  t.addr = a;
  t.thread = testing::Helper{};
  CHECK_OK(testing::helper_start(&t.thread, "trapstore", trap_store_thread,
                                 reinterpret_cast<uintptr_t>(&t), 0));
  zx_port_packet_t pkt{};
  CHECK_OK(zx_port_wait(p.port, zx_deadline_after(ZX_SEC(10)), &pkt));
  CHECK_EQ(pkt.type, ZX_PKT_TYPE_PAGE_REQUEST);
  CHECK_EQ(pkt.page_request.command, ZX_PAGER_VMO_DIRTY);
  CHECK_EQ(pkt.page_request.offset, 0);
  CHECK_EQ(pkt.page_request.length, kPage);
  CHECK_EQ(dirty_runs(p), 0);  // not yet: the pager has not agreed
  CHECK_OK(zx_pager_op_range(p.pager, ZX_PAGER_OP_DIRTY, p.vmo, 0, kPage, 0));
  CHECK_OK(testing::helper_join(&t.thread));
  CHECK_EQ(dirty_runs(p), 1);
  char c = 0;
  CHECK_OK(byte_at(p.vmo, 0, &c));
  CHECK_EQ(c, 77);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), a, kPage));
  CHECK_OK(paged_close(&p));
  check_serves();
}

inline zx_handle_t without(zx_handle_t h, zx_rights_t right) {
  zx_handle_t out = ZX_HANDLE_INVALID;
  zx_handle_duplicate(h, testing::rights_of(h) & ~right, &out);
  return out;
}

inline uint64_t committed(zx_handle_t vmo) {
  uint64_t n = ~0ull;
  testing::vmo_committed(vmo, &n);
  return n;
}

// Nothing is queued on the port (in particular no COMPLETE: nothing was detached).
inline bool port_empty(zx_handle_t port) {
  zx_port_packet_t pkt;
  return zx_port_wait(port, 0, &pkt) == ZX_ERR_TIMED_OUT;
}

// Pager calls through handles short of a right, and a supply after detach.
inline void test_isolation_pager_rights() {
  Paged p;
  CHECK_OK(zx_pager_create(0, &p.pager));
  CHECK_OK(zx_port_create(0, &p.port));
  CHECK_OK(zx_pager_create_vmo(p.pager, 0, p.port, 1, kPage, &p.vmo));
  zx_handle_t aux;
  CHECK_OK(zx_vmo_create(kPage, 0, &aux));
  CHECK_OK(zx_vmo_op_range(aux, ZX_VMO_OP_COMMIT, 0, kPage, nullptr, 0));
  zx_handle_t vmo_ro = without(p.vmo, ZX_RIGHT_WRITE), vmo_wo = without(p.vmo, ZX_RIGHT_READ);
  // Supplying through a VMO handle that cannot write (it changes the VMO's contents).
  g_counts.attacks++;
  CHECK_EQ(zx_pager_supply_pages(p.pager, vmo_ro, 0, kPage, aux, 0), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(committed(p.vmo), 0);
  CHECK_EQ(committed(aux), kPage);  // the page stayed where it was
  // Operating on, and querying, the VMO through handles without WRITE / READ.
  g_counts.attacks++;
  CHECK_EQ(zx_pager_op_range(p.pager, ZX_PAGER_OP_FAIL, vmo_ro, 0, kPage,
                             static_cast<uint64_t>(ZX_ERR_IO)),
           ZX_ERR_ACCESS_DENIED);
  zx_vmo_dirty_range_t r[1];
  size_t actual, avail;
  CHECK_EQ(zx_pager_query_dirty_ranges(p.pager, vmo_wo, 0, kPage, r, sizeof(r), &actual, &avail),
           ZX_ERR_ACCESS_DENIED);
  zx_pager_vmo_stats_t stats;
  CHECK_EQ(zx_pager_query_vmo_stats(p.pager, vmo_wo, 0, &stats, sizeof(stats)),
           ZX_ERR_ACCESS_DENIED);
  // Detaching through pager handles without MANAGE_VMO, or without ATTACH_VMO. Pager handles
  // cannot be duplicated: each is a pager of its own, its right dropped by replace.
  const zx_rights_t kDrop[] = {ZX_RIGHT_MANAGE_VMO, ZX_RIGHT_ATTACH_VMO};
  for (zx_rights_t drop : kDrop) {
    g_counts.attacks++;
    Paged q;
    CHECK_OK(zx_pager_create(0, &q.pager));
    CHECK_OK(zx_port_create(0, &q.port));
    CHECK_OK(zx_pager_create_vmo(q.pager, 0, q.port, 2, kPage, &q.vmo));
    CHECK_OK(zx_handle_replace(q.pager, testing::rights_of(q.pager) & ~drop, &q.pager));
    CHECK_EQ(zx_pager_detach_vmo(q.pager, q.vmo), ZX_ERR_ACCESS_DENIED);
    CHECK(port_empty(q.port));
    CHECK_OK(paged_close(&q));
  }
  // Supplying after detach: refused, and the page stays in aux.
  g_counts.attacks++;
  CHECK_OK(zx_pager_detach_vmo(p.pager, p.vmo));
  zx_port_packet_t pkt{};
  CHECK_OK(zx_port_wait(p.port, zx_deadline_after(ZX_SEC(10)), &pkt));
  CHECK_EQ(pkt.page_request.command, ZX_PAGER_VMO_COMPLETE);
  CHECK_EQ(zx_pager_supply_pages(p.pager, p.vmo, 0, kPage, aux, 0), ZX_ERR_BAD_STATE);
  CHECK_EQ(committed(p.vmo), 0);
  CHECK_EQ(committed(aux), kPage);
  zx_handle_t all[3] = {aux, vmo_ro, vmo_wo};
  CHECK_OK(zx_handle_close_many(all, 3));
  CHECK_OK(paged_close(&p));
  check_serves();
}

// VMO calls through handles short of a right (each refused, nothing changed).
inline void test_isolation_vmo_rights() {
  g_counts.attacks++;
  zx_handle_t v;
  CHECK_OK(zx_vmo_create(kPage, ZX_VMO_RESIZABLE, &v));
  char c = 'v';
  CHECK_OK(zx_vmo_write(v, &c, 0, 1));
  zx_handle_t no_read = without(v, ZX_RIGHT_READ), no_write = without(v, ZX_RIGHT_WRITE),
              no_resize = without(v, ZX_RIGHT_RESIZE), no_dup = without(v, ZX_RIGHT_DUPLICATE),
              no_map = without(v, ZX_RIGHT_MAP);
  CHECK_EQ(zx_vmo_read(no_read, &c, 0, 1), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_write(no_write, "x", 0, 1), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_set_size(no_resize, 2 * kPage), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_set_size(no_write, 2 * kPage), ZX_ERR_ACCESS_DENIED);
  zx_handle_t child;
  CHECK_EQ(zx_vmo_create_child(no_dup, ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &child),
           ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_create_child(no_read, ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &child),
           ZX_ERR_ACCESS_DENIED);
  zx_vaddr_t a;
  CHECK_EQ(zx_vmar_map(zx_vmar_root_self(), kR, 0, no_map, 0, kPage, &a), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmar_map(zx_vmar_root_self(), kRW, 0, no_write, 0, kPage, &a), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_op_range(no_write, ZX_VMO_OP_COMMIT, 0, kPage, nullptr, 0), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_op_range(no_write, ZX_VMO_OP_DECOMMIT, 0, kPage, nullptr, 0),
           ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_op_range(no_write, ZX_VMO_OP_ZERO, 0, kPage, nullptr, 0), ZX_ERR_ACCESS_DENIED);
  // The cache operations as Zircon: invalidating needs WRITE, the rest READ (before the audit
  // either right did for all of them); PREFETCH reads, so it needs READ.
  CHECK_EQ(zx_vmo_op_range(no_write, ZX_VMO_OP_CACHE_INVALIDATE, 0, kPage, nullptr, 0),
           ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_op_range(no_read, ZX_VMO_OP_CACHE_SYNC, 0, kPage, nullptr, 0),
           ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_op_range(no_read, ZX_VMO_OP_CACHE_CLEAN, 0, kPage, nullptr, 0),
           ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_op_range(no_read, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE, 0, kPage, nullptr, 0),
           ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_op_range(no_read, ZX_VMO_OP_PREFETCH, 0, kPage, nullptr, 0),
           ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_vmo_op_range(no_write, ZX_VMO_OP_CACHE_SYNC, 0, kPage, nullptr, 0));
  CHECK_EQ(zx_vmo_op_range(v, ZX_VMO_OP_CACHE_SYNC, 0, 0, nullptr, 0), ZX_ERR_INVALID_ARGS);
  // Nothing changed.
  uint64_t size = 0;
  CHECK_OK(zx_vmo_get_size(v, &size));
  CHECK_EQ(size, kPage);
  CHECK_OK(zx_vmo_read(v, &c, 0, 1));
  CHECK_EQ(c, 'v');
  CHECK_EQ(committed(v), kPage);
  // An executable VMO needs a resource (or none), never some other object; the VMO handle is
  // consumed either way.
  g_counts.attacks++;
  zx_handle_t e, exec;
  CHECK_OK(zx_event_create(0, &e));
  CHECK_EQ(zx_vmo_replace_as_executable(no_map, e, &exec), ZX_ERR_WRONG_TYPE);
  CHECK(!testing::handle_valid(no_map));
  zx_handle_t all[6] = {v, no_read, no_write, no_resize, no_dup, e};
  CHECK_OK(zx_handle_close_many(all, 6));
  check_serves();
}

// A VMAR handle without ZX_RIGHT_OP_CHILDREN cannot reach into its sub-VMARs: unmap, protect
// and op_range over a range holding one are refused (ZX_ERR_INVALID_ARGS, as Zircon) and the
// sub-VMAR's mapping is untouched; mappings placed directly in the VMAR stay its to manage.
inline void test_isolation_vmar_op_children() {
  g_counts.attacks++;
  const zx_vm_option_t kCanRW = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE;
  zx_handle_t outer, inner, vmo;
  zx_vaddr_t outer_base, inner_base, a, direct;
  CHECK_OK(zx_vmar_allocate(zx_vmar_root_self(), kCanRW | ZX_VM_CAN_MAP_SPECIFIC, 0, 16 * kPage,
                            &outer, &outer_base));
  CHECK_OK(zx_vmar_allocate(outer, kCanRW, 0, 4 * kPage, &inner, &inner_base));
  CHECK_OK(zx_vmo_create(kPage, 0, &vmo));
  CHECK_OK(zx_vmar_map(inner, kRW, 0, vmo, 0, kPage, &a));
  store(a, 'k');
  zx_handle_t weak = without(outer, ZX_RIGHT_OP_CHILDREN);
  CHECK(weak != ZX_HANDLE_INVALID);
  CHECK_EQ(zx_vmar_unmap(weak, inner_base, 4 * kPage), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmar_unmap(weak, outer_base, 16 * kPage), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmar_protect(weak, kR, inner_base, 4 * kPage), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmar_op_range(weak, ZX_VMAR_OP_DECOMMIT, a, kPage, nullptr, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmar_op_range(weak, ZX_VMAR_OP_ZERO, a, kPage, nullptr, 0), ZX_ERR_INVALID_ARGS);
  // The sub-VMAR and its mapping are intact (looked at without touching the address first,
  // so that a failure here is a FAIL line rather than a crash).
  CHECK_OK(zx_vmar_op_range(inner, ZX_VMAR_OP_MAP_RANGE, a, kPage, nullptr, 0));
  CHECK_EQ(load(a), 'k');
  CHECK_EQ(committed(vmo), kPage);
  // A mapping directly in the VMAR: the weak handle manages it.
  CHECK_OK(zx_vmar_map(outer, kRW, 0, vmo, 0, kPage, &direct));
  CHECK_OK(zx_vmar_protect(weak, kR, direct, kPage));
  CHECK_OK(zx_vmar_unmap(weak, direct, kPage));
  // With the right, the sub-VMAR goes.
  CHECK_OK(zx_vmar_unmap(outer, inner_base, 4 * kPage));
  CHECK_EQ(zx_vmar_op_range(inner, ZX_VMAR_OP_MAP_RANGE, a, kPage, nullptr, 0), ZX_ERR_BAD_STATE);
  CHECK_OK(zx_vmar_destroy(outer));
  zx_handle_t all[4] = {outer, inner, vmo, weak};
  CHECK_OK(zx_handle_close_many(all, 4));
  check_serves();
}

// Task, VMAR and handle calls through handles short of a right: each refused, the target
// unchanged (the process neither started nor killed, the sub-VMAR still there).
inline void test_isolation_task_rights() {
  g_counts.attacks++;
  zx_handle_t proc, vmar;
  CHECK_OK(zx_process_create(ZX_HANDLE_INVALID, "victim", 6, 0, &proc, &vmar));
  zx_handle_t thread;
  CHECK_OK(zx_thread_create(proc, "t", 1, 0, &thread));
  zx_handle_t proc_nt = without(proc, ZX_RIGHT_MANAGE_THREAD),
              proc_nw = without(proc, ZX_RIGHT_WRITE), proc_nd = without(proc, ZX_RIGHT_DESTROY),
              thread_nw = without(thread, ZX_RIGHT_WRITE),
              vmar_nx = without(vmar, ZX_RIGHT_EXECUTE), ev, ev_nt, ev_nd;
  zx_handle_t t2;
  CHECK_EQ(zx_thread_create(proc_nt, "t", 1, 0, &t2), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_process_start(proc_nw, thread, 0x10000, 0x20000, ZX_HANDLE_INVALID, 0),
           ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_process_start(proc, thread_nw, 0x10000, 0x20000, ZX_HANDLE_INVALID, 0),
           ZX_ERR_ACCESS_DENIED);
  // A handle passed to the new process must be transferable; it is consumed either way.
  CHECK_OK(zx_event_create(0, &ev));
  CHECK_OK(zx_handle_duplicate(ev, testing::rights_of(ev) & ~ZX_RIGHT_TRANSFER, &ev_nt));
  CHECK_EQ(zx_process_start(proc, thread, 0x10000, 0x20000, ev_nt, 0), ZX_ERR_ACCESS_DENIED);
  CHECK(!testing::handle_valid(ev_nt));
  CHECK_EQ(zx_task_kill(proc_nd), ZX_ERR_ACCESS_DENIED);
  zx_signals_t seen = 0;
  CHECK_EQ(zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, 0, &seen), ZX_ERR_TIMED_OUT);
  // A thread of our own process, started through a handle without MANAGE_THREAD.
  zx_handle_t mine, mine_nm;
  CHECK_OK(zx_thread_create(zx_process_self(), "idle", 4, 0, &mine));
  mine_nm = without(mine, ZX_RIGHT_MANAGE_THREAD);
  CHECK_EQ(zx_thread_start(mine_nm, 0x10000, 0x20000, 0, 0), ZX_ERR_ACCESS_DENIED);
  // Mapping rights a VMAR handle lacks, and destroying without OP_CHILDREN.
  zx_handle_t sub, sub_weak;
  zx_vaddr_t sub_base;
  CHECK_EQ(zx_vmar_allocate(vmar_nx, ZX_VM_CAN_MAP_EXECUTE, 0, kPage, &sub, &sub_base),
           ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_vmar_allocate(vmar, ZX_VM_CAN_MAP_READ, 0, kPage, &sub, &sub_base));
  sub_weak = without(sub, ZX_RIGHT_OP_CHILDREN);
  CHECK_EQ(zx_vmar_destroy(sub_weak), ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_vmar_destroy(sub));  // still there: this is the first destroy that works
  // Duplicating without DUPLICATE.
  CHECK_OK(zx_handle_duplicate(ev, testing::rights_of(ev) & ~ZX_RIGHT_DUPLICATE, &ev_nd));
  CHECK_EQ(zx_handle_duplicate(ev_nd, ZX_RIGHT_SAME_RIGHTS, &t2), ZX_ERR_ACCESS_DENIED);
  // The process is killed through the handle that may.
  CHECK_OK(zx_task_kill(proc));
  CHECK_OK(zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, zx_deadline_after(ZX_SEC(10)), &seen));
  zx_handle_t all[14] = {proc,    vmar, thread, proc_nt, proc_nw, proc_nd, thread_nw,
                         vmar_nx, ev,   ev_nd,  mine,    mine_nm, sub,     sub_weak};
  CHECK_OK(zx_handle_close_many(all, 14));
  check_serves();
}

}  // namespace isolation

inline const testing::Test kIsolationTests[] = {
    {"isolation.protect_cow", isolation::test_isolation_protect_cow},
    {"isolation.protect_clean_pager_page", isolation::test_isolation_protect_clean_pager_page},
    {"isolation.protect_trap_dirty", isolation::test_isolation_protect_trap_dirty},
    {"isolation.pager_rights", isolation::test_isolation_pager_rights},
    {"isolation.vmo_rights", isolation::test_isolation_vmo_rights},
    {"isolation.vmar_op_children", isolation::test_isolation_vmar_op_children},
    {"isolation.task_rights", isolation::test_isolation_task_rights},
};

}  // namespace hostile

#endif  // USER_BIN_HOSTILE_ISOLATION_H_
