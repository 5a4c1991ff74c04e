// In-kernel self tests. A test is a function registered with SELFTEST("group.name"); the
// runner executes the tests whose names start with one of the given prefixes, on a thread of
// its own, and prints one line per test:
//   [test] pmm.alloc_free PASS token=<token>
//   [test] pmm.alloc_free FAIL: <first failed expectation> token=<token>
// and a closing "[test] summary: P passed, F failed token=<token>". The token comes from the
// boot arguments, so a grader knows the lines were printed by this run.
#pragma once
#include <stdint.h>

struct TestContext {
  const char* name;
  int failures = 0;
  char first_failure[192] = {};
  void fail(const char* file, int line, const char* fmt, ...) __attribute__((format(printf, 4, 5)));
};

struct SelfTest {
  const char* name;
  void (*fn)(TestContext& t);
};

#define SELFTEST_CAT2(a, b) a##b
#define SELFTEST_CAT(a, b) SELFTEST_CAT2(a, b)
#define SELFTEST(test_name)                                                         \
  static void SELFTEST_CAT(selftest_fn_, __LINE__)(TestContext & t);                \
  [[gnu::used, gnu::section(".selftests")]] static const SelfTest SELFTEST_CAT(     \
      selftest_reg_, __LINE__) = {test_name, SELFTEST_CAT(selftest_fn_, __LINE__)}; \
  static void SELFTEST_CAT(selftest_fn_, __LINE__)([[maybe_unused]] TestContext & t)

// Values of any integer, enum or pointer type, for failure messages.
template <typename T>
inline long long selftest_value(T* p) {
  return static_cast<long long>(reinterpret_cast<uint64_t>(p));
}
template <typename T>
inline long long selftest_value(T v) {
  return static_cast<long long>(v);
}

#define EXPECT(cond)                                               \
  do {                                                             \
    if (!(cond)) t.fail(__FILE__, __LINE__, "expected %s", #cond); \
  } while (0)
#define EXPECT_EQ(a, b)                                                         \
  do {                                                                          \
    auto va_ = (a);                                                             \
    auto vb_ = (b);                                                             \
    if (!(va_ == vb_))                                                          \
      t.fail(__FILE__, __LINE__, "expected %s == %s, saw %lld vs %lld", #a, #b, \
             selftest_value(va_), selftest_value(vb_));                         \
  } while (0)
#define EXPECT_OK(expr)                                                              \
  do {                                                                               \
    zx_status_t s_ = (expr);                                                         \
    if (s_ != ZX_OK)                                                                 \
      t.fail(__FILE__, __LINE__, "%s returned %s", #expr, zx_status_get_string(s_)); \
  } while (0)
#define REQUIRE(cond) \
  do {                \
    if (!(cond)) {    \
      EXPECT(cond);   \
      return;         \
    }                 \
  } while (0)

// Runs the matching tests; returns the number that failed (or -1 if none matched).
int selftest_run(const char* prefixes, const char* token, int* passed_out = nullptr);
void selftest_list();
