// sync: asks the filesystem server to write every dirty page of every file to disk and flush
// the device.
#include <fsutil.h>

int main(int argc, char**) {
  if (argc != 1) {
    printf("usage: sync\n");
    return 2;
  }
  zx_status_t s = fs_sync();
  if (s != ZX_OK) {
    fsutil::error("sync", "sync", s);
    return 1;
  }
  return 0;
}
