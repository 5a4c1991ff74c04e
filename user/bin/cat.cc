// cat: writes the files named to the console, in order, byte for byte.
#include <fsutil.h>
#include <zircon/syscalls.h>

namespace {

char g_buf[16384];

zx_status_t cat(const char* path) {
  // Straight to the console: printf would stop at a NUL byte.
  return fsutil::read_chunks(path, g_buf, sizeof(g_buf),
                             [](const char* bytes, size_t n) { zx_debug_write(bytes, n); });
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
