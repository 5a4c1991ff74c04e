// write: creates (or truncates) FILE and fills it with SIZE bytes of a deterministic pattern,
// so a test can write a file in QEMU and check it on the host, or the other way round.
// `write FILE SIZE [SEED]`; SIZE is bytes, or with a K, M or G suffix KiB, MiB, GiB; SEED is a
// number (default 0).
//
// The pattern: byte i of the file (i from 0) is the top byte of a 64-bit product,
//
//   byte[i] = ((i + SEED * 2**32) * 0x9E3779B97F4A7C15 mod 2**64) >> 56
//
// in Python: bytes((((i + (seed << 32)) * 0x9E3779B97F4A7C15) % 2**64) >> 56 for i in range(n)).
// Every byte depends on all bits of its offset, so a page that lands at the wrong offset (even
// a multiple of a large power of two away) shows up in a checksum, and different seeds give
// unrelated contents. It costs one add per byte: x(i+1) = x(i) + 0x9E3779B97F4A7C15.
#include <fsutil.h>

namespace {

constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
// Dirty pages are written back every this many bytes, so a file larger than memory can be
// written: until written back, dirty file pages cannot be evicted.
constexpr uint64_t kSyncEvery = 8 << 20;
char g_buf[65536];

// Parses "123", "4K", "16M", "1G"; false on anything else.
bool parse_size(const char* s, uint64_t* out) {
  if (*s < '0' || *s > '9') return false;
  uint64_t v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(*s - '0');
  }
  int shift = 0;
  if (*s == 'K' || *s == 'k') shift = 10;
  if (*s == 'M' || *s == 'm') shift = 20;
  if (*s == 'G' || *s == 'g') shift = 30;
  if (shift != 0) s++;
  if (*s != '\0' || v > (UINT64_MAX >> shift)) return false;
  *out = v << shift;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t size = 0, seed = 0;
  if (argc < 3 || argc > 4 || !parse_size(argv[2], &size) ||
      (argc == 4 && !parse_size(argv[3], &seed))) {
    printf("usage: write FILE SIZE[K|M|G] [SEED]\n");
    return 2;
  }
  int fd = fs_open(argv[1], FS_O_WRITE | FS_O_CREATE | FS_O_TRUNC, 0644);
  if (fd < 0) {
    fsutil::error("write", argv[1], fd);
    return 1;
  }
  // The whole size in one request; the writes after it then never grow the file one by one.
  zx_status_t s = fs_ftruncate(fd, size);
  uint64_t x = (seed << 32) * kMul;  // the product for i = 0
  for (uint64_t off = 0; s == ZX_OK && off < size;) {
    size_t n = size - off < sizeof(g_buf) ? static_cast<size_t>(size - off) : sizeof(g_buf);
    for (size_t i = 0; i < n; i++, x += kMul) g_buf[i] = static_cast<char>(x >> 56);
    int64_t w = fs_pwrite(fd, g_buf, n, off);
    if (w < 0) s = static_cast<zx_status_t>(w);
    off += n;
    if (s == ZX_OK && off % kSyncEvery == 0 && off < size) s = fs_fsync(fd);
  }
  zx_status_t cs = fs_close(fd);  // writes the data back: its failure is the write's
  if (s == ZX_OK) s = cs;
  if (s != ZX_OK) {
    fsutil::error("write", argv[1], s);
    return 1;
  }
  return 0;
}
