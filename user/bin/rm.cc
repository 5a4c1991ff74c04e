// rm: removes files. `rm [-r] [-f] PATH...`: a directory only with -r, which removes what it
// holds first (depth first; symlinks are removed, never followed). -f: a missing path is not
// an error. Deep trees are walked with a heap stack, not recursion.
#include <fsutil.h>

namespace {

bool g_recursive, g_force;

// One directory being emptied: its path, its names (read once, before anything in it is
// removed) and the next one to take.
struct Frame {
  char* path;
  fsutil::Names names;
  size_t next;
  zx_status_t result;  // the first failure below it: the directory cannot be removed then
};

// Removes everything under the directory `root`, then root itself, depth first. Iterative, with
// the directories in progress on a heap stack, so the depth of a tree costs heap, not stack: a
// path of FS_MAX_PATH bytes can nest 512 directories.
zx_status_t remove_tree(const char* root) {
  Frame* stack = nullptr;
  size_t depth = 0, cap = 0;
  // Takes `path` (heap) into a new frame, or reports why it cannot be listed and frees it.
  auto enter = [&](char* path) -> zx_status_t {
    fsutil::Names names;
    zx_status_t s = fsutil::read_names(path, &names);
    if (s == ZX_OK && depth == cap) {
      size_t ncap = cap ? 2 * cap : 16;
      auto* n = static_cast<Frame*>(realloc(stack, ncap * sizeof(Frame)));
      if (n == nullptr) {
        fsutil::free_names(&names);
        s = ZX_ERR_NO_MEMORY;
      } else {
        stack = n;
        cap = ncap;
      }
    }
    if (s != ZX_OK) {
      fsutil::error("rm", path, s);
      free(path);
      return s;
    }
    stack[depth++] = Frame{path, names, 0, ZX_OK};
    return ZX_OK;
  };
  char* top = strdup(root);
  if (top == nullptr) {
    fsutil::error("rm", root, ZX_ERR_NO_MEMORY);
    return ZX_ERR_NO_MEMORY;
  }
  zx_status_t last = enter(top);
  while (depth > 0) {
    Frame* f = &stack[depth - 1];
    if (f->next < f->names.count) {
      const char* name = f->names.names[f->next++];
      char* child = static_cast<char*>(malloc(fsutil::kPathMax));
      zx_status_t s = child != nullptr ? ZX_OK : ZX_ERR_NO_MEMORY;
      if (s == ZX_OK && !fsutil::join(child, fsutil::kPathMax, f->path, name)) s = ZX_ERR_BAD_PATH;
      fs_stat_t st;
      if (s == ZX_OK) s = fs_lstat(child, &st);
      if (s == ZX_OK && fsutil::is_dir(st.mode)) {
        s = enter(child);  // takes child; reports its own failure
        if (s != ZX_OK) stack[depth - 1].result = s;
        continue;
      }
      if (s == ZX_OK) s = fs_unlink(child);
      if (s == ZX_ERR_NOT_FOUND && g_force) s = ZX_OK;
      if (s != ZX_OK) {
        fsutil::error("rm", child != nullptr && s != ZX_ERR_BAD_PATH ? child : name, s);
        f->result = s;
      }
      free(child);
      continue;
    }
    // Everything in it is gone (or a failure was reported): the directory itself.
    zx_status_t r = f->result;
    if (r == ZX_OK) {
      r = fs_rmdir(f->path);
      if (r != ZX_OK) fsutil::error("rm", f->path, r);
    }
    free(f->path);
    fsutil::free_names(&f->names);
    depth--;
    if (depth > 0 && r != ZX_OK) stack[depth - 1].result = r;  // so the parent stays too
    last = r;
  }
  free(stack);
  return last;
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
