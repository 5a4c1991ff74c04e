// usertests: checks the syscall API from userspace. Each test prints
// "[utest] NAME PASS" or "[utest] NAME FAIL: why", then a summary line; the exit status is 0
// iff every test passed. To add a test: write `void test_NAME()` using the CHECK macros and add
// it to kTests at the bottom (docs/userspace.md). The pager tests are a program of their own,
// pagertests; the scaffolding both use is user/lib/include/testing.h.
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

using testing::handle_valid;
using testing::Helper;
using testing::helper_join;
using testing::helper_start;
using testing::koid_of;
using testing::kPage;
using testing::rights_of;
using testing::run;
using testing::Test;
using testing::vmo_committed;

const uintptr_t kKernelAddr = 0xffffffc000000000ull;

// ---- handles ----------------------------------------------------------------------------------
void test_handle_close() {
  CHECK_OK(zx_handle_close(ZX_HANDLE_INVALID));
  CHECK_EQ(zx_handle_close(0x7ffffff3u), ZX_ERR_BAD_HANDLE);
  zx_handle_t e;
  CHECK_OK(zx_event_create(0, &e));
  CHECK(handle_valid(e));
  CHECK_OK(zx_handle_close(e));
  CHECK(!handle_valid(e));
  CHECK_EQ(zx_handle_close(e), ZX_ERR_BAD_HANDLE);

  zx_handle_t many[3] = {ZX_HANDLE_INVALID, ZX_HANDLE_INVALID, ZX_HANDLE_INVALID};
  CHECK_OK(zx_event_create(0, &many[0]));
  CHECK_OK(zx_event_create(0, &many[2]));
  CHECK_OK(zx_handle_close_many(many, 3));
  CHECK(!handle_valid(many[0]));
  CHECK(!handle_valid(many[2]));
}

void test_handle_duplicate() {
  zx_handle_t e, d, r, r2;
  CHECK_OK(zx_event_create(0, &e));
  CHECK_EQ(rights_of(e), ZX_DEFAULT_EVENT_RIGHTS);
  CHECK_OK(zx_handle_duplicate(e, ZX_RIGHT_SAME_RIGHTS, &d));
  CHECK(d != e);
  CHECK_EQ(rights_of(d), ZX_DEFAULT_EVENT_RIGHTS);
  CHECK_EQ(koid_of(d), koid_of(e));
  // Fewer rights: allowed, and exactly those rights.
  CHECK_OK(zx_handle_duplicate(e, ZX_RIGHT_WAIT | ZX_RIGHT_TRANSFER, &r));
  CHECK_EQ(rights_of(r), ZX_RIGHT_WAIT | ZX_RIGHT_TRANSFER);
  // A handle without ZX_RIGHT_DUPLICATE cannot be duplicated.
  CHECK_EQ(zx_handle_duplicate(r, ZX_RIGHT_SAME_RIGHTS, &r2), ZX_ERR_ACCESS_DENIED);
  // Rights cannot grow.
  CHECK_OK(zx_handle_duplicate(e, ZX_RIGHT_DUPLICATE | ZX_RIGHT_WAIT, &r2));
  zx_handle_t r3;
  CHECK_EQ(zx_handle_duplicate(r2, ZX_RIGHT_DUPLICATE | ZX_RIGHT_SIGNAL, &r3), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_handle_duplicate(0x7ffffff3u, ZX_RIGHT_SAME_RIGHTS, &r3), ZX_ERR_BAD_HANDLE);
  // The original survives closing a duplicate.
  CHECK_OK(zx_handle_close(d));
  CHECK(handle_valid(e));
  zx_handle_t all[3] = {e, r, r2};
  CHECK_OK(zx_handle_close_many(all, 3));
}

void test_handle_replace() {
  zx_handle_t e, n;
  CHECK_OK(zx_event_create(0, &e));
  zx_koid_t koid = koid_of(e);
  CHECK_OK(zx_handle_replace(e, ZX_RIGHT_WAIT | ZX_RIGHT_DUPLICATE, &n));
  CHECK_EQ(rights_of(n), ZX_RIGHT_WAIT | ZX_RIGHT_DUPLICATE);
  CHECK_EQ(koid_of(n), koid);
  if (n != e) CHECK(!handle_valid(e));
  // Asking for more rights fails, and the handle is gone even so.
  zx_handle_t m;
  CHECK_EQ(zx_handle_replace(n, ZX_RIGHT_WAIT | ZX_RIGHT_SIGNAL, &m), ZX_ERR_INVALID_ARGS);
  CHECK(!handle_valid(n));
  CHECK_OK(zx_event_create(0, &e));
  CHECK_OK(zx_handle_replace(e, ZX_RIGHT_SAME_RIGHTS, &n));
  CHECK_EQ(rights_of(n), ZX_DEFAULT_EVENT_RIGHTS);
  CHECK_OK(zx_handle_close(n));
}

// ---- VMOs -------------------------------------------------------------------------------------
void test_vmo() {
  zx_handle_t vmo, e;
  CHECK_EQ(zx_vmo_create(kPage, 1u << 31, &vmo), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_vmo_create(10000, 0, &vmo));
  uint64_t size = 0;
  CHECK_OK(zx_vmo_get_size(vmo, &size));
  CHECK_EQ(size, 3 * kPage);

  char buf[64];
  CHECK_OK(zx_vmo_read(vmo, buf, 5000, sizeof(buf)));
  for (char c : buf) CHECK_EQ(c, 0);  // zero-filled
  static const char kMsg[] = "hello, vmo";
  CHECK_OK(zx_vmo_write(vmo, kMsg, kPage - 3, sizeof(kMsg)));  // crosses a page boundary
  memset(buf, 'x', sizeof(buf));
  CHECK_OK(zx_vmo_read(vmo, buf, kPage - 3, sizeof(kMsg)));
  CHECK_EQ(memcmp(buf, kMsg, sizeof(kMsg)), 0);
  CHECK_EQ(zx_vmo_read(vmo, buf, 3 * kPage - 8, 16), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_vmo_write(vmo, buf, 3 * kPage, 1), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_vmo_read(vmo, buf, UINT64_MAX - 4, 16), ZX_ERR_OUT_OF_RANGE);
  CHECK_OK(zx_vmo_read(vmo, buf, 3 * kPage, 0));
  CHECK_EQ(zx_vmo_set_size(vmo, kPage), ZX_ERR_UNAVAILABLE);  // not resizable
  CHECK_OK(zx_event_create(0, &e));
  CHECK_EQ(zx_vmo_get_size(e, &size), ZX_ERR_WRONG_TYPE);
  CHECK_OK(zx_handle_close(e));
  CHECK_OK(zx_handle_close(vmo));

  CHECK_OK(zx_vmo_create(kPage, ZX_VMO_RESIZABLE, &vmo));
  CHECK(rights_of(vmo) & ZX_RIGHT_RESIZE);
  CHECK_OK(zx_vmo_write(vmo, kMsg, 100, sizeof(kMsg)));
  CHECK_OK(zx_vmo_set_size(vmo, 4 * kPage + 1));
  CHECK_OK(zx_vmo_get_size(vmo, &size));
  CHECK_EQ(size, 5 * kPage);
  CHECK_OK(zx_vmo_write(vmo, kMsg, 4 * kPage, sizeof(kMsg)));
  CHECK_OK(zx_vmo_set_size(vmo, 103));  // keeps "hel", zeroes the rest of the page
  CHECK_OK(zx_vmo_get_size(vmo, &size));
  CHECK_EQ(size, kPage);
  CHECK_OK(zx_vmo_read(vmo, buf, 100, 8));
  CHECK_EQ(memcmp(buf, "hel\0\0\0\0\0", 8), 0);
  CHECK_EQ(zx_vmo_read(vmo, buf, kPage, 1), ZX_ERR_OUT_OF_RANGE);
  // Without ZX_RIGHT_RESIZE (or WRITE) the size is fixed.
  zx_handle_t ro;
  CHECK_OK(zx_handle_duplicate(vmo, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &ro));
  CHECK_EQ(zx_vmo_set_size(ro, 2 * kPage), ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_handle_close(ro));
  CHECK_OK(zx_handle_duplicate(vmo, ZX_RIGHT_READ, &ro));
  CHECK_EQ(zx_vmo_write(ro, kMsg, 0, 1), ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_handle_close(ro));
  CHECK_OK(zx_handle_close(vmo));
}

// ---- VMARs ------------------------------------------------------------------------------------
void test_vmar_map() {
  zx_handle_t root = zx_vmar_root_self();
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(2 * kPage, 0, &vmo));
  zx_vaddr_t addr = 0;
  const zx_vm_option_t rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
  CHECK_EQ(zx_vmar_map(root, rw, 0, vmo, 0, 0, &addr), ZX_ERR_INVALID_ARGS);          // len 0
  CHECK_EQ(zx_vmar_map(root, rw, 0, vmo, 100, kPage, &addr), ZX_ERR_INVALID_ARGS);    // vmo_offset
  CHECK_EQ(zx_vmar_map(root, rw, kPage, vmo, 0, kPage, &addr), ZX_ERR_INVALID_ARGS);  // no SPECIFIC
  CHECK_EQ(zx_vmar_map(root, ZX_VM_PERM_WRITE, 0, vmo, 0, kPage, &addr), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, 0, vmo, 0, kPage, &addr),
           ZX_ERR_ACCESS_DENIED);  // a plain VMO has no ZX_RIGHT_EXECUTE
  CHECK_OK(zx_vmar_map(root, rw, 0, vmo, 0, 2 * kPage, &addr));
  CHECK(addr != 0 && addr % kPage == 0);
  CHECK_OK(zx_handle_close(vmo));  // the mapping keeps the VMO alive
  auto* p = reinterpret_cast<volatile char*>(addr);
  p[0] = 'a';
  p[kPage + 7] = 'b';
  CHECK_EQ(p[0], 'a');
  CHECK_EQ(p[kPage + 7], 'b');

  CHECK_EQ(zx_vmar_protect(root, ZX_VM_PERM_READ, addr + 1, kPage), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmar_protect(root, ZX_VM_PERM_READ, addr, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmar_protect(root, ZX_VM_PERM_WRITE, addr, kPage), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_vmar_protect(root, ZX_VM_PERM_READ, addr, kPage));
  CHECK_EQ(p[0], 'a');  // still readable
  CHECK_OK(zx_vmar_protect(root, rw, addr, kPage));
  p[1] = 'c';
  CHECK_EQ(zx_vmar_unmap(root, addr + 1, kPage), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmar_unmap(root, addr, 0), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_vmar_unmap(root, addr, 2 * kPage));
  CHECK_EQ(zx_vmar_unmap(root, addr, 2 * kPage), ZX_ERR_NOT_FOUND);
  CHECK_EQ(zx_vmar_protect(root, ZX_VM_PERM_READ, addr, kPage), ZX_ERR_NOT_FOUND);
}

