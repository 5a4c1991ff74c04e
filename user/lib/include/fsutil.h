// Small helpers shared by the file utilities of user/bin (ls, stat, cp, mv, rm, du, ...): error
// lines, mode strings and path pieces. Header-only and inline, like testing.h, so each program
// carries only what it uses.
#ifndef FSUTIL_H_
#define FSUTIL_H_

#include <fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/status.h>

namespace fsutil {

// "PROG: WHAT: ZX_ERR_..." on stdout (there is no stderr), the form every utility uses.
inline void error(const char* prog, const char* what, zx_status_t s) {
  printf("%s: %s: %s\n", prog, what, zx_status_get_string(s));
}

// The result of a call that returns a count or a negative status, as a status.
inline zx_status_t status_of(int64_t v) { return v < 0 ? static_cast<zx_status_t>(v) : ZX_OK; }

// Reads a whole file front to back through `buf`, handing each piece to fn(bytes, n). Returns
// the first error (opening or reading), or ZX_OK at the end of the file.
template <typename Fn>
zx_status_t read_chunks(const char* path, char* buf, size_t cap, Fn fn) {
  int fd = fs_open(path, FS_O_READ, 0);
  if (fd < 0) return fd;
  zx_status_t s = ZX_OK;
  for (;;) {
    int64_t n = fs_read(fd, buf, cap);
    if (n <= 0) {
      s = status_of(n);
      break;
    }
    fn(buf, static_cast<size_t>(n));
  }
  fs_close(fd);
  return s;
}

inline bool is_dir(uint32_t mode) { return (mode & FS_S_IFMT) == FS_S_IFDIR; }
inline bool is_link(uint32_t mode) { return (mode & FS_S_IFMT) == FS_S_IFLNK; }
inline bool is_reg(uint32_t mode) { return (mode & FS_S_IFMT) == FS_S_IFREG; }

// "drwxr-xr-x" as ls -l prints it (with s/S and t/T for the set-id and sticky bits).
inline void mode_string(uint32_t mode, char out[11]) {
  switch (mode & FS_S_IFMT) {
    case FS_S_IFDIR:
      out[0] = 'd';
      break;
    case FS_S_IFLNK:
      out[0] = 'l';
      break;
    case FS_S_IFREG:
      out[0] = '-';
      break;
    default:
      out[0] = '?';
      break;
  }
  static const char kRwx[] = "rwxrwxrwx";
  for (int i = 0; i < 9; i++) out[1 + i] = (mode & (0400u >> i)) ? kRwx[i] : '-';
  if (mode & 04000u) out[3] = out[3] == 'x' ? 's' : 'S';
  if (mode & 02000u) out[6] = out[6] == 'x' ? 's' : 'S';
  if (mode & 01000u) out[9] = out[9] == 'x' ? 't' : 'T';
  out[10] = '\0';
}

// The last component of a path ("c" for "/a/b/c" and for "c/"; "/" for "/").
inline const char* basename(const char* path, char* buf, size_t cap) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  size_t start = n;
  while (start > 0 && path[start - 1] != '/') start--;
  if (n == 1 && path[0] == '/') start = 0;
  size_t len = n - start;
  if (len + 1 > cap) len = cap - 1;
  memcpy(buf, path + start, len);
  buf[len] = '\0';
  return buf;
}

// dir + "/" + name into out; false if it does not fit (a path longer than the protocol's).
inline bool join(char* out, size_t cap, const char* dir, const char* name) {
  size_t dl = strlen(dir), nl = strlen(name);
  bool slash = dl > 0 && dir[dl - 1] != '/';
  if (dl + slash + nl + 1 > cap) return false;
  memcpy(out, dir, dl);
  if (slash) out[dl] = '/';
  memcpy(out + dl + slash, name, nl + 1);
  return true;
}

// Room for any path the protocol carries, with its NUL.
constexpr size_t kPathMax = FS_MAX_PATH + 1;

// A heap-allocated path buffer (recursive walks would exhaust a 64 KiB stack with arrays).
struct PathBuf {
  PathBuf() : p(static_cast<char*>(malloc(kPathMax))) {
    if (p == nullptr) {
      printf("out of memory\n");
      exit(1);
    }
    p[0] = '\0';
  }
  ~PathBuf() { free(p); }
  PathBuf(const PathBuf&) = delete;
  PathBuf& operator=(const PathBuf&) = delete;
  char* p;
};

// Where `cp SRC DST` and `mv SRC DST` put SRC: DST itself, or DST/basename(SRC) when DST is an
// existing directory (built in `target`). Reports a path too long for the protocol and returns
// nullptr.
inline const char* destination(const char* prog, const char* src, const char* dst,
                               PathBuf* target) {
  fs_stat_t st;
  if (fs_stat(dst, &st) != ZX_OK || !is_dir(st.mode)) return dst;
  char name[FS_MAX_NAME + 1];
  if (!join(target->p, kPathMax, dst, basename(src, name, sizeof(name)))) {
    error(prog, dst, ZX_ERR_BAD_PATH);
    return nullptr;
  }
  return target->p;
}

// The names in a directory ("." and ".." left out), sorted by strcmp, heap-allocated: the
// caller frees with free_names. Read completely before the caller changes the directory, so
// removing entries while walking (rm -r) cannot confuse the server's cookies.
struct Names {
  char** names = nullptr;
  uint8_t* types = nullptr;
  size_t count = 0;
  size_t cap = 0;
};

inline void free_names(Names* n) {
  for (size_t i = 0; i < n->count; i++) free(n->names[i]);
  free(n->names);
  free(n->types);
  *n = Names{};
}

inline zx_status_t read_names(const char* path, Names* out) {
  *out = Names{};
  fs_dir_t* dir;
  zx_status_t s = fs_opendir(path, &dir);
  if (s != ZX_OK) return s;
  fs_dirent_t e;
  while ((s = fs_readdir(dir, &e)) == ZX_OK) {
    if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0) continue;
    if (out->count == out->cap) {
      size_t cap = out->cap ? 2 * out->cap : 32;
      auto* names = static_cast<char**>(realloc(out->names, cap * sizeof(char*)));
      if (names != nullptr) out->names = names;
      auto* types = static_cast<uint8_t*>(realloc(out->types, cap));
      if (types != nullptr) out->types = types;
      if (names == nullptr || types == nullptr) {
        s = ZX_ERR_NO_MEMORY;
        break;
      }
      out->cap = cap;
    }
    char* name = strdup(e.name);
    if (name == nullptr) {
      s = ZX_ERR_NO_MEMORY;
      break;
    }
    // Insertion into sorted position: directories here hold tens to hundreds of names.
    size_t i = out->count;
    while (i > 0 && strcmp(out->names[i - 1], name) > 0) {
      out->names[i] = out->names[i - 1];
      out->types[i] = out->types[i - 1];
      i--;
    }
    out->names[i] = name;
    out->types[i] = e.type;
    out->count++;
  }
  fs_closedir(dir);
  if (s != ZX_ERR_STOP) {
    free_names(out);
    return s;
  }
  return ZX_OK;
}

}  // namespace fsutil

#endif  // FSUTIL_H_
