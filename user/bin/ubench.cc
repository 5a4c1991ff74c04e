// ubench: user-space benchmarks counted in retired guest instructions (rdinstret). Under QEMU
// with `-icount shift=0` the counts are deterministic. Each benchmark runs once to warm up
// (page tables, heap, caches of the kernel's free lists), then `iters` times while counting;
// the output is one line per benchmark, "bench: NAME<TAB>instructions per op".
#include <counters.h>
#include <launch.h>
#include <stdio.h>
#include <zircon/process.h>
#include <zircon/processargs.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/port.h>

namespace {

constexpr size_t kPage = 4096;

bool g_ok = true;

void report(const char* name, uint64_t instructions, uint64_t ops) {
  printf("bench: %s\t%lu\n", name, static_cast<unsigned long>(instructions / ops));
}

void fail(const char* what, zx_status_t s) {
  printf("ubench: %s failed: %d\n", what, s);
  g_ok = false;
}

// ---- null_syscall: closing ZX_HANDLE_INVALID is a successful no-op ------------------------------
void bench_null_syscall() {
  constexpr uint64_t kIters = 10000;
  zx_handle_close(ZX_HANDLE_INVALID);  // warm-up
  uint64_t start = rdinstret();
  for (uint64_t i = 0; i < kIters; i++) zx_handle_close(ZX_HANDLE_INVALID);
  uint64_t end = rdinstret();
  report("null_syscall", end - start, kIters);
}

// ---- page_fault_zero: first touch of fresh anonymous pages ------------------------------------
// Maps a fresh VMO and stores once to each page; only the store loop is counted.
zx_status_t touch_fresh_pages(size_t pages, uint64_t* counted) {
  zx_handle_t vmo;
  zx_status_t s = zx_vmo_create(pages * kPage, 0, &vmo);
  if (s != ZX_OK) return s;
  zx_vaddr_t addr;
  s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, pages * kPage,
                  &addr);
  zx_handle_close(vmo);
  if (s != ZX_OK) return s;
  volatile char* p = reinterpret_cast<volatile char*>(addr);
  uint64_t start = rdinstret();
  for (size_t i = 0; i < pages; i++) p[i * kPage] = 1;
  uint64_t end = rdinstret();
  *counted = end - start;
  return zx_vmar_unmap(zx_vmar_root_self(), addr, pages * kPage);
}

void bench_page_fault_zero() {
  constexpr size_t kPages = 256;
  uint64_t n;
  zx_status_t s = touch_fresh_pages(kPages, &n);  // warm-up
  if (s == ZX_OK) s = touch_fresh_pages(kPages, &n);
  if (s != ZX_OK) return fail("page_fault_zero", s);
  report("page_fault_zero", n, kPages);
}

// ---- process_spawn_exit_wait: launch("true"), wait for it, close the handle --------------------
zx_status_t spawn_true() {
  static const char* const kArgv[] = {"true"};
  zx_handle_t proc;
  zx_status_t s = launch("true", 1, kArgv, nullptr, nullptr, 0, &proc);
  if (s != ZX_OK) return s;
  int64_t code = -1;
  s = wait_process(proc, &code);
  zx_handle_close(proc);
  if (s == ZX_OK && code != 0) s = ZX_ERR_INTERNAL;
  return s;
}

void bench_process_spawn() {
  constexpr uint64_t kIters = 20;
  zx_status_t s = spawn_true();  // warm-up
  if (s != ZX_OK) return fail("process_spawn_exit_wait", s);
  uint64_t start = rdinstret();
  for (uint64_t i = 0; i < kIters && s == ZX_OK; i++) s = spawn_true();
  uint64_t end = rdinstret();
  if (s != ZX_OK) return fail("process_spawn_exit_wait", s);
  report("process_spawn_exit_wait", end - start, kIters);
}

