// pagertests: the pager API from userspace, in the spirit of Fuchsia's core-tests Pager.*:
// page requests (their packets, merging, one in flight per VMO), supplying and failing them,
// detaching, closing and killing every party mid-request, resizing and unmapping under a
// waiting fault. Output and usage are those of usertests (testing.h): `pagertests [PREFIX]`.
//
// Most tests are their own pager: a helper thread (Access) touches a pager VMO and blocks, the
// test reads the request from the port and answers it. A fault the pager fails or that can no
// longer be resolved kills the faulting process, so those run in a child process: this same
// program started as `pagertests child ROLE ARG` (child_main, at the bottom).
#include <launch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <testing.h>
#include <zircon/process.h>
#include <zircon/processargs.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/object.h>
#include <zircon/syscalls/port.h>

namespace {

using testing::Helper;
using testing::helper_join;
using testing::helper_start;
using testing::kPage;
using testing::rights_of;
using testing::Test;
using testing::vmo_committed;

// Runs a helper that CHECKs on its own (a void function), and ends the test if it failed.
#define CHECK_HELPER(call)           \
  do {                               \
    call;                            \
    if (::testing::g_failed) return; \
  } while (0)

// ---- the smaller pager tests: the test itself answers (or ignores) the page requests ----------
constexpr uint64_t kKey = 5;  // the key of every fixture VMO's requests

// A pager, its port, and one VMO it serves.
struct PagerFixture {
  zx_handle_t pager, port, vmo;
};

zx_status_t pager_fixture(PagerFixture* f, uint32_t options, uint64_t size) {
  zx_status_t s = zx_pager_create(0, &f->pager);
  if (s == ZX_OK) s = zx_port_create(0, &f->port);
  if (s == ZX_OK) s = zx_pager_create_vmo(f->pager, options, f->port, kKey, size, &f->vmo);
  return s;
}

zx_status_t fixture_close(PagerFixture* f) {
  zx_handle_t all[3] = {f->pager, f->port, f->vmo};
  return zx_handle_close_many(all, 3);
}

// The next packet on the port (waiting up to 10 s).
zx_status_t next_request(zx_handle_t port, zx_port_packet_t* p) {
  return zx_port_wait(port, zx_deadline_after(ZX_SEC(10)), p);
}

// The next packet is a READ of the fixture's VMO for exactly [off, off + len).
#define CHECK_READ(port, off, len)                                \
  do {                                                            \
    zx_port_packet_t p_{};                                        \
    CHECK_OK(next_request(port, &p_));                            \
    CHECK_EQ(p_.type, ZX_PKT_TYPE_PAGE_REQUEST);                  \
    CHECK_EQ(p_.key, kKey);                                       \
    CHECK_EQ(p_.status, ZX_OK);                                   \
    CHECK_EQ(p_.page_request.command, ZX_PAGER_VMO_READ);         \
    CHECK_EQ(p_.page_request.offset, static_cast<uint64_t>(off)); \
    CHECK_EQ(p_.page_request.length, static_cast<uint64_t>(len)); \
  } while (0)

// The next packet says that no more requests come for the VMO with this key.
#define CHECK_COMPLETE(port, want_key)                        \
  do {                                                        \
    zx_port_packet_t p_{};                                    \
    CHECK_OK(next_request(port, &p_));                        \
    CHECK_EQ(p_.type, ZX_PKT_TYPE_PAGE_REQUEST);              \
    CHECK_EQ(p_.key, want_key);                               \
    CHECK_EQ(p_.page_request.command, ZX_PAGER_VMO_COMPLETE); \
  } while (0)

// Nothing is queued on the port now. Requests are queued by the syscall or fault that causes
// them, before it blocks, so a zero deadline is enough once the causing thread is waiting.
#define CHECK_NO_PACKET(port)                               \
  do {                                                      \
    zx_port_packet_t p_{};                                  \
    CHECK_EQ(zx_port_wait(port, 0, &p_), ZX_ERR_TIMED_OUT); \
  } while (0)

// This kernel answers no thread-state query (ZX_INFO_THREAD is not a supported topic), so a
// thread joining a request that is already on its way to the pager cannot be seen blocking:
// give it this long to get there. Each test that settles then checks something that holds only
// if the thread did block (it is still pending, and its result arrives with the answer).
void settle() { zx_nanosleep(zx_deadline_after(ZX_MSEC(50))); }

// What a helper thread does to a pager VMO: the syscalls that read or write it, or loads and
// stores through a mapping of it (at `base`), or a commit.
enum class Op { kRead, kWrite, kLoad, kStore, kLoadPages, kCommit };

constexpr zx_status_t kPending = 1;  // an Access's status until its thread is done

// A thread doing one Op at `offset` (`len` bytes, or pages for kLoadPages); `status` stays
// kPending until it is done. Tests keep these static: the thread may outlive a test that fails
// early.
struct Access {
  Op op;
  zx_handle_t vmo;
  uintptr_t base;
  uint64_t offset, len;
  zx_status_t status;
  char byte;  // the first byte read
  Helper thread;
  char buf[3 * kPage];
};

[[noreturn]] void access_thread(uintptr_t arg1, uintptr_t) {
  auto* a = reinterpret_cast<Access*>(arg1);
  auto* mem = reinterpret_cast<volatile char*>(a->base);
  zx_status_t s = ZX_OK;
  switch (a->op) {
    case Op::kRead:
      s = zx_vmo_read(a->vmo, a->buf, a->offset, a->len);
      a->byte = a->buf[0];
      break;
    case Op::kWrite:
      s = zx_vmo_write(a->vmo, "W", a->offset, 1);
      break;
    case Op::kLoad:
      a->byte = mem[a->offset];
      break;
    case Op::kStore:
      mem[a->offset] = 'W';
      break;
    case Op::kLoadPages:
      for (uint64_t i = 0; i < a->len; i++) a->buf[i] = mem[a->offset + i * kPage];
      a->byte = a->buf[0];
      break;
    case Op::kCommit:
      s = zx_vmo_op_range(a->vmo, ZX_VMO_OP_COMMIT, a->offset, a->len, nullptr, 0);
      break;
  }
  __atomic_store_n(&a->status, s, __ATOMIC_RELEASE);
  zx_thread_exit();
}

zx_status_t access_start(Access* a, Op op, zx_handle_t vmo, uintptr_t base, uint64_t offset,
                         uint64_t len) {
  a->op = op;
  a->vmo = vmo;
  a->base = base;
  a->offset = offset;
  a->len = len;
  a->status = kPending;
  a->byte = 0;
  a->thread = Helper{};
  return helper_start(&a->thread, "access", access_thread, reinterpret_cast<uintptr_t>(a), 0);
}

zx_status_t status_of(const Access& a) { return __atomic_load_n(&a.status, __ATOMIC_ACQUIRE); }

// The older tests' reader: one byte at `offset` through zx_vmo_read.
using PageRead = Access;
zx_status_t page_read_start(PageRead* r, zx_handle_t vmo, uint64_t offset) {
  return access_start(r, Op::kRead, vmo, 0, offset, 1);
}

// Maps a whole VMO of `size` bytes with `perms`.
zx_status_t map_vmo(zx_handle_t vmo, zx_vm_option_t perms, uint64_t size, zx_vaddr_t* addr) {
  return zx_vmar_map(zx_vmar_root_self(), perms, 0, vmo, 0, size, addr);
}

constexpr zx_vm_option_t kRW = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;

// Moves `n` pages into [offset, offset + n pages) of a pager VMO: page i is filled with the
// byte fill + i * step.
zx_status_t supply_filled(zx_handle_t pager, zx_handle_t vmo, uint64_t offset, uint64_t n,
                          char fill, int step = 0) {
  zx_handle_t aux;
  zx_status_t s = zx_vmo_create(n * kPage, 0, &aux);
  if (s != ZX_OK) return s;
  static char page[kPage];
  for (uint64_t i = 0; i < n && s == ZX_OK; i++) {
    memset(page, fill + static_cast<int>(i) * step, sizeof(page));
    s = zx_vmo_write(aux, page, i * kPage, sizeof(page));
  }
  if (s == ZX_OK) s = zx_pager_supply_pages(pager, vmo, offset, n * kPage, aux, 0);
  zx_handle_close(aux);
  return s;
}

// Answers READ requests until every page of [lo, hi) has been supplied, page k of the VMO
// filled with the byte fill + k. Each request must be a READ with the fixture's key, page
// aligned, inside [lo, hi), must ask for no page already asked for, and must come alone (one
// packet in flight per VMO). How the pages are split into requests is the kernel's choice.
void serve(const PagerFixture& f, uint64_t lo, uint64_t hi, char fill, int* requests) {
  uint64_t want = 0, got = 0;
  for (uint64_t o = lo; o < hi; o += kPage) want |= 1ull << (o / kPage);
  int n = 0;
  while (got != want) {
    zx_port_packet_t p;
    CHECK_OK(next_request(f.port, &p));
    CHECK_EQ(p.type, ZX_PKT_TYPE_PAGE_REQUEST);
    CHECK_EQ(p.key, kKey);
    CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_READ);
    uint64_t off = p.page_request.offset, len = p.page_request.length;
    CHECK_EQ((off | len) % kPage, 0);
    CHECK(len > 0 && off >= lo && off < hi && len <= hi - off);
    uint64_t mask = 0;
    for (uint64_t o = off; o < off + len; o += kPage) mask |= 1ull << (o / kPage);
    CHECK_EQ(mask & got, 0);  // no page asked for twice
    CHECK_NO_PACKET(f.port);
    CHECK_OK(supply_filled(f.pager, f.vmo, off, len / kPage,
                           static_cast<char>(fill + static_cast<int>(off / kPage)), 1));
    got |= mask;
    n++;
  }
  if (requests) *requests = n;
}

// ---- child processes --------------------------------------------------------------------------
// Starts this program as `pagertests child ROLE ARG` with `handles` as PA_USER0, PA_USER1, ...
zx_status_t spawn_child(const char* role, uint64_t arg, zx_handle_t* handles, uint32_t n,
                        zx_handle_t* proc) {
  char num[24];
  snprintf(num, sizeof(num), "%lu", arg);
  const char* argv[] = {"pagertests", "child", role, num};
  uint32_t info[3];
  for (uint32_t i = 0; i < n && i < 3; i++) info[i] = PA_HND(PA_USER0 + i, 0);
  return launch("pagertests", 4, argv, handles, info, n, proc);
}

// Waits up to 10 s for a child to end and gives its return code. A child still running then is
// killed, so that a hung child fails its test instead of hanging the suite.
zx_status_t child_end(zx_handle_t proc, int64_t* code) {
  zx_status_t s =
      zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, zx_deadline_after(ZX_SEC(10)), nullptr);
  if (s != ZX_OK) {
    zx_task_kill(proc);
    return s;
  }
  zx_info_process_t info;
  s = zx_object_get_info(proc, ZX_INFO_PROCESS, &info, sizeof(info), nullptr, nullptr);
  if (s == ZX_OK) *code = info.return_code;
  return s;
}

// A child that maps `vmo` (a duplicate is passed) and reads the byte at `offset`: its return
// code is that byte, or ZX_TASK_RETCODE_EXCEPTION_KILL if the fault could not be resolved. With
// `ready`, it signals ZX_USER_SIGNAL_0 on that event just before the read.
zx_status_t spawn_toucher(zx_handle_t vmo, uint64_t offset, zx_handle_t* proc,
                          zx_handle_t* ready = nullptr) {
  zx_handle_t handles[2];
  uint32_t n = 1;
  zx_status_t s = zx_handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS, &handles[0]);
  if (s != ZX_OK) return s;
  if (ready) {
    s = zx_event_create(0, ready);
    if (s == ZX_OK) s = zx_handle_duplicate(*ready, ZX_RIGHT_SAME_RIGHTS, &handles[n++]);
    if (s != ZX_OK) {
      zx_handle_close(handles[0]);
      return s;
    }
  }
  return spawn_child("touch", offset, handles, n, proc);
}

// Waits for a toucher's ready signal, then settles: the read follows the signal at once, so
// the child is then blocked in its fault.
zx_status_t wait_ready(zx_handle_t ready) {
  zx_status_t s =
      zx_object_wait_one(ready, ZX_USER_SIGNAL_0, zx_deadline_after(ZX_SEC(10)), nullptr);
  settle();
  return s;
}

// Reads one message of up to 8 bytes and at most one handle from a channel, waiting up to 10 s.
zx_status_t channel_recv(zx_handle_t ch, uint64_t* word, zx_handle_t* handle) {
  zx_status_t s = zx_object_wait_one(ch, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                                     zx_deadline_after(ZX_SEC(10)), nullptr);
  if (s != ZX_OK) return s;
  uint32_t nb = 0, nh = 0;
  *word = 0;
  return zx_channel_read(ch, 0, word, handle, sizeof(*word), handle ? 1 : 0, &nb, &nh);
}
// ---- pagers -----------------------------------------------------------------------------------
// A pager thread of this same process serves a 4-page VMO: page i reads as the byte 'A' + i,
// except page 2, which it fails with ZX_ERR_IO. It counts the requests it saw and exits on
// COMPLETE.
struct PagerArgs {
  zx_handle_t pager, port, vmo;
  int reads, completes;
  uint64_t bad_request;  // a request outside the VMO, or a packet of the wrong kind (nonzero)
};

[[noreturn]] void pager_server(uintptr_t arg1, uintptr_t) {
  auto* a = reinterpret_cast<PagerArgs*>(arg1);
  for (;;) {
    zx_port_packet_t p;
    if (zx_port_wait(a->port, zx_deadline_after(ZX_SEC(10)), &p) != ZX_OK) break;
    if (p.type != ZX_PKT_TYPE_PAGE_REQUEST || p.key != 77) {
      a->bad_request = 1;
      continue;
    }
    if (p.page_request.command == ZX_PAGER_VMO_COMPLETE) {
      a->completes++;
      break;
    }
    a->reads++;
    uint64_t off = p.page_request.offset, len = p.page_request.length;
    if (len == 0 || off + len > 4 * kPage || (off | len) % kPage) {
      a->bad_request = off + len + 1;
      continue;
    }
    for (uint64_t o = off; o < off + len; o += kPage) {
      if (o == 2 * kPage) {
        zx_pager_op_range(a->pager, ZX_PAGER_OP_FAIL, a->vmo, o, kPage, (uint64_t)ZX_ERR_IO);
        continue;
      }
      zx_handle_t aux;
      if (zx_vmo_create(kPage, 0, &aux) != ZX_OK) continue;
      // Filled through a mapping of our own: mapping and faulting need this process's
      // address-space lock, which a thread waiting for us must not be holding.
      zx_vaddr_t va;
      if (zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, aux, 0, kPage,
                      &va) == ZX_OK) {
        memset(reinterpret_cast<void*>(va), 'A' + static_cast<int>(o / kPage), kPage);
        zx_vmar_unmap(zx_vmar_root_self(), va, kPage);
      }
      zx_pager_supply_pages(a->pager, a->vmo, o, kPage, aux, 0);
      zx_handle_close(aux);
    }
  }
  zx_thread_exit();
}

