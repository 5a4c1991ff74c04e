// The kernel console: a line editor (console.cc) and a table of commands. It is the first
// thing a student sees after `make qemu`, and stays reachable for debugging once userspace has
// its own shell.
#include "kernel/arch/riscv/cpu.h"
#include "kernel/console.h"
#include "kernel/debug/command.h"
#include "kernel/lab.h"
#include "kernel/lib/string.h"
#include "kernel/power.h"
#include "kernel/sched.h"
#include "kernel/selftests/selftest.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "mm/heap.h"
#include "mm/kernel_stack.h"
#include "mm/page_alloc.h"
#include "mm/pmm.h"

extern "C" const Command __commands_start[], __commands_end[];

int command_split(char* line, char** argv, int max) {
  int argc = 0;
  char* p = line;
  while (*p && argc < max) {
    while (*p == ' ' || *p == '\t') *p++ = 0;
    if (!*p) break;
    argv[argc++] = p;
    while (*p && *p != ' ' && *p != '\t') p++;
  }
  return argc;
}

bool command_run(char* line) {
  char* argv[16];
  int argc = command_split(line, argv, 16);
  if (argc == 0) return true;
  for (const Command* c = __commands_start; c != __commands_end; c++) {
    if (strcmp(c->name, argv[0]) == 0) {
      c->fn(argc, argv);
      return true;
    }
  }
  kprintf("unknown command '%s'; type 'help' for the list of commands\n", argv[0]);
  return false;
}

void kconsole_loop() {
  kprintf("Type 'help' for commands.\n");
  char line[128];
  for (;;) {
    if (console_readline("kernel> ", line, sizeof(line)) < 0) continue;
    command_run(line);
  }
}

COMMAND("help", "list the commands") {
  // In name order: the linker's order of the table is no order a reader expects.
  const Command* last = nullptr;
  for (;;) {
    const Command* next = nullptr;
    for (const Command* c = __commands_start; c != __commands_end; c++) {
      if (last && strcmp(c->name, last->name) <= 0) continue;
      if (!next || strcmp(c->name, next->name) < 0) next = c;
    }
    if (!next) return;
    kprintf("  %-10s %s\n", next->name, next->help);
    last = next;
  }
}

COMMAND("echo", "print the arguments, separated by single spaces") {
  // LAB 0 SOLUTION BEGIN
  for (int i = 1; i < argc; i++) kprintf("%s%s", argv[i], i + 1 < argc ? " " : "");
  kprintf("\n");
  // LAB 0 SOLUTION END
  // LAB 0 STUB BEGIN
  // lab_todo(0, "the echo command");
  // LAB 0 STUB END
}

COMMAND("mem", "physical pages and kernel heap usage") {
  uint64_t total = page_alloc_total_pages(), free = page_alloc_free_pages();
  kprintf("pages: %lu total, %lu free, %lu used (4 KiB each)%s\n", total, free, total - free,
          page_alloc_using_boot_allocator() ? " [boot allocator]" : "");
  static const char* const names[] = {"free",       "reserved", "wired", "heap",
                                      "page-table", "object",   "kstack"};
  for (size_t i = 0; i < kNumPageStates; i++)
    kprintf("  %-10s %lu\n", names[i], g_pmm.count(static_cast<PageState>(i)));
  HeapStats h = g_heap.stats();
  kprintf(
      "heap: %lu bytes in %lu live objects; %lu allocs, %lu frees; %lu slab + %lu large pages\n",
      h.bytes_in_use, h.live_objects, h.allocations, h.frees, h.slab_pages, h.large_pages);
  kprintf("kernel stacks: %lu\n", kernel_stacks_in_use());
}

static void print_thread(Thread* t, void*) {
  kprintf("  %4d %-20s %-8s hart %d prio %2d%s switches %lu runtime %lu ms\n", t->id, t->name,
          thread_state_name(t->state), t->cpu, t->priority, t->idle ? " idle" : "", t->switches,
          t->runtime_ns / 1000000);
}

COMMAND("threads", "list threads and what each hart runs") {
  for (int i = 0; i < g_ncpus; i++) {
    Cpu& c = g_cpus[i];
    if (!c.online) continue;
    kprintf("hart %d (id %lu): running '%s', %lu ready, %lu switches, %lu irqs\n", i, c.hartid,
            c.current ? c.current->name : "?", sched_ready_count(i), c.context_switches, c.irqs);
  }
  thread_for_each(print_thread, nullptr);
}

COMMAND("test", "run self tests: test [prefix[,prefix...]] (test list: show names)") {
  if (argc > 1 && strcmp(argv[1], "list") == 0) {
    selftest_list();
    return;
  }
  selftest_run(argc > 1 ? argv[1] : "all", "interactive");
}

COMMAND("uptime", "time since boot") {
  uint64_t ns = current_time();
  kprintf("up %lu.%03lu s\n", ns / 1000000000ul, (ns / 1000000ul) % 1000);
}

COMMAND("shutdown", "power off") {
  kprintf("shutting down\n");
  power_off(0);
}