// ---- vmo_write_4k: one page into an already-committed page -----------------------------------
void bench_vmo_write_4k() {
  constexpr uint64_t kIters = 2000;
  static char buf[kPage];
  for (size_t i = 0; i < kPage; i++) buf[i] = static_cast<char>(i);
  zx_handle_t vmo;
  zx_status_t s = zx_vmo_create(kPage, 0, &vmo);
  if (s != ZX_OK) return fail("vmo_write_4k create", s);
  s = zx_vmo_write(vmo, buf, 0, kPage);  // warm-up: commits the page
  uint64_t start = rdinstret();
  for (uint64_t i = 0; i < kIters && s == ZX_OK; i++) s = zx_vmo_write(vmo, buf, 0, kPage);
  uint64_t end = rdinstret();
  zx_handle_close(vmo);
  if (s != ZX_OK) return fail("vmo_write_4k", s);
  report("vmo_write_4k", end - start, kIters);
}

// ---- vmar_map_unmap: map a one-page VMO anywhere, then unmap it -------------------------------
zx_status_t map_unmap(zx_handle_t vmo) {
  zx_vaddr_t addr;
  zx_status_t s =
      zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, kPage, &addr);
  if (s != ZX_OK) return s;
  return zx_vmar_unmap(zx_vmar_root_self(), addr, kPage);
}

void bench_vmar_map_unmap() {
  constexpr uint64_t kIters = 1000;
  zx_handle_t vmo;
  zx_status_t s = zx_vmo_create(kPage, 0, &vmo);
  if (s != ZX_OK) return fail("vmar_map_unmap create", s);
  s = map_unmap(vmo);  // warm-up
  uint64_t start = rdinstret();
  for (uint64_t i = 0; i < kIters && s == ZX_OK; i++) s = map_unmap(vmo);
  uint64_t end = rdinstret();
  zx_handle_close(vmo);
  if (s != ZX_OK) return fail("vmar_map_unmap", s);
  report("vmar_map_unmap", end - start, kIters);
}

// ---- channel_round_trip: 1 byte to echosrv (another process) and back -------------------------
void bench_channel_round_trip() {
  zx_handle_t mine, theirs;
  zx_status_t s = zx_channel_create(0, &mine, &theirs);
  if (s != ZX_OK) return fail("channel_create", s);
  const char* argv[] = {"echosrv"};
  uint32_t info = PA_HND(PA_USER0, 0);
  zx_handle_t proc;
  s = launch("echosrv", 1, argv, &theirs, &info, 1, &proc);
  if (s != ZX_OK) return fail("launch echosrv", s);
  auto round_trip = [&]() {
    uint8_t b = 1;
    uint32_t n, nh;
    zx_channel_write(mine, 0, &b, 1, nullptr, 0);
    zx_object_wait_one(mine, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE, nullptr);
    return zx_channel_read(mine, 0, &b, nullptr, 1, 0, &n, &nh);
  };
  if ((s = round_trip()) != ZX_OK) return fail("round trip", s);  // warm up
  constexpr int kIters = 200;
  uint64_t start = rdinstret();
  for (int i = 0; i < kIters; i++) round_trip();
  uint64_t end = rdinstret();
  report("channel_round_trip", end - start, kIters);
  zx_handle_close(mine);  // echosrv sees PEER_CLOSED and exits
  zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, nullptr);
  zx_handle_close(proc);
}

// ---- port_queue_wait: queue a user packet and take it back ----------------------------------
void bench_port_queue_wait() {
  zx_handle_t port;
  zx_status_t s = zx_port_create(0, &port);
  if (s != ZX_OK) return fail("port_create", s);
  zx_port_packet_t p = {};
  zx_port_queue(port, &p);
  zx_port_wait(port, 0, &p);
  constexpr int kIters = 2000;
  uint64_t start = rdinstret();
  for (int i = 0; i < kIters; i++) {
    zx_port_queue(port, &p);
    zx_port_wait(port, 0, &p);
  }
  uint64_t end = rdinstret();
  report("port_queue_wait", end - start, kIters);
  zx_handle_close(port);
}