void test_pager() {
  zx_handle_t pager, port, vmo;
  CHECK_EQ(zx_pager_create(1, &pager), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_pager_create(0, &pager));
  CHECK_OK(zx_port_create(0, &port));
  CHECK_EQ(zx_pager_create_vmo(pager, 1u << 6, port, 77, 4 * kPage, &vmo), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_create_vmo(port, 0, port, 77, 4 * kPage, &vmo), ZX_ERR_WRONG_TYPE);
  CHECK_OK(zx_pager_create_vmo(pager, 0, port, 77, 4 * kPage, &vmo));
  uint64_t size = 0;
  CHECK_OK(zx_vmo_get_size(vmo, &size));
  CHECK_EQ(size, 4 * kPage);

  static PagerArgs args;
  args = PagerArgs{pager, port, vmo, 0, 0, 0};
  Helper server;
  CHECK_OK(helper_start(&server, "pager", pager_server, reinterpret_cast<uintptr_t>(&args), 0));

  // zx_vmo_read blocks until the pager supplies the page.
  char buf[8];
  CHECK_OK(zx_vmo_read(vmo, buf, kPage + 100, sizeof(buf)));
  CHECK_EQ(buf[0], 'B');
  CHECK_EQ(buf[7], 'B');
  // A fault on a mapping does too (the thread blocks in the fault handler).
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, 4 * kPage, &addr));
  CHECK_EQ(reinterpret_cast<volatile char*>(addr)[10], 'A');
  CHECK_EQ(reinterpret_cast<volatile char*>(addr)[3 * kPage + 5], 'D');
  int reads = args.reads;
  CHECK(reads >= 3);
  // Supplied pages stay: reading them again asks the pager nothing.
  CHECK_OK(zx_vmo_read(vmo, buf, 0, sizeof(buf)));
  CHECK_EQ(buf[0], 'A');
  CHECK_EQ(args.reads, reads);
  // The pager fails page 2: the read returns its error (and asks again next time).
  CHECK_EQ(zx_vmo_read(vmo, buf, 2 * kPage, sizeof(buf)), ZX_ERR_IO);
  CHECK_EQ(zx_vmo_read(vmo, buf, 2 * kPage, sizeof(buf)), ZX_ERR_IO);
  CHECK_EQ(args.reads, reads + 2);

  // Argument checks.
  zx_handle_t aux, other;
  CHECK_OK(zx_vmo_create(2 * kPage, 0, &aux));
  CHECK_OK(zx_pager_create(0, &other));
  CHECK_EQ(zx_pager_supply_pages(pager, vmo, 100, kPage, aux, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_supply_pages(pager, vmo, 2 * kPage, kPage, aux, 0), ZX_ERR_BAD_STATE);
  CHECK_EQ(zx_pager_supply_pages(pager, vmo, 4 * kPage, kPage, aux, 0), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_pager_supply_pages(other, vmo, 0, kPage, aux, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_supply_pages(pager, aux, 0, kPage, aux, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_supply_pages(pager, vmo, 0, kPage, vmo, 0), ZX_ERR_BAD_STATE);
  CHECK_EQ(zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, kPage, 5), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_op_range(pager, 99, vmo, 0, kPage, 0), ZX_ERR_NOT_SUPPORTED);
  CHECK_EQ(zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, 8 * kPage, (uint64_t)ZX_ERR_IO),
           ZX_ERR_OUT_OF_RANGE);
  // A supply moves the pages out of the aux VMO; a page the VMO already has is kept.
  CHECK_OK(zx_vmo_write(aux, "zz", 0, 2));
  CHECK_OK(zx_vmo_op_range(aux, ZX_VMO_OP_COMMIT, 0, 2 * kPage, nullptr, 0));
  CHECK_OK(zx_pager_supply_pages(pager, vmo, 0, kPage, aux, 0));
  CHECK_OK(zx_vmo_read(vmo, buf, 0, 1));
  CHECK_EQ(buf[0], 'A');
  zx_info_vmo_t info;
  CHECK_OK(zx_object_get_info(aux, ZX_INFO_VMO, &info, sizeof(info), nullptr, nullptr));
  CHECK_EQ(info.committed_bytes, kPage);

  // Detaching: the pager hears COMPLETE; absent pages fail with BAD_STATE, supplied ones stay.
  CHECK_EQ(zx_pager_detach_vmo(other, vmo), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_pager_detach_vmo(pager, vmo));
  CHECK_OK(helper_join(&server));
  CHECK_EQ(args.completes, 1);
  CHECK_EQ(args.bad_request, 0u);
  CHECK_EQ(zx_vmo_read(vmo, buf, 2 * kPage, sizeof(buf)), ZX_ERR_BAD_STATE);
  CHECK_OK(zx_vmo_read(vmo, buf, kPage, 1));
  CHECK_EQ(buf[0], 'B');

  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 4 * kPage));
  zx_handle_t all[5] = {pager, port, vmo, aux, other};
  CHECK_OK(zx_handle_close_many(all, 5));
}

// Closing the pager while a thread waits for a page wakes it with ZX_ERR_BAD_STATE.
void test_pager_close_wakes() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, kPage));
  static PageRead reader;
  CHECK_OK(page_read_start(&reader, f.vmo, 0));
  // The read request arrives; nobody answers it.
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_READ);
  CHECK_EQ(p.page_request.length, kPage);
  CHECK_EQ(reader.status, 1);
  CHECK_OK(zx_handle_close(f.pager));
  CHECK_OK(helper_join(&reader.thread));
  CHECK_EQ(reader.status, ZX_ERR_BAD_STATE);
  // Later accesses fail the same way: nobody is left to supply. (Whether the port hears
  // COMPLETE is pager_close_no_complete's question.)
  char c;
  CHECK_EQ(zx_vmo_read(f.vmo, &c, 0, 1), ZX_ERR_BAD_STATE);
  zx_handle_t all[2] = {f.port, f.vmo};
  CHECK_OK(zx_handle_close_many(all, 2));
}

// Closing the pager's port while a thread waits for a page: nobody can answer, so it is woken
// with ZX_ERR_BAD_STATE, and later accesses to absent pages fail the same way.
void test_pager_port_close() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  static PageRead reader;
  CHECK_OK(page_read_start(&reader, f.vmo, 0));
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_READ);
  CHECK_OK(zx_handle_close(f.port));
  CHECK_OK(helper_join(&reader.thread));
  CHECK_EQ(reader.status, ZX_ERR_BAD_STATE);
  char c;
  CHECK_EQ(zx_vmo_read(f.vmo, &c, kPage, 1), ZX_ERR_BAD_STATE);
  zx_handle_t all[2] = {f.pager, f.vmo};
  CHECK_OK(zx_handle_close_many(all, 2));
}

// Shrinking a pager VMO below a page a thread waits for fails that wait with OUT_OF_RANGE.
void test_pager_shrink_waiter() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, ZX_VMO_RESIZABLE, 2 * kPage));
  CHECK(rights_of(f.vmo) & ZX_RIGHT_RESIZE);
  static PageRead reader;
  CHECK_OK(page_read_start(&reader, f.vmo, kPage));
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.offset, kPage);
  CHECK_OK(zx_vmo_set_size(f.vmo, kPage));
  CHECK_OK(helper_join(&reader.thread));
  CHECK_EQ(reader.status, ZX_ERR_OUT_OF_RANGE);
  zx_handle_t all[3] = {f.pager, f.port, f.vmo};
  CHECK_OK(zx_handle_close_many(all, 3));
}

// Four threads wait for the same page: the pager gets one request, and one supply wakes all.
void test_pager_many_waiters() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, kPage));
  static PageRead readers[4];
  for (PageRead& r : readers) CHECK_OK(page_read_start(&r, f.vmo, 0));
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.offset, 0u);
  CHECK_EQ(p.page_request.length, kPage);
  CHECK_OK(zx_nanosleep(zx_deadline_after(ZX_MSEC(20))));   // every reader is waiting by now
  CHECK_EQ(zx_port_wait(f.port, 0, &p), ZX_ERR_TIMED_OUT);  // no second request
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'm'));
  for (PageRead& r : readers) {
    CHECK_OK(helper_join(&r.thread));
    CHECK_OK(r.status);
  }
  char c;
  CHECK_OK(zx_vmo_read(f.vmo, &c, 0, 1));
  CHECK_EQ(c, 'm');
  zx_handle_t all[3] = {f.pager, f.port, f.vmo};
  CHECK_OK(zx_handle_close_many(all, 3));
}

// ZX_PAGER_OP_FAIL passes each allowed error to the waiter and refuses every other value.
void test_pager_fail_codes() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, kPage));
  const zx_status_t allowed[] = {ZX_ERR_IO, ZX_ERR_IO_DATA_INTEGRITY, ZX_ERR_BAD_STATE,
                                 ZX_ERR_NO_SPACE, ZX_ERR_BUFFER_TOO_SMALL};
  for (zx_status_t code : allowed) {
    static PageRead reader;
    CHECK_OK(page_read_start(&reader, f.vmo, 0));
    zx_port_packet_t p;
    CHECK_OK(next_request(f.port, &p));
    CHECK_OK(
        zx_pager_op_range(f.pager, ZX_PAGER_OP_FAIL, f.vmo, 0, kPage, static_cast<uint64_t>(code)));
    CHECK_OK(helper_join(&reader.thread));
    CHECK_EQ(reader.status, code);
  }
  const int64_t refused[] = {ZX_OK,
                             ZX_ERR_NO_MEMORY,
                             ZX_ERR_INTERNAL,
                             ZX_ERR_TIMED_OUT,
                             1,
                             -1000,
                             static_cast<int64_t>(1) << 40};
  for (int64_t code : refused) {
    CHECK_EQ(
        zx_pager_op_range(f.pager, ZX_PAGER_OP_FAIL, f.vmo, 0, kPage, static_cast<uint64_t>(code)),
        ZX_ERR_INVALID_ARGS);
  }
  zx_handle_t all[3] = {f.pager, f.port, f.vmo};
  CHECK_OK(zx_handle_close_many(all, 3));
}

// A supply may cover more than was asked: the extra pages are simply there, with no request.
void test_pager_supply_more() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 8 * kPage));
  static PageRead reader;
  CHECK_OK(page_read_start(&reader, f.vmo, 0));
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.length, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 4, 's'));
  CHECK_OK(helper_join(&reader.thread));
  CHECK_OK(reader.status);
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, f.vmo, 0, 8 * kPage, &addr));
  for (int i = 0; i < 4; i++) CHECK_EQ(reinterpret_cast<volatile char*>(addr)[i * kPage], 's');
  CHECK_EQ(zx_port_wait(f.port, 0, &p), ZX_ERR_TIMED_OUT);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 8 * kPage));
  zx_handle_t all[3] = {f.pager, f.port, f.vmo};
  CHECK_OK(zx_handle_close_many(all, 3));
}

// A thread killed while it waits for a pager (in a fault) withdraws only itself: another thread
// waiting for the same page still gets it.
[[noreturn]] void pager_toucher(uintptr_t arg1, uintptr_t) {
  (void)*reinterpret_cast<volatile char*>(arg1);  // faults, waits for the pager, is killed
  zx_thread_exit();
}

void test_pager_kill_waiter() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, kPage));
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, f.vmo, 0, kPage, &addr));
  static Helper toucher;
  toucher = Helper{};
  CHECK_OK(helper_start(&toucher, "toucher", pager_toucher, addr, 0));
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_READ);
  CHECK_EQ(p.page_request.offset, 0u);
  static PageRead reader;
  CHECK_OK(page_read_start(&reader, f.vmo, 0));
  CHECK_OK(zx_nanosleep(zx_deadline_after(ZX_MSEC(20))));  // the reader joins the wait
  CHECK_OK(zx_task_kill(toucher.thread));
  CHECK_OK(helper_join(&toucher));
  CHECK_EQ(reader.status, 1);  // still waiting
  zx_handle_t aux;
  CHECK_OK(zx_vmo_create(kPage, 0, &aux));
  CHECK_OK(zx_vmo_write(aux, "Q", 0, 1));
  CHECK_OK(zx_pager_supply_pages(f.pager, f.vmo, 0, kPage, aux, 0));
  CHECK_OK(helper_join(&reader.thread));
  CHECK_OK(reader.status);
  CHECK_EQ(reader.byte, 'Q');
  CHECK_EQ(*reinterpret_cast<volatile char*>(addr), 'Q');
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, kPage));
  zx_handle_t all[4] = {f.pager, f.port, f.vmo, aux};
  CHECK_OK(zx_handle_close_many(all, 4));
}

// ---- requests: what arrives on the port, and when ----------------------------------------------
// zx_vmo_read of one absent page: one READ packet naming that page, then the data.
void test_pager_read_one_page() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  static Access reader;
  CHECK_OK(access_start(&reader, Op::kRead, f.vmo, 0, kPage + 10, 1));
  CHECK_READ(f.port, kPage, kPage);
  CHECK_NO_PACKET(f.port);
  CHECK_EQ(status_of(reader), kPending);  // waits for the pager
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 'r'));
  CHECK_OK(helper_join(&reader.thread));
  CHECK_OK(reader.status);
  CHECK_EQ(reader.byte, 'r');
  // Supplied pages stay: reading again asks nothing.
  char c = 0;
  CHECK_OK(zx_vmo_read(f.vmo, &c, 2 * kPage - 1, 1));
  CHECK_EQ(c, 'r');
  CHECK_NO_PACKET(f.port);
  CHECK_OK(fixture_close(&f));
}

// A load through a mapping faults, asks for the page, and completes with the supplied data.
void test_pager_fault_load_one_page() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  zx_vaddr_t addr;
  CHECK_OK(map_vmo(f.vmo, ZX_VM_PERM_READ, 4 * kPage, &addr));
  static Access loader;
  CHECK_OK(access_start(&loader, Op::kLoad, f.vmo, addr, 2 * kPage + 5, 1));
  CHECK_READ(f.port, 2 * kPage, kPage);
  CHECK_EQ(status_of(loader), kPending);
  CHECK_OK(supply_filled(f.pager, f.vmo, 2 * kPage, 1, 'l'));
  CHECK_OK(helper_join(&loader.thread));
  CHECK_OK(loader.status);
  CHECK_EQ(loader.byte, 'l');
  CHECK_EQ(reinterpret_cast<volatile char*>(addr)[2 * kPage + kPage - 1], 'l');
  CHECK_NO_PACKET(f.port);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 4 * kPage));
  CHECK_OK(fixture_close(&f));
}

// A store through a mapping asks for the page too (a READ: the pager supplies what the page
// holds, then the store lands on it), and the store is what the VMO then holds.
void test_pager_fault_store_one_page() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  zx_vaddr_t addr;
  CHECK_OK(map_vmo(f.vmo, kRW, 2 * kPage, &addr));
  static Access storer;
  CHECK_OK(access_start(&storer, Op::kStore, f.vmo, addr, kPage + 1, 1));
  CHECK_READ(f.port, kPage, kPage);
  CHECK_EQ(status_of(storer), kPending);
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 's'));
  CHECK_OK(helper_join(&storer.thread));
  char two[2] = {};
  CHECK_OK(zx_vmo_read(f.vmo, two, kPage, 2));
  CHECK_EQ(two[0], 's');  // the pager's byte
  CHECK_EQ(two[1], 'W');  // the store
  uint64_t committed = 0;
  CHECK_OK(vmo_committed(f.vmo, &committed));
  CHECK_EQ(committed, kPage);
  CHECK_NO_PACKET(f.port);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 2 * kPage));
  CHECK_OK(fixture_close(&f));
}

