// Boot. kmain() runs on the boot hart with the boot page table from entry.S: it reads the
// device tree, brings up the console, memory, the kernel page table, traps, timers and the
// scheduler, starts the other harts, and then does what the boot arguments ask (run self
// tests, run console commands) or hands the console to the user.
#include "kernel/arch/riscv/asm.h"
#include "kernel/arch/riscv/board_fallback.h"
#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/arch/riscv/plic.h"
#include "kernel/arch/riscv/sbi.h"
#include "kernel/arch/riscv/trap.h"
#include "kernel/arch/riscv/uart.h"
#include "kernel/console.h"
#include "kernel/debug/command.h"
#include "kernel/lib/fdt.h"
#include "kernel/lib/string.h"
#include "kernel/object/job_dispatcher.h"
#include "kernel/object/process_dispatcher.h"
#include "kernel/object/resource_dispatcher.h"
#include "kernel/panic.h"
#include "kernel/power.h"
#include "kernel/sched.h"
#include "kernel/selftests/selftest.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "kernel/userboot.h"
#include "mm/heap.h"
#include "mm/kernel_aspace.h"
#include "mm/page_alloc.h"
#include "mm/reclaim_queue.h"
#include "mm/vm_aspace.h"

Cpu g_cpus[kMaxCpus];
int g_ncpus = 1;

void run_global_constructors();
void kernel_heap_init();
void crash_run(const char* kind);
extern "C" char __kernel_start[], __kernel_end[];
extern "C" char secondary_entry[];
extern "C" uint64_t g_hart_release[];
constexpr long kSbiErrAlreadyAvailable = -6;

