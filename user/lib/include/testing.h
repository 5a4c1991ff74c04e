// The scaffolding of the in-QEMU user test programs (usertests, pagertests): the CHECK macros
// and how a failure is recorded, the runner that prints "[utest] NAME PASS|FAIL: why" lines
// (tests/qemu/selftest.py reads them), a thread helper, small handle queries, and committing
// memory until the machine has none left.
//
// Header-only and inline so that each program links its own copy without a library of tests.
// A test is a `void test_NAME()` that returns at its first failed CHECK (docs/userspace.md).
#ifndef TESTING_H_
#define TESTING_H_

#include <launch.h>
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/object.h>

namespace testing {

constexpr size_t kPage = 4096;

// The first failure of the running test, kept for its FAIL line.
inline char g_why[160];
inline bool g_failed;

inline void fail(int line, const char* what, long got, long want) {
  if (g_failed) return;  // keep the first failure
  g_failed = true;
  snprintf(g_why, sizeof(g_why), "line %d: %s gave %ld, expected %ld", line, what, got, want);
}

// Checks a status (or any integer) against the expected value; returns from the test if not.
#define CHECK_EQ(expr, want)                                                  \
  do {                                                                        \
    long got_ = static_cast<long>(expr);                                      \
    if (got_ != static_cast<long>(want))                                      \
      return ::testing::fail(__LINE__, #expr, got_, static_cast<long>(want)); \
  } while (0)
#define CHECK_OK(expr) CHECK_EQ(expr, ZX_OK)
#define CHECK(cond) CHECK_EQ(!!(cond), 1)

struct Test {
  const char* name;
  void (*fn)();
};

// Runs the tests whose names start with `prefix` ("" for all), one line each, then a summary.
// Returns the process's exit status: 0 iff every test that ran passed.
inline int run_tests(const Test* tests, size_t n, const char* prefix) {
  int passed = 0, failed = 0;
  for (size_t i = 0; i < n; i++) {
    const Test& t = tests[i];
    if (strncmp(t.name, prefix, strlen(prefix)) != 0) continue;
    g_failed = false;
    t.fn();
    if (g_failed) {
      printf("[utest] %s FAIL: %s\n", t.name, g_why);
      failed++;
    } else {
      printf("[utest] %s PASS\n", t.name);
      passed++;
    }
  }
  printf("[utest] summary: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

// ---- handle queries ----------------------------------------------------------------------------
inline zx_rights_t rights_of(zx_handle_t h) {
  zx_info_handle_basic_t info;
  if (zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), nullptr, nullptr) != ZX_OK) {
    return 0;
  }
  return info.rights;
}

inline zx_koid_t koid_of(zx_handle_t h) {
  zx_info_handle_basic_t info;
  if (zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), nullptr, nullptr) != ZX_OK) {
    return ZX_KOID_INVALID;
  }
  return info.koid;
}

inline bool handle_valid(zx_handle_t h) {
  return zx_object_get_info(h, ZX_INFO_HANDLE_VALID, nullptr, 0, nullptr, nullptr) == ZX_OK;
}

inline zx_status_t vmo_committed(zx_handle_t vmo, uint64_t* committed) {
  zx_info_vmo_t info;
  zx_status_t s = zx_object_get_info(vmo, ZX_INFO_VMO, &info, sizeof(info), nullptr, nullptr);
  if (s == ZX_OK) *committed = info.committed_bytes;
  return s;
}

// ---- threads -----------------------------------------------------------------------------------
// A thread of this process running entry(arg1, arg2) on a 4-page stack of its own.
struct Helper {
  zx_handle_t thread = ZX_HANDLE_INVALID;
  zx_handle_t stack = ZX_HANDLE_INVALID;
  zx_vaddr_t sp = 0;
};

inline zx_status_t helper_start(Helper* h, const char* name, void (*entry)(uintptr_t, uintptr_t),
                                uintptr_t arg1, uintptr_t arg2) {
  zx_status_t s = zx_vmo_create(4 * kPage, 0, &h->stack);
  if (s != ZX_OK) return s;
  s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, h->stack, 0,
                  4 * kPage, &h->sp);
  if (s != ZX_OK) return s;
  s = zx_thread_create(zx_process_self(), name, strlen(name), 0, &h->thread);
  if (s != ZX_OK) return s;
  return zx_thread_start(h->thread, reinterpret_cast<zx_vaddr_t>(entry), h->sp + 4 * kPage, arg1,
                         arg2);
}

// Waits up to 10 s for the thread to end, then frees its stack and handles. A thread that does
// not end keeps its stack (freeing it under a running thread would crash this process).
inline zx_status_t helper_join(Helper* h) {
  zx_status_t s =
      zx_object_wait_one(h->thread, ZX_THREAD_TERMINATED, zx_deadline_after(ZX_SEC(10)), nullptr);
  if (s != ZX_OK) return s;
  zx_vmar_unmap(zx_vmar_root_self(), h->sp, 4 * kPage);
  zx_handle_t all[2] = {h->thread, h->stack};
  return zx_handle_close_many(all, 2);
}

// ---- processes ---------------------------------------------------------------------------------
// Runs a boot-image program to completion; returns its exit code, or a status on failure.
inline zx_status_t run(const char* name, int argc, const char* const* argv, int64_t* code,
                       zx_info_process_t* info) {
  zx_handle_t proc;
  zx_status_t s = launch(name, argc, argv, nullptr, nullptr, 0, &proc);
  if (s != ZX_OK) return s;
  s = wait_process(proc, code);
  if (s == ZX_OK) {
    s = zx_object_get_info(proc, ZX_INFO_PROCESS, info, sizeof(*info), nullptr, nullptr);
  }
  zx_handle_close(proc);
  return s;
}

// ---- memory ------------------------------------------------------------------------------------
// Commits pages of `vmo` in 1 MiB steps (then smaller ones, down to a page) until the kernel
// refuses; returns how many bytes it holds. Committing from 0 again takes any page freed since.
inline uint64_t commit_until_refused(zx_handle_t vmo, uint64_t size) {
  uint64_t off = 0;
  for (uint64_t step = 1u << 20; step >= 4096; step /= 16) {
    while (off + step <= size &&
           zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, off, step, nullptr, 0) == ZX_OK)
      off += step;
  }
  return off;
}

}  // namespace testing

#endif  // TESTING_H_