void test_vmar_specific() {
  zx_handle_t root = zx_vmar_root_self();
  zx_handle_t sub, vmo;
  zx_vaddr_t base, addr;
  CHECK_EQ(zx_vmar_allocate(root, ZX_VM_CAN_MAP_READ, 0, kPage + 1, &sub, &base),
           ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_vmar_allocate(root, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC,
                            0, 4 * kPage, &sub, &base));
  CHECK_OK(zx_vmo_create(4 * kPage, 0, &vmo));
  const zx_vm_option_t rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
  CHECK_OK(zx_vmar_map(sub, rw | ZX_VM_SPECIFIC, kPage, vmo, 0, 2 * kPage, &addr));
  CHECK_EQ(addr, base + kPage);
  CHECK_EQ(zx_vmar_map(sub, rw | ZX_VM_SPECIFIC, 2 * kPage, vmo, 0, kPage, &addr),
           ZX_ERR_ALREADY_EXISTS);
  CHECK_EQ(zx_vmar_map(sub, rw | ZX_VM_SPECIFIC, 4 * kPage, vmo, 0, kPage, &addr),
           ZX_ERR_INVALID_ARGS);  // past the end of the region
  CHECK_EQ(zx_vmar_map(sub, rw | ZX_VM_SPECIFIC, kPage + 8, vmo, 0, kPage, &addr),
           ZX_ERR_INVALID_ARGS);  // unaligned
  CHECK_EQ(zx_vmar_map(sub, rw | ZX_VM_PERM_EXECUTE, 0, vmo, 0, kPage, &addr),
           ZX_ERR_ACCESS_DENIED);  // the region cannot hold executable mappings
  // Unmapping the middle page splits the mapping; the other page stays usable.
  CHECK_OK(zx_vmar_unmap(sub, base + kPage, kPage));
  auto* p = reinterpret_cast<volatile char*>(base + 2 * kPage);
  p[0] = 'z';
  char c;
  CHECK_OK(zx_vmo_read(vmo, &c, kPage, 1));
  CHECK_EQ(c, 'z');
  CHECK_OK(zx_vmar_destroy(sub));
  CHECK_EQ(zx_vmar_map(sub, rw, 0, vmo, 0, kPage, &addr), ZX_ERR_BAD_STATE);
  zx_handle_t both[2] = {sub, vmo};
  CHECK_OK(zx_handle_close_many(both, 2));
}

// ZX_VM_ALIGN_* up to ZX_VM_ALIGN_4GB place regions and mappings at that alignment, as Zircon;
// values outside 1 KiB .. 4 GiB are refused.
void test_vmar_align() {
  zx_handle_t root = zx_vmar_root_self();
  constexpr uint64_t k4G = 1ull << 32;
  zx_handle_t sub, vmo;
  zx_vaddr_t base, addr;
  CHECK_OK(zx_vmar_allocate(root, ZX_VM_CAN_MAP_READ | ZX_VM_ALIGN_4GB, 0, 4 * kPage, &sub, &base));
  CHECK_EQ(base % k4G, 0);
  CHECK_OK(zx_vmar_destroy(sub));
  CHECK_OK(zx_handle_close(sub));
  CHECK_OK(zx_vmo_create(kPage, 0, &vmo));
  CHECK_OK(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_ALIGN_4GB, 0, vmo, 0, kPage, &addr));
  CHECK_EQ(addr % k4G, 0);
  CHECK_OK(zx_vmar_unmap(root, addr, kPage));
  CHECK_OK(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_ALIGN_1MB, 0, vmo, 0, kPage, &addr));
  CHECK_EQ(addr % (1u << 20), 0);
  CHECK_OK(zx_vmar_unmap(root, addr, kPage));
  const zx_vm_option_t kBad[] = {9u << ZX_VM_ALIGN_BASE, 33u << ZX_VM_ALIGN_BASE,
                                 63u << ZX_VM_ALIGN_BASE};
  for (zx_vm_option_t bad : kBad) {
    CHECK_EQ(zx_vmar_map(root, ZX_VM_PERM_READ | bad, 0, vmo, 0, kPage, &addr),
             ZX_ERR_INVALID_ARGS);
    CHECK_EQ(zx_vmar_allocate(root, ZX_VM_CAN_MAP_READ | bad, 0, kPage, &sub, &base),
             ZX_ERR_INVALID_ARGS);
  }
  CHECK_OK(zx_handle_close(vmo));
}

// ---- events and waiting -------------------------------------------------------------------------
void test_event_wait() {
  zx_handle_t e;
  CHECK_EQ(zx_event_create(1, &e), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_event_create(0, &e));
  zx_signals_t observed = ~0u;
  zx_time_t start = zx_clock_get_monotonic();
  CHECK_EQ(zx_object_wait_one(e, ZX_EVENT_SIGNALED, zx_deadline_after(ZX_MSEC(20)), &observed),
           ZX_ERR_TIMED_OUT);
  CHECK(zx_clock_get_monotonic() - start >= ZX_MSEC(20));
  CHECK_EQ(observed & ZX_EVENT_SIGNALED, 0);
  CHECK_EQ(zx_object_wait_one(e, ZX_EVENT_SIGNALED, 0, &observed), ZX_ERR_TIMED_OUT);  // a poll

  CHECK_OK(zx_object_signal(e, 0, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_3));
  CHECK_OK(zx_object_wait_one(e, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, &observed));
  CHECK_EQ(observed, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_3);
  CHECK_OK(zx_object_signal(e, ZX_EVENT_SIGNALED, 0));
  CHECK_OK(zx_object_wait_one(e, ZX_USER_SIGNAL_3 | ZX_EVENT_SIGNALED, 0, &observed));
  CHECK_EQ(observed, ZX_USER_SIGNAL_3);
  CHECK_EQ(zx_object_signal(e, 0, __ZX_OBJECT_READABLE), ZX_ERR_INVALID_ARGS);

  zx_handle_t nosig;
  CHECK_OK(zx_handle_duplicate(e, ZX_RIGHT_WAIT, &nosig));
  CHECK_EQ(zx_object_signal(nosig, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_handle_close(nosig));
  CHECK_OK(zx_handle_duplicate(e, ZX_RIGHT_SIGNAL, &nosig));
  CHECK_EQ(zx_object_wait_one(nosig, ZX_EVENT_SIGNALED, 0, &observed), ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_handle_close(nosig));
  CHECK_EQ(zx_object_wait_one(0x7ffffff3u, ZX_EVENT_SIGNALED, 0, &observed), ZX_ERR_BAD_HANDLE);
  CHECK_OK(zx_handle_close(e));
}

void test_clock_sleep() {
  zx_time_t t0 = zx_clock_get_monotonic();
  CHECK_OK(zx_nanosleep(zx_deadline_after(ZX_MSEC(10))));
  zx_time_t t1 = zx_clock_get_monotonic();
  CHECK(t1 - t0 >= ZX_MSEC(10));
  CHECK(t1 - t0 < ZX_SEC(5));
  CHECK_OK(zx_nanosleep(0));  // a past deadline returns at once
}

// ---- channels ---------------------------------------------------------------------------------
void test_channel() {
  zx_handle_t a, b, e, got[2];
  CHECK_EQ(zx_channel_create(1, &a, &b), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_channel_create(0, &a, &b));
  CHECK_OK(zx_event_create(0, &e));
  zx_koid_t ekoid = koid_of(e);
  char buf[16];
  uint32_t nb = 0, nh = 0;
  CHECK_EQ(zx_channel_read(b, 0, buf, got, sizeof(buf), 2, &nb, &nh), ZX_ERR_SHOULD_WAIT);
  zx_signals_t observed;
  CHECK_EQ(zx_object_wait_one(b, ZX_CHANNEL_READABLE, 0, &observed), ZX_ERR_TIMED_OUT);

  CHECK_OK(zx_channel_write(a, 0, "hello", 5, &e, 1));
  CHECK(!handle_valid(e));  // moved into the message
  CHECK_OK(zx_object_wait_one(b, ZX_CHANNEL_READABLE, 0, &observed));
  // Too small: nothing is taken, and the needed sizes come back.
  CHECK_EQ(zx_channel_read(b, 0, buf, got, 2, 1, &nb, &nh), ZX_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(nb, 5);
  CHECK_EQ(nh, 1);
  CHECK_EQ(zx_channel_read(b, 0, buf, got, sizeof(buf), 0, &nb, &nh), ZX_ERR_BUFFER_TOO_SMALL);
  CHECK_OK(zx_channel_read(b, 0, buf, got, sizeof(buf), 2, &nb, &nh));
  CHECK_EQ(nb, 5);
  CHECK_EQ(nh, 1);
  CHECK_EQ(memcmp(buf, "hello", 5), 0);
  CHECK_EQ(koid_of(got[0]), ekoid);
  CHECK_OK(zx_handle_close(got[0]));

  // Messages arrive in order, both directions.
  CHECK_OK(zx_channel_write(a, 0, "1", 1, nullptr, 0));
  CHECK_OK(zx_channel_write(a, 0, "22", 2, nullptr, 0));
  CHECK_OK(zx_channel_write(b, 0, "333", 3, nullptr, 0));
  CHECK_OK(zx_channel_read(b, 0, buf, nullptr, sizeof(buf), 0, &nb, &nh));
  CHECK_EQ(nb, 1);
  CHECK_OK(zx_channel_read(b, 0, buf, nullptr, sizeof(buf), 0, &nb, &nh));
  CHECK_EQ(nb, 2);
  CHECK_OK(zx_channel_read(a, 0, buf, nullptr, sizeof(buf), 0, &nb, &nh));
  CHECK_EQ(nb, 3);

  // A channel cannot carry its own endpoint; a handle must not appear twice.
  CHECK_EQ(zx_channel_write(a, 0, "x", 1, &a, 1), ZX_ERR_NOT_SUPPORTED);
  zx_handle_close(a);  // the failed write may have consumed it already
  CHECK_OK(zx_handle_close(b));
  CHECK_OK(zx_channel_create(0, &a, &b));
  CHECK_OK(zx_event_create(0, &e));
  zx_handle_t twice[2] = {e, e};
  CHECK_EQ(zx_channel_write(a, 0, "x", 1, twice, 2), ZX_ERR_BAD_HANDLE);  // as in Zircon
  CHECK(!testing::handle_valid(e));                                       // consumed

  // Queued messages survive the writer closing; then reads report PEER_CLOSED.
  CHECK_OK(zx_channel_write(a, 0, "bye", 3, nullptr, 0));
  CHECK_OK(zx_handle_close(a));
  CHECK_OK(zx_object_wait_one(b, ZX_CHANNEL_PEER_CLOSED, 0, &observed));
  CHECK(observed & ZX_CHANNEL_READABLE);
  CHECK_OK(zx_channel_read(b, 0, buf, nullptr, sizeof(buf), 0, &nb, &nh));
  CHECK_EQ(nb, 3);
  CHECK_EQ(zx_channel_read(b, 0, buf, nullptr, sizeof(buf), 0, &nb, &nh), ZX_ERR_PEER_CLOSED);
  CHECK_EQ(zx_channel_write(b, 0, "x", 1, nullptr, 0), ZX_ERR_PEER_CLOSED);
  CHECK_OK(zx_handle_close(b));
}

// ---- bad user pointers --------------------------------------------------------------------------
void test_bad_pointers() {
  auto* kernel_ptr = reinterpret_cast<void*>(kKernelAddr);
  zx_handle_t vmo, a, b;
  CHECK_OK(zx_vmo_create(kPage, 0, &vmo));
  CHECK_EQ(zx_vmo_get_size(vmo, nullptr), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmo_get_size(vmo, static_cast<uint64_t*>(kernel_ptr)), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_event_create(0, nullptr), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_event_create(0, static_cast<zx_handle_t*>(kernel_ptr)), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_debug_write(static_cast<const char*>(kernel_ptr), 4), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_debug_write(nullptr, 4), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmo_read(vmo, kernel_ptr, 0, 16), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmo_write(vmo, kernel_ptr, 0, 16), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmo_read(vmo, nullptr, 0, 16), ZX_ERR_INVALID_ARGS);
  // A range that wraps around the address space.
  CHECK_EQ(zx_vmo_read(vmo, reinterpret_cast<void*>(~uintptr_t{0} - 7), 0, 16),
           ZX_ERR_INVALID_ARGS);

  // An address that was mapped and is not any more.
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, kPage,
                       &addr));
  auto* page = reinterpret_cast<char*>(addr);
  // Unaligned but valid: user copies take any alignment.
  CHECK_OK(zx_vmo_get_size(vmo, reinterpret_cast<uint64_t*>(page + 3)));
  uint64_t size;
  memcpy(&size, page + 3, sizeof(size));
  CHECK_EQ(size, kPage);
  // The same pointer once the page is unmapped.
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, kPage));
  CHECK_EQ(zx_vmo_get_size(vmo, reinterpret_cast<uint64_t*>(page + 3)), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmo_write(vmo, page, 0, 8), ZX_ERR_INVALID_ARGS);

  CHECK_EQ(zx_channel_create(0, nullptr, &b), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_channel_create(0, &a, &b));
  CHECK_EQ(zx_channel_write(a, 0, kernel_ptr, 4, nullptr, 0), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_channel_write(a, 0, "x", 1, static_cast<zx_handle_t*>(kernel_ptr), 1),
           ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_channel_write(a, 0, "ok", 2, nullptr, 0));
  uint32_t nb;
  CHECK_EQ(zx_channel_read(b, 0, kernel_ptr, nullptr, 16, 0, &nb, nullptr), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_object_get_info(vmo, ZX_INFO_HANDLE_BASIC, kernel_ptr, sizeof(zx_info_handle_basic_t),
                              nullptr, nullptr),
           ZX_ERR_INVALID_ARGS);
  zx_handle_t all[3] = {vmo, a, b};
  CHECK_OK(zx_handle_close_many(all, 3));
}

