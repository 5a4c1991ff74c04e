// mv: renames a file or directory. `mv SRC DST`; if DST is an existing directory, SRC moves
// into it under its own name. One filesystem, so a move is always the server's rename.
#include <fsutil.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    printf("usage: mv SRC DST\n");
    return 2;
  }
  const char* dst = argv[2];
  fsutil::PathBuf target;
  fs_stat_t st;
  if (fs_stat(dst, &st) == ZX_OK && fsutil::is_dir(st.mode)) {
    char name[FS_MAX_NAME + 1];
    if (!fsutil::join(target.p, fsutil::kPathMax, dst,
                      fsutil::basename(argv[1], name, sizeof(name)))) {
      fsutil::error("mv", dst, ZX_ERR_BAD_PATH);
      return 1;
    }
    dst = target.p;
  }
  zx_status_t s = fs_rename(argv[1], dst);
  if (s != ZX_OK) {
    char what[2 * fsutil::kPathMax + 8];
    snprintf(what, sizeof(what), "%s -> %s", argv[1], dst);
    fsutil::error("mv", what, s);
    return 1;
  }
  return 0;
}
