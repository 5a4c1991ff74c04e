// df: the filesystem's size and free space, in KiB as df prints them, and its inodes.
#include <fsutil.h>

int main(int argc, char**) {
  if (argc != 1) {
    printf("usage: df\n");
    return 2;
  }
  fs_statfs_t sf;
  zx_status_t s = fs_statfs(&sf);
  if (s != ZX_OK) {
    fsutil::error("df", "statfs", s);
    return 1;
  }
  uint64_t total = sf.total_blocks * sf.block_size / 1024;
  uint64_t avail = sf.free_blocks * sf.block_size / 1024;
  uint64_t used = total - avail;
  // Rounded up, as df does: a nearly full filesystem does not show as 99%.
  uint64_t pct = total ? (used * 100 + total - 1) / total : 0;
  printf("Filesystem  1K-blocks       Used  Available Use%% Mounted on\n");
  printf("ext2       %10lu %10lu %10lu %3lu%% /%s\n", static_cast<unsigned long>(total),
         static_cast<unsigned long>(used), static_cast<unsigned long>(avail),
         static_cast<unsigned long>(pct), sf.writable ? "" : " (read-only)");
  printf("inodes: %u total, %u free\n", sf.total_inodes, sf.free_inodes);
  return 0;
}