// ---- pager_fault_1page, pager_fault_16page_per_page: faults served by a pager thread ------------
// Per fault: the READ packet, the pager thread waking, committing pages of its aux VMO (zeroed
// pages, standing in for data read from a disk), supplying them, and the faulting thread waking
// and mapping its page. With a run of 16 the pager supplies 16 pages per request (more than
// asked), so 15 of every 16 faults find their page present. One hart: both threads' instructions
// are counted.
struct PagerBench {
  zx_handle_t pager, port, vmo, aux;
  uint64_t run;  // pages supplied per request
};

[[noreturn]] void bench_pager_server(uintptr_t arg1, uintptr_t) {
  auto* b = reinterpret_cast<PagerBench*>(arg1);
  for (;;) {
    zx_port_packet_t p;
    if (zx_port_wait(b->port, ZX_TIME_INFINITE, &p) != ZX_OK) break;
    if (p.page_request.command != ZX_PAGER_VMO_READ) break;
    uint64_t len = b->run * kPage;
    uint64_t off = p.page_request.offset / len * len;
    zx_vmo_op_range(b->aux, ZX_VMO_OP_COMMIT, 0, len, nullptr, 0);
    zx_pager_supply_pages(b->pager, b->vmo, off, len, b->aux, 0);
  }
  zx_thread_exit();
}

void bench_pager_fault(const char* name, uint64_t run) {
  constexpr size_t kPages = 256;
  static PagerBench b;
  b.run = run;
  zx_status_t s;
  if ((s = zx_pager_create(0, &b.pager)) != ZX_OK) return fail("pager_create", s);
  if ((s = zx_port_create(0, &b.port)) != ZX_OK) return fail("port_create", s);
  if ((s = zx_pager_create_vmo(b.pager, 0, b.port, 0, kPages * kPage, &b.vmo)) != ZX_OK)
    return fail("pager_create_vmo", s);
  if ((s = zx_vmo_create(run * kPage, 0, &b.aux)) != ZX_OK) return fail("vmo_create", s);
  zx_handle_t stack, thread;
  zx_vaddr_t sp, addr;
  if ((s = zx_vmo_create(4 * kPage, 0, &stack)) != ZX_OK) return fail("vmo_create", s);
  s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, stack, 0, 4 * kPage,
                  &sp);
  if (s != ZX_OK) return fail("vmar_map", s);
  s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, b.vmo, 0, kPages * kPage, &addr);
  if (s != ZX_OK) return fail("vmar_map", s);
  if ((s = zx_thread_create(zx_process_self(), "pager", 5, 0, &thread)) != ZX_OK)
    return fail("thread_create", s);
  s = zx_thread_start(thread, reinterpret_cast<zx_vaddr_t>(bench_pager_server), sp + 4 * kPage,
                      reinterpret_cast<uintptr_t>(&b), 0);
  if (s != ZX_OK) return fail("thread_start", s);
  volatile const char* mem = reinterpret_cast<volatile const char*>(addr);
  for (size_t i = 0; i < run; i++) (void)mem[i * kPage];  // warm up: the first run
  uint64_t start = rdinstret();
  for (size_t i = run; i < kPages; i++) (void)mem[i * kPage];
  uint64_t end = rdinstret();
  report(name, end - start, kPages - run);
  zx_pager_detach_vmo(b.pager, b.vmo);  // the server sees COMPLETE and exits
  zx_object_wait_one(thread, ZX_THREAD_TERMINATED, ZX_TIME_INFINITE, nullptr);
  zx_vmar_unmap(zx_vmar_root_self(), addr, kPages * kPage);
  zx_vmar_unmap(zx_vmar_root_self(), sp, 4 * kPage);
  zx_handle_t all[6] = {b.pager, b.port, b.vmo, b.aux, stack, thread};
  zx_handle_close_many(all, 6);
}
}  // namespace

int main(int, char**) {
  bench_null_syscall();
  bench_page_fault_zero();
  bench_process_spawn();
  bench_vmo_write_4k();
  bench_vmar_map_unmap();
  bench_channel_round_trip();
  bench_port_queue_wait();
  bench_pager_fault("pager_fault_1page", 1);
  bench_pager_fault("pager_fault_16page_per_page", 16);
  return g_ok ? 0 : 1;
}