// zx_vmo_write to an absent page waits for the page, then writes into the supplied contents.
void test_pager_vmo_write_one_page() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, kPage));
  static Access writer;
  CHECK_OK(access_start(&writer, Op::kWrite, f.vmo, 0, 100, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_EQ(status_of(writer), kPending);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'v'));
  CHECK_OK(helper_join(&writer.thread));
  CHECK_OK(writer.status);
  char three[3] = {};
  CHECK_OK(zx_vmo_read(f.vmo, three, 99, 3));
  CHECK_EQ(three[0], 'v');
  CHECK_EQ(three[1], 'W');
  CHECK_EQ(three[2], 'v');
  CHECK_OK(fixture_close(&f));
}

// A zx_vmo_read across three absent pages: the pager is asked for exactly those pages, first the
// page the read starts in, and the read returns all three pages' data in order.
void test_pager_read_spans_pages() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  static Access reader;
  CHECK_OK(access_start(&reader, Op::kRead, f.vmo, 0, kPage - 8, 2 * kPage + 8));
  int requests = 0;
  CHECK_HELPER(serve(f, 0, 3 * kPage, 'a', &requests));
  CHECK(requests >= 1 && requests <= 3);
  CHECK_OK(helper_join(&reader.thread));
  CHECK_OK(reader.status);
  CHECK_EQ(reader.buf[0], 'a');
  CHECK_EQ(reader.buf[7], 'a');
  CHECK_EQ(reader.buf[8], 'b');
  CHECK_EQ(reader.buf[8 + kPage], 'c');
  CHECK_EQ(reader.buf[2 * kPage + 7], 'c');
  CHECK_NO_PACKET(f.port);  // page 3 was never touched
  CHECK_OK(fixture_close(&f));
}

// A thread loading from four pages in turn through a mapping: every page is asked for once
// (however the kernel groups them), and each load sees its own page.
void test_pager_fault_pages_in_turn() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 6 * kPage));
  zx_vaddr_t addr;
  CHECK_OK(map_vmo(f.vmo, ZX_VM_PERM_READ, 6 * kPage, &addr));
  static Access loader;
  CHECK_OK(access_start(&loader, Op::kLoadPages, f.vmo, addr, kPage, 4));
  int requests = 0;
  CHECK_HELPER(serve(f, kPage, 5 * kPage, 'A', &requests));
  CHECK_OK(helper_join(&loader.thread));
  for (int i = 0; i < 4; i++) CHECK_EQ(loader.buf[i], 'A' + 1 + i);
  CHECK_NO_PACKET(f.port);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 6 * kPage));
  CHECK_OK(fixture_close(&f));
}

// One packet in flight per VMO: while the pager has not answered the first request, other
// threads' requests wait in the kernel, and the oldest goes out when the first is answered.
void test_pager_one_in_flight() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 8 * kPage));
  static Access a, b, c, d;
  CHECK_OK(access_start(&a, Op::kRead, f.vmo, 0, 0, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(access_start(&b, Op::kRead, f.vmo, 0, 2 * kPage, 1));
  settle();
  CHECK_OK(access_start(&c, Op::kRead, f.vmo, 0, 3 * kPage, 1));
  settle();
  CHECK_OK(access_start(&d, Op::kRead, f.vmo, 0, 6 * kPage, 1));
  settle();
  CHECK_NO_PACKET(f.port);  // b, c and d wait behind a's request
  CHECK_EQ(status_of(b), kPending);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'a'));
  CHECK_OK(helper_join(&a.thread));
  CHECK_OK(a.status);
  // Next, b's page (c's may ride along), alone; d's only once that is answered.
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_READ);
  CHECK_EQ(p.page_request.offset, 2 * kPage);
  uint64_t len = p.page_request.length;
  CHECK(len == kPage || len == 2 * kPage);
  CHECK_NO_PACKET(f.port);
  CHECK_OK(supply_filled(f.pager, f.vmo, 2 * kPage, len / kPage, 'b'));
  if (len == kPage) {
    CHECK_READ(f.port, 3 * kPage, kPage);
    CHECK_NO_PACKET(f.port);
    CHECK_OK(supply_filled(f.pager, f.vmo, 3 * kPage, 1, 'b'));
  }
  CHECK_READ(f.port, 6 * kPage, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, 6 * kPage, 1, 'd'));
  Access* set1[] = {&b, &c, &d};
  for (Access* x : set1) {
    CHECK_OK(helper_join(&x->thread));
    CHECK_OK(x->status);
  }
  CHECK_EQ(d.byte, 'd');
  CHECK_NO_PACKET(f.port);
  CHECK_OK(fixture_close(&f));
}

// Waiters of every kind on one page (a load and a store through a mapping, zx_vmo_read,
// zx_vmo_write) share one request; one supply wakes them all and both writes land.
void test_pager_mixed_waiters_one_page() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  zx_vaddr_t addr;
  CHECK_OK(map_vmo(f.vmo, kRW, 2 * kPage, &addr));
  static Access load, store, read, write;
  CHECK_OK(access_start(&load, Op::kLoad, f.vmo, addr, kPage + 8, 1));
  CHECK_READ(f.port, kPage, kPage);
  CHECK_OK(access_start(&store, Op::kStore, f.vmo, addr, kPage + 1, 1));
  CHECK_OK(access_start(&read, Op::kRead, f.vmo, 0, kPage + 9, 1));
  CHECK_OK(access_start(&write, Op::kWrite, f.vmo, 0, kPage + 2, 1));
  settle();
  CHECK_NO_PACKET(f.port);
  Access* set2[] = {&load, &store, &read, &write};
  for (Access* x : set2) CHECK_EQ(status_of(*x), kPending);
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 'm'));
  Access* set3[] = {&load, &store, &read, &write};
  for (Access* x : set3) {
    CHECK_OK(helper_join(&x->thread));
    CHECK_OK(x->status);
  }
  CHECK_EQ(load.byte, 'm');
  CHECK_EQ(read.byte, 'm');
  char four[4] = {};
  CHECK_OK(zx_vmo_read(f.vmo, four, kPage, 4));
  CHECK_EQ(four[0], 'm');
  CHECK_EQ(four[1], 'W');
  CHECK_EQ(four[2], 'W');
  CHECK_EQ(four[3], 'm');
  CHECK_NO_PACKET(f.port);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 2 * kPage));
  CHECK_OK(fixture_close(&f));
}

// Threads on overlapping ranges (reads of pages 0-1 and 1-2, and a fault on page 1): each page
// is asked for exactly once.
void test_pager_overlapping_ranges() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  zx_vaddr_t addr;
  CHECK_OK(map_vmo(f.vmo, ZX_VM_PERM_READ, 4 * kPage, &addr));
  static Access first, second, fault;
  CHECK_OK(access_start(&first, Op::kRead, f.vmo, 0, 0, 2 * kPage));
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));  // first's request: page 0 (with page 1, perhaps)
  CHECK_EQ(p.page_request.offset, 0u);
  uint64_t len = p.page_request.length;
  CHECK(len == kPage || len == 2 * kPage);
  CHECK_OK(access_start(&second, Op::kRead, f.vmo, 0, kPage, 2 * kPage));
  CHECK_OK(access_start(&fault, Op::kLoad, f.vmo, addr, kPage, 1));
  settle();
  CHECK_NO_PACKET(f.port);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, len / kPage, 'a', 1));
  // The rest: pages (len, 3 pages), each once.
  CHECK_HELPER(serve(f, len, 3 * kPage, 'a', nullptr));
  Access* set4[] = {&first, &second, &fault};
  for (Access* x : set4) {
    CHECK_OK(helper_join(&x->thread));
    CHECK_OK(x->status);
  }
  CHECK_EQ(first.buf[0], 'a');
  CHECK_EQ(first.buf[kPage], 'b');
  CHECK_EQ(second.buf[0], 'b');
  CHECK_EQ(second.buf[kPage], 'c');
  CHECK_EQ(fault.byte, 'b');
  CHECK_NO_PACKET(f.port);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 4 * kPage));
  CHECK_OK(fixture_close(&f));
}

// Two VMOs on one port: each has its own request in flight at the same time, told apart by key.
void test_pager_two_vmos_keys() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  zx_handle_t other;
  CHECK_OK(zx_pager_create_vmo(f.pager, 0, f.port, 12, 2 * kPage, &other));
  static Access a, b;
  CHECK_OK(access_start(&a, Op::kRead, f.vmo, 0, 0, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(access_start(&b, Op::kRead, other, 0, kPage, 1));
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));  // while the first is still unanswered
  CHECK_EQ(p.type, ZX_PKT_TYPE_PAGE_REQUEST);
  CHECK_EQ(p.key, 12u);
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_READ);
  CHECK_EQ(p.page_request.offset, kPage);
  CHECK_EQ(p.page_request.length, kPage);
  CHECK_OK(supply_filled(f.pager, other, kPage, 1, 'o'));
  CHECK_OK(helper_join(&b.thread));
  CHECK_EQ(b.byte, 'o');
  CHECK_EQ(status_of(a), kPending);  // the other VMO's supply is not ours
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'f'));
  CHECK_OK(helper_join(&a.thread));
  CHECK_EQ(a.byte, 'f');
  CHECK_OK(zx_handle_close(other));
  CHECK_COMPLETE(f.port, 12u);  // the other VMO is gone
  CHECK_NO_PACKET(f.port);
  CHECK_OK(fixture_close(&f));
}

// ---- supplying ---------------------------------------------------------------------------------

// Supplying less than a request asks for: the threads whose pages came wake at once, the others
// keep waiting, and no new packet is sent for the rest of the range (it is still in flight).
// Requests for neighbouring pages queued behind one in flight are sent as one range, which is what
// lets one request cover several waiters here.
void test_pager_supply_less_early_wake() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 8 * kPage));
  static Access first, p2, p3, p4;
  CHECK_OK(access_start(&first, Op::kRead, f.vmo, 0, 0, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(access_start(&p2, Op::kRead, f.vmo, 0, 2 * kPage, 1));
  settle();
  CHECK_OK(access_start(&p3, Op::kRead, f.vmo, 0, 3 * kPage, 1));
  settle();
  CHECK_OK(access_start(&p4, Op::kRead, f.vmo, 0, 4 * kPage, 1));
  settle();
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'z'));
  CHECK_READ(f.port, 2 * kPage, 3 * kPage);  // the three queued pages, as one range
  CHECK_OK(supply_filled(f.pager, f.vmo, 2 * kPage, 1, '2'));
  CHECK_OK(helper_join(&p2.thread));
  CHECK_OK(p2.status);
  CHECK_EQ(p2.byte, '2');
  settle();
  CHECK_EQ(status_of(p3), kPending);
  CHECK_EQ(status_of(p4), kPending);
  CHECK_NO_PACKET(f.port);
  CHECK_OK(supply_filled(f.pager, f.vmo, 4 * kPage, 1, '4'));
  CHECK_OK(helper_join(&p4.thread));
  CHECK_EQ(p4.byte, '4');
  settle();
  CHECK_EQ(status_of(p3), kPending);
  CHECK_OK(supply_filled(f.pager, f.vmo, 3 * kPage, 1, '3'));
  CHECK_OK(helper_join(&p3.thread));
  CHECK_EQ(p3.byte, '3');
  CHECK_OK(helper_join(&first.thread));
  CHECK_NO_PACKET(f.port);
  CHECK_OK(fixture_close(&f));
}

// A read of two pages gets only the first: it stays blocked until the second arrives.
void test_pager_supply_less_read_waits() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  static Access reader;
  CHECK_OK(access_start(&reader, Op::kRead, f.vmo, 0, kPage, 2 * kPage));
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.offset, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 'x'));
  settle();
  CHECK_EQ(status_of(reader), kPending);
  // The second page, asked for (again) or not: supplying it ends the read.
  CHECK_OK(supply_filled(f.pager, f.vmo, 2 * kPage, 1, 'y'));
  CHECK_OK(helper_join(&reader.thread));
  CHECK_OK(reader.status);
  CHECK_EQ(reader.buf[0], 'x');
  CHECK_EQ(reader.buf[kPage], 'y');
  // At most a stale request for the second page is left on the port, and then nothing.
  if (zx_port_wait(f.port, 0, &p) == ZX_OK) {
    CHECK_EQ(p.page_request.offset, 2 * kPage);
    CHECK_EQ(p.page_request.length, kPage);
  }
  CHECK_NO_PACKET(f.port);
  CHECK_OK(fixture_close(&f));
}

// Supplying over pages the VMO already has keeps them (no overwrite); the neighbouring absent
// page is filled; the aux range is left without pages either way.
void test_pager_supply_present_kept() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'a'));
  zx_handle_t aux;
  CHECK_OK(zx_vmo_create(2 * kPage, 0, &aux));
  CHECK_OK(zx_vmo_write(aux, "bb", 0, 2));
  CHECK_OK(zx_vmo_write(aux, "cc", kPage, 2));
  CHECK_OK(zx_pager_supply_pages(f.pager, f.vmo, 0, 2 * kPage, aux, 0));
  char c = 0;
  CHECK_OK(zx_vmo_read(f.vmo, &c, 0, 1));
  CHECK_EQ(c, 'a');
  CHECK_OK(zx_vmo_read(f.vmo, &c, kPage, 1));
  CHECK_EQ(c, 'c');
  uint64_t committed = 1;
  CHECK_OK(vmo_committed(aux, &committed));
  CHECK_EQ(committed, 0u);
  CHECK_OK(zx_vmo_read(aux, &c, 0, 1));
  CHECK_EQ(c, 0);
  CHECK_OK(vmo_committed(f.vmo, &committed));
  CHECK_EQ(committed, 2 * kPage);
  CHECK_NO_PACKET(f.port);
  CHECK_OK(zx_handle_close(aux));
  CHECK_OK(fixture_close(&f));
}

// An aux range with pages missing: this kernel refuses it with ZX_ERR_BAD_STATE and moves nothing
// (docs/syscalls/zx_pager_supply_pages.md; Zircon would supply zero pages instead).
void test_pager_supply_uncommitted_aux() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  zx_handle_t aux;
  CHECK_OK(zx_vmo_create(2 * kPage, 0, &aux));
  CHECK_EQ(zx_pager_supply_pages(f.pager, f.vmo, 0, kPage, aux, 0), ZX_ERR_BAD_STATE);
  CHECK_OK(zx_vmo_write(aux, "p", 0, 1));  // page 0 committed, page 1 not
  CHECK_EQ(zx_pager_supply_pages(f.pager, f.vmo, 0, 2 * kPage, aux, 0), ZX_ERR_BAD_STATE);
  uint64_t committed = 1;
  CHECK_OK(vmo_committed(f.vmo, &committed));
  CHECK_EQ(committed, 0u);
  CHECK_OK(vmo_committed(aux, &committed));
  CHECK_EQ(committed, kPage);
  CHECK_OK(zx_handle_close(aux));
  CHECK_OK(fixture_close(&f));
}