// ---- processes --------------------------------------------------------------------------------
void test_process_exit_codes() {
  int64_t code = -99;
  zx_info_process_t info;
  const char* t[] = {"true"};
  CHECK_OK(run("true", 1, t, &code, &info));
  CHECK_EQ(code, 0);
  CHECK_EQ(info.flags & (ZX_INFO_PROCESS_FLAG_STARTED | ZX_INFO_PROCESS_FLAG_EXITED),
           ZX_INFO_PROCESS_FLAG_STARTED | ZX_INFO_PROCESS_FLAG_EXITED);
  const char* f[] = {"false"};
  CHECK_OK(run("false", 1, f, &code, &info));
  CHECK_EQ(code, 1);
  const char* s[] = {"sleep", "oops"};
  CHECK_OK(run("sleep", 2, s, &code, &info));
  CHECK_EQ(code, 2);  // a usage error: argv reached the child
  CHECK_EQ(launch("no-such-program", 0, nullptr, nullptr, nullptr, 0, nullptr), ZX_ERR_NOT_FOUND);
}

void test_process_kill() {
  const char* argv[] = {"sleep", "100000"};
  zx_handle_t proc;
  CHECK_OK(launch("sleep", 2, argv, nullptr, nullptr, 0, &proc));
  zx_signals_t observed;
  CHECK_EQ(
      zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, zx_deadline_after(ZX_MSEC(20)), &observed),
      ZX_ERR_TIMED_OUT);
  CHECK_OK(zx_task_kill(proc));
  int64_t code = 0;
  CHECK_OK(wait_process(proc, &code));
  CHECK_EQ(code, ZX_TASK_RETCODE_SYSCALL_KILL);
  CHECK_OK(zx_handle_close(proc));
}

void test_process_create_errors() {
  zx_handle_t proc, vmar, thread, e;
  CHECK_EQ(zx_process_create(ZX_HANDLE_INVALID, "p", 1, 1, &proc, &vmar), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_process_create(ZX_HANDLE_INVALID, "p", 1, 0, &proc, &vmar));
  CHECK_OK(zx_thread_create(proc, "t", 1, 0, &thread));
  CHECK_OK(zx_event_create(0, &e));
  CHECK_EQ(zx_process_start(e, thread, 0x1000000, 0x2000000, ZX_HANDLE_INVALID, 0),
           ZX_ERR_WRONG_TYPE);
  CHECK_EQ(zx_process_start(proc, e, 0x1000000, 0x2000000, ZX_HANDLE_INVALID, 0),
           ZX_ERR_WRONG_TYPE);
  CHECK_EQ(zx_process_start(proc, thread, kKernelAddr, 0x2000000, ZX_HANDLE_INVALID, 0),
           ZX_ERR_INVALID_ARGS);
  // A thread of another process cannot start this one.
  zx_handle_t self_thread = zx_thread_self();
  if (self_thread != ZX_HANDLE_INVALID) {
    zx_status_t s = zx_process_start(proc, self_thread, 0x1000000, 0x2000000, ZX_HANDLE_INVALID, 0);
    CHECK(s == ZX_ERR_ACCESS_DENIED || s == ZX_ERR_BAD_STATE);  // foreign thread, or running
  }
  zx_handle_t all[4] = {proc, vmar, thread, e};
  CHECK_OK(zx_handle_close_many(all, 4));
}

// ---- more VM: sparse VMOs, resizing under a mapping, nested VMARs, ASLR ------------------------
void test_vmo_sparse_1tib() {
  constexpr uint64_t kTiB = 1ull << 40;
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(kTiB, 0, &vmo));
  uint64_t size = 0, committed = ~0ull;
  CHECK_OK(zx_vmo_get_size(vmo, &size));
  CHECK_EQ(size, kTiB);
  CHECK_OK(vmo_committed(vmo, &committed));
  CHECK_EQ(committed, 0);
  const uint64_t value = 0x1122334455667788ull;
  CHECK_OK(zx_vmo_write(vmo, &value, kTiB - kPage, sizeof(value)));
  CHECK_OK(vmo_committed(vmo, &committed));
  CHECK_EQ(committed, kPage);  // one page, not a terabyte
  uint64_t back = 0;
  CHECK_OK(zx_vmo_read(vmo, &back, kTiB - kPage, sizeof(back)));
  CHECK_EQ(back, value);
  CHECK_OK(zx_vmo_read(vmo, &back, kTiB / 2, sizeof(back)));  // never written: zero
  CHECK_EQ(back, 0);
  CHECK_EQ(zx_vmo_read(vmo, &back, kTiB - 4, sizeof(back)), ZX_ERR_OUT_OF_RANGE);
  // Reading an untouched page does not commit it.
  CHECK_OK(vmo_committed(vmo, &committed));
  CHECK_EQ(committed, kPage);
  // A 16 MiB window at the end of it, mapped: the written page shows through.
  constexpr uint64_t kWindow = 16ull << 20;
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo,
                       kTiB - kWindow, kWindow, &addr));
  auto* w = reinterpret_cast<volatile uint64_t*>(addr);
  CHECK_EQ(w[(kWindow - kPage) / 8], value);
  w[0] = 7;  // a fresh page through the mapping
  CHECK_OK(zx_vmo_read(vmo, &back, kTiB - kWindow, sizeof(back)));
  CHECK_EQ(back, 7);
  CHECK_OK(vmo_committed(vmo, &committed));
  CHECK_EQ(committed, 2 * kPage);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, kWindow));
  CHECK_OK(zx_handle_close(vmo));
}

void test_vmo_resize_with_mapping() {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(4 * kPage, ZX_VMO_RESIZABLE, &vmo));
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0,
                       4 * kPage, &addr));
  auto* p = reinterpret_cast<volatile char*>(addr);
  for (size_t i = 0; i < 4; i++) p[i * kPage] = static_cast<char>('a' + i);
  uint64_t committed = 0;
  CHECK_OK(vmo_committed(vmo, &committed));
  CHECK_EQ(committed, 4 * kPage);
  // Shrink under the mapping: the cut pages are gone from the VMO.
  CHECK_OK(zx_vmo_set_size(vmo, kPage));
  uint64_t size = 0;
  CHECK_OK(zx_vmo_get_size(vmo, &size));
  CHECK_EQ(size, kPage);
  char c = 0;
  CHECK_EQ(zx_vmo_read(vmo, &c, kPage, 1), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_vmo_read(vmo, &c, 3 * kPage, 1), ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_vmo_write(vmo, &c, 2 * kPage, 1), ZX_ERR_OUT_OF_RANGE);
  CHECK_OK(vmo_committed(vmo, &committed));
  CHECK_EQ(committed, kPage);
  // The part that remains still works through the same mapping, both ways.
  CHECK_EQ(p[0], 'a');
  p[1] = 'b';
  CHECK_OK(zx_vmo_read(vmo, &c, 1, 1));
  CHECK_EQ(c, 'b');
  CHECK_OK(zx_vmo_write(vmo, "z", 2, 1));
  CHECK_EQ(p[2], 'z');
  // Growing again brings back zero pages, not the old contents.
  CHECK_OK(zx_vmo_set_size(vmo, 4 * kPage));
  CHECK_OK(zx_vmo_read(vmo, &c, 2 * kPage, 1));
  CHECK_EQ(c, 0);
  CHECK_EQ(p[3 * kPage], 0);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 4 * kPage));
  CHECK_OK(zx_handle_close(vmo));
}

