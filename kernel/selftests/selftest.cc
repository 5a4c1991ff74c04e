// The self-test runner (see selftest.h). Each test runs in its own thread so a test that
// blocks, or a fault-recoverable child that dies, never takes the runner with it, and so the
// runner can bound each test with a deadline.
#include "kernel/selftests/selftest.h"

#include <stdarg.h>

#include "kernel/console.h"
#include "kernel/lib/printf.h"
#include "kernel/lib/string.h"
#include "kernel/thread.h"
#include "kernel/timer.h"

extern "C" const SelfTest __selftests_start[], __selftests_end[];

void TestContext::fail(const char* file, int line, const char* fmt, ...) {
  if (failures++ == 0) {
    const char* base = file;
    for (const char* p = file; *p; p++)
      if (*p == '/') base = p + 1;
    int n = ksnprintf(first_failure, sizeof(first_failure), "%s:%d: ", base, line);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && static_cast<size_t>(n) < sizeof(first_failure))
      kvsnprintf(first_failure + n, sizeof(first_failure) - n, fmt, ap);
    va_end(ap);
  }
}

namespace {
bool matches(const char* name, const char* prefixes) {
  if (!prefixes || !*prefixes || strcmp(prefixes, "all") == 0) return true;
  const char* p = prefixes;
  while (*p) {
    const char* end = p;
    while (*end && *end != ',') end++;
    size_t len = end - p;
    if (len > 0 && strncmp(name, p, len) == 0) return true;
    p = *end ? end + 1 : end;
  }
  return false;
}

struct Run {
  const SelfTest* test;
  TestContext ctx;
};

int test_thread(void* arg) {
  Run* r = static_cast<Run*>(arg);
  r->test->fn(r->ctx);
  return 0;
}

constexpr uint64_t kTestTimeoutNs = 20'000'000'000ull;
}  // namespace

int selftest_run(const char* prefixes, const char* token, int* passed_out) {
  int passed = 0, failed = 0;
  for (const SelfTest* st = __selftests_start; st != __selftests_end; st++) {
    if (!matches(st->name, prefixes)) continue;
    Run run{st, TestContext{}};
    run.ctx.name = st->name;
    // Run in a thread when threads can run; on a lab 3 handout they cannot, so run inline.
    Thread* th = thread_create(st->name, test_thread, &run);
    int code = 0;
    zx_status_t s = ZX_ERR_NO_MEMORY;
    if (th) {
      thread_start(th);
      s = thread_join(th, &code, deadline_after(kTestTimeoutNs));
    }
    if (s == ZX_ERR_NOT_SUPPORTED) {
      kprintf("[test] %s: threads cannot run yet (lab 3); running it on the runner's thread\n",
              st->name);
      test_thread(&run);
    } else if (s == ZX_ERR_TIMED_OUT) {
      run.ctx.fail(__FILE__, __LINE__, "did not finish within %llu s",
                   static_cast<unsigned long long>(kTestTimeoutNs / 1000000000ull));
      // The test thread still uses `run`; nothing more can safely run after it.
      kprintf("[test] %s FAIL: %s token=%s\n", st->name, run.ctx.first_failure, token);
      failed++;
      break;
    } else if (s != ZX_OK) {
      run.ctx.fail(__FILE__, __LINE__, "could not run the test thread: %s",
                   zx_status_get_string(s));
    }
    if (run.ctx.failures == 0) {
      passed++;
      kprintf("[test] %s PASS token=%s\n", st->name, token);
    } else {
      failed++;
      kprintf("[test] %s FAIL: %s token=%s\n", st->name, run.ctx.first_failure, token);
    }
  }
  kprintf("[test] summary: %d passed, %d failed token=%s\n", passed, failed, token);
  if (passed_out) *passed_out = passed;
  return passed + failed == 0 ? -1 : failed;
}

void selftest_list() {
  for (const SelfTest* st = __selftests_start; st != __selftests_end; st++)
    kprintf("  %s\n", st->name);
}
