// mv: renames a file or directory. `mv SRC DST`; if DST is an existing directory, SRC moves
// into it under its own name. One filesystem, so a move is always the server's rename.
#include <fsutil.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    printf("usage: mv SRC DST\n");
    return 2;
  }
  fsutil::PathBuf target;
  const char* dst = fsutil::destination("mv", argv[1], argv[2], &target);
  if (dst == nullptr) return 1;
  zx_status_t s = fs_rename(argv[1], dst);
  if (s != ZX_OK) {
    char what[2 * fsutil::kPathMax + 8];
    snprintf(what, sizeof(what), "%s -> %s", argv[1], dst);
    fsutil::error("mv", what, s);
    return 1;
  }
  return 0;
}