// Misaligned and out-of-range arguments of supply and of op_range FAIL.
void test_pager_supply_bad_ranges() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  zx_handle_t aux;
  CHECK_OK(zx_vmo_create(2 * kPage, 0, &aux));
  CHECK_OK(zx_vmo_op_range(aux, ZX_VMO_OP_COMMIT, 0, 2 * kPage, nullptr, 0));
  const zx_handle_t pg = f.pager, v = f.vmo;
  CHECK_EQ(zx_pager_supply_pages(pg, v, 1, kPage, aux, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_supply_pages(pg, v, 0, kPage - 1, aux, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_supply_pages(pg, v, 0, kPage, aux, 8), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_supply_pages(pg, v, 4 * kPage, kPage, aux, 0), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_pager_supply_pages(pg, v, 3 * kPage, 2 * kPage, aux, 0), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_pager_supply_pages(pg, v, 0, kPage, aux, 2 * kPage), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_pager_supply_pages(pg, v, 0, 2 * kPage, aux, kPage), ZX_ERR_OUT_OF_RANGE);
  const uint64_t huge = ~(kPage - 1);  // the last page of the 64-bit space: wraps
  CHECK_EQ(zx_pager_supply_pages(pg, v, huge, 2 * kPage, aux, 0), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_pager_supply_pages(pg, v, kPage, huge, aux, 0), ZX_ERR_OUT_OF_RANGE);
  const uint64_t io = static_cast<uint64_t>(ZX_ERR_IO);
  CHECK_EQ(zx_pager_op_range(pg, ZX_PAGER_OP_FAIL, v, 1, kPage, io), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_op_range(pg, ZX_PAGER_OP_FAIL, v, 0, 5, io), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_op_range(pg, ZX_PAGER_OP_FAIL, v, 4 * kPage, kPage, io), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_pager_op_range(pg, ZX_PAGER_OP_FAIL, v, huge, 2 * kPage, io), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_pager_op_range(pg, 99, v, 0, kPage, io), ZX_ERR_NOT_SUPPORTED);
  // Nothing moved.
  uint64_t committed = 0;
  CHECK_OK(vmo_committed(aux, &committed));
  CHECK_EQ(committed, 2 * kPage);
  CHECK_OK(vmo_committed(v, &committed));
  CHECK_EQ(committed, 0u);
  CHECK_OK(zx_handle_close(aux));
  CHECK_OK(fixture_close(&f));
}

// Handles of the wrong type, invalid handles, a VMO of another pager or none, and aux VMOs
// that cannot give pages.
void test_pager_supply_wrong_handles() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  zx_handle_t aux, plain, event, other_pager, other_vmo;
  CHECK_OK(zx_vmo_create(kPage, 0, &aux));
  CHECK_OK(zx_vmo_op_range(aux, ZX_VMO_OP_COMMIT, 0, kPage, nullptr, 0));
  CHECK_OK(zx_vmo_create(kPage, 0, &plain));
  CHECK_OK(zx_event_create(0, &event));
  CHECK_OK(zx_pager_create(0, &other_pager));
  CHECK_OK(zx_pager_create_vmo(other_pager, 0, f.port, 6, kPage, &other_vmo));
  const zx_handle_t bad = 0x7ffffff3u;
  CHECK_EQ(zx_pager_supply_pages(f.port, f.vmo, 0, kPage, aux, 0), ZX_ERR_WRONG_TYPE);
  CHECK_EQ(zx_pager_supply_pages(f.pager, event, 0, kPage, aux, 0), ZX_ERR_WRONG_TYPE);
  CHECK_EQ(zx_pager_supply_pages(f.pager, f.vmo, 0, kPage, event, 0), ZX_ERR_WRONG_TYPE);
  CHECK_EQ(zx_pager_supply_pages(bad, f.vmo, 0, kPage, aux, 0), ZX_ERR_BAD_HANDLE);
  CHECK_EQ(zx_pager_supply_pages(f.pager, bad, 0, kPage, aux, 0), ZX_ERR_BAD_HANDLE);
  CHECK_EQ(zx_pager_supply_pages(f.pager, f.vmo, 0, kPage, bad, 0), ZX_ERR_BAD_HANDLE);
  // A VMO the pager does not serve: a plain one, or another pager's.
  CHECK_EQ(zx_pager_supply_pages(f.pager, plain, 0, kPage, aux, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_supply_pages(f.pager, other_vmo, 0, kPage, aux, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_supply_pages(other_pager, f.vmo, 0, kPage, aux, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_op_range(other_pager, ZX_PAGER_OP_FAIL, f.vmo, 0, kPage,
                             static_cast<uint64_t>(ZX_ERR_IO)),
           ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_op_range(f.port, ZX_PAGER_OP_FAIL, f.vmo, 0, kPage,
                             static_cast<uint64_t>(ZX_ERR_IO)),
           ZX_ERR_WRONG_TYPE);
  // A pager VMO (this one or another pager's) cannot be the aux.
  CHECK_EQ(zx_pager_supply_pages(f.pager, f.vmo, 0, kPage, f.vmo, 0), ZX_ERR_BAD_STATE);
  CHECK_OK(supply_filled(other_pager, other_vmo, 0, 1, 'o'));
  CHECK_EQ(zx_pager_supply_pages(f.pager, f.vmo, 0, kPage, other_vmo, 0), ZX_ERR_BAD_STATE);
  // Still usable afterwards: the right call works.
  CHECK_OK(zx_pager_supply_pages(f.pager, f.vmo, 0, kPage, aux, 0));
  // other_vmo goes while its pager lives: the port hears COMPLETE for it. (Read before the
  // pager is closed: closing a pager withdraws its packets still on the port.)
  CHECK_OK(zx_handle_close(other_vmo));
  CHECK_COMPLETE(f.port, 6u);
  zx_handle_t all[4] = {aux, plain, event, other_pager};
  CHECK_OK(zx_handle_close_many(all, 4));
  CHECK_OK(fixture_close(&f));
}

// Missing rights: supply and FAIL need MANAGE_VMO on the pager; creating and detaching need
// ATTACH_VMO; the port needs WRITE; the aux needs READ and WRITE; detaching needs WRITE on the VMO.
void test_pager_rights() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  zx_rights_t pr = rights_of(f.pager);
  CHECK_EQ(pr & (ZX_RIGHT_ATTACH_VMO | ZX_RIGHT_MANAGE_VMO),
           ZX_RIGHT_ATTACH_VMO | ZX_RIGHT_MANAGE_VMO);
  // Pager handles carry no ZX_RIGHT_DUPLICATE: the handles short of a right are other pagers'
  // (rights are checked before whether the pager serves the VMO).
  zx_handle_t no_manage, no_attach, port_ro, vmo_ro, aux, aux_ro, aux_wo, out;
  CHECK_OK(zx_pager_create(0, &no_manage));
  CHECK_OK(zx_handle_replace(no_manage, pr & ~ZX_RIGHT_MANAGE_VMO, &no_manage));
  CHECK_OK(zx_pager_create(0, &no_attach));
  CHECK_OK(zx_handle_replace(no_attach, pr & ~ZX_RIGHT_ATTACH_VMO, &no_attach));
  CHECK_OK(zx_handle_duplicate(f.port, rights_of(f.port) & ~ZX_RIGHT_WRITE, &port_ro));
  CHECK_OK(zx_handle_duplicate(f.vmo, rights_of(f.vmo) & ~ZX_RIGHT_WRITE, &vmo_ro));
  CHECK_OK(zx_vmo_create(kPage, 0, &aux));
  CHECK_OK(zx_vmo_op_range(aux, ZX_VMO_OP_COMMIT, 0, kPage, nullptr, 0));
  CHECK_OK(zx_handle_duplicate(aux, rights_of(aux) & ~ZX_RIGHT_WRITE, &aux_ro));
  CHECK_OK(zx_handle_duplicate(aux, rights_of(aux) & ~ZX_RIGHT_READ, &aux_wo));
  const uint64_t io = static_cast<uint64_t>(ZX_ERR_IO);
  CHECK_EQ(zx_pager_supply_pages(no_manage, f.vmo, 0, kPage, aux, 0), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_pager_op_range(no_manage, ZX_PAGER_OP_FAIL, f.vmo, 0, kPage, io),
           ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_pager_create_vmo(no_attach, 0, f.port, 1, kPage, &out), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_pager_detach_vmo(no_attach, f.vmo), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_pager_create_vmo(f.pager, 0, port_ro, 1, kPage, &out), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_pager_detach_vmo(f.pager, vmo_ro), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_pager_supply_pages(f.pager, f.vmo, 0, kPage, aux_ro, 0), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_pager_supply_pages(f.pager, f.vmo, 0, kPage, aux_wo, 0), ZX_ERR_ACCESS_DENIED);
  // As Zircon: the pager VMO's handle must allow writing to supply or operate on it, and
  // reading to query it; detaching needs MANAGE_VMO as well as ATTACH_VMO.
  CHECK_EQ(zx_pager_supply_pages(f.pager, vmo_ro, 0, kPage, aux, 0), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo_ro, 0, kPage, io),
           ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_pager_detach_vmo(no_manage, f.vmo), ZX_ERR_ACCESS_DENIED);
  zx_handle_t vmo_wo;
  CHECK_OK(zx_handle_duplicate(f.vmo, rights_of(f.vmo) & ~ZX_RIGHT_READ, &vmo_wo));
  zx_vmo_dirty_range_t range;
  size_t actual, avail;
  CHECK_EQ(zx_pager_query_dirty_ranges(f.pager, vmo_wo, 0, kPage, &range, sizeof(range), &actual,
                                       &avail),
           ZX_ERR_ACCESS_DENIED);
  zx_pager_vmo_stats_t stats;
  CHECK_EQ(zx_pager_query_vmo_stats(f.pager, vmo_wo, 0, &stats, sizeof(stats)),
           ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_handle_close(vmo_wo));
  uint64_t committed;
  CHECK_OK(vmo_committed(f.vmo, &committed));
  CHECK_EQ(committed, 0);
  CHECK_NO_PACKET(f.port);  // nothing was detached
  // With the rights, the same calls work.
  CHECK_OK(zx_pager_supply_pages(f.pager, f.vmo, 0, kPage, aux, 0));
  CHECK_OK(zx_pager_detach_vmo(f.pager, f.vmo));
  CHECK_COMPLETE(f.port, kKey);
  // A detached VMO takes no more pages (as Zircon), and the page stays in aux.
  CHECK_OK(zx_vmo_op_range(aux, ZX_VMO_OP_COMMIT, 0, kPage, nullptr, 0));
  CHECK_EQ(zx_pager_supply_pages(f.pager, f.vmo, kPage, kPage, aux, 0), ZX_ERR_BAD_STATE);
  CHECK_OK(vmo_committed(aux, &committed));
  CHECK_EQ(committed, kPage);
  zx_handle_t all[7] = {no_manage, no_attach, port_ro, vmo_ro, aux, aux_ro, aux_wo};
  CHECK_OK(zx_handle_close_many(all, 7));
  CHECK_OK(fixture_close(&f));
}

// A supply nobody asked for (read-ahead) is kept, and later accesses ask nothing.
void test_pager_supply_unrequested() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 8 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, 5 * kPage, 2, 'u', 1));
  char c = 0;
  CHECK_OK(zx_vmo_read(f.vmo, &c, 6 * kPage + 7, 1));
  CHECK_EQ(c, 'v');
  zx_vaddr_t addr;
  CHECK_OK(map_vmo(f.vmo, ZX_VM_PERM_READ, 8 * kPage, &addr));
  CHECK_EQ(reinterpret_cast<volatile char*>(addr)[5 * kPage], 'u');
  CHECK_NO_PACKET(f.port);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 8 * kPage));
  CHECK_OK(fixture_close(&f));
}

// The aux offset picks which aux pages move; the others stay in the aux VMO.
void test_pager_supply_aux_offset() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  zx_handle_t aux;
  CHECK_OK(zx_vmo_create(4 * kPage, 0, &aux));
  for (int i = 0; i < 4; i++) {
    char b = static_cast<char>('a' + i);
    CHECK_OK(zx_vmo_write(aux, &b, static_cast<uint64_t>(i) * kPage, 1));
  }
  CHECK_OK(zx_pager_supply_pages(f.pager, f.vmo, kPage, 2 * kPage, aux, 2 * kPage));
  char c = 0;
  CHECK_OK(zx_vmo_read(f.vmo, &c, kPage, 1));
  CHECK_EQ(c, 'c');
  CHECK_OK(zx_vmo_read(f.vmo, &c, 2 * kPage, 1));
  CHECK_EQ(c, 'd');
  uint64_t committed = 0;
  CHECK_OK(vmo_committed(aux, &committed));
  CHECK_EQ(committed, 2 * kPage);
  CHECK_OK(zx_vmo_read(aux, &c, kPage, 1));
  CHECK_EQ(c, 'b');
  CHECK_OK(zx_vmo_read(aux, &c, 2 * kPage, 1));
  CHECK_EQ(c, 0);  // moved out
  CHECK_OK(zx_handle_close(aux));
  CHECK_OK(fixture_close(&f));
}

// committed_bytes counts what the pager supplied, once, whatever was supplied twice.
void test_pager_committed_bytes() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 8 * kPage));
  uint64_t committed = 1;
  CHECK_OK(vmo_committed(f.vmo, &committed));
  CHECK_EQ(committed, 0u);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 3, 'k'));
  CHECK_OK(vmo_committed(f.vmo, &committed));
  CHECK_EQ(committed, 3 * kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 3, 'k'));  // pages 1, 2 again, and 3
  CHECK_OK(vmo_committed(f.vmo, &committed));
  CHECK_EQ(committed, 4 * kPage);
  zx_info_vmo_t info;
  CHECK_OK(zx_object_get_info(f.vmo, ZX_INFO_VMO, &info, sizeof(info), nullptr, nullptr));
  CHECK_EQ(info.size_bytes, 8 * kPage);
  CHECK_EQ(info.committed_bytes, 4 * kPage);
  CHECK_OK(fixture_close(&f));
}

// ---- failing requests
// ---------------------------------------------------------------------------- A mapped access the
// pager fails is fatal: the faulting process is killed with a page-fault exception (here a child;
// the test process is the pager).
void test_pager_fail_fault_kills_process() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  zx_handle_t proc;
  CHECK_OK(spawn_toucher(f.vmo, kPage + 3, &proc));
  CHECK_READ(f.port, kPage, kPage);
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_FAIL, f.vmo, kPage, kPage,
                             static_cast<uint64_t>(ZX_ERR_IO)));
  int64_t code = 0;
  CHECK_OK(child_end(proc, &code));
  CHECK_EQ(code, ZX_TASK_RETCODE_EXCEPTION_KILL);
  // The same access after a supply succeeds: the child's return code is the byte it read.
  CHECK_OK(zx_handle_close(proc));
  CHECK_OK(spawn_toucher(f.vmo, kPage + 3, &proc));
  CHECK_READ(f.port, kPage, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 'k'));
  CHECK_OK(child_end(proc, &code));
  CHECK_EQ(code, 'k');
  CHECK_OK(zx_handle_close(proc));
  CHECK_OK(fixture_close(&f));
}

// FAIL reaches exactly the waiters of its range: a range nobody waits for changes nothing, a
// waiter queued behind the request in flight is failed too (and its page never asked for).
void test_pager_fail_queued_and_unrelated() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  static Access a, b;
  CHECK_OK(access_start(&a, Op::kRead, f.vmo, 0, 0, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(access_start(&b, Op::kRead, f.vmo, 0, 2 * kPage, 1));
  settle();
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_FAIL, f.vmo, kPage, kPage,
                             static_cast<uint64_t>(ZX_ERR_IO)));
  settle();
  CHECK_EQ(status_of(a), kPending);
  CHECK_EQ(status_of(b), kPending);
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_FAIL, f.vmo, 2 * kPage, 2 * kPage,
                             static_cast<uint64_t>(ZX_ERR_IO_DATA_INTEGRITY)));
  CHECK_OK(helper_join(&b.thread));
  CHECK_EQ(b.status, ZX_ERR_IO_DATA_INTEGRITY);
  CHECK_EQ(status_of(a), kPending);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'a'));
  CHECK_OK(helper_join(&a.thread));
  CHECK_OK(a.status);
  CHECK_NO_PACKET(f.port);  // b's page is not asked for any more
  CHECK_OK(fixture_close(&f));
}

