// stat: prints what the filesystem knows about each path, itself (a symlink is not followed):
//
//   File: PATH [-> TARGET]
//   Size: N  Blocks: B  IO Block: N  TYPE
//   Inode: N  Links: N
//   Access: (0644/-rw-r--r--)  Uid: N  Gid: N
//   Access: T
//   Modify: T
//   Change: T                             (T: seconds since 1970)
#include <fsutil.h>

namespace {

const char* type_name(uint32_t mode) {
  switch (mode & FS_S_IFMT) {
    case FS_S_IFREG:
      return "regular file";
    case FS_S_IFDIR:
      return "directory";
    case FS_S_IFLNK:
      return "symbolic link";
    default:
      return "other";
  }
}

zx_status_t show(const char* path) {
  fs_stat_t st;
  zx_status_t s = fs_lstat(path, &st);
  if (s != ZX_OK) return s;
  printf("  File: %s", path);
  if (fsutil::is_link(st.mode)) {
    fsutil::PathBuf target;
    int64_t n = fs_readlink(path, target.p, fsutil::kPathMax);
    if (n < 0) {
      printf("\n");
      return fsutil::status_of(n);
    }
    printf(" -> %s", target.p);
  }
  printf("\n  Size: %lu  Blocks: %lu  IO Block: %u  %s\n", static_cast<unsigned long>(st.size),
         static_cast<unsigned long>(st.blocks), st.blksize, type_name(st.mode));
  printf(" Inode: %u  Links: %u\n", st.ino, st.nlink);
  char mode[11];
  fsutil::mode_string(st.mode, mode);
  printf("Access: (%04o/%s)  Uid: %u  Gid: %u\n", st.mode & 07777u, mode, st.uid, st.gid);
  printf("Access: %u\nModify: %u\nChange: %u\n", st.atime, st.mtime, st.ctime);
  return ZX_OK;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    printf("usage: stat PATH...\n");
    return 2;
  }
  int status = 0;
  for (int i = 1; i < argc; i++) {
    zx_status_t s = show(argv[i]);
    if (s != ZX_OK) {
      fsutil::error("stat", argv[i], s);
      status = 1;
    }
  }
  return status;
}