void test_vmar_nested_destroy() {
  zx_handle_t root = zx_vmar_root_self();
  zx_handle_t sub, vmo;
  zx_vaddr_t base, addr;
  CHECK_OK(zx_vmar_allocate(root, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC,
                            0, 8 * kPage, &sub, &base));
  zx_info_vmar_t info;
  CHECK_OK(zx_object_get_info(sub, ZX_INFO_VMAR, &info, sizeof(info), nullptr, nullptr));
  CHECK_EQ(info.base, base);
  CHECK_EQ(info.len, 8 * kPage);
  CHECK_OK(zx_vmo_create(2 * kPage, 0, &vmo));
  const zx_vm_option_t rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
  CHECK_OK(zx_vmar_map(sub, rw | ZX_VM_SPECIFIC, 2 * kPage, vmo, 0, 2 * kPage, &addr));
  CHECK_EQ(addr, base + 2 * kPage);
  reinterpret_cast<volatile char*>(addr)[0] = 'q';
  // While the region exists the root cannot map over any of it.
  zx_info_vmar_t root_info;
  CHECK_OK(zx_object_get_info(root, ZX_INFO_VMAR, &root_info, sizeof(root_info), nullptr, nullptr));
  const size_t off = base - root_info.base;
  zx_vaddr_t over;
  CHECK_EQ(zx_vmar_map(root, rw | ZX_VM_SPECIFIC, off, vmo, 0, kPage, &over),
           ZX_ERR_ALREADY_EXISTS);
  CHECK_EQ(zx_vmar_map(root, rw | ZX_VM_SPECIFIC, off + 2 * kPage, vmo, 0, kPage, &over),
           ZX_ERR_ALREADY_EXISTS);
  CHECK_OK(zx_vmar_destroy(sub));
  CHECK_EQ(zx_vmar_destroy(sub), ZX_ERR_BAD_STATE);
  CHECK_EQ(zx_vmar_map(sub, rw, 0, vmo, 0, kPage, &addr), ZX_ERR_BAD_STATE);
  zx_handle_t grandchild;
  CHECK_EQ(zx_vmar_allocate(sub, ZX_VM_CAN_MAP_READ, 0, kPage, &grandchild, &addr),
           ZX_ERR_BAD_STATE);
  // The whole range is free again: a SPECIFIC mapping in the root at the old place succeeds.
  CHECK_OK(zx_vmar_map(root, rw | ZX_VM_SPECIFIC, off, vmo, 0, 2 * kPage, &over));
  zx_vaddr_t over2;
  CHECK_OK(zx_vmar_map(root, rw | ZX_VM_SPECIFIC, off + 2 * kPage, vmo, 0, 2 * kPage, &over2));
  CHECK_OK(zx_vmar_map(root, rw | ZX_VM_SPECIFIC, off + 6 * kPage, vmo, 0, 2 * kPage, &over2));
  CHECK_OK(zx_vmar_unmap(root, over + 2 * kPage, 6 * kPage));  // both, and the hole between
  CHECK_EQ(over, base);
  auto* p = reinterpret_cast<volatile char*>(over);
  CHECK_EQ(p[0], 'q');  // the same VMO page, now through the root
  CHECK_OK(zx_vmar_unmap(root, over, 2 * kPage));
  zx_handle_t both[2] = {sub, vmo};
  CHECK_OK(zx_handle_close_many(both, 2));
}

void test_aslr_spread() {
  constexpr int kMaps = 16;
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(kPage, 0, &vmo));
  zx_vaddr_t addrs[kMaps];
  int mapped = 0;
  zx_status_t s = ZX_OK;
  for (; mapped < kMaps; mapped++) {
    s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, kPage, &addrs[mapped]);
    if (s != ZX_OK) break;
  }
  zx_vaddr_t lo = ~zx_vaddr_t{0}, hi = 0;
  bool distinct = true;
  for (int i = 0; i < mapped; i++) {
    if (addrs[i] < lo) lo = addrs[i];
    if (addrs[i] > hi) hi = addrs[i];
    for (int j = 0; j < i; j++) distinct = distinct && addrs[i] != addrs[j];
  }
  for (int i = 0; i < mapped; i++) zx_vmar_unmap(zx_vmar_root_self(), addrs[i], kPage);
  CHECK_OK(zx_handle_close(vmo));
  CHECK_OK(s);
  CHECK(distinct);
  CHECK(hi - lo > (1ull << 30));
}

// ---- threads ------------------------------------------------------------------------------------
// Several threads of this process store into the same fresh (never touched) pages at once, so
// their page faults race on the same VMO pages.
constexpr int kRaceThreads = 4;
constexpr size_t kRacePages = 16;
constexpr size_t kRaceStack = 4 * kPage;

struct RaceArgs {
  volatile uint64_t* pages;  // kRacePages fresh pages, shared
  volatile uint32_t* go;     // the start flag
  int id;
};

[[noreturn]] void race_thread(uintptr_t arg1, uintptr_t) {
  auto* a = reinterpret_cast<RaceArgs*>(arg1);
  while (*a->go == 0) {
  }
  // Every thread writes its own slot in every page: word `id` of page i = id * 1000 + i.
  for (size_t i = 0; i < kRacePages; i++) {
    a->pages[i * (kPage / 8) + static_cast<size_t>(a->id)] =
        static_cast<uint64_t>(a->id) * 1000 + i;
  }
  zx_thread_exit();
}

// A thread on another hart keeps reading a page of a copy-on-write child, which it shares with the
// parent, while this thread writes to the child: the child gets a page of its own, and the
// reader's translation of the shared page must go from every hart (a shootdown that skipped the
// reader's hart would leave it reading the old value forever).
struct CowReaderArgs {
  volatile uint64_t* p;
  volatile uint32_t* stop;
  volatile uint64_t* reads;
};
[[noreturn]] void cow_reader(uintptr_t arg, uintptr_t) {
  auto* a = reinterpret_cast<CowReaderArgs*>(arg);
  while (!*a->stop) {
    if (*a->p == 2) break;
    *a->reads = *a->reads + 1;
  }
  *a->stop = 2;  // saw the child's own page
  zx_thread_exit();
}

void test_tlb_cow_seen_by_other_hart() {
  zx_handle_t root = zx_vmar_root_self();
  zx_handle_t parent, child, stack_vmo, thread;
  zx_vaddr_t addr, stack;
  CHECK_OK(zx_vmo_create(kPage, 0, &parent));
  uint64_t v1 = 1, v2 = 2;
  CHECK_OK(zx_vmo_write(parent, &v1, 0, sizeof(v1)));
  CHECK_OK(zx_vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &child));
  CHECK_OK(zx_vmar_map(root, ZX_VM_PERM_READ, 0, child, 0, kPage, &addr));
  CHECK_OK(zx_vmo_create(16 * kPage, 0, &stack_vmo));
  CHECK_OK(
      zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, stack_vmo, 0, 16 * kPage, &stack));
  static volatile uint32_t stop;
  static volatile uint64_t reads;
  stop = 0;
  reads = 0;
  CowReaderArgs args{reinterpret_cast<volatile uint64_t*>(addr), &stop, &reads};
  CHECK_OK(zx_thread_create(zx_process_self(), "cowread", 7, 0, &thread));
  CHECK_OK(zx_thread_start(thread, reinterpret_cast<zx_vaddr_t>(cow_reader), stack + 16 * kPage,
                           reinterpret_cast<uintptr_t>(&args), 0));
  // Let it load the translation (on another hart, when there is one), then break the sharing.
  for (int i = 0; i < 1000 && reads < 1000; i++) zx_nanosleep(zx_deadline_after(ZX_MSEC(1)));
  CHECK(reads >= 1000);
  CHECK_OK(zx_vmo_write(child, &v2, 0, sizeof(v2)));
  zx_signals_t observed = 0;
  zx_status_t s =
      zx_object_wait_one(thread, ZX_THREAD_TERMINATED, zx_deadline_after(ZX_SEC(5)), &observed);
  if (s != ZX_OK) {
    stop = 1;  // release it if it is stuck on the old page
    zx_object_wait_one(thread, ZX_THREAD_TERMINATED, zx_deadline_after(ZX_SEC(5)), &observed);
  }
  CHECK_OK(s);
  CHECK_EQ(stop, 2u);
  uint64_t in_parent = 0;
  CHECK_OK(zx_vmo_read(parent, &in_parent, 0, sizeof(in_parent)));
  CHECK_EQ(in_parent, 1u);
  zx_handle_close(thread);
  zx_vmar_unmap(root, stack, 16 * kPage);
  zx_vmar_unmap(root, addr, kPage);
  zx_handle_close(parent);
  zx_handle_close(child);
  zx_handle_close(stack_vmo);
}

void test_thread_fault_race() {
  zx_handle_t root = zx_vmar_root_self();
  zx_handle_t data_vmo, stack_vmo;
  zx_vaddr_t data, stacks;
  CHECK_OK(zx_vmo_create(kRacePages * kPage, 0, &data_vmo));
  CHECK_OK(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, data_vmo, 0, kRacePages * kPage,
                       &data));
  CHECK_OK(zx_vmo_create(kRaceThreads * kRaceStack, 0, &stack_vmo));
  CHECK_OK(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, stack_vmo, 0,
                       kRaceThreads * kRaceStack, &stacks));
  static volatile uint32_t go;
  go = 0;
  RaceArgs args[kRaceThreads];
  zx_handle_t threads[kRaceThreads];
  int created = 0;
  zx_status_t s = ZX_OK;
  for (; created < kRaceThreads; created++) {
    args[created] = {reinterpret_cast<volatile uint64_t*>(data), &go, created};
    s = zx_thread_create(zx_process_self(), "race", 4, 0, &threads[created]);
    if (s != ZX_OK) break;
    zx_vaddr_t sp = stacks + (static_cast<size_t>(created) + 1) * kRaceStack;
    s = zx_thread_start(threads[created], reinterpret_cast<zx_vaddr_t>(race_thread), sp,
                        reinterpret_cast<uintptr_t>(&args[created]), 0);
    if (s != ZX_OK) {
      zx_handle_close(threads[created]);
      break;
    }
  }
  go = 1;  // release them together (those that started)
  int terminated = 0;
  for (int i = 0; i < created; i++) {
    zx_signals_t observed = 0;
    if (zx_object_wait_one(threads[i], ZX_THREAD_TERMINATED, zx_deadline_after(ZX_SEC(10)),
                           &observed) == ZX_OK &&
        (observed & ZX_THREAD_TERMINATED)) {
      terminated++;
    }
    zx_handle_close(threads[i]);
  }
  CHECK_OK(s);
  CHECK_EQ(created, kRaceThreads);
  CHECK_EQ(terminated, kRaceThreads);
  auto* w = reinterpret_cast<volatile uint64_t*>(data);
  for (size_t i = 0; i < kRacePages; i++) {
    for (size_t id = 0; id < kRaceThreads; id++) CHECK_EQ(w[i * (kPage / 8) + id], id * 1000 + i);
    for (size_t k = kRaceThreads; k < kPage / 8; k++) CHECK_EQ(w[i * (kPage / 8) + k], 0);
  }
  // Every page was committed exactly once: the VMO agrees with what the threads wrote.
  uint64_t committed = 0;
  CHECK_OK(vmo_committed(data_vmo, &committed));
  CHECK_EQ(committed, kRacePages * kPage);
  uint64_t v = 0;
  CHECK_OK(zx_vmo_read(data_vmo, &v, (kRacePages - 1) * kPage + 3 * 8, sizeof(v)));
  CHECK_EQ(v, 3 * 1000 + kRacePages - 1);
  CHECK_OK(zx_vmar_unmap(root, data, kRacePages * kPage));
  CHECK_OK(zx_vmar_unmap(root, stacks, kRaceThreads * kRaceStack));
  zx_handle_t both[2] = {data_vmo, stack_vmo};
  CHECK_OK(zx_handle_close_many(both, 2));
}

