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

// One directory being summed: its path, its names, the next one to take, and the blocks
// (512-byte units) counted under it so far.
struct Frame {
  char* path;
  fsutil::Names names;
  size_t next;
  uint64_t blocks;
};

// The blocks under `root`, printing each directory's line after its contents. Iterative, with
// the directories in progress on a heap stack, so a deep tree costs heap, not stack.
void walk(const char* root) {
  fs_stat_t st;
  zx_status_t s = fs_lstat(root, &st);
  if (s != ZX_OK) {
    fsutil::error("du", root, s);
    g_status = 1;
    return;
  }
  if (!fsutil::is_dir(st.mode)) {
    printf("%lu\t%s\n", static_cast<unsigned long>((st.blocks + 1) / 2), root);
    return;
  }
  Frame* stack = nullptr;
  size_t depth = 0, cap = 0;
  // Takes `path` (heap) into a new frame; a directory that cannot be listed counts itself.
  auto enter = [&](char* path, uint64_t blocks) {
    fsutil::Names names;
    zx_status_t rs = fsutil::read_names(path, &names);
    if (rs != ZX_OK) {
      fsutil::error("du", path, rs);
      g_status = 1;
    }
    if (depth == cap) {
      size_t ncap = cap ? 2 * cap : 16;
      auto* n = static_cast<Frame*>(realloc(stack, ncap * sizeof(Frame)));
      if (n == nullptr) {
        printf("du: out of memory\n");
        exit(1);
      }
      stack = n;
      cap = ncap;
    }
    stack[depth++] = Frame{path, names, 0, blocks};
  };
  char* top = strdup(root);
  if (top == nullptr) {
    printf("du: out of memory\n");
    exit(1);
  }
  enter(top, st.blocks);
  while (depth > 0) {
    Frame* f = &stack[depth - 1];
    if (f->next < f->names.count) {
      const char* name = f->names.names[f->next++];
      char* child = static_cast<char*>(malloc(fsutil::kPathMax));
      if (child == nullptr || !fsutil::join(child, fsutil::kPathMax, f->path, name)) {
        fsutil::error("du", name, child == nullptr ? ZX_ERR_NO_MEMORY : ZX_ERR_BAD_PATH);
        g_status = 1;
        free(child);
        continue;
      }
      s = fs_lstat(child, &st);
      if (s != ZX_OK) {
        fsutil::error("du", child, s);
        g_status = 1;
      } else if (fsutil::is_dir(st.mode)) {
        enter(child, st.blocks);  // takes child
        continue;
      } else if (st.nlink <= 1 || !seen(st.ino)) {
        f->blocks += st.blocks;
      }
      free(child);
      continue;
    }
    if (depth == 1 || !g_summary)
      printf("%lu\t%s\n", static_cast<unsigned long>((f->blocks + 1) / 2), f->path);
    uint64_t blocks = f->blocks;
    free(f->path);
    fsutil::free_names(&f->names);
    depth--;
    if (depth > 0) stack[depth - 1].blocks += blocks;
  }
  free(stack);
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
  walk(first < argc ? argv[first] : ".");
  return g_status;
}
