// cp: copies a regular file. `cp SRC DST`; if DST is a directory the copy is DST/basename(SRC).
// DST naming the same file as SRC is refused (ZX_ERR_ALREADY_EXISTS).
// The copy gets SRC's permission bits. DST is first truncated and then grown to SRC's size in
// one request, so the chunked writes after it never each ask the server to grow the file.
#include <fsutil.h>

namespace {

char g_buf[65536];
// Dirty pages are written back every this many bytes, so a file larger than memory can be
// copied: until written back, dirty file pages cannot be evicted.
constexpr uint64_t kSyncEvery = 8 << 20;

// Copies src to dst; `what` names the path an error is about (nullptr: src and dst are the same
// file).
zx_status_t copy(const char* src, const char* dst, const char** what) {
  *what = src;
  int in = fs_open(src, FS_O_READ, 0);
  if (in < 0) return in;
  fs_stat_t st;
  zx_status_t s = fs_fstat(in, &st);
  if (s == ZX_OK && !fsutil::is_reg(st.mode)) s = ZX_ERR_NOT_FILE;
  if (s != ZX_OK) {
    fs_close(in);
    return s;
  }
  *what = dst;
  // Copying a file onto itself would truncate it before reading it.
  fs_stat_t dst_st;
  if (fs_stat(dst, &dst_st) == ZX_OK && dst_st.ino == st.ino) {
    fs_close(in);
    *what = nullptr;
    return ZX_ERR_ALREADY_EXISTS;
  }
  int out = fs_open(dst, FS_O_WRITE | FS_O_CREATE | FS_O_TRUNC, st.mode & 07777u);
  if (out < 0) {
    fs_close(in);
    return out;
  }
  s = fs_ftruncate(out, st.size);
  for (uint64_t off = 0; s == ZX_OK && off < st.size;) {
    int64_t n = fs_pread(in, g_buf, sizeof(g_buf), off);
    if (n <= 0) {
      *what = src;
      // A source that shrank under us: the copy ends where it did.
      s = n == 0 ? fs_ftruncate(out, off) : static_cast<zx_status_t>(n);
      break;
    }
    int64_t w = fs_pwrite(out, g_buf, static_cast<size_t>(n), off);
    if (w < 0) {
      s = static_cast<zx_status_t>(w);
      break;
    }
    off += static_cast<uint64_t>(n);
    if (off % kSyncEvery == 0 && off < st.size) s = fs_fsync(out);
  }
  fs_close(in);
  zx_status_t cs = fs_close(out);  // writes the data back: its failure is the copy's
  if (s == ZX_OK) {
    *what = dst;
    s = cs;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    printf("usage: cp SRC DST\n");
    return 2;
  }
  fsutil::PathBuf target;
  const char* dst = fsutil::destination("cp", argv[1], argv[2], &target);
  if (dst == nullptr) return 1;
  const char* what;
  zx_status_t s = copy(argv[1], dst, &what);
  if (s != ZX_OK && what == nullptr) {
    printf("cp: %s and %s are the same file\n", argv[1], dst);
    return 1;
  }
  if (s != ZX_OK) {
    fsutil::error("cp", what, s);
    return 1;
  }
  return 0;
}