// Snapshots are isolated both ways; slices share everything with their parent.
void test_vmo_children() {
  zx_handle_t parent, snap, slice;
  CHECK_OK(zx_vmo_create(4 * kPage, 0, &parent));
  uint64_t a = 0xA, v = 0;
  CHECK_OK(zx_vmo_write(parent, &a, 0, sizeof(a)));
  CHECK_OK(zx_vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, 4 * kPage, &snap));
  CHECK_OK(zx_vmo_read(snap, &v, 0, sizeof(v)));
  CHECK_EQ(v, 0xAu);
  uint64_t b = 0xB, c = 0xC;
  CHECK_OK(zx_vmo_write(snap, &b, 0, sizeof(b)));  // the child's write stays in the child
  CHECK_OK(zx_vmo_read(parent, &v, 0, sizeof(v)));
  CHECK_EQ(v, 0xAu);
  CHECK_OK(zx_vmo_write(parent, &c, kPage, sizeof(c)));  // and the parent's in the parent
  CHECK_OK(zx_vmo_read(snap, &v, kPage, sizeof(v)));
  CHECK_EQ(v, 0u);
  // Through mappings too: the child mapped writable sees its own copy.
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, snap, 0,
                       4 * kPage, &addr));
  volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(addr);
  CHECK_EQ(p[0], 0xBu);
  p[0] = 0xD;
  CHECK_OK(zx_vmo_read(parent, &v, 0, sizeof(v)));
  CHECK_EQ(v, 0xAu);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 4 * kPage));
  // A slice is a window: writes through it land in the parent.
  CHECK_EQ(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE, kPage, 8 * kPage, &slice),
           ZX_ERR_OUT_OF_RANGE);
  CHECK_EQ(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_RESIZABLE, kPage, kPage,
                               &slice),
           ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE, kPage, 2 * kPage, &slice));
  CHECK_OK(zx_vmo_read(slice, &v, 0, sizeof(v)));
  CHECK_EQ(v, 0xCu);
  CHECK_OK(zx_vmo_write(slice, &a, kPage, sizeof(a)));
  CHECK_OK(zx_vmo_read(parent, &v, 2 * kPage, sizeof(v)));
  CHECK_EQ(v, 0xAu);
  // A read-only child handle cannot write; bad options are refused.
  zx_handle_t ro;
  CHECK_OK(
      zx_vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_NO_WRITE, 0, kPage, &ro));
  CHECK_EQ(zx_vmo_write(ro, &a, 0, sizeof(a)), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_SLICE, 0, kPage, &ro),
           ZX_ERR_INVALID_ARGS);
  zx_handle_t all[4] = {parent, snap, slice, ro};
  CHECK_OK(zx_handle_close_many(all, 4));
}

void test_port_queue_wait() {
  zx_handle_t port, e;
  CHECK_OK(zx_port_create(0, &port));
  CHECK_EQ(zx_port_create(2, &e), ZX_ERR_INVALID_ARGS);
  zx_port_packet_t in = {};
  in.key = 7;
  in.type = 0x55;  // ignored: it becomes ZX_PKT_TYPE_USER
  in.status = -3;
  in.user.u64[0] = 0x1234;
  CHECK_OK(zx_port_queue(port, &in));
  zx_port_packet_t out = {};
  CHECK_OK(zx_port_wait(port, ZX_TIME_INFINITE, &out));
  CHECK_EQ(out.key, 7u);
  CHECK_EQ(out.type, ZX_PKT_TYPE_USER);
  CHECK_EQ(out.status, -3);
  CHECK_EQ(out.user.u64[0], 0x1234u);
  CHECK_EQ(zx_port_wait(port, zx_deadline_after(ZX_MSEC(2)), &out), ZX_ERR_TIMED_OUT);
  CHECK_EQ(zx_port_queue(port, nullptr), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_port_wait(port, 0, reinterpret_cast<zx_port_packet_t*>(0xffffffc000000000ull)),
           ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_event_create(0, &e));
  CHECK_EQ(zx_port_queue(e, &in), ZX_ERR_WRONG_TYPE);
  zx_handle_t ro;
  CHECK_OK(zx_handle_duplicate(port, ZX_RIGHT_READ, &ro));
  CHECK_EQ(zx_port_queue(ro, &in), ZX_ERR_ACCESS_DENIED);
  zx_handle_t all[3] = {port, e, ro};
  CHECK_OK(zx_handle_close_many(all, 3));
}

void test_port_wait_async() {
  zx_handle_t port, e;
  CHECK_OK(zx_port_create(0, &port));
  CHECK_OK(zx_event_create(0, &e));
  zx_port_packet_t out;
  // Level: nothing active yet, so nothing until the signal comes.
  CHECK_OK(zx_object_wait_async(e, port, 1, ZX_EVENT_SIGNALED, 0));
  CHECK_EQ(zx_port_wait(port, zx_deadline_after(ZX_MSEC(2)), &out), ZX_ERR_TIMED_OUT);
  CHECK_OK(zx_object_signal(e, 0, ZX_EVENT_SIGNALED));
  CHECK_OK(zx_port_wait(port, ZX_TIME_INFINITE, &out));
  CHECK_EQ(out.key, 1u);
  CHECK_EQ(out.type, ZX_PKT_TYPE_SIGNAL_ONE);
  CHECK_EQ(out.signal.trigger, ZX_EVENT_SIGNALED);
  CHECK(out.signal.observed & ZX_EVENT_SIGNALED);
  CHECK_EQ(out.signal.count, 1u);
  // Once: no second packet for the same wait.
  CHECK_OK(zx_object_signal(e, ZX_EVENT_SIGNALED, 0));
  CHECK_OK(zx_object_signal(e, 0, ZX_EVENT_SIGNALED));
  CHECK_EQ(zx_port_wait(port, zx_deadline_after(ZX_MSEC(2)), &out), ZX_ERR_TIMED_OUT);
  // Level with the signal already active: at once.
  CHECK_OK(zx_object_wait_async(e, port, 2, ZX_EVENT_SIGNALED, 0));
  CHECK_OK(zx_port_wait(port, 0, &out));
  CHECK_EQ(out.key, 2u);
  // Edge: an active signal does not count; a new rising edge does.
  CHECK_OK(zx_object_wait_async(e, port, 3, ZX_EVENT_SIGNALED, ZX_WAIT_ASYNC_EDGE));
  CHECK_EQ(zx_port_wait(port, zx_deadline_after(ZX_MSEC(2)), &out), ZX_ERR_TIMED_OUT);
  CHECK_OK(zx_object_signal(e, ZX_EVENT_SIGNALED, 0));
  CHECK_OK(zx_object_signal(e, 0, ZX_EVENT_SIGNALED));
  CHECK_OK(zx_port_wait(port, 0, &out));
  CHECK_EQ(out.key, 3u);
  // Cancel: the wait goes away and so does a packet not yet read.
  CHECK_OK(zx_object_signal(e, ZX_EVENT_SIGNALED, 0));
  CHECK_OK(zx_object_wait_async(e, port, 4, ZX_EVENT_SIGNALED, 0));
  CHECK_OK(zx_port_cancel(port, e, 4));
  CHECK_EQ(zx_port_cancel(port, e, 4), ZX_ERR_NOT_FOUND);
  CHECK_OK(zx_object_signal(e, 0, ZX_EVENT_SIGNALED));
  CHECK_EQ(zx_port_wait(port, zx_deadline_after(ZX_MSEC(2)), &out), ZX_ERR_TIMED_OUT);
  CHECK_OK(zx_object_wait_async(e, port, 5, ZX_EVENT_SIGNALED, 0));  // queued at once
  CHECK_OK(zx_handle_close(e));  // closing the handle withdraws it
  CHECK_EQ(zx_port_wait(port, zx_deadline_after(ZX_MSEC(2)), &out), ZX_ERR_TIMED_OUT);
  CHECK_OK(zx_event_create(0, &e));
  CHECK_EQ(zx_object_wait_async(e, port, 6, ZX_EVENT_SIGNALED, 0x80), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_object_wait_async(port, port, 6, 1, 0), ZX_ERR_ACCESS_DENIED);  // ports: no WAIT
  CHECK_OK(zx_handle_close(e));
  CHECK_OK(zx_handle_close(port));
}

// The other end of a channel for test_channel_call: answers one call and exits.
[[noreturn]] void call_server(uintptr_t arg1, uintptr_t) {
  zx_handle_t ch = static_cast<zx_handle_t>(arg1);
  zx_signals_t seen;
  zx_object_wait_one(ch, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE, &seen);
  uint8_t buf[64];
  uint32_t n = 0, nh = 0;
  if (zx_channel_read(ch, 0, buf, nullptr, sizeof(buf), 0, &n, &nh) == ZX_OK && n >= 4) {
    // An unrelated message first: the caller must not take it as its reply.
    uint8_t other[8] = {1, 2, 3, 4, 'x', 'x', 'x', 'x'};
    zx_channel_write(ch, 0, other, sizeof(other), nullptr, 0);
    buf[4] = 'o';
    buf[5] = 'k';
    zx_channel_write(ch, 0, buf, 6, nullptr, 0);
  }
  zx_thread_exit();
}

void test_channel_call() {
  zx_handle_t a, b;
  CHECK_OK(zx_channel_create(0, &a, &b));
  static Helper server;
  server = Helper{};
  CHECK_OK(helper_start(&server, "server", call_server, b, 0));
  uint8_t req[5] = {0, 0, 0, 0, 'q'};
  uint8_t reply[16] = {};
  zx_channel_call_args_t args = {req, nullptr, reply, nullptr, sizeof(req), 0, sizeof(reply), 0};
  uint32_t n = 0, nh = 0;
  CHECK_OK(zx_channel_call(a, 0, zx_deadline_after(ZX_SEC(5)), &args, &n, &nh));
  CHECK_EQ(n, 6u);
  CHECK_EQ(nh, 0u);
  CHECK_EQ(reply[4], 'o');
  CHECK_EQ(reply[5], 'k');
  CHECK(reply[3] & 0x80);  // the kernel's transaction id
  // The unrelated message waits for an ordinary read.
  uint8_t other[8];
  CHECK_OK(zx_channel_read(a, 0, other, nullptr, sizeof(other), 0, &n, &nh));
  CHECK_EQ(other[4], 'x');
  CHECK_OK(helper_join(&server));
  // No peer: the call fails at once; too short a message is refused.
  CHECK_OK(zx_handle_close(b));
  CHECK_EQ(zx_channel_call(a, 0, ZX_TIME_INFINITE, &args, &n, &nh), ZX_ERR_PEER_CLOSED);
  args.wr_num_bytes = 2;
  CHECK_EQ(zx_channel_call(a, 0, ZX_TIME_INFINITE, &args, &n, &nh), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_handle_close(a));
}