// A failed page is asked for again by the next access, and can then be supplied.
void test_pager_fail_then_retry() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, kPage));
  static Access r;
  CHECK_OK(access_start(&r, Op::kRead, f.vmo, 0, 0, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_FAIL, f.vmo, 0, kPage,
                             static_cast<uint64_t>(ZX_ERR_NO_SPACE)));
  CHECK_OK(helper_join(&r.thread));
  CHECK_EQ(r.status, ZX_ERR_NO_SPACE);
  CHECK_OK(access_start(&r, Op::kRead, f.vmo, 0, 0, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'r'));
  CHECK_OK(helper_join(&r.thread));
  CHECK_OK(r.status);
  CHECK_EQ(r.byte, 'r');
  CHECK_OK(fixture_close(&f));
}

// ---- detaching, closing, killing
// ------------------------------------------------------------------- Detaching with waiters (one
// in flight, one queued): both fail with BAD_STATE, the port gets COMPLETE and no READ for the
// queued page; supplied pages stay readable, absent ones fail.
void test_pager_detach_with_waiters() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 's'));
  static Access a, b;
  CHECK_OK(access_start(&a, Op::kRead, f.vmo, 0, 0, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(access_start(&b, Op::kRead, f.vmo, 0, 3 * kPage, 1));
  settle();
  CHECK_OK(zx_pager_detach_vmo(f.pager, f.vmo));
  CHECK_OK(helper_join(&a.thread));
  CHECK_OK(helper_join(&b.thread));
  CHECK_EQ(a.status, ZX_ERR_BAD_STATE);
  CHECK_EQ(b.status, ZX_ERR_BAD_STATE);
  CHECK_COMPLETE(f.port, kKey);
  CHECK_NO_PACKET(f.port);
  char c = 0;
  CHECK_OK(zx_vmo_read(f.vmo, &c, kPage, 1));
  CHECK_EQ(c, 's');
  CHECK_EQ(zx_vmo_read(f.vmo, &c, 2 * kPage, 1), ZX_ERR_BAD_STATE);
  CHECK_EQ(zx_vmo_write(f.vmo, &c, 2 * kPage, 1), ZX_ERR_BAD_STATE);
  CHECK_EQ(zx_vmo_op_range(f.vmo, ZX_VMO_OP_COMMIT, 0, kPage, nullptr, 0), ZX_ERR_BAD_STATE);
  CHECK_OK(fixture_close(&f));
}

// Detaching twice is harmless and the port hears COMPLETE once; a plain VMO cannot be detached.
void test_pager_detach_twice() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, kPage));
  zx_handle_t plain;
  CHECK_OK(zx_vmo_create(kPage, 0, &plain));
  CHECK_EQ(zx_pager_detach_vmo(f.pager, plain), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_detach_vmo(f.port, f.vmo), ZX_ERR_WRONG_TYPE);
  CHECK_OK(zx_pager_detach_vmo(f.pager, f.vmo));
  CHECK_OK(zx_pager_detach_vmo(f.pager, f.vmo));
  CHECK_COMPLETE(f.port, kKey);
  CHECK_NO_PACKET(f.port);
  CHECK_OK(zx_handle_close(f.vmo));  // destroying it now sends nothing more
  CHECK_NO_PACKET(f.port);
  // The pager still serves new VMOs.
  zx_handle_t vmo;
  CHECK_OK(zx_pager_create_vmo(f.pager, 0, f.port, 8, kPage, &vmo));
  CHECK_OK(supply_filled(f.pager, vmo, 0, 1, 'n'));
  zx_handle_t all[4] = {plain, vmo, f.pager, f.port};
  CHECK_OK(zx_handle_close_many(all, 4));
}

// A mapped access to an absent page of a detached VMO kills the process; supplied pages still
// map.
void test_pager_detach_fault_kills() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 'd'));
  CHECK_OK(zx_pager_detach_vmo(f.pager, f.vmo));
  zx_handle_t proc;
  int64_t code = 0;
  CHECK_OK(spawn_toucher(f.vmo, 0, &proc));
  CHECK_OK(child_end(proc, &code));
  CHECK_EQ(code, ZX_TASK_RETCODE_EXCEPTION_KILL);
  CHECK_OK(zx_handle_close(proc));
  CHECK_OK(spawn_toucher(f.vmo, kPage, &proc));
  CHECK_OK(child_end(proc, &code));
  CHECK_EQ(code, 'd');
  CHECK_OK(zx_handle_close(proc));
  CHECK_COMPLETE(f.port, kKey);
  CHECK_NO_PACKET(f.port);
  CHECK_OK(fixture_close(&f));
}

// The VMO goes away while its request is outstanding (its waiter killed, its last handle
// closed): the port gets COMPLETE, and no READ for a page only a killed waiter had queued.
void test_pager_vmo_closed_outstanding() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  static Access a, b;
  CHECK_OK(access_start(&a, Op::kRead, f.vmo, 0, 0, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(access_start(&b, Op::kRead, f.vmo, 0, 2 * kPage, 1));
  settle();
  CHECK_OK(zx_task_kill(a.thread.thread));
  CHECK_OK(zx_task_kill(b.thread.thread));
  CHECK_OK(helper_join(&a.thread));
  CHECK_OK(helper_join(&b.thread));
  CHECK_EQ(a.status, kPending);  // killed, not answered
  CHECK_OK(zx_handle_close(f.vmo));
  CHECK_COMPLETE(f.port, kKey);
  CHECK_NO_PACKET(f.port);
  zx_handle_t both[2] = {f.pager, f.port};
  CHECK_OK(zx_handle_close_many(both, 2));
}

// A thread killed while its page is queued (not yet sent) withdraws it: once the request in
// flight is answered, nothing more is asked.
void test_pager_killed_waiter_withdraws() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 8 * kPage));
  zx_vaddr_t addr;
  CHECK_OK(map_vmo(f.vmo, ZX_VM_PERM_READ, 8 * kPage, &addr));
  static Access a, b, c;
  CHECK_OK(access_start(&a, Op::kRead, f.vmo, 0, 0, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(access_start(&b, Op::kRead, f.vmo, 0, 5 * kPage, 1));
  CHECK_OK(access_start(&c, Op::kLoad, f.vmo, addr, 6 * kPage, 1));
  settle();
  CHECK_OK(zx_task_kill(b.thread.thread));
  CHECK_OK(zx_task_kill(c.thread.thread));
  CHECK_OK(helper_join(&b.thread));
  CHECK_OK(helper_join(&c.thread));
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'a'));
  CHECK_OK(helper_join(&a.thread));
  CHECK_OK(a.status);
  CHECK_NO_PACKET(f.port);
  // A new access to those pages asks again.
  CHECK_OK(access_start(&b, Op::kRead, f.vmo, 0, 5 * kPage, 1));
  CHECK_READ(f.port, 5 * kPage, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, 5 * kPage, 1, 'b'));
  CHECK_OK(helper_join(&b.thread));
  CHECK_EQ(b.byte, 'b');
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 8 * kPage));
  CHECK_OK(fixture_close(&f));
}

// A faulting process killed mid-request: its sent request stays for the pager to answer (and
// wakes nobody), its queued one is withdrawn.
void test_pager_faulting_process_killed() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  zx_handle_t first, second, ready;
  CHECK_OK(spawn_toucher(f.vmo, 0, &first));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(spawn_toucher(f.vmo, 3 * kPage, &second, &ready));
  CHECK_OK(wait_ready(ready));
  CHECK_OK(zx_task_kill(first));
  CHECK_OK(zx_task_kill(second));
  int64_t code = 0;
  CHECK_OK(child_end(first, &code));
  CHECK_EQ(code, ZX_TASK_RETCODE_SYSCALL_KILL);
  CHECK_OK(child_end(second, &code));
  CHECK_EQ(code, ZX_TASK_RETCODE_SYSCALL_KILL);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'a'));
  CHECK_NO_PACKET(f.port);
  zx_handle_t all[3] = {first, second, ready};
  CHECK_OK(zx_handle_close_many(all, 3));
  CHECK_OK(fixture_close(&f));
}

// The pager is a child process, killed while a thread of ours waits for its page: the wait
// ends with ZX_ERR_BAD_STATE (its pager and port are gone), and so does every later access.
void test_pager_pager_process_killed() {
  zx_handle_t ours, theirs, proc;
  CHECK_OK(zx_channel_create(0, &ours, &theirs));
  CHECK_OK(spawn_child("pager", 0, &theirs, 1, &proc));
  uint64_t word = 0;
  zx_handle_t vmo = ZX_HANDLE_INVALID;
  CHECK_OK(channel_recv(ours, &word, &vmo));
  CHECK(vmo != ZX_HANDLE_INVALID);
  static Access r;
  CHECK_OK(access_start(&r, Op::kRead, vmo, 0, kPage, 1));
  CHECK_OK(channel_recv(ours, &word, nullptr));  // the child got our request
  CHECK_EQ(word, kPage);
  CHECK_EQ(status_of(r), kPending);
  CHECK_OK(zx_task_kill(proc));
  int64_t code = 0;
  CHECK_OK(child_end(proc, &code));
  CHECK_EQ(code, ZX_TASK_RETCODE_SYSCALL_KILL);
  CHECK_OK(helper_join(&r.thread));
  CHECK_EQ(r.status, ZX_ERR_BAD_STATE);
  char c;
  CHECK_EQ(zx_vmo_read(vmo, &c, 0, 1), ZX_ERR_BAD_STATE);
  zx_handle_t all[3] = {ours, proc, vmo};
  CHECK_OK(zx_handle_close_many(all, 3));
}

// ---- resizing and unmapping under a waiting fault
// ------------------------------------------------ A child faulting on page 1 while the VMO shrinks
// to one page: its fault cannot be resolved, so it dies with a page-fault exception, and the pager
// is not asked again.
void test_pager_shrink_fault_waiter() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, ZX_VMO_RESIZABLE, 2 * kPage));
  zx_handle_t proc;
  CHECK_OK(spawn_toucher(f.vmo, kPage, &proc));
  CHECK_READ(f.port, kPage, kPage);
  CHECK_OK(zx_vmo_set_size(f.vmo, kPage));
  int64_t code = 0;
  CHECK_OK(child_end(proc, &code));
  CHECK_EQ(code, ZX_TASK_RETCODE_EXCEPTION_KILL);
  CHECK_NO_PACKET(f.port);
  CHECK_OK(zx_handle_close(proc));
  CHECK_OK(fixture_close(&f));
}

// Shrinking below a queued request fails its waiter with OUT_OF_RANGE and withdraws it; the
// request in flight below the new size is untouched.
void test_pager_shrink_queued() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, ZX_VMO_RESIZABLE, 4 * kPage));
  static Access a, b;
  CHECK_OK(access_start(&a, Op::kRead, f.vmo, 0, 0, 1));
  CHECK_READ(f.port, 0, kPage);
  CHECK_OK(access_start(&b, Op::kRead, f.vmo, 0, 3 * kPage, 1));
  settle();
  CHECK_OK(zx_vmo_set_size(f.vmo, 2 * kPage));
  CHECK_OK(helper_join(&b.thread));
  CHECK_EQ(b.status, ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(status_of(a), kPending);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'a'));
  CHECK_OK(helper_join(&a.thread));
  CHECK_OK(a.status);
  CHECK_NO_PACKET(f.port);
  CHECK_OK(fixture_close(&f));
}

// Growing a pager VMO: the new pages come from the pager too, through a fault or a read.
void test_pager_grow_then_fault() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, ZX_VMO_RESIZABLE, kPage));
  CHECK_OK(zx_vmo_set_size(f.vmo, 3 * kPage));
  uint64_t size = 0;
  CHECK_OK(zx_vmo_get_size(f.vmo, &size));
  CHECK_EQ(size, 3 * kPage);
  zx_vaddr_t addr;
  CHECK_OK(map_vmo(f.vmo, ZX_VM_PERM_READ, 3 * kPage, &addr));
  static Access load, read;
  CHECK_OK(access_start(&load, Op::kLoad, f.vmo, addr, 2 * kPage, 1));
  CHECK_READ(f.port, 2 * kPage, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, 2 * kPage, 1, 'g'));
  CHECK_OK(helper_join(&load.thread));
  CHECK_EQ(load.byte, 'g');
  CHECK_OK(access_start(&read, Op::kRead, f.vmo, 0, kPage, 1));
  CHECK_READ(f.port, kPage, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 'h'));
  CHECK_OK(helper_join(&read.thread));
  CHECK_EQ(read.byte, 'h');
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 3 * kPage));
  CHECK_OK(fixture_close(&f));
}

// Shrinking drops supplied pages past the new size; growing back asks the pager for them again
// and keeps the pages below.
void test_pager_shrink_grow_asks_again() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, ZX_VMO_RESIZABLE, 2 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 2, 'a', 1));
  CHECK_OK(zx_vmo_set_size(f.vmo, kPage));
  uint64_t committed = 0;
  CHECK_OK(vmo_committed(f.vmo, &committed));
  CHECK_EQ(committed, kPage);
  CHECK_OK(zx_vmo_set_size(f.vmo, 2 * kPage));
  static Access r;
  CHECK_OK(access_start(&r, Op::kRead, f.vmo, 0, kPage, 1));
  CHECK_READ(f.port, kPage, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 'B'));
  CHECK_OK(helper_join(&r.thread));
  CHECK_EQ(r.byte, 'B');
  char c = 0;
  CHECK_OK(zx_vmo_read(f.vmo, &c, 0, 1));
  CHECK_EQ(c, 'a');
  CHECK_NO_PACKET(f.port);
  CHECK_OK(fixture_close(&f));
}

// A child's thread waits in a fault on a mapping that the child's main thread then unmaps; when
// the page arrives the retried fault finds no mapping, and the child dies of it.
void test_pager_unmap_during_fault() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, kPage));
  zx_handle_t ours, handles[2];
  CHECK_OK(zx_channel_create(0, &ours, &handles[1]));
  CHECK_OK(zx_handle_duplicate(f.vmo, ZX_RIGHT_SAME_RIGHTS, &handles[0]));
  zx_handle_t proc;
  CHECK_OK(spawn_child("unmap", 0, handles, 2, &proc));
  CHECK_READ(f.port, 0, kPage);  // the child's thread is in the fault
  CHECK_OK(zx_channel_write(ours, 0, "go", 2, nullptr, 0));
  uint64_t word = 0;
  CHECK_OK(channel_recv(ours, &word, nullptr));  // unmapped
  CHECK_EQ(word, 1u);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'u'));
  int64_t code = 0;
  CHECK_OK(child_end(proc, &code));
  CHECK_EQ(code, ZX_TASK_RETCODE_EXCEPTION_KILL);
  zx_handle_t all[2] = {ours, proc};
  CHECK_OK(zx_handle_close_many(all, 2));
  CHECK_OK(fixture_close(&f));
}

