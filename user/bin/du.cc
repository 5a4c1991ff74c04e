// du: disk usage in KiB of allocated blocks (fs_stat_t.blocks, 512-byte units), as coreutils
// du counts it. `du [-s] [PATH]` (default "."): one "KIB<TAB>PATH" line per directory, after
// its contents, ending with PATH's total; -s prints only the total. Symlinks are not followed,
// and a file with several links is counted once.
#include <fsutil.h>

namespace {

bool g_summary;
int g_status;

// Inodes with more than one link already counted (small: hard links are rare).
uint32_t* g_seen;
size_t g_nseen, g_capseen;

// True if `ino` was counted before; records it otherwise.
bool seen(uint32_t ino) {
  for (size_t i = 0; i < g_nseen; i++) {
    if (g_seen[i] == ino) return true;
  }
  if (g_nseen == g_capseen) {
    size_t cap = g_capseen ? 2 * g_capseen : 64;
    auto* p = static_cast<uint32_t*>(realloc(g_seen, cap * sizeof(uint32_t)));
    if (p == nullptr) return false;  // counting twice beats failing
    g_seen = p;
    g_capseen = cap;
  }
  g_seen[g_nseen++] = ino;
  return false;
}

// Blocks (512-byte units) under `path`, printing each directory's line.
uint64_t walk(const char* path, bool top) {
  fs_stat_t st;
  zx_status_t s = fs_lstat(path, &st);
  if (s != ZX_OK) {
    fsutil::error("du", path, s);
    g_status = 1;
    return 0;
  }
  if (!fsutil::is_dir(st.mode) && st.nlink > 1 && seen(st.ino)) return 0;
  uint64_t blocks = st.blocks;
  if (fsutil::is_dir(st.mode)) {
    fsutil::Names names;
    s = fsutil::read_names(path, &names);
    if (s != ZX_OK) {
      fsutil::error("du", path, s);
      g_status = 1;
    }
    fsutil::PathBuf child;
    for (size_t i = 0; i < names.count; i++) {
      if (!fsutil::join(child.p, fsutil::kPathMax, path, names.names[i])) {
        fsutil::error("du", names.names[i], ZX_ERR_BAD_PATH);
        g_status = 1;
        continue;
      }
      blocks += walk(child.p, false);
    }
    fsutil::free_names(&names);
  }
  if (top || (!g_summary && fsutil::is_dir(st.mode)))
    printf("%lu\t%s\n", static_cast<unsigned long>((blocks + 1) / 2), path);
  return blocks;
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  if (first < argc && strcmp(argv[first], "-s") == 0) {
    g_summary = true;
    first++;
  }
  if (argc - first > 1 || (first < argc && argv[first][0] == '-')) {
    printf("usage: du [-s] [PATH]\n");
    return 2;
  }
  walk(first < argc ? argv[first] : ".", true);
  return g_status;
}
