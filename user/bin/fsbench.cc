// fsbench: the filesystem benchmarks of `make bench` (tests/qemu/bench.py), run by init with fsd
// serving a disk the bench script made: /bench/256k (262,144 bytes) and the programs in /bin.
//
// Under -icount shift=0 virtual time is guest instructions while the CPU runs, but while it
// waits for the disk it follows the host's clock, so the disk-bound figures (a cold read) vary
// with the host and are meant to be compared as ratios within one run; the warm figures are
// deterministic. Output: "bench: NAME<TAB>VALUE" lines; names ending in _us are virtual
// microseconds, the others guest instructions per operation.
#include <counters.h>
#include <fs.h>
#include <launch.h>
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

namespace {

constexpr size_t kPage = 4096;
constexpr uint64_t kFileSize = 256 * 1024;

bool g_ok = true;

void report(const char* name, uint64_t value) {
  printf("bench: %s\t%lu\n", name, static_cast<unsigned long>(value));
}

void fail(const char* what, zx_status_t s) {
  printf("fsbench: %s failed: %s\n", what, zx_status_get_string(s));
  g_ok = false;
}

// Reads the whole file through page faults: maps it and touches every page. Returns a checksum
// so the reads cannot be optimised away (and a wrong file shows).
zx_status_t read_mapped(const char* path, uint64_t* sum) {
  int fd = fs_open(path, FS_O_READ, 0);
  if (fd < 0) return fd;
  const void* addr;
  size_t len;
  zx_status_t s = fs_map(fd, &addr, &len);
  if (s == ZX_OK) {
    if (len != kFileSize) s = ZX_ERR_BAD_STATE;
    const volatile uint8_t* p = static_cast<const volatile uint8_t*>(addr);
    for (size_t off = 0; off < len; off += kPage) *sum += p[off];
    fs_unmap(addr, len);
  }
  fs_close(fd);
  return s;
}

void bench_read() {
  uint64_t sum = 0;
  zx_time_t t0 = zx_clock_get_monotonic();
  uint64_t i0 = rdinstret();
  zx_status_t s = read_mapped("/bench/256k", &sum);
  uint64_t i1 = rdinstret();
  zx_time_t t1 = zx_clock_get_monotonic();
  if (s != ZX_OK) return fail("fs_cold_read_256k", s);
  report("fs_cold_read_256k_us", static_cast<uint64_t>(t1 - t0) / 1000);
  report("fs_cold_read_256k", i1 - i0);
  constexpr int kWarm = 10;
  t0 = zx_clock_get_monotonic();
  i0 = rdinstret();
  for (int i = 0; i < kWarm && s == ZX_OK; i++) s = read_mapped("/bench/256k", &sum);
  i1 = rdinstret();
  t1 = zx_clock_get_monotonic();
  if (s != ZX_OK) return fail("fs_warm_read_256k", s);
  report("fs_warm_read_256k_us", static_cast<uint64_t>(t1 - t0) / 1000 / kWarm);
  report("fs_warm_read_256k", (i1 - i0) / kWarm);
}

zx_status_t run(const char* path) {
  const char* argv[] = {path};
  zx_handle_t proc;
  zx_status_t s = launch(path, 1, argv, nullptr, nullptr, 0, &proc);
  if (s != ZX_OK) return s;
  int64_t code = -1;
  s = wait_process(proc, &code);
  zx_handle_close(proc);
  if (s == ZX_OK && code != 0) s = ZX_ERR_INTERNAL;
  return s;
}

void bench_exec() {
  zx_time_t t0 = zx_clock_get_monotonic();
  zx_status_t s = run("/bin/true");  // cold: its pages come from the disk
  zx_time_t t1 = zx_clock_get_monotonic();
  if (s != ZX_OK) return fail("exec_from_disk", s);
  report("exec_from_disk_cold_us", static_cast<uint64_t>(t1 - t0) / 1000);
  constexpr int kIters = 10;
  uint64_t i0 = rdinstret();
  for (int i = 0; i < kIters && s == ZX_OK; i++) s = run("/bin/true");
  uint64_t i1 = rdinstret();
  if (s != ZX_OK) return fail("exec_from_disk", s);
  report("exec_from_disk", (i1 - i0) / kIters);
}

}  // namespace

int main() {
  bench_read();
  bench_exec();
  return g_ok ? 0 : 1;
}
