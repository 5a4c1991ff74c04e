// rm: removes files. `rm [-r] [-f] PATH...`: a directory only with -r, which removes what it
// holds first (depth first; symlinks are removed, never followed). -f: a missing path is not
// an error.
#include <fsutil.h>

namespace {

bool g_recursive, g_force;

zx_status_t remove(const char* path);

// Removes everything in the directory `path`, then the directory itself.
zx_status_t remove_tree(const char* path) {
  fsutil::Names names;
  zx_status_t s = fsutil::read_names(path, &names);
  if (s != ZX_OK) {
    fsutil::error("rm", path, s);
    return s;
  }
  zx_status_t result = ZX_OK;
  fsutil::PathBuf child;
  for (size_t i = 0; i < names.count; i++) {
    if (!fsutil::join(child.p, fsutil::kPathMax, path, names.names[i])) {
      fsutil::error("rm", names.names[i], ZX_ERR_BAD_PATH);
      result = ZX_ERR_BAD_PATH;
      continue;
    }
    s = remove(child.p);
    if (s != ZX_OK) result = s;
  }
  fsutil::free_names(&names);
  if (result != ZX_OK) return result;  // the directory is not empty: already reported
  s = fs_rmdir(path);
  if (s != ZX_OK) fsutil::error("rm", path, s);
  return s;
}

// Removes one path, reporting its own errors.
zx_status_t remove(const char* path) {
  fs_stat_t st;
  zx_status_t s = fs_lstat(path, &st);
  if (s == ZX_OK && fsutil::is_dir(st.mode)) {
    if (g_recursive) return remove_tree(path);
    s = ZX_ERR_NOT_FILE;  // "is a directory"
  } else if (s == ZX_OK) {
    s = fs_unlink(path);
  }
  if (s == ZX_ERR_NOT_FOUND && g_force) return ZX_OK;
  if (s != ZX_OK) fsutil::error("rm", path, s);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
    for (const char* f = argv[first] + 1; *f; f++) {
      if (*f == 'r' || *f == 'R') {
        g_recursive = true;
      } else if (*f == 'f') {
        g_force = true;
      } else {
        printf("usage: rm [-r] [-f] PATH...\n");
        return 2;
      }
    }
  }
  if (first == argc && !g_force) {
    printf("usage: rm [-r] [-f] PATH...\n");
    return 2;
  }
  int status = 0;
  for (int i = first; i < argc; i++) {
    if (remove(argv[i]) != ZX_OK) status = 1;
  }
  return status;
}
