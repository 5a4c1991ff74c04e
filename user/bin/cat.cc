// cat: writes the files named to the console, in order, byte for byte.
#include <fsutil.h>
#include <zircon/syscalls.h>

namespace {

char g_buf[16384];

zx_status_t cat(const char* path) {
  int fd = fs_open(path, FS_O_READ, 0);
  if (fd < 0) return fd;
  zx_status_t s = ZX_OK;
  for (;;) {
    int64_t n = fs_read(fd, g_buf, sizeof(g_buf));
    if (n <= 0) {
      s = fsutil::status_of(n);
      break;
    }
    // Straight to the console: printf would stop at a NUL byte.
    zx_debug_write(g_buf, static_cast<size_t>(n));
  }
  fs_close(fd);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    printf("usage: cat FILE...\n");
    return 2;
  }
  int status = 0;
  for (int i = 1; i < argc; i++) {
    zx_status_t s = cat(argv[i]);
    if (s != ZX_OK) {
      fsutil::error("cat", argv[i], s);
      status = 1;
    }
  }
  return status;
}
