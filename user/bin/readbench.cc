// readbench: reads FILE sequentially through page faults, the way the filesystem is meant to be
// read: maps it (fs_map) and loads one byte of every page, in order, then prints
//
//   readbench: N bytes, I instructions, C cycles, T us
//
// counted with rdinstret and rdcycle around the loop (the same counters as ubench; under
// `-icount shift=0` they count guest instructions) and zx_clock_get_monotonic. The open and
// map are outside the measurement; every page fault, page request, disk read and supply is
// inside it. A first run after boot measures the disk; a second one the pages left in memory.
#include <counters.h>
#include <fsutil.h>
#include <zircon/syscalls.h>

namespace {

constexpr size_t kPage = 4096;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    printf("usage: readbench FILE\n");
    return 2;
  }
  int fd = fs_open(argv[1], FS_O_READ, 0);
  if (fd < 0) {
    fsutil::error("readbench", argv[1], fd);
    return 1;
  }
  const void* addr = nullptr;
  size_t len = 0;
  zx_status_t s = fs_map(fd, &addr, &len);
  if (s != ZX_OK) {
    fsutil::error("readbench", argv[1], s);
    return 1;
  }
  const volatile uint8_t* p = static_cast<const volatile uint8_t*>(addr);
  uint32_t sum = 0;  // keeps the loads (volatile already does; this is printed as a check)
  zx_time_t t0 = zx_clock_get_monotonic();
  uint64_t c0 = rdcycle();
  uint64_t i0 = rdinstret();
  for (size_t off = 0; off < len; off += kPage) sum += p[off];
  uint64_t i1 = rdinstret();
  uint64_t c1 = rdcycle();
  zx_time_t t1 = zx_clock_get_monotonic();
  fs_unmap(addr, len);
  fs_close(fd);
  printf("readbench: %lu bytes, %lu instructions, %lu cycles, %lu us (sum %u)\n",
         static_cast<unsigned long>(len), static_cast<unsigned long>(i1 - i0),
         static_cast<unsigned long>(c1 - c0), static_cast<unsigned long>((t1 - t0) / 1000), sum);
  return 0;
}