// A caller blocked in zx_channel_call whose channel loses its last handle (closed by another
// thread) is told ZX_ERR_CANCELED, as in Zircon; PEER_CLOSED is for the other end going away.
struct CallResult {
  zx_handle_t ch;
  zx_status_t status;
};

[[noreturn]] void blocked_caller(uintptr_t arg1, uintptr_t) {
  auto* r = reinterpret_cast<CallResult*>(arg1);
  uint8_t req[8] = {};
  uint8_t reply[8];
  zx_channel_call_args_t args = {req, nullptr, reply, nullptr, sizeof(req), 0, sizeof(reply), 0};
  uint32_t n, nh;
  r->status = zx_channel_call(r->ch, 0, ZX_TIME_INFINITE, &args, &n, &nh);
  zx_thread_exit();
}

void test_channel_call_canceled() {
  zx_handle_t a, b;
  CHECK_OK(zx_channel_create(0, &a, &b));
  static CallResult r;
  r = CallResult{a, ZX_ERR_INTERNAL};
  static Helper caller;
  caller = Helper{};
  CHECK_OK(helper_start(&caller, "caller", blocked_caller, reinterpret_cast<uintptr_t>(&r), 0));
  // The request reached b, so the caller waits for its reply (it registers before writing).
  CHECK_OK(zx_object_wait_one(b, ZX_CHANNEL_READABLE, zx_deadline_after(ZX_SEC(10)), nullptr));
  CHECK_OK(zx_handle_close(a));
  CHECK_OK(helper_join(&caller));
  CHECK_EQ(r.status, ZX_ERR_CANCELED);
  // The peer saw its peer go; the request is still there to read.
  zx_signals_t seen = 0;
  CHECK_OK(zx_object_wait_one(b, ZX_CHANNEL_PEER_CLOSED, 0, &seen));
  CHECK_OK(zx_handle_close(b));
}

// zx_channel_write's handle rules (its reference page): a handle named twice is
// ZX_ERR_BAD_HANDLE, and every handle named is consumed whatever the outcome.
void test_channel_write_handle_rules() {
  zx_handle_t a, b, e1, e2;
  CHECK_OK(zx_channel_create(0, &a, &b));
  CHECK_OK(zx_event_create(0, &e1));
  CHECK_OK(zx_event_create(0, &e2));
  zx_handle_t twice[3] = {e1, e2, e1};
  CHECK_EQ(zx_channel_write(a, 0, "x", 1, twice, 3), ZX_ERR_BAD_HANDLE);
  CHECK(!handle_valid(e1));
  CHECK(!handle_valid(e2));
  uint8_t buf[4];
  uint32_t n, nh;
  CHECK_EQ(zx_channel_read(b, 0, buf, nullptr, sizeof(buf), 0, &n, &nh), ZX_ERR_SHOULD_WAIT);
  // An invalid handle among valid ones: BAD_HANDLE, and the valid ones are gone too.
  CHECK_OK(zx_event_create(0, &e1));
  zx_handle_t bad[2] = {e1, e1 ^ 0x40};
  CHECK_EQ(zx_channel_write(a, 0, nullptr, 0, bad, 2), ZX_ERR_BAD_HANDLE);
  CHECK(!handle_valid(e1));
  // The channel itself among them: NOT_SUPPORTED; the others are consumed, the channel not.
  CHECK_OK(zx_event_create(0, &e1));
  zx_handle_t self[2] = {e1, a};
  CHECK_EQ(zx_channel_write(a, 0, nullptr, 0, self, 2), ZX_ERR_NOT_SUPPORTED);
  CHECK(!handle_valid(e1));
  CHECK(handle_valid(a));
  // A closed peer: PEER_CLOSED, and the handle is consumed all the same.
  CHECK_OK(zx_handle_close(b));
  CHECK_OK(zx_event_create(0, &e1));
  CHECK_EQ(zx_channel_write(a, 0, nullptr, 0, &e1, 1), ZX_ERR_PEER_CLOSED);
  CHECK(!handle_valid(e1));
  CHECK_OK(zx_handle_close(a));
}

// ZX_VMO_OP_COMMIT (and ZX_VMAR_OP_COMMIT over a mapping) on a snapshot-at-least-on-write child
// of a pager-backed VMO: the parent's missing pages are asked of the pager and the commit
// succeeds (it returned the internal ZX_ERR_NEXT once, having asked for nothing).
struct CommitPager {
  zx_handle_t pager, port, vmo;
  int supplied;
};

[[noreturn]] void commit_pager_server(uintptr_t arg1, uintptr_t) {
  auto* a = reinterpret_cast<CommitPager*>(arg1);
  zx_port_packet_t p;
  while (zx_port_wait(a->port, zx_deadline_after(ZX_SEC(10)), &p) == ZX_OK) {
    if (p.type == ZX_PKT_TYPE_USER) break;  // the test is done
    if (p.type != ZX_PKT_TYPE_PAGE_REQUEST || p.page_request.command != ZX_PAGER_VMO_READ) continue;
    for (uint64_t o = p.page_request.offset; o < p.page_request.offset + p.page_request.length;
         o += kPage) {
      zx_handle_t aux;
      if (zx_vmo_create(kPage, 0, &aux) != ZX_OK) continue;
      static char page[kPage];
      memset(page, 'P' + static_cast<int>(o / kPage), sizeof(page));
      zx_vmo_write(aux, page, 0, sizeof(page));
      if (zx_pager_supply_pages(a->pager, a->vmo, o, kPage, aux, 0) == ZX_OK) a->supplied++;
      zx_handle_close(aux);
    }
  }
  zx_thread_exit();
}

void test_vmo_commit_pager_clone() {
  static CommitPager cp;
  cp = CommitPager{};
  CHECK_OK(zx_pager_create(0, &cp.pager));
  CHECK_OK(zx_port_create(0, &cp.port));
  CHECK_OK(zx_pager_create_vmo(cp.pager, 0, cp.port, 9, 2 * kPage, &cp.vmo));
  zx_handle_t child, child2;
  CHECK_OK(
      zx_vmo_create_child(cp.vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, 2 * kPage, &child));
  CHECK_OK(
      zx_vmo_create_child(cp.vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, 2 * kPage, &child2));
  static Helper server;
  server = Helper{};
  CHECK_OK(
      helper_start(&server, "pager", commit_pager_server, reinterpret_cast<uintptr_t>(&cp), 0));
  CHECK_OK(zx_vmo_op_range(child, ZX_VMO_OP_COMMIT, 0, 2 * kPage, nullptr, 0));
  uint64_t committed = 0;
  CHECK_OK(testing::vmo_committed(cp.vmo, &committed));
  CHECK_EQ(committed, 2 * kPage);  // the pager was asked for both pages, and supplied them
  char c = 0;
  CHECK_OK(zx_vmo_read(child, &c, kPage + 5, 1));
  CHECK_EQ(c, 'Q');
  // Through a VMAR: the second child, mapped; its pages are the parent's (present now).
  zx_vaddr_t va;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, child2, 0,
                       2 * kPage, &va));
  CHECK_OK(zx_vmar_op_range(zx_vmar_root_self(), ZX_VMAR_OP_COMMIT, va, 2 * kPage, nullptr, 0));
  CHECK_EQ(*reinterpret_cast<volatile char*>(va), 'P');
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), va, 2 * kPage));
  zx_port_packet_t done{};
  CHECK_OK(zx_port_queue(cp.port, &done));
  CHECK_OK(helper_join(&server));
  zx_handle_t all[5] = {child, child2, cp.vmo, cp.pager, cp.port};
  CHECK_OK(zx_handle_close_many(all, 5));
}

// Every object reports the type and first-handle rights of the ABI description
// (kernel/abi.table): the kernel and these headers are generated from the same lines. A VMAR
// used to report 16 (Fuchsia's EVENTPAIR) while <zircon/types.h> said 18.
void test_abi_object_types() {
  struct Case {
    const char* what;
    zx_handle_t h;
    zx_obj_type_t type;
    zx_rights_t rights;  // 0: not a fresh handle, rights not checked
  };
  zx_handle_t vmo, ch0, ch1, ev, port, pager, sub;
  uintptr_t sub_addr;
  CHECK_OK(zx_vmo_create(kPage, 0, &vmo));
  CHECK_OK(zx_channel_create(0, &ch0, &ch1));
  CHECK_OK(zx_event_create(0, &ev));
  CHECK_OK(zx_port_create(0, &port));
  CHECK_OK(zx_pager_create(0, &pager));
  CHECK_OK(
      zx_vmar_allocate(zx_vmar_root_self(), ZX_VM_CAN_MAP_READ, 0, 4 * kPage, &sub, &sub_addr));
  const Case cases[] = {
      {"process", zx_process_self(), ZX_OBJ_TYPE_PROCESS, 0},
      {"thread", zx_thread_self(), ZX_OBJ_TYPE_THREAD, 0},
      {"root vmar", zx_vmar_root_self(), ZX_OBJ_TYPE_VMAR, 0},
      {"sub-vmar", sub, ZX_OBJ_TYPE_VMAR, 0},
      {"vmo", vmo, ZX_OBJ_TYPE_VMO, ZX_DEFAULT_VMO_RIGHTS},
      {"channel", ch0, ZX_OBJ_TYPE_CHANNEL, ZX_DEFAULT_CHANNEL_RIGHTS},
      {"event", ev, ZX_OBJ_TYPE_EVENT, ZX_DEFAULT_EVENT_RIGHTS},
      {"port", port, ZX_OBJ_TYPE_PORT, ZX_DEFAULT_PORT_RIGHTS},
      {"pager", pager, ZX_OBJ_TYPE_PAGER, ZX_DEFAULT_PAGER_RIGHTS},
  };
  for (const Case& c : cases) {
    zx_info_handle_basic_t info;
    CHECK_OK(zx_object_get_info(c.h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), nullptr, nullptr));
    if (info.type != c.type) {
      printf("  %s: type %u, the ABI says %u\n", c.what, info.type, c.type);
      CHECK_EQ(info.type, c.type);
    }
    if (c.rights) CHECK_EQ(info.rights, c.rights);
  }
  zx_handle_t job = zx_job_default();
  if (job != ZX_HANDLE_INVALID) {
    zx_info_handle_basic_t info;
    CHECK_OK(zx_object_get_info(job, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), nullptr, nullptr));
    CHECK_EQ(info.type, ZX_OBJ_TYPE_JOB);
  }
  CHECK_OK(zx_vmar_destroy(sub));
  zx_handle_t all[7] = {vmo, ch0, ch1, ev, port, pager, sub};
  CHECK_OK(zx_handle_close_many(all, 7));
}

