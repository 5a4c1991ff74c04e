// ls: lists directories. `ls [-a] [-l] [PATH...]` (default "."): a directory's entries sorted
// by name, one per line, without the names starting with '.' unless -a ("." and ".." never
// show); a file argument is listed as itself. With -l each line is "MODE LINKS SIZE NAME",
// plus " -> TARGET" for a symlink. Arguments that are symlinks to directories are followed.
#include <fsutil.h>

namespace {

bool g_long, g_all;
int g_status;

// One line for `name`, whose path is `path` (lstat'ed: a symlink shows as itself).
void print_entry(const char* path, const char* name) {
  if (!g_long) {
    printf("%s\n", name);
    return;
  }
  fs_stat_t st;
  zx_status_t s = fs_lstat(path, &st);
  if (s != ZX_OK) {
    fsutil::error("ls", path, s);
    g_status = 1;
    return;
  }
  char mode[11];
  fsutil::mode_string(st.mode, mode);
  printf("%s %2u %8lu %s", mode, st.nlink, static_cast<unsigned long>(st.size), name);
  if (fsutil::is_link(st.mode)) {
    fsutil::PathBuf target;
    int64_t n = fs_readlink(path, target.p, fsutil::kPathMax);
    if (n >= 0) {
      printf(" -> %s", target.p);
    } else {
      printf("\n");
      fsutil::error("ls", path, fsutil::status_of(n));
      g_status = 1;
      return;
    }
  }
  printf("\n");
}

void list_dir(const char* path) {
  fsutil::Names names;
  zx_status_t s = fsutil::read_names(path, &names);
  if (s != ZX_OK) {
    fsutil::error("ls", path, s);
    g_status = 1;
    return;
  }
  fsutil::PathBuf child;
  for (size_t i = 0; i < names.count; i++) {
    if (names.names[i][0] == '.' && !g_all) continue;
    if (!fsutil::join(child.p, fsutil::kPathMax, path, names.names[i])) {
      fsutil::error("ls", names.names[i], ZX_ERR_BAD_PATH);
      g_status = 1;
      continue;
    }
    print_entry(child.p, names.names[i]);
  }
  fsutil::free_names(&names);
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
    for (const char* f = argv[first] + 1; *f; f++) {
      if (*f == 'l') {
        g_long = true;
      } else if (*f == 'a') {
        g_all = true;
      } else {
        printf("usage: ls [-a] [-l] [PATH...]\n");
        return 2;
      }
    }
  }
  const char* dot[] = {"."};
  const char* const* paths = first < argc ? argv + first : dot;
  int npaths = first < argc ? argc - first : 1;
  // Files first, then directories with a "PATH:" heading each when there are several.
  bool printed = false;
  for (int i = 0; i < npaths; i++) {
    fs_stat_t st;
    zx_status_t s = fs_stat(paths[i], &st);
    if (s == ZX_ERR_NOT_FOUND && fs_lstat(paths[i], &st) == ZX_OK) s = ZX_OK;  // dangling link
    if (s != ZX_OK) {
      fsutil::error("ls", paths[i], s);
      g_status = 1;
      continue;
    }
    if (!fsutil::is_dir(st.mode)) {
      print_entry(paths[i], paths[i]);
      printed = true;
    }
  }
  for (int i = 0; i < npaths; i++) {
    fs_stat_t st;
    if (fs_stat(paths[i], &st) != ZX_OK || !fsutil::is_dir(st.mode)) continue;
    if (npaths > 1) {
      printf("%s%s:\n", printed ? "\n" : "", paths[i]);
      printed = true;
    }
    list_dir(paths[i]);
  }
  return g_status;
}