// ---- VMO operations on pager VMOs
// ------------------------------------------------------------------ COMMIT asks the pager for
// every absent page of the range and returns once they are all there.
void test_pager_commit_asks_pager() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 'b'));  // already there: not asked for
  static Access commit;
  CHECK_OK(access_start(&commit, Op::kCommit, f.vmo, 0, 0, 3 * kPage));
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.offset, 0u);
  CHECK_EQ(p.page_request.length, kPage);
  CHECK_EQ(status_of(commit), kPending);
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'a'));
  CHECK_READ(f.port, 2 * kPage, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, 2 * kPage, 1, 'c'));
  CHECK_OK(helper_join(&commit.thread));
  CHECK_OK(commit.status);
  uint64_t committed = 0;
  CHECK_OK(vmo_committed(f.vmo, &committed));
  CHECK_EQ(committed, 3 * kPage);
  CHECK_NO_PACKET(f.port);
  CHECK_EQ(zx_vmo_op_range(f.vmo, ZX_VMO_OP_COMMIT, 3 * kPage, 2 * kPage, nullptr, 0),
           ZX_ERR_OUT_OF_RANGE);
  CHECK_OK(fixture_close(&f));
}

// DECOMMIT is refused on a pager VMO (docs/syscalls/zx_pager_create_vmo.md) and keeps its pages.
void test_pager_decommit_refused() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 2, 'd'));
  CHECK_EQ(zx_vmo_op_range(f.vmo, ZX_VMO_OP_DECOMMIT, 0, 2 * kPage, nullptr, 0),
           ZX_ERR_NOT_SUPPORTED);
  uint64_t committed = 0;
  CHECK_OK(vmo_committed(f.vmo, &committed));
  CHECK_EQ(committed, 2 * kPage);
  char c = 0;
  CHECK_OK(zx_vmo_read(f.vmo, &c, kPage, 1));
  CHECK_EQ(c, 'd');
  CHECK_NO_PACKET(f.port);
  CHECK_OK(fixture_close(&f));
}

// zx_pager_create and zx_pager_create_vmo argument checks.
void test_pager_create_args() {
  zx_handle_t pager, port, vmo, event;
  CHECK_EQ(zx_pager_create(1, &pager), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_create(0, nullptr), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_pager_create(0, &pager));
  CHECK_OK(zx_port_create(0, &port));
  CHECK_OK(zx_event_create(0, &event));
  CHECK_EQ(zx_pager_create_vmo(pager, ZX_VMO_RESIZABLE | (1u << 5), port, 1, kPage, &vmo),
           ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_create_vmo(port, 0, port, 1, kPage, &vmo), ZX_ERR_WRONG_TYPE);
  CHECK_EQ(zx_pager_create_vmo(pager, 0, event, 1, kPage, &vmo), ZX_ERR_WRONG_TYPE);
  CHECK_EQ(zx_pager_create_vmo(0x7ffffff3u, 0, port, 1, kPage, &vmo), ZX_ERR_BAD_HANDLE);
  CHECK_EQ(zx_pager_create_vmo(pager, 0, 0x7ffffff3u, 1, kPage, &vmo), ZX_ERR_BAD_HANDLE);
  CHECK_EQ(zx_pager_create_vmo(pager, 0, port, 1, kPage, nullptr), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_create_vmo(pager, 0, port, 1, 1ull << 62, &vmo), ZX_ERR_OUT_OF_RANGE);
  CHECK_NO_PACKET(port);
  zx_handle_t all[3] = {pager, port, event};
  CHECK_OK(zx_handle_close_many(all, 3));
}

// Unknown option bits: Zircon's zx_pager_create_vmo returns ZX_ERR_INVALID_ARGS.
void test_pager_create_vmo_unknown_option() {
  zx_handle_t pager, port, vmo;
  CHECK_OK(zx_pager_create(0, &pager));
  CHECK_OK(zx_port_create(0, &port));
  CHECK_EQ(zx_pager_create_vmo(pager, 1u << 8, port, 1, kPage, &vmo), ZX_ERR_INVALID_ARGS);
  zx_handle_t all[2] = {pager, port};
  CHECK_OK(zx_handle_close_many(all, 2));
}

// Size (rounded up to pages), rights and resizability of pager VMOs.
void test_pager_vmo_size_and_rights() {
  zx_handle_t pager, port, vmo, rvmo, no_resize;
  CHECK_OK(zx_pager_create(0, &pager));
  CHECK_OK(zx_port_create(0, &port));
  CHECK_OK(zx_pager_create_vmo(pager, 0, port, 1, 5000, &vmo));
  uint64_t size = 0;
  CHECK_OK(zx_vmo_get_size(vmo, &size));
  CHECK_EQ(size, 2 * kPage);
  CHECK_EQ(rights_of(vmo), ZX_DEFAULT_VMO_RIGHTS);
  zx_info_vmo_t info;
  CHECK_OK(zx_object_get_info(vmo, ZX_INFO_VMO, &info, sizeof(info), nullptr, nullptr));
  CHECK_EQ(info.flags & ZX_INFO_VMO_RESIZABLE, 0u);
  CHECK_OK(zx_pager_create_vmo(pager, ZX_VMO_RESIZABLE, port, 2, kPage, &rvmo));
  CHECK_EQ(rights_of(rvmo), ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE);
  CHECK_OK(zx_object_get_info(rvmo, ZX_INFO_VMO, &info, sizeof(info), nullptr, nullptr));
  CHECK(info.flags & ZX_INFO_VMO_RESIZABLE);
  CHECK_OK(zx_vmo_set_size(rvmo, 3 * kPage + 1));
  CHECK_OK(zx_vmo_get_size(rvmo, &size));
  CHECK_EQ(size, 4 * kPage);
  CHECK_OK(zx_handle_duplicate(rvmo, ZX_DEFAULT_VMO_RIGHTS, &no_resize));
  CHECK_EQ(zx_vmo_set_size(no_resize, kPage), ZX_ERR_ACCESS_DENIED);
  CHECK_NO_PACKET(port);
  zx_handle_t all[5] = {vmo, rvmo, no_resize, pager, port};
  CHECK_OK(zx_handle_close_many(all, 5));
}

// Zircon marks pager VMOs with ZX_INFO_VMO_PAGER_BACKED (how a client learns that accesses may
// block on a pager).
void test_pager_info_pager_backed() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, kPage));
  zx_info_vmo_t info;
  CHECK_OK(zx_object_get_info(f.vmo, ZX_INFO_VMO, &info, sizeof(info), nullptr, nullptr));
  CHECK(info.flags & ZX_INFO_VMO_PAGER_BACKED);
  CHECK_OK(fixture_close(&f));
}

// A zero-sized pager VMO: nothing to ask for, every access is out of range.
void test_pager_vmo_size_zero() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 0));
  uint64_t size = 1;
  CHECK_OK(zx_vmo_get_size(f.vmo, &size));
  CHECK_EQ(size, 0u);
  char c;
  CHECK_EQ(zx_vmo_read(f.vmo, &c, 0, 1), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_vmo_write(f.vmo, &c, 0, 1), ZX_ERR_OUT_OF_RANGE);
  CHECK_NO_PACKET(f.port);
  CHECK_OK(fixture_close(&f));
}

// Closing the pager: as Zircon documents for zx_pager_create_vmo, no more packets reach the
// port, not even COMPLETE, and a request already queued is taken back.
void test_pager_close_no_complete() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 2 * kPage));
  static PageRead reader;
  CHECK_OK(page_read_start(&reader, f.vmo, 0));
  CHECK_OK(zx_nanosleep(zx_deadline_after(ZX_MSEC(50))));  // the reader's READ is queued
  CHECK_OK(zx_handle_close(f.pager));                      // and still unread
  CHECK_OK(helper_join(&reader.thread));
  CHECK_EQ(reader.status, ZX_ERR_BAD_STATE);
  char c;
  CHECK_EQ(zx_vmo_read(f.vmo, &c, kPage, 1), ZX_ERR_BAD_STATE);
  CHECK_NO_PACKET(f.port);
  zx_handle_t all[2] = {f.port, f.vmo};
  CHECK_OK(zx_handle_close_many(all, 2));
}

// Copy-on-write children of a pager VMO (SNAPSHOT_AT_LEAST_ON_WRITE only) fault through to the
// pager for pages the parent lacks, see supplied content, and keep their own writes.
void test_pager_cow_child() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 1, 'a'));
  zx_handle_t child, grandchild, snap;
  CHECK_EQ(zx_vmo_create_child(f.vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 4 * kPage, &snap),
           ZX_ERR_NOT_SUPPORTED);
  CHECK_OK(
      zx_vmo_create_child(f.vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, 6 * kPage, &child));
  char c = 0;
  CHECK_OK(zx_vmo_read(child, &c, 0, 1));  // the parent has it: no request
  CHECK_EQ(c, 'a');
  zx_port_packet_t p;
  CHECK_EQ(zx_port_wait(f.port, 0, &p), ZX_ERR_TIMED_OUT);
  // A page the parent lacks: the parent's pager is asked, and the child sees what it supplies.
  static PageRead reader;
  CHECK_OK(page_read_start(&reader, child, kPage));
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.key, 5u);
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_READ);
  CHECK_EQ(p.page_request.offset, kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, kPage, 1, 'b'));
  CHECK_OK(helper_join(&reader.thread));
  CHECK_OK(reader.status);
  CHECK_EQ(reader.byte, 'b');
  // Past the parent's end the child reads zero, asking nobody.
  CHECK_OK(zx_vmo_read(child, &c, 5 * kPage, 1));
  CHECK_EQ(c, 0);
  // Writes stay on their own side, through mappings and through zx_vmo_write.
  CHECK_OK(supply_filled(f.pager, f.vmo, 2 * kPage, 2, 'c'));
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, child, 0,
                       6 * kPage, &addr));
  volatile char* m = reinterpret_cast<volatile char*>(addr);
  CHECK_EQ(m[2 * kPage], 'c');
  m[3 * kPage] = 'X';
  CHECK_OK(zx_vmo_write(child, "Y", 0, 1));
  CHECK_OK(zx_vmo_write(f.vmo, "P", kPage, 1));
  CHECK_OK(zx_vmo_read(f.vmo, &c, 3 * kPage, 1));
  CHECK_EQ(c, 'c');
  CHECK_OK(zx_vmo_read(f.vmo, &c, 0, 1));
  CHECK_EQ(c, 'a');
  CHECK_EQ(m[0], 'Y');
  CHECK_EQ(m[kPage], 'b');  // the child took page 1 before the parent wrote it
  CHECK_EQ(m[3 * kPage], 'X');
  // A child of the child sees the child's pages, and the pager's for the rest.
  CHECK_EQ(zx_vmo_create_child(child, ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &snap),
           ZX_ERR_NOT_SUPPORTED);
  CHECK_OK(zx_vmo_create_child(child, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, 4 * kPage,
                               &grandchild));
  CHECK_OK(zx_vmo_read(grandchild, &c, 0, 1));
  CHECK_EQ(c, 'Y');
  CHECK_OK(zx_vmo_read(grandchild, &c, 3 * kPage, 1));
  CHECK_EQ(c, 'X');
  CHECK_OK(zx_vmo_read(grandchild, &c, 2 * kPage, 1));
  CHECK_EQ(c, 'c');
  CHECK_EQ(zx_vmo_op_range(child, ZX_VMO_OP_DECOMMIT, 0, kPage, nullptr, 0), ZX_ERR_NOT_SUPPORTED);
  // Once the parent is detached, what nobody took fails as the parent's own reads do.
  CHECK_OK(
      zx_vmo_create_child(f.vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, 4 * kPage, &snap));
  CHECK_OK(zx_pager_detach_vmo(f.pager, f.vmo));
  CHECK_OK(zx_vmo_read(snap, &c, 2 * kPage, 1));
  CHECK_EQ(c, 'c');
  CHECK_OK(zx_vmo_read(snap, &c, kPage, 1));
  CHECK_EQ(c, 'P');
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_COMPLETE);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 6 * kPage));
  zx_handle_t all[6] = {f.pager, f.port, f.vmo, child, grandchild, snap};
  CHECK_OK(zx_handle_close_many(all, 6));
}

// ---- dirty tracking and writeback -------------------------------------------------------------
// A thread writing one byte at `offset` of a VMO (through zx_vmo_write, or through `addr` if
// set); `status` stays 1 until the write returns.
struct PageWrite {
  zx_handle_t vmo;
  uint64_t offset;
  uintptr_t addr;
  char byte;
  zx_status_t status;
  Helper thread;
};

[[noreturn]] void page_write_thread(uintptr_t arg1, uintptr_t) {
  auto* w = reinterpret_cast<PageWrite*>(arg1);
  if (w->addr) {
    *reinterpret_cast<volatile char*>(w->addr) = w->byte;
    w->status = ZX_OK;
  } else {
    w->status = zx_vmo_write(w->vmo, &w->byte, w->offset, 1);
  }
  zx_thread_exit();
}

zx_status_t page_write_start(PageWrite* w, zx_handle_t vmo, uint64_t offset, uintptr_t addr,
                             char byte) {
  *w = PageWrite{vmo, offset, addr, byte, 1, Helper{}};
  return helper_start(&w->thread, "writer", page_write_thread, reinterpret_cast<uintptr_t>(w), 0);
}

// The dirty runs of the whole VMO, as "offset/pages" pairs packed in a number for CHECK_EQ:
// run i contributes (offset/kPage * 16 + pages) << (8 * i). Returns -1 on error.
long dirty_runs(const PagerFixture& f, uint64_t size) {
  zx_vmo_dirty_range_t r[4];
  size_t actual = 0, avail = 0;
  zx_status_t s =
      zx_pager_query_dirty_ranges(f.pager, f.vmo, 0, size, r, sizeof(r), &actual, &avail);
  if (s != ZX_OK || actual != avail) return -1;
  long packed = 0;
  for (size_t i = 0; i < actual; i++) {
    if (r[i].options != 0) return -1;
    packed |= static_cast<long>((r[i].offset / kPage) * 16 + r[i].length / kPage) << (8 * i);
  }
  return packed;
}

bool modified(const PagerFixture& f, uint32_t options) {
  zx_pager_vmo_stats_t st{7};
  if (zx_pager_query_vmo_stats(f.pager, f.vmo, options, &st, sizeof(st)) != ZX_OK) return false;
  return st.modified == ZX_PAGER_VMO_STATS_MODIFIED;
}