namespace {
BootInfo g_boot;
alignas(16) char g_emergency_stacks[kMaxCpus][8192];
constexpr uint64_t kBootStackSize = BOOT_STACK_SIZE;  // entry.S lays the boot stacks out
extern "C" char boot_stacks[];

void setup_cpu(int num, uint64_t hartid) {
  Cpu* c = &g_cpus[num];
  c->num = num;
  c->hartid = hartid;
  c->emergency_sp =
      reinterpret_cast<uint64_t>(g_emergency_stacks[num] + sizeof(g_emergency_stacks[num]));
  asm volatile("mv tp, %0" ::"r"(c));
  csr_write(sscratch, c);
  csr_write(stvec, reinterpret_cast<uint64_t>(&trap_vector));
}

uint64_t boot_stack_limit(int num) {
  return reinterpret_cast<uint64_t>(boot_stacks) + num * kBootStackSize;
}

void fill_fallbacks(BootInfo& b) {
  if (!b.uart.base) {
    b.uart.base = board_fallback::kUartBase;
    b.uart.irq = board_fallback::kUartIrq;
  }
  if (!b.plic.base) {
    b.plic.base = board_fallback::kPlicBase;
    b.plic_ndev = board_fallback::kPlicNdev;
  }
  if (!b.timebase_hz) b.timebase_hz = board_fallback::kTimebaseHz;
}

void start_secondaries(uint64_t boot_hartid) {
  for (int i = 0; i < g_boot.nharts && g_ncpus < kMaxCpus; i++) {
    uint64_t hartid = g_boot.hartids[i];
    if (hartid == boot_hartid) continue;
    int num = g_ncpus++;
    g_cpus[num].num = num;
    g_cpus[num].hartid = hartid;
    long err = sbi::hart_start(hartid, virt_to_phys(secondary_entry), num);
    if (err == kSbiErrAlreadyAvailable && hartid < MAX_HARTID) {
      // The firmware let every hart into _start; this one is waiting there for us.
      __atomic_store_n(&g_hart_release[hartid], static_cast<uint64_t>(num + 1), __ATOMIC_RELEASE);
      err = 0;
    }
    if (err) {
      kprintf("hart %lu did not start (SBI error %ld)\n", hartid, err);
      continue;
    }
    // Generous: on a loaded host a virtual hart can wait seconds for a host CPU.
    uint64_t deadline = deadline_after(10'000'000'000ull);
    while (!__atomic_load_n(&g_cpus[num].online, __ATOMIC_ACQUIRE) && current_time() < deadline)
      riscv::pause();
    if (!g_cpus[num].online) kprintf("hart %lu did not come online\n", hartid);
  }
}

int idle_entry(void*) { sched_idle_loop(); }

// Below this much free memory, once the firmware, the device tree and the kernel image (boot
// image included) are set aside, the kernel cannot hold its heap, page tables and stacks and
// still run the first processes (measured with mem=: usertests, and init with fsd and the
// shell, ran with 3.6 MiB free; with 1.6 MiB launching programs failed): it says so and powers
// off, instead of failing later at whatever allocation comes first.
constexpr uint64_t kMinFreeBytes = 3ull << 20;

// "mem=SIZE" among the boot arguments (before any "--"; K, M or G suffix): use at most SIZE
// bytes of RAM, counted from the start of the first range, as Linux's mem= does. Lets a test
// boot the kernel with less memory than the firmware itself needs. 0 when absent.
uint64_t mem_limit_arg(const char* args) {
  for (const char* p = args; *p;) {
    while (*p == ' ') p++;
    if (p[0] == '-' && p[1] == '-' && (p[2] == ' ' || p[2] == 0)) return 0;
    if (strncmp(p, "mem=", 4) == 0) {
      uint64_t n = 0;
      for (p += 4; *p >= '0' && *p <= '9'; p++) n = n * 10 + static_cast<uint64_t>(*p - '0');
      if (*p == 'K' || *p == 'k') n <<= 10;
      if (*p == 'M' || *p == 'm') n <<= 20;
      if (*p == 'G' || *p == 'g') n <<= 30;
      return n;
    }
    while (*p && *p != ' ') p++;
  }
  return 0;
}

// Boot arguments: "token=T test=P1,P2 crash=KIND -- cmd args; cmd args".
struct BootArgs {
  const char* token = "none";
  const char* test = nullptr;
  const char* crash = nullptr;
  bool kconsole = false;      // stay at the kernel console instead of starting init
  const char* run = nullptr;  // "prog,arg,...": start it instead of init, power off after
  char* commands = nullptr;
};

// Starts a program from the boot image as the first process and waits for it to end.
// Returns its return code (-1 if it could not start).
int64_t run_first_process(const char* name) {
  RefPtr<ProcessDispatcher> p;
  zx_status_t s = userboot_start(name, &p);
  if (s != ZX_OK) {
    kprintf("userboot: cannot start %s: %s\n", name, zx_status_get_string(s));
    return -1;
  }
  p->wait(ZX_PROCESS_TERMINATED, kInfiniteTime);
  kprintf("userboot: %s ended (return code %ld)\n", name, p->return_code());
  return p->return_code();
}

BootArgs parse_bootargs(char* s) {
  BootArgs a;
  char* p = s;
  while (*p) {
    while (*p == ' ') p++;
    if (!*p) break;
    char* word = p;
    while (*p && *p != ' ') p++;
    if (*p) *p++ = 0;
    if (strcmp(word, "--") == 0) {
      a.commands = p;
      break;
    }
    if (strncmp(word, "token=", 6) == 0) a.token = word + 6;
    if (strncmp(word, "test=", 5) == 0) a.test = word + 5;
    if (strncmp(word, "crash=", 6) == 0) a.crash = word + 6;
    if (strcmp(word, "kconsole") == 0) a.kconsole = true;
    if (strncmp(word, "run=", 4) == 0) a.run = word + 4;
  }
  return a;
}

void run_commands(char* cmds) {
  while (cmds && *cmds) {
    char* end = cmds;
    while (*end && *end != ';') end++;
    bool last = *end == 0;
    *end = 0;
    while (*cmds == ' ') cmds++;
    kprintf("kernel> %s\n", cmds);
    command_run(cmds);
    cmds = last ? end : end + 1;
  }
}
}  // namespace

extern "C" void early_trap(uint64_t scause, uint64_t sepc, uint64_t stval) {
  const char* msg = "\nearly trap before the trap vector was installed\n";
  for (const char* p = msg; *p; p++) sbi::legacy_putchar(*p);
  (void)scause;
  (void)sepc;
  (void)stval;
  sbi::system_reset(true);
}

extern "C" void kmain(uint64_t hartid, uint64_t fdt_paddr) {
  // Constructors first: they may (re)initialize g_cpus, and none of them takes a lock.
  run_global_constructors();
  setup_cpu(0, hartid);

  void* fdt = phys_to_virt(fdt_paddr);
  bool fdt_ok = fdt_parse(fdt, &g_boot) == ZX_OK;
  fill_fallbacks(g_boot);
  uart::init(g_boot.uart.base);
  power_init(g_boot.test.base ? g_boot.test.base : board_fallback::kTestDeviceBase);
  kprintf("\nriscv-kernel: booting on hart %lu\n", hartid);
  if (!fdt_ok)
    kprintf("warning: no valid device tree at 0x%lx; using QEMU virt defaults\n", fdt_paddr);

  // Physical memory: RAM minus firmware, the device tree and the kernel image.
  MemRange ram[kFdtMaxRanges], reserved[kFdtMaxRanges + 2];
  int nram = 0, nres = 0;
  uint64_t phys_end = 0;
  uint64_t limit = mem_limit_arg(g_boot.bootargs), ram_bytes = 0;
  for (int i = 0; i < g_boot.nmemory; i++) {
    MemRange r{g_boot.memory[i].base, g_boot.memory[i].size};
    if (limit && g_boot.nmemory > 0) {
      uint64_t cap = g_boot.memory[0].base + limit;
      if (r.base >= cap) continue;
      if (r.size > cap - r.base) r.size = cap - r.base;
    }
    ram[nram++] = r;
    ram_bytes += r.size;
    if (r.base + r.size > phys_end) phys_end = r.base + r.size;
  }
  for (int i = 0; i < g_boot.nreserved; i++)
    reserved[nres++] = MemRange{g_boot.reserved[i].base, g_boot.reserved[i].size};
  reserved[nres++] = MemRange{fdt_paddr, fdt_total_size(fdt)};
  reserved[nres++] =
      MemRange{virt_to_phys(__kernel_start), static_cast<uint64_t>(__kernel_end - __kernel_start)};
  page_alloc_init(ram, nram, reserved, nres);
  uint64_t free_bytes = page_alloc_free_pages() * PAGE_SIZE;
  if (free_bytes < kMinFreeBytes) {
    uint64_t image = static_cast<uint64_t>(__kernel_end - __kernel_start);
    kprintf(
        "riscv-kernel: too little memory: %lu KiB of RAM; the kernel image (boot image "
        "included) takes %lu KiB and firmware, device tree and page metadata %lu KiB, leaving "
        "%lu KiB free where at least %lu KiB is needed. Powering off.\n",
        ram_bytes >> 10, image >> 10, (ram_bytes - free_bytes - image) >> 10, free_bytes >> 10,
        kMinFreeBytes >> 10);
    power_off(1);
  }
  kernel_heap_init();
  if (kernel_aspace_init(phys_end) == ZX_OK)
    kprintf("kernel page table: direct map, text RX, rodata R, data RW, guarded stacks\n");

  timer_init(g_boot.timebase_hz, g_boot.has_sstc);
  Thread* main_thread =
      thread_adopt_boot_context("main", boot_stack_limit(0), boot_stack_limit(1), false);
  g_cpus[0].current = main_thread;
  g_cpus[0].kstack_limit = boot_stack_limit(0);
  g_cpus[0].kstack_top = boot_stack_limit(1);
  Thread* idle = thread_create("idle0", idle_entry, nullptr, 0);
  assert(idle);
  idle->idle = true;
  idle->affinity = 0;
  idle->state = ThreadState::Ready;
  g_cpus[0].idle = idle;
  g_cpus[0].online = true;

  plic::init(g_boot.plic.base, g_boot.plic_ndev);
  plic::init_hart(hartid);
  plic::enable(g_boot.uart.irq, uart::irq);
  csr_set(sie, riscv::SIE_SEIE | riscv::SIE_SSIE);
  timer_init_hart();
  uart::enable_irqs();
  riscv::irq_enable();

  if (g_boot.harts_found > kMaxCpus)
    kprintf("riscv-kernel: %d harts found; this kernel runs at most %d (kMaxCpus): using %d\n",
            g_boot.harts_found, kMaxCpus, kMaxCpus);
  start_secondaries(hartid);
  int online = 0;
  for (int i = 0; i < g_ncpus; i++) online += g_cpus[i].online;
  kprintf("harts online: %d\n", online);

  JobDispatcher::root();  // lives for the life of the kernel: made before anyone counts objects
  ResourceDispatcher::root();       // likewise
  ReclaimQueue::start_reclaimer();  // likewise: evicts pager pages when free memory runs low

  char args[sizeof(g_boot.bootargs)];
  kstrlcpy(args, g_boot.bootargs, sizeof(args));
  BootArgs ba = parse_bootargs(args);
  if (ba.crash) crash_run(ba.crash);
  if (ba.test) {
    int failed = selftest_run(ba.test, ba.token);
    if (failed < 0) kprintf("[test] no test matches '%s'\n", ba.test);
    power_off(failed == 0 ? 0 : 1);
  }
  if (ba.commands) {
    run_commands(ba.commands);
    power_off(0);
  }
  if (ba.run) {
    // Test runs: one program as the first process; its return code ends QEMU, and so does
    // anything it left behind once it is gone.
    uint64_t objects = g_heap.stats().live_objects, pages = page_alloc_free_pages();
    uint64_t slabs = g_heap.stats().slab_pages;
    uint64_t threads = thread_count();
    int64_t code = run_first_process(ba.run);
    // The program's name, without the arguments that follow it after commas.
    char program[64];
    kstrlcpy(program, ba.run, sizeof(program));
    for (char* c = program; *c; c++)
      if (*c == ',') *c = 0;
    // The program has returned, but what it started may still be dying: after a mass kill every
    // thread has to be scheduled to leave, and each process goes when its last thread does.
    // Wait until that has finished (no process left, no thread beyond those the kernel had
    // before, the dead ones reaped), however long a loaded host takes; the deadline only keeps a
    // stuck teardown from hanging the run, and it is far beyond any honest teardown.
    uint64_t deadline = deadline_after(120'000'000'000ull);
    for (;;) {
      thread_reap_zombies();
      if (ProcessDispatcher::live_count() == 0 && thread_count() <= threads) break;
      if (current_time() >= deadline) {
        kprintf("userboot: leak check: %lu processes, %lu threads still alive\n",
                ProcessDispatcher::live_count(), thread_count() - threads);
        break;
      }
      thread_sleep(1'000'000);
    }
    // Objects a kernel thread is still dropping (a reaped thread's last references) follow
    // within moments; a real leak never does, so this short wait only delays a failing run.
    uint64_t settle = deadline_after(2'000'000'000ull);
    while (g_heap.stats().live_objects != objects && current_time() < settle) {
      thread_reap_zombies();
      thread_sleep(1'000'000);
    }
    int64_t leaked_objects = static_cast<int64_t>(g_heap.stats().live_objects - objects);
    // Slab pages the heap keeps cached for later allocations are not leaked: count them apart.
    int64_t cached = static_cast<int64_t>(g_heap.stats().slab_pages - slabs);
    int64_t leaked_pages = static_cast<int64_t>(pages - page_alloc_free_pages()) - cached;
    bool leak = leaked_objects != 0 || leaked_pages > 0;
    kprintf(
        "userboot: leak check after %s: %ld heap objects, %ld pages (%ld more cached slab "
        "pages) %s\n",
        program, leaked_objects, leaked_pages, cached, leak ? "LEAKED" : "(ok)");
    power_off(code == 0 && !leak ? 0 : 1);
  }
  if (!ba.kconsole) run_first_process("init");
  kconsole_loop();
}

extern "C" void secondary_main(int num, uint64_t hartid) {
  setup_cpu(num, hartid);
  kernel_aspace_activate_hart();
  Cpu* c = this_cpu();
  char name[16] = "idle";
  name[4] = static_cast<char>('0' + num);
  Thread* idle =
      thread_adopt_boot_context(name, boot_stack_limit(num), boot_stack_limit(num + 1), true);
  c->current = c->idle = idle;
  c->kstack_limit = idle->stack.limit;
  c->kstack_top = idle->stack.top;
  plic::init_hart(hartid);
  csr_set(sie, riscv::SIE_SEIE | riscv::SIE_SSIE);
  timer_init_hart();
  __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
  riscv::irq_enable();
  sched_idle_loop();
}