// ZX_INFO_PROCESS_KERNEL_CHARGES (an extension): what this process makes the kernel hold, given
// back when read; refused without ZX_RIGHT_INSPECT or on anything but a process.
void test_kernel_charges_info() {
  zx_info_kernel_charges_t c;
  size_t actual = 0, avail = 0;
  CHECK_OK(zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_KERNEL_CHARGES, &c, sizeof(c),
                              &actual, &avail));
  CHECK_EQ(actual, 1u);
  CHECK_EQ(avail, 1u);
  uint64_t base = c.charged_bytes, msgs = c.messages;
  CHECK_EQ(c.budget_bytes, 8u << 20);
  zx_handle_t a, b, port, ev;
  CHECK_OK(zx_channel_create(0, &a, &b));
  CHECK_OK(zx_port_create(0, &port));
  CHECK_OK(zx_event_create(0, &ev));
  CHECK_OK(zx_channel_write(a, 0, "hello", 5, nullptr, 0));
  zx_port_packet_t pk{};
  CHECK_OK(zx_port_queue(port, &pk));
  CHECK_OK(zx_object_wait_async(ev, port, 1, ZX_USER_SIGNAL_0, 0));
  CHECK_OK(zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_KERNEL_CHARGES, &c, sizeof(c),
                              nullptr, nullptr));
  CHECK_EQ(c.messages, msgs + 1);
  CHECK(c.message_bytes >= 5);
  CHECK(c.packets >= 1);
  CHECK(c.observers >= 1);
  CHECK(c.charged_bytes > base);
  CHECK_OK(zx_handle_close(b));     // drops the message
  CHECK_OK(zx_handle_close(port));  // drops the packet and the wait
  CHECK_OK(zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_KERNEL_CHARGES, &c, sizeof(c),
                              nullptr, nullptr));
  CHECK_EQ(c.charged_bytes, base);
  // Refusals: too small a buffer, no ZX_RIGHT_INSPECT, not a process.
  CHECK_EQ(
      zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_KERNEL_CHARGES, &c, 8, &actual, &avail),
      ZX_ERR_BUFFER_TOO_SMALL);
  zx_handle_t weak;
  CHECK_OK(zx_handle_duplicate(zx_process_self(), ZX_RIGHT_WAIT, &weak));
  CHECK_EQ(
      zx_object_get_info(weak, ZX_INFO_PROCESS_KERNEL_CHARGES, &c, sizeof(c), nullptr, nullptr),
      ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(zx_object_get_info(a, ZX_INFO_PROCESS_KERNEL_CHARGES, &c, sizeof(c), nullptr, nullptr),
           ZX_ERR_WRONG_TYPE);
  zx_handle_t all[3] = {weak, a, ev};
  CHECK_OK(zx_handle_close_many(all, 3));
}

void test_process_kill_blocked() {
  const char* argv[] = {"block"};
  zx_handle_t proc;
  CHECK_OK(launch("block", 1, argv, nullptr, nullptr, 0, &proc));
  // It is blocked in zx_object_wait_one for good: still running after a while.
  zx_signals_t observed = 0;
  CHECK_EQ(
      zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, zx_deadline_after(ZX_MSEC(50)), &observed),
      ZX_ERR_TIMED_OUT);
  zx_info_process_t info;
  CHECK_OK(zx_object_get_info(proc, ZX_INFO_PROCESS, &info, sizeof(info), nullptr, nullptr));
  CHECK_EQ(info.flags & (ZX_INFO_PROCESS_FLAG_STARTED | ZX_INFO_PROCESS_FLAG_EXITED),
           ZX_INFO_PROCESS_FLAG_STARTED);
  CHECK_OK(zx_task_kill(proc));
  CHECK_OK(
      zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, zx_deadline_after(ZX_SEC(10)), &observed));
  CHECK_OK(zx_object_get_info(proc, ZX_INFO_PROCESS, &info, sizeof(info), nullptr, nullptr));
  CHECK(info.flags & ZX_INFO_PROCESS_FLAG_EXITED);
  CHECK_EQ(info.return_code, ZX_TASK_RETCODE_SYSCALL_KILL);
  CHECK_OK(zx_task_kill(proc));  // killing a dead process is not an error
  CHECK_OK(zx_handle_close(proc));
}

// ---- the syscall ABI ----------------------------------------------------------------------------
long raw_syscall(long number) {
  register long t0 asm("t0") = number;
  register long a0 asm("a0") = 0;
  asm volatile("ecall" : "+r"(a0), "+r"(t0) : : "memory", "a1", "a2", "a3", "a4", "a5", "a6", "a7");
  return a0;
}

void test_bad_syscall_number() {
  CHECK_EQ(raw_syscall(9999), ZX_ERR_BAD_SYSCALL);
  CHECK_EQ(raw_syscall(0), ZX_ERR_BAD_SYSCALL);  // 0 is never a syscall
  CHECK_EQ(raw_syscall(-1), ZX_ERR_BAD_SYSCALL);
  CHECK_EQ(raw_syscall(1l << 32 | 1), ZX_ERR_BAD_SYSCALL);  // not zx_handle_close
  CHECK_EQ(raw_syscall(1), ZX_OK);  // the number really is t0: zx_handle_close(0)
}

// ---- the C library ----------------------------------------------------------------------------
void test_libc_heap() {
  char* small[64];
  for (int i = 0; i < 64; i++) {
    small[i] = static_cast<char*>(malloc(static_cast<size_t>(i) * 37 + 1));
    CHECK(small[i] != nullptr);
    CHECK_EQ(reinterpret_cast<uintptr_t>(small[i]) % 16, 0);
    memset(small[i], i, static_cast<size_t>(i) * 37 + 1);
  }
  for (int i = 0; i < 64; i++) {
    CHECK_EQ(small[i][i * 37], static_cast<char>(i));
    free(small[i]);
  }
  char* big = static_cast<char*>(malloc(100000));
  CHECK(big != nullptr);
  big[0] = 1;
  big[99999] = 2;
  big = static_cast<char*>(realloc(big, 300000));
  CHECK(big != nullptr);
  CHECK_EQ(big[0] + big[99999], 3);
  free(big);
  int* z = static_cast<int*>(calloc(1000, sizeof(int)));
  CHECK(z != nullptr);
  for (int i = 0; i < 1000; i++) CHECK_EQ(z[i], 0);
  free(z);
  CHECK(calloc(SIZE_MAX / 2, 4) == nullptr);
  char buf[32];
  CHECK_EQ(snprintf(buf, sizeof(buf), "%d-%s-%04x", -5, "ab", 0x2a), 10);
  CHECK_EQ(strcmp(buf, "-5-ab-002a"), 0);
  CHECK_EQ(strtol("-0x10", nullptr, 0), -16);
  CHECK_EQ(atoi("  42z"), 42);
}

// ---- driver objects: the root resource, device registers, DMA, interrupts --------------------
// This program runs as the first process in tests, so it holds the root resource.
zx_handle_t g_resource = ZX_HANDLE_INVALID;

// Device registers: virtio-mmio slot 0 of QEMU virt, mapped through a physical VMO.
void test_driver_mmio() {
  CHECK(g_resource != ZX_HANDLE_INVALID);
  zx_handle_t vmo, event;
  CHECK_OK(zx_event_create(0, &event));
  CHECK_EQ(zx_vmo_create_physical(event, 0x10001000, kPage, &vmo), ZX_ERR_WRONG_TYPE);
  CHECK_EQ(zx_vmo_create_physical(g_resource, 0x10001004, kPage, &vmo), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmo_create_physical(g_resource, 0x80000000, kPage, &vmo), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_vmo_create_physical(g_resource, 0x10001000, 0, &vmo), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_vmo_create_physical(g_resource, 0x10001000, kPage, &vmo));
  uint32_t word;
  CHECK_EQ(zx_vmo_read(vmo, &word, 0, 4), ZX_ERR_NOT_SUPPORTED);  // registers: map them
  CHECK_EQ(zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, kPage, nullptr, 0), ZX_ERR_NOT_SUPPORTED);
  zx_handle_t child;
  CHECK_EQ(zx_vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, kPage, &child),
           ZX_ERR_NOT_SUPPORTED);
  zx_vaddr_t addr;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, kPage, &addr));
  volatile uint32_t* regs = reinterpret_cast<volatile uint32_t*>(addr);
  CHECK_EQ(regs[0], 0x74726976u);       // "virt": the virtio-mmio magic value
  CHECK(regs[1] == 1 || regs[1] == 2);  // legacy or modern
  CHECK_EQ(regs[3], 0x554d4551u);       // vendor "QEMU"
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, kPage));
  zx_handle_t all[2] = {vmo, event};
  CHECK_OK(zx_handle_close_many(all, 2));
}