// Without ZX_VMO_TRAP_DIRTY, writes (zx_vmo_write and stores through a mapping) make pages
// dirty at once; the pager finds them with query_dirty_ranges and cleans them by writeback.
void test_pager_dirty_ranges() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 4 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 4, 'c'));
  CHECK_EQ(dirty_runs(f, 4 * kPage), 0);
  CHECK(!modified(f, 0));
  CHECK_OK(zx_vmo_write(f.vmo, "w", kPage + 9, 1));
  CHECK_EQ(dirty_runs(f, 4 * kPage), 1 * 16 + 1);
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, f.vmo, 0,
                       4 * kPage, &addr));
  volatile char* m = reinterpret_cast<volatile char*>(addr);
  CHECK_EQ(m[3 * kPage], 'c');  // a read maps the clean page read-only...
  m[3 * kPage] = 'x';           // ...so this store faults and dirties it
  m[2 * kPage + 1] = 'y';
  CHECK_EQ(dirty_runs(f, 4 * kPage), 1 * 16 + 3);  // pages 1-3 in one run
  CHECK(modified(f, ZX_PAGER_RESET_VMO_STATS));
  CHECK(!modified(f, 0));
  // Runs are clipped to the query; unaligned queries are widened to whole pages.
  zx_vmo_dirty_range_t r[2];
  size_t actual = 9, avail = 9;
  CHECK_OK(zx_pager_query_dirty_ranges(f.pager, f.vmo, 2 * kPage + 5, 10, r, sizeof(r), &actual,
                                       &avail));
  CHECK_EQ(actual, 1u);
  CHECK_EQ(avail, 1u);
  CHECK_EQ(r[0].offset, 2 * kPage);
  CHECK_EQ(r[0].length, kPage);
  // Writeback: pages being written back still count as dirty until WRITEBACK_END.
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, f.vmo, 0, 4 * kPage, 0));
  CHECK_EQ(dirty_runs(f, 4 * kPage), 1 * 16 + 3);
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_END, f.vmo, 0, 2 * kPage, 0));
  CHECK_EQ(dirty_runs(f, 4 * kPage), 2 * 16 + 2);
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_END, f.vmo, 0, 4 * kPage, 0));
  CHECK_EQ(dirty_runs(f, 4 * kPage), 0);
  // Content survives, and clean pages are read-only again: the next store dirties anew.
  CHECK_EQ(m[3 * kPage], 'x');
  m[0] = 'z';
  CHECK_EQ(dirty_runs(f, 4 * kPage), 0 * 16 + 1);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 4 * kPage));
  zx_handle_t all[3] = {f.pager, f.port, f.vmo};
  CHECK_OK(zx_handle_close_many(all, 3));
}

// With ZX_VMO_TRAP_DIRTY the first write to a clean page waits for a DIRTY request to be
// answered: ZX_PAGER_OP_DIRTY lets it through, ZX_PAGER_OP_FAIL fails it.
void test_pager_trap_dirty() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, ZX_VMO_TRAP_DIRTY, 4 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 2, 'c'));
  static PageWrite writer;
  CHECK_OK(page_write_start(&writer, f.vmo, kPage + 3, 0, 'W'));
  zx_port_packet_t p;
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.type, ZX_PKT_TYPE_PAGE_REQUEST);
  CHECK_EQ(p.key, 5u);
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_DIRTY);
  CHECK_EQ(p.page_request.offset, kPage);
  CHECK_EQ(p.page_request.length, kPage);
  CHECK_EQ(writer.status, 1);  // still waiting
  CHECK_EQ(dirty_runs(f, 4 * kPage), 0);
  // Dirtying needs every page present.
  CHECK_EQ(zx_pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, f.vmo, kPage, 2 * kPage, 0),
           ZX_ERR_NOT_FOUND);
  CHECK_EQ(zx_pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, f.vmo, kPage, kPage, 1),
           ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, f.vmo, kPage, kPage, 0));
  CHECK_OK(helper_join(&writer.thread));
  CHECK_OK(writer.status);
  char c;
  CHECK_OK(zx_vmo_read(f.vmo, &c, kPage + 3, 1));
  CHECK_EQ(c, 'W');
  CHECK_EQ(dirty_runs(f, 4 * kPage), 1 * 16 + 1);
  // A dirty page takes writes without asking again.
  CHECK_OK(zx_vmo_write(f.vmo, "V", kPage, 1));
  CHECK_EQ(zx_port_wait(f.port, 0, &p), ZX_ERR_TIMED_OUT);
  // A store through a mapping to a clean page waits the same way; FAIL makes zx_vmo_write
  // return the error.
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, f.vmo, 0,
                       4 * kPage, &addr));
  CHECK_OK(page_write_start(&writer, f.vmo, 0, addr + 7, 'M'));
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_DIRTY);
  CHECK_EQ(p.page_request.offset, 0u);
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, f.vmo, 0, kPage, 0));
  CHECK_OK(helper_join(&writer.thread));
  CHECK_EQ(reinterpret_cast<volatile char*>(addr)[7], 'M');
  CHECK_EQ(dirty_runs(f, 4 * kPage), 0 * 16 + 2);
  // A write to an absent page asks for its content first, then for leave to dirty it.
  CHECK_OK(page_write_start(&writer, f.vmo, 2 * kPage, 0, 'A'));
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_READ);
  CHECK_EQ(p.page_request.offset, 2 * kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, 2 * kPage, 1, 'r'));
  CHECK_OK(next_request(f.port, &p));
  CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_DIRTY);
  CHECK_EQ(p.page_request.offset, 2 * kPage);
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_FAIL, f.vmo, 2 * kPage, kPage,
                             static_cast<uint64_t>(ZX_ERR_NO_SPACE)));
  CHECK_OK(helper_join(&writer.thread));
  CHECK_EQ(writer.status, ZX_ERR_NO_SPACE);
  CHECK_OK(zx_vmo_read(f.vmo, &c, 2 * kPage, 1));
  CHECK_EQ(c, 'r');
  CHECK_EQ(dirty_runs(f, 4 * kPage), 0 * 16 + 2);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 4 * kPage));
  zx_handle_t all[3] = {f.pager, f.port, f.vmo};
  CHECK_OK(zx_handle_close_many(all, 3));
}

// A write during writeback makes the page dirty again, so WRITEBACK_END leaves it dirty; in a
// TRAP_DIRTY VMO that write asks the pager first.
void test_pager_writeback_redirty() {
  const uint32_t kOptions[] = {0u, ZX_VMO_TRAP_DIRTY};
  for (uint32_t options : kOptions) {
    PagerFixture f;
    CHECK_OK(pager_fixture(&f, options, 2 * kPage));
    CHECK_OK(supply_filled(f.pager, f.vmo, 0, 2, 'c'));
    if (options) CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, f.vmo, 0, 2 * kPage, 0));
    zx_vaddr_t addr;
    CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, f.vmo, 0,
                         2 * kPage, &addr));
    volatile char* m = reinterpret_cast<volatile char*>(addr);
    m[0] = '1';  // dirty, and now mapped writable
    m[kPage] = '1';
    CHECK_EQ(dirty_runs(f, 2 * kPage), 0 * 16 + 2);
    CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, f.vmo, 0, 2 * kPage,
                               ZX_VMO_DIRTY_RANGE_IS_ZERO - 1));
    static PageWrite writer;
    CHECK_OK(page_write_start(&writer, f.vmo, 0, addr + kPage, '2'));
    if (options) {
      zx_port_packet_t p;
      CHECK_OK(next_request(f.port, &p));
      CHECK_EQ(p.page_request.command, ZX_PAGER_VMO_DIRTY);
      CHECK_EQ(p.page_request.offset, kPage);
      CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, f.vmo, kPage, kPage, 0));
    }
    CHECK_OK(helper_join(&writer.thread));
    CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_END, f.vmo, 0, 2 * kPage, 0));
    CHECK_EQ(dirty_runs(f, 2 * kPage), 1 * 16 + 1);  // page 1 was written again
    CHECK_EQ(m[kPage], '2');
    CHECK_EQ(zx_pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, f.vmo, 0, kPage, 2),
             ZX_ERR_INVALID_ARGS);
    CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 2 * kPage));
    zx_handle_t all[3] = {f.pager, f.port, f.vmo};
    CHECK_OK(zx_handle_close_many(all, 3));
  }
}

// Argument checks of the two queries, and the detached VMO's dirty pages staying queryable.
void test_pager_query_args() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, ZX_VMO_RESIZABLE, 8 * kPage));
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 8, 'c'));
  for (int i = 0; i < 8; i += 2) CHECK_OK(zx_vmo_write(f.vmo, "d", i * kPage, 1));
  zx_vmo_dirty_range_t r[4];
  size_t actual = 0, avail = 0;
  // A buffer for two of the four runs: the first two, and avail says four.
  CHECK_OK(zx_pager_query_dirty_ranges(f.pager, f.vmo, 0, 8 * kPage, r, 2 * sizeof(r[0]), &actual,
                                       &avail));
  CHECK_EQ(actual, 2u);
  CHECK_EQ(avail, 4u);
  CHECK_EQ(r[1].offset, 2 * kPage);
  CHECK_OK(zx_pager_query_dirty_ranges(f.pager, f.vmo, 0, 8 * kPage, nullptr, 0, &actual, &avail));
  CHECK_EQ(actual, 0u);
  CHECK_EQ(avail, 4u);
  CHECK_EQ(zx_pager_query_dirty_ranges(f.pager, f.vmo, 0, 9 * kPage, r, sizeof(r), &actual, &avail),
           ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_pager_query_dirty_ranges(f.pager, f.vmo, 0, 8 * kPage,
                                       reinterpret_cast<void*>(0xffffffc000000000ull), sizeof(r),
                                       &actual, &avail),
           ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_query_dirty_ranges(f.port, f.vmo, 0, kPage, r, sizeof(r), &actual, &avail),
           ZX_ERR_WRONG_TYPE);
  zx_handle_t other;
  CHECK_OK(zx_pager_create(0, &other));
  CHECK_EQ(zx_pager_query_dirty_ranges(other, f.vmo, 0, kPage, r, sizeof(r), &actual, &avail),
           ZX_ERR_INVALID_ARGS);
  zx_pager_vmo_stats_t st;
  CHECK_EQ(zx_pager_query_vmo_stats(f.pager, f.vmo, 2, &st, sizeof(st)), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_query_vmo_stats(f.pager, f.vmo, 0, &st, 2), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_pager_query_vmo_stats(other, f.vmo, 0, &st, sizeof(st)), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_pager_query_vmo_stats(f.pager, f.vmo, ZX_PAGER_RESET_VMO_STATS, &st, sizeof(st)));
  CHECK_EQ(st.modified, ZX_PAGER_VMO_STATS_MODIFIED);
  // Resizing counts as a modification; shrinking drops the dirty pages past the end.
  CHECK_OK(zx_vmo_set_size(f.vmo, 3 * kPage));
  CHECK(modified(f, 0));
  CHECK_EQ(dirty_runs(f, 3 * kPage), (2 * 16 + 1) << 8 | 1);
  // After detach the dirty pages are still there to be written back.
  CHECK_OK(zx_pager_detach_vmo(f.pager, f.vmo));
  zx_handle_t more;
  CHECK_OK(zx_pager_create_vmo(f.pager, 0, f.port, 1, kPage, &more));  // sweeps the pager's list
  CHECK_EQ(dirty_runs(f, 3 * kPage), (2 * 16 + 1) << 8 | 1);
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, f.vmo, 0, 3 * kPage, 0));
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_END, f.vmo, 0, 3 * kPage, 0));
  CHECK_EQ(dirty_runs(f, 3 * kPage), 0);
  zx_handle_t all[5] = {f.pager, f.port, f.vmo, other, more};
  CHECK_OK(zx_handle_close_many(all, 5));
}

// ---- eviction -----------------------------------------------------------------------------------
// A pager thread: answers every READ of the fixture's VMO, page k holding the byte '0' + k,
// counting requests per page, until a user packet on the port tells it to stop.
struct PatternServer {
  const PagerFixture* f;
  int requests[64];
  int total;
  zx_status_t status;
  Helper thread;
};

[[noreturn]] void pattern_server_thread(uintptr_t arg1, uintptr_t) {
  auto* srv = reinterpret_cast<PatternServer*>(arg1);
  for (;;) {
    zx_port_packet_t p;
    zx_status_t s = zx_port_wait(srv->f->port, zx_deadline_after(ZX_SEC(20)), &p);
    if (s != ZX_OK) {
      srv->status = s;
      break;
    }
    if (p.type == ZX_PKT_TYPE_USER) break;
    if (p.page_request.command != ZX_PAGER_VMO_READ) continue;
    uint64_t first = p.page_request.offset / kPage, n = p.page_request.length / kPage;
    for (uint64_t k = first; k < first + n; k++) srv->requests[k < 64 ? k : 63]++;
    srv->total++;
    s = supply_filled(srv->f->pager, srv->f->vmo, p.page_request.offset, n,
                      static_cast<char>('0' + first), 1);
    if (s != ZX_OK) {
      srv->status = s;
      break;
    }
  }
  zx_thread_exit();
}

zx_status_t pattern_server_start(PatternServer* srv, const PagerFixture* f) {
  *srv = PatternServer{};
  srv->f = f;
  return helper_start(&srv->thread, "server", pattern_server_thread,
                      reinterpret_cast<uintptr_t>(srv), 0);
}

// Stops the server; its status says whether every supply worked.
zx_status_t pattern_server_stop(PatternServer* srv) {
  zx_port_packet_t stop{};
  stop.type = ZX_PKT_TYPE_USER;
  zx_status_t s = zx_port_queue(srv->f->port, &stop);
  if (s == ZX_OK) s = helper_join(&srv->thread);
  return s == ZX_OK ? srv->status : s;
}

zx_info_pager_pages_t pager_pages(zx_handle_t h) {
  zx_info_pager_pages_t info{};
  if (zx_object_get_info(h, ZX_INFO_PAGER_PAGES, &info, sizeof(info), nullptr, nullptr) != ZX_OK)
    info.budget_pages = ~0ull;  // no CHECK on budgets will pass
  return info;
}

zx_status_t set_budget(zx_handle_t pager, uint64_t pages) {
  return zx_object_set_property(pager, ZX_PROP_PAGER_PAGE_BUDGET, &pages, sizeof(pages));
}

// Under a page budget, the pager's oldest clean pages are evicted (and unmapped) to make room
// for each supply; touching them again asks the pager again, and the content is what it
// supplied.
void test_pager_evict_budget() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 32 * kPage));
  uint64_t budget = 8;
  CHECK_EQ(zx_object_set_property(f.pager, ZX_PROP_PAGER_PAGE_BUDGET, &budget, 4),
           ZX_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(zx_object_set_property(f.port, ZX_PROP_PAGER_PAGE_BUDGET, &budget, 8),
           ZX_ERR_WRONG_TYPE);
  // Setting a budget takes ZX_RIGHT_MANAGE_VMO; reading it, ZX_RIGHT_INSPECT.
  zx_handle_t other, weak;
  CHECK_OK(zx_pager_create(0, &other));
  CHECK_OK(zx_handle_replace(other, ZX_RIGHT_INSPECT, &weak));
  CHECK_EQ(set_budget(weak, 8), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(pager_pages(weak).budget_pages, 0u);
  CHECK_OK(set_budget(f.pager, 8));
  CHECK_EQ(pager_pages(f.pager).budget_pages, 8u);
  static PatternServer srv;
  CHECK_OK(pattern_server_start(&srv, &f));
  zx_vaddr_t addr;
  CHECK_OK(map_vmo(f.vmo, ZX_VM_PERM_READ, 32 * kPage, &addr));
  volatile char* m = reinterpret_cast<volatile char*>(addr);
  for (int pass = 1; pass <= 2; pass++) {
    for (int k = 0; k < 32; k++) {
      CHECK_EQ(m[k * kPage + 100], '0' + k);
      zx_info_pager_pages_t info = pager_pages(f.pager);
      CHECK(info.resident_bytes <= 8 * kPage);
    }
  }
  // The queue is oldest first: the second pass found every page evicted again.
  for (int k = 0; k < 32; k++) CHECK_EQ(srv.requests[k], 2);
  zx_info_pager_pages_t info = pager_pages(f.pager);
  CHECK_EQ(info.resident_bytes, 8 * kPage);
  CHECK_EQ(info.evictable_bytes, 8 * kPage);
  CHECK_EQ(info.dirty_bytes, 0u);
  CHECK_EQ(info.evicted_pages, 56u);
  // The root job sums every pager's pages.
  zx_info_pager_pages_t all = pager_pages(zx_job_default());
  CHECK(all.evicted_pages >= 56u && all.resident_bytes >= 8 * kPage);
  CHECK_EQ(pager_pages(f.port).budget_pages, ~0ull);  // WRONG_TYPE
  // Lowering the budget evicts at once.
  CHECK_OK(set_budget(f.pager, 3));
  CHECK_EQ(pager_pages(f.pager).resident_bytes, 3 * kPage);
  CHECK_OK(pattern_server_stop(&srv));
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 32 * kPage));
  CHECK_OK(zx_handle_close(weak));
  CHECK_OK(fixture_close(&f));
}

