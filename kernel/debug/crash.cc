// Deliberate kernel failures, to see (and test) what a fault report looks like: a bad load, a
// panic, a failed assert, an illegal instruction, a kernel stack overflow. `crash KIND` at the
// console or `crash=KIND` on the boot command line.
#include "kernel/console.h"
#include "kernel/debug/command.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/thread.h"

namespace {
// Deep enough to overflow any kernel stack long before the bound is reached.
[[gnu::noinline]] int recurse_deep(int depth) {
  volatile char buf[512];
  buf[0] = static_cast<char>(depth);
  if (depth > 1000000) return buf[0];
  return recurse_deep(depth + 1) + buf[0];
}

[[gnu::noinline]] void crash_null_load() {
  volatile uint64_t addr = 16;  // volatile: the compiler must not prove the load invalid
  volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(addr);
  kprintf("crash: loading from %p\n", p);
  (void)*p;
}
}  // namespace

void crash_stack_overflow() { recurse_deep(0); }

void crash_run(const char* kind) {
  if (strcmp(kind, "null") == 0) {
    crash_null_load();
  } else if (strcmp(kind, "panic") == 0) {
    panic("crash: deliberate panic");
  } else if (strcmp(kind, "assert") == 0) {
    volatile int one = 1;
    assert(one == 2);
  } else if (strcmp(kind, "illegal") == 0) {
    asm volatile(".word 0");
  } else if (strcmp(kind, "overflow") == 0) {
    // On a thread of its own: its stack has a guard page (the boot stack has none).
    Thread* t = thread_create(
        "overflow",
        [](void*) {
          crash_stack_overflow();
          return 0;
        },
        nullptr);
    if (!t) return;
    thread_start(t);
    thread_join(t, nullptr);
  } else {
    kprintf("crash: unknown kind '%s' (null, panic, assert, illegal, overflow)\n", kind);
  }
}

COMMAND("crash", "crash the kernel on purpose: crash null|panic|assert|illegal|overflow") {
  if (argc < 2) {
    kprintf("usage: crash null|panic|assert|illegal|overflow\n");
    return;
  }
  crash_run(argv[1]);
}