// DMA: a dummy IOMMU, a BTI, contiguous memory, pinning and what pinning forbids.
void test_driver_dma() {
  zx_handle_t iommu, bti, contig, vmo, pmt, pmt2, snap;
  zx_iommu_desc_dummy_t desc{};
  CHECK_EQ(zx_iommu_create(g_resource, 7, &desc, sizeof(desc), &iommu), ZX_ERR_NOT_SUPPORTED);
  CHECK_EQ(zx_iommu_create(g_resource, ZX_IOMMU_TYPE_DUMMY, &desc, 0, &iommu), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_iommu_create(g_resource, ZX_IOMMU_TYPE_DUMMY, &desc, sizeof(desc), &iommu));
  CHECK_EQ(zx_bti_create(iommu, 1, 0, &bti), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_bti_create(iommu, 0, 42, &bti));
  // Contiguous: one address for the whole range, and consecutive per-page addresses.
  CHECK_EQ(zx_vmo_create_contiguous(bti, 0, 0, &contig), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_vmo_create_contiguous(bti, 3 * kPage, 14, &contig));
  zx_paddr_t one, three[3];
  CHECK_OK(
      zx_bti_pin(bti, ZX_BTI_PERM_READ | ZX_BTI_CONTIGUOUS, contig, 0, 3 * kPage, &one, 1, &pmt));
  CHECK_EQ(one % (1u << 14), 0u);  // the alignment asked for
  CHECK_OK(zx_bti_pin(bti, ZX_BTI_PERM_WRITE, contig, 0, 3 * kPage, three, 3, &pmt2));
  CHECK_EQ(three[0], one);
  CHECK_EQ(three[2], one + 2 * kPage);
  CHECK_EQ(zx_vmo_op_range(contig, ZX_VMO_OP_DECOMMIT, 0, kPage, nullptr, 0), ZX_ERR_NOT_SUPPORTED);
  CHECK_OK(zx_pmt_unpin(pmt));
  CHECK(!handle_valid(pmt));  // consumed
  CHECK_OK(zx_pmt_unpin(pmt2));
  // An ordinary VMO: pinned pages stay; unpinned, they may go.
  CHECK_OK(zx_vmo_create(4 * kPage, 0, &vmo));
  CHECK_EQ(zx_bti_pin(bti, ZX_BTI_PERM_READ | ZX_BTI_CONTIGUOUS, vmo, 0, kPage, &one, 1, &pmt),
           ZX_ERR_NOT_SUPPORTED);
  CHECK_EQ(zx_bti_pin(bti, ZX_BTI_PERM_READ, vmo, 0, 2 * kPage, three, 3, &pmt),
           ZX_ERR_INVALID_ARGS);  // two pages need exactly two addresses
  CHECK_EQ(zx_bti_pin(bti, 0, vmo, 0, kPage, three, 1, &pmt), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_bti_pin(bti, ZX_BTI_PERM_READ, vmo, 100, kPage, three, 1, &pmt), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_bti_pin(bti, ZX_BTI_PERM_READ, vmo, 4 * kPage, kPage, three, 1, &pmt),
           ZX_ERR_OUT_OF_RANGE);
  CHECK_OK(
      zx_bti_pin(bti, ZX_BTI_PERM_READ | ZX_BTI_PERM_WRITE, vmo, kPage, 2 * kPage, three, 2, &pmt));
  CHECK(three[0] != 0 && three[1] != 0);
  CHECK_EQ(zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, 4 * kPage, nullptr, 0), ZX_ERR_BAD_STATE);
  CHECK_EQ(zx_vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &snap), ZX_ERR_BAD_STATE);
  CHECK_OK(zx_pmt_unpin(pmt));
  CHECK_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, 4 * kPage, nullptr, 0));
  // A PMT closed without unpinning unpins too.
  CHECK_OK(zx_bti_pin(bti, ZX_BTI_PERM_READ, vmo, 0, kPage, three, 1, &pmt));
  CHECK_OK(zx_handle_close(pmt));
  CHECK_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, kPage, nullptr, 0));
  // Pager-backed memory cannot be pinned.
  zx_handle_t pager, port, pvmo;
  CHECK_OK(zx_pager_create(0, &pager));
  CHECK_OK(zx_port_create(0, &port));
  CHECK_OK(zx_pager_create_vmo(pager, 0, port, 1, kPage, &pvmo));
  CHECK_EQ(zx_bti_pin(bti, ZX_BTI_PERM_READ, pvmo, 0, kPage, three, 1, &pmt), ZX_ERR_NOT_SUPPORTED);
  zx_handle_t all[7] = {iommu, bti, contig, vmo, pager, port, pvmo};
  CHECK_OK(zx_handle_close_many(all, 7));
}

[[noreturn]] void interrupt_waiter(uintptr_t arg1, uintptr_t arg2) {
  zx_time_t ts;
  *reinterpret_cast<zx_status_t*>(arg2) = zx_interrupt_wait(static_cast<zx_handle_t>(arg1), &ts);
  zx_thread_exit();
}

// Interrupt objects: ownership of a PLIC source, binding to ports, and destruction.
void test_driver_interrupt() {
  zx_handle_t irq, irq2, port, plain;
  CHECK_EQ(zx_interrupt_create(g_resource, 0, 0, &irq), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_interrupt_create(g_resource, 4096, 0, &irq), ZX_ERR_INVALID_ARGS);
  CHECK_EQ(zx_interrupt_create(g_resource, 10, 0, &irq), ZX_ERR_ALREADY_BOUND);  // the UART's
  CHECK_EQ(zx_interrupt_create(g_resource, 1, ZX_INTERRUPT_VIRTUAL, &irq), ZX_ERR_NOT_SUPPORTED);
  CHECK_OK(zx_interrupt_create(g_resource, 8, ZX_INTERRUPT_MODE_LEVEL_HIGH, &irq));
  CHECK_EQ(zx_interrupt_create(g_resource, 8, 0, &irq2), ZX_ERR_ALREADY_BOUND);
  CHECK_EQ(zx_interrupt_ack(irq), ZX_ERR_BAD_STATE);  // not bound
  CHECK_OK(zx_port_create(0, &plain));
  CHECK_EQ(zx_interrupt_bind(irq, plain, 1, ZX_INTERRUPT_BIND), ZX_ERR_WRONG_TYPE);
  CHECK_OK(zx_port_create(ZX_PORT_BIND_TO_INTERRUPT, &port));
  CHECK_EQ(zx_interrupt_bind(irq, port, 1, 7), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_interrupt_bind(irq, port, 1, ZX_INTERRUPT_BIND));
  CHECK_EQ(zx_interrupt_bind(irq, port, 1, ZX_INTERRUPT_BIND), ZX_ERR_ALREADY_BOUND);
  zx_time_t ts;
  CHECK_EQ(zx_interrupt_wait(irq, &ts), ZX_ERR_BAD_STATE);  // bound: packets, not waits
  CHECK_OK(zx_interrupt_ack(irq));
  zx_port_packet_t p;
  CHECK_EQ(zx_port_wait(port, 0, &p), ZX_ERR_TIMED_OUT);  // slot 7 is empty: nothing fires
  CHECK_EQ(zx_interrupt_bind(irq, plain, 1, ZX_INTERRUPT_UNBIND), ZX_ERR_WRONG_TYPE);
  CHECK_OK(zx_interrupt_bind(irq, port, 1, ZX_INTERRUPT_UNBIND));
  CHECK_EQ(zx_interrupt_bind(irq, port, 1, ZX_INTERRUPT_UNBIND), ZX_ERR_NOT_FOUND);
  // A thread waiting for the interrupt is released by destroy.
  static Helper waiter;
  static zx_status_t waited;
  waiter = Helper{};
  waited = 1;
  CHECK_OK(helper_start(&waiter, "irq-wait", interrupt_waiter, irq,
                        reinterpret_cast<uintptr_t>(&waited)));
  CHECK_OK(zx_nanosleep(zx_deadline_after(ZX_MSEC(20))));
  CHECK_EQ(waited, 1);
  CHECK_OK(zx_interrupt_destroy(irq));
  CHECK_OK(helper_join(&waiter));
  CHECK_EQ(waited, ZX_ERR_CANCELED);
  CHECK_EQ(zx_interrupt_destroy(irq), ZX_ERR_CANCELED);
  CHECK_EQ(zx_interrupt_ack(irq), ZX_ERR_CANCELED);
  CHECK_EQ(zx_interrupt_bind(irq, port, 1, ZX_INTERRUPT_BIND), ZX_ERR_CANCELED);
  // The source is free again once the last handle goes.
  CHECK_OK(zx_handle_close(irq));
  CHECK_OK(zx_interrupt_create(g_resource, 8, 0, &irq));
  zx_handle_t all[3] = {irq, port, plain};
  CHECK_OK(zx_handle_close_many(all, 3));
}

// A VMAR handle outlives its process: the region reports itself destroyed (it used to reach a
// freed address space: the fuzzer found it).
void test_vmar_outlives_process() {
  zx_handle_t proc, vmar, vmo, sub;
  const char name[] = "short-lived";
  CHECK_OK(zx_process_create(zx_job_default(), name, sizeof(name) - 1, 0, &proc, &vmar));
  CHECK_OK(zx_handle_close(proc));  // never started: the process goes, its VMAR handle stays
  CHECK_OK(zx_vmo_create(kPage, 0, &vmo));
  zx_vaddr_t addr;
  CHECK_EQ(zx_vmar_map(vmar, ZX_VM_PERM_READ, 0, vmo, 0, kPage, &addr), ZX_ERR_BAD_STATE);
  CHECK_EQ(zx_vmar_allocate(vmar, ZX_VM_CAN_MAP_READ, 0, kPage, &sub, &addr), ZX_ERR_BAD_STATE);
  CHECK_EQ(zx_vmar_op_range(vmar, ZX_VMAR_OP_DECOMMIT, 0, 7 * kPage, nullptr, 0), ZX_ERR_BAD_STATE);
  CHECK_EQ(zx_vmar_unmap(vmar, 0x10000, kPage), ZX_ERR_BAD_STATE);
  zx_handle_t all[2] = {vmar, vmo};
  CHECK_OK(zx_handle_close_many(all, 2));
}

const Test kTests[] = {
    {"vmar_outlives_process", test_vmar_outlives_process},
    {"driver_mmio", test_driver_mmio},
    {"driver_dma", test_driver_dma},
    {"driver_interrupt", test_driver_interrupt},
    {"handle_close", test_handle_close},
    {"handle_duplicate", test_handle_duplicate},
    {"handle_replace", test_handle_replace},
    {"vmo", test_vmo},
    {"vmar_map", test_vmar_map},
    {"vmar_specific", test_vmar_specific},
    {"vmar_align", test_vmar_align},
    {"event_wait", test_event_wait},
    {"clock_sleep", test_clock_sleep},
    {"channel", test_channel},
    {"bad_pointers", test_bad_pointers},
    {"process_exit_codes", test_process_exit_codes},
    {"process_kill", test_process_kill},
    {"process_create_errors", test_process_create_errors},
    {"libc_heap", test_libc_heap},
    {"vmo_sparse_1tib", test_vmo_sparse_1tib},
    {"vmo_resize_with_mapping", test_vmo_resize_with_mapping},
    {"vmar_nested_destroy", test_vmar_nested_destroy},
    {"aslr_spread", test_aslr_spread},
    {"thread_fault_race", test_thread_fault_race},
    {"tlb_cow_seen_by_other_hart", test_tlb_cow_seen_by_other_hart},
    {"process_kill_blocked", test_process_kill_blocked},
    {"bad_syscall_number", test_bad_syscall_number},
    {"vmo_children", test_vmo_children},
    {"port_queue_wait", test_port_queue_wait},
    {"port_wait_async", test_port_wait_async},
    {"channel_call", test_channel_call},
    {"channel_call_canceled", test_channel_call_canceled},
    {"channel_write_handle_rules", test_channel_write_handle_rules},
    {"vmo_commit_pager_clone", test_vmo_commit_pager_clone},
    {"kernel_charges_info", test_kernel_charges_info},
    {"abi_object_types", test_abi_object_types},
};

}  // namespace

// usertests [PREFIX]: runs the tests whose names start with PREFIX (all by default).
int main(int argc, char** argv) {
  g_resource = zx_take_startup_handle(PA_HND(PA_RESOURCE, 0));
  return testing::run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc > 1 ? argv[1] : "");
}