// Dirty pages are never evicted: only once written back (clean again) may they go.
void test_pager_evict_dirty_kept() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 8 * kPage));
  CHECK_OK(set_budget(f.pager, 2));
  CHECK_OK(supply_filled(f.pager, f.vmo, 0, 2, 'c'));
  CHECK_OK(zx_vmo_write(f.vmo, "W", 0, 1));
  CHECK_OK(zx_vmo_write(f.vmo, "W", kPage, 1));
  CHECK_OK(supply_filled(f.pager, f.vmo, 2 * kPage, 2, 'c'));  // nothing evictable: over budget
  zx_info_pager_pages_t info = pager_pages(f.pager);
  CHECK_EQ(info.resident_bytes, 4 * kPage);
  CHECK_EQ(info.dirty_bytes, 2 * kPage);
  CHECK_EQ(info.evictable_bytes, 2 * kPage);
  CHECK_EQ(info.evicted_pages, 0u);
  CHECK_OK(supply_filled(f.pager, f.vmo, 4 * kPage, 1, 'c'));  // evicts clean pages 2 and 3
  info = pager_pages(f.pager);
  CHECK_EQ(info.evicted_pages, 2u);
  CHECK_EQ(info.resident_bytes, 3 * kPage);
  char c;
  CHECK_OK(zx_vmo_read(f.vmo, &c, kPage, 1));  // still here: no request
  CHECK_EQ(c, 'W');
  CHECK_NO_PACKET(f.port);
  // Written back, they are clean and evictable like any other.
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, f.vmo, 0, 2 * kPage, 0));
  CHECK_EQ(pager_pages(f.pager).dirty_bytes, 2 * kPage);  // being written back: still kept
  CHECK_OK(zx_pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_END, f.vmo, 0, 2 * kPage, 0));
  info = pager_pages(f.pager);
  CHECK_EQ(info.dirty_bytes, 0u);
  CHECK_EQ(info.evictable_bytes, 3 * kPage);
  CHECK_OK(supply_filled(f.pager, f.vmo, 5 * kPage, 1, 'c'));
  CHECK_EQ(pager_pages(f.pager).resident_bytes, 2 * kPage);
  CHECK_OK(fixture_close(&f));
}

// ZX_VMO_OP_ALWAYS_NEED brings pages in and keeps them; DONT_NEED makes them the first to go.
// PREFETCH brings pages in without keeping them.
void test_pager_evict_hints() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 16 * kPage));
  CHECK_OK(set_budget(f.pager, 4));
  static PatternServer srv;
  CHECK_OK(pattern_server_start(&srv, &f));
  CHECK_OK(zx_vmo_op_range(f.vmo, ZX_VMO_OP_ALWAYS_NEED, 0, 2 * kPage, nullptr, 0));
  CHECK_EQ(srv.requests[0], 1);
  CHECK_EQ(pager_pages(f.pager).evictable_bytes, 0u);
  char c;
  for (int round = 0; round < 2; round++) {
    for (int k = 2; k < 16; k++) {
      CHECK_OK(zx_vmo_read(f.vmo, &c, k * kPage, 1));
      CHECK_EQ(c, '0' + k);
    }
  }
  CHECK_EQ(srv.requests[0], 1);  // pinned: never evicted
  CHECK_EQ(srv.requests[1], 1);
  CHECK_EQ(srv.requests[2], 2);  // the others went and came back
  CHECK_OK(zx_vmo_op_range(f.vmo, ZX_VMO_OP_DONT_NEED, 0, 2 * kPage, nullptr, 0));
  CHECK_OK(zx_vmo_read(f.vmo, &c, 2 * kPage, 1));  // two supplies evict pages 0 and 1 first
  CHECK_OK(zx_vmo_read(f.vmo, &c, 3 * kPage, 1));
  CHECK_OK(zx_vmo_read(f.vmo, &c, 0, 1));
  CHECK_EQ(c, '0');
  CHECK_EQ(srv.requests[0], 2);
  CHECK_OK(zx_vmo_op_range(f.vmo, ZX_VMO_OP_PREFETCH, 8 * kPage, 2 * kPage, nullptr, 0));
  CHECK_EQ(srv.requests[8], 3);
  CHECK_EQ(zx_vmo_op_range(f.vmo, ZX_VMO_OP_ALWAYS_NEED, 0, 17 * kPage, nullptr, 0),
           ZX_ERR_OUT_OF_RANGE);
  CHECK_OK(pattern_server_stop(&srv));
  CHECK_OK(fixture_close(&f));
}

// Eviction under memory pressure, no budget: when free memory falls below the kernel's low
// watermark the reclaimer evicts clean pager pages; afterwards they read back intact.
void test_pager_evict_low_memory() {
  PagerFixture f;
  CHECK_OK(pager_fixture(&f, 0, 64 * kPage));
  static PatternServer srv;
  CHECK_OK(pattern_server_start(&srv, &f));
  CHECK_OK(zx_vmo_op_range(f.vmo, ZX_VMO_OP_COMMIT, 0, 64 * kPage, nullptr, 0));
  CHECK_EQ(pager_pages(f.pager).resident_bytes, 64 * kPage);
  zx_info_kmem_stats_t k{};
  CHECK_OK(
      zx_object_get_info(zx_job_default(), ZX_INFO_KMEM_STATS, &k, sizeof(k), nullptr, nullptr));
  // The reclaimer wakes below total/64 free pages: leave half of that free.
  uint64_t total = k.total_bytes / kPage, free = k.free_bytes / kPage, low = total / 64;
  CHECK(free > low);
  uint64_t take = free - low / 2;
  zx_handle_t hog;
  CHECK_OK(zx_vmo_create(take * kPage, 0, &hog));
  CHECK_OK(zx_vmo_op_range(hog, ZX_VMO_OP_COMMIT, 0, take * kPage, nullptr, 0));
  uint64_t evicted = 0;
  for (int i = 0; i < 200 && evicted == 0; i++) {
    CHECK_OK(zx_nanosleep(zx_deadline_after(ZX_MSEC(10))));
    evicted = pager_pages(f.pager).evicted_pages;
  }
  CHECK_OK(zx_handle_close(hog));
  CHECK(evicted > 0);
  // Everything reads back as supplied, evicted pages through the pager again.
  for (int p = 0; p < 64; p++) {
    char c;
    CHECK_OK(zx_vmo_read(f.vmo, &c, p * kPage + 7, 1));
    CHECK_EQ(c, '0' + p);
  }
  CHECK(srv.total > 1);
  CHECK_OK(pattern_server_stop(&srv));
  CHECK_OK(fixture_close(&f));
}

const Test kTests[] = {
    {"pager", test_pager},
    {"pager_read_one_page", test_pager_read_one_page},
    {"pager_fault_load_one_page", test_pager_fault_load_one_page},
    {"pager_fault_store_one_page", test_pager_fault_store_one_page},
    {"pager_vmo_write_one_page", test_pager_vmo_write_one_page},
    {"pager_read_spans_pages", test_pager_read_spans_pages},
    {"pager_fault_pages_in_turn", test_pager_fault_pages_in_turn},
    {"pager_one_in_flight", test_pager_one_in_flight},
    {"pager_many_waiters", test_pager_many_waiters},
    {"pager_mixed_waiters_one_page", test_pager_mixed_waiters_one_page},
    {"pager_overlapping_ranges", test_pager_overlapping_ranges},
    {"pager_two_vmos_keys", test_pager_two_vmos_keys},
    {"pager_supply_more", test_pager_supply_more},
    {"pager_supply_less_early_wake", test_pager_supply_less_early_wake},
    {"pager_supply_less_read_waits", test_pager_supply_less_read_waits},
    {"pager_supply_present_kept", test_pager_supply_present_kept},
    {"pager_supply_uncommitted_aux", test_pager_supply_uncommitted_aux},
    {"pager_supply_bad_ranges", test_pager_supply_bad_ranges},
    {"pager_supply_wrong_handles", test_pager_supply_wrong_handles},
    {"pager_rights", test_pager_rights},
    {"pager_supply_unrequested", test_pager_supply_unrequested},
    {"pager_supply_aux_offset", test_pager_supply_aux_offset},
    {"pager_committed_bytes", test_pager_committed_bytes},
    {"pager_fail_codes", test_pager_fail_codes},
    {"pager_fail_fault_kills_process", test_pager_fail_fault_kills_process},
    {"pager_fail_queued_and_unrelated", test_pager_fail_queued_and_unrelated},
    {"pager_fail_then_retry", test_pager_fail_then_retry},
    {"pager_detach_with_waiters", test_pager_detach_with_waiters},
    {"pager_detach_twice", test_pager_detach_twice},
    {"pager_detach_fault_kills", test_pager_detach_fault_kills},
    {"pager_close_wakes", test_pager_close_wakes},
    {"pager_port_close", test_pager_port_close},
    {"pager_vmo_closed_outstanding", test_pager_vmo_closed_outstanding},
    {"pager_kill_waiter", test_pager_kill_waiter},
    {"pager_killed_waiter_withdraws", test_pager_killed_waiter_withdraws},
    {"pager_faulting_process_killed", test_pager_faulting_process_killed},
    {"pager_pager_process_killed", test_pager_pager_process_killed},
    {"pager_shrink_waiter", test_pager_shrink_waiter},
    {"pager_shrink_fault_waiter", test_pager_shrink_fault_waiter},
    {"pager_shrink_queued", test_pager_shrink_queued},
    {"pager_grow_then_fault", test_pager_grow_then_fault},
    {"pager_shrink_grow_asks_again", test_pager_shrink_grow_asks_again},
    {"pager_unmap_during_fault", test_pager_unmap_during_fault},
    {"pager_commit_asks_pager", test_pager_commit_asks_pager},
    {"pager_decommit_refused", test_pager_decommit_refused},
    {"pager_create_args", test_pager_create_args},
    {"pager_vmo_size_and_rights", test_pager_vmo_size_and_rights},
    {"pager_vmo_size_zero", test_pager_vmo_size_zero},
    {"pager_create_vmo_unknown_option", test_pager_create_vmo_unknown_option},
    {"pager_info_pager_backed", test_pager_info_pager_backed},
    {"pager_close_no_complete", test_pager_close_no_complete},
    {"pager_cow_child", test_pager_cow_child},
    {"pager_dirty_ranges", test_pager_dirty_ranges},
    {"pager_trap_dirty", test_pager_trap_dirty},
    {"pager_writeback_redirty", test_pager_writeback_redirty},
    {"pager_query_args", test_pager_query_args},
    {"pager_evict_budget", test_pager_evict_budget},
    {"pager_evict_dirty_kept", test_pager_evict_dirty_kept},
    {"pager_evict_hints", test_pager_evict_hints},
    {"pager_evict_low_memory", test_pager_evict_low_memory},
};

// ---- the child processes' side
// -------------------------------------------------------------------- `touch OFFSET`: PA_USER0 is
// a VMO, PA_USER1 (optional) an event to signal first. Maps the VMO and returns the byte at OFFSET
// (a fault that cannot be resolved kills us instead).
int child_touch(uint64_t offset) {
  zx_handle_t vmo = zx_take_startup_handle(PA_HND(PA_USER0, 0));
  zx_handle_t ready = zx_take_startup_handle(PA_HND(PA_USER1, 0));
  uint64_t size = 0;
  zx_vaddr_t addr;
  if (zx_vmo_get_size(vmo, &size) != ZX_OK || map_vmo(vmo, ZX_VM_PERM_READ, size, &addr) != ZX_OK)
    return 1000;
  if (ready != ZX_HANDLE_INVALID) zx_object_signal(ready, 0, ZX_USER_SIGNAL_0);
  return reinterpret_cast<volatile unsigned char*>(addr)[offset];
}

// `pager`: PA_USER0 is a channel. Serves a 2-page VMO it sends over the channel, and answers
// nothing: it reports the offset of the first request and then waits to be killed.
int child_pager() {
  zx_handle_t ch = zx_take_startup_handle(PA_HND(PA_USER0, 0));
  zx_handle_t pager, port, vmo;
  if (zx_pager_create(0, &pager) != ZX_OK || zx_port_create(0, &port) != ZX_OK ||
      zx_pager_create_vmo(pager, 0, port, 9, 2 * kPage, &vmo) != ZX_OK)
    return 1001;
  uint64_t word = 0;
  if (zx_channel_write(ch, 0, &word, sizeof(word), &vmo, 1) != ZX_OK) return 1002;
  zx_port_packet_t p;
  if (zx_port_wait(port, zx_deadline_after(ZX_SEC(10)), &p) != ZX_OK) return 1003;
  word = p.page_request.offset;
  if (zx_channel_write(ch, 0, &word, sizeof(word), nullptr, 0) != ZX_OK) return 1004;
  zx_port_wait(port, zx_deadline_after(ZX_SEC(20)), &p);  // killed before this ends
  return 1005;
}

// `unmap`: PA_USER0 is a pager VMO, PA_USER1 a channel. A thread faults on a mapping of the
// VMO; on the parent's word the mapping goes, and we say so. The thread must then die of its
// fault, taking the process: if it survives we return 0, which the parent counts as a failure.
int child_unmap() {
  zx_handle_t vmo = zx_take_startup_handle(PA_HND(PA_USER0, 0));
  zx_handle_t ch = zx_take_startup_handle(PA_HND(PA_USER1, 0));
  zx_vaddr_t addr;
  if (map_vmo(vmo, ZX_VM_PERM_READ, kPage, &addr) != ZX_OK) return 1010;
  static Helper victim;
  if (helper_start(&victim, "victim", pager_toucher, addr, 0) != ZX_OK) return 1011;
  uint64_t word = 0;
  if (channel_recv(ch, &word, nullptr) != ZX_OK) return 1012;
  if (zx_vmar_unmap(zx_vmar_root_self(), addr, kPage) != ZX_OK) return 1013;
  word = 1;
  if (zx_channel_write(ch, 0, &word, sizeof(word), nullptr, 0) != ZX_OK) return 1014;
  if (zx_object_wait_one(victim.thread, ZX_THREAD_TERMINATED, zx_deadline_after(ZX_SEC(10)),
                         nullptr) != ZX_OK)
    return 1015;
  return 0;
}

int child_main(int argc, char** argv) {
  if (argc < 4) return 1020;
  uint64_t arg = static_cast<uint64_t>(strtol(argv[3], nullptr, 0));
  if (strcmp(argv[2], "touch") == 0) return child_touch(arg);
  if (strcmp(argv[2], "pager") == 0) return child_pager();
  if (strcmp(argv[2], "unmap") == 0) return child_unmap();
  return 1021;
}

}  // namespace

// pagertests [PREFIX]: runs the tests whose names start with PREFIX (all by default).
// pagertests child ROLE ARG: one of the child processes the tests start.
int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) return child_main(argc, argv);
  return testing::run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc > 1 ? argv[1] : "");
}
