// mkdir: creates directories (mode 0755). `mkdir [-p] DIR...`; with -p the missing parents
// are created too, and a directory that already exists is not an error.
#include <fsutil.h>

namespace {

constexpr uint32_t kPerm = 0755;

// Creates every prefix of `path` that does not exist yet, then `path`.
zx_status_t mkdir_parents(const char* path) {
  fsutil::PathBuf prefix;
  size_t n = strlen(path);
  if (n >= fsutil::kPathMax) return ZX_ERR_BAD_PATH;
  memcpy(prefix.p, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (i < n && prefix.p[i] != '/') continue;
    if (i < n && prefix.p[i - 1] == '/') continue;  // repeated slashes
    char saved = prefix.p[i];
    prefix.p[i] = '\0';
    zx_status_t s = fs_mkdir(prefix.p, kPerm);
    if (s == ZX_ERR_ALREADY_EXISTS) {
      fs_stat_t st;
      s = fs_stat(prefix.p, &st);
      if (s == ZX_OK && !fsutil::is_dir(st.mode)) s = ZX_ERR_NOT_DIR;
    }
    prefix.p[i] = saved;
    if (s != ZX_OK) return s;
  }
  return ZX_OK;
}

}  // namespace

int main(int argc, char** argv) {
  bool parents = false;
  int first = 1;
  if (first < argc && strcmp(argv[first], "-p") == 0) {
    parents = true;
    first++;
  }
  if (first == argc || argv[first][0] == '-') {
    printf("usage: mkdir [-p] DIR...\n");
    return 2;
  }
  int status = 0;
  for (int i = first; i < argc; i++) {
    zx_status_t s = parents ? mkdir_parents(argv[i]) : fs_mkdir(argv[i], kPerm);
    if (s != ZX_OK) {
      fsutil::error("mkdir", argv[i], s);
      status = 1;
    }
  }
  return status;
}
