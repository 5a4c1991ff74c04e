// The filesystem client (fs.h): descriptors, paths and the request/reply exchange with the
// filesystem server over the channel protocol of fs_protocol.h.
//
// Every operation is one zx_channel_call: an fs_request_t with the paths after it, answered by
// an fs_reply_t with data after it. File contents never travel over the channel: an open
// regular file is the server's pager-backed VMO, and reads and writes are zx_vmo_read and
// zx_vmo_write on it. What the client keeps per descriptor is the server's fid, the VMO, the
// offset and the file size as last learned (the VMO's size is page-rounded, so it cannot say
// where the file ends).
//
// The cached size is refreshed (FSTAT) whenever a read or write reaches past it, by fs_fstat,
// fs_map and seeking from the end, and when the VMO turns out shorter than it (another
// descriptor shrank the file across a page boundary). A shrink by another descriptor within
// the last page is not seen until then: a read there returns zeros rather than ending early.
//
// Threads: one mutex (g_lock) covers the descriptor table, the connection, the working
// directory and the message buffers, taken by every function of fs.h for its whole length, so
// calls from several threads are served one after another (the server too serves one request
// at a time). fs_getcwd's string may change under a caller whose other thread calls fs_chdir.
// Internal functions never take it; public ones never call each other.
#include <fs.h>
#include <libc_mutex.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/processargs.h>
#include <zircon/syscalls.h>

namespace {

constexpr uint64_t kPage = 4096;

libc_mutex_t g_lock = LIBC_MUTEX_INIT;

uint64_t page_up(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

// ---- the connection --------------------------------------------------------------------------

zx_handle_t g_conn = ZX_HANDLE_INVALID;
// The startup handle is taken at the first use, not at start-up, so that a program that never
// touches files pays nothing, and fs_set_connection can install another one first.
bool g_conn_taken;

zx_handle_t connection() {
  if (!g_conn_taken) {
    g_conn_taken = true;
    g_conn = zx_take_startup_handle(PA_HND(PA_NS_DIR, 0));
  }
  return g_conn;
}

// One request and its reply. The buffers are global (the library is single-threaded) so that
// the 10 KiB of them do not live on every caller's stack.
alignas(8) uint8_t g_req_buf[FS_MAX_REQUEST];
alignas(8) uint8_t g_reply_buf[FS_MAX_REPLY];

struct Call {
  uint32_t op = 0;
  uint32_t flags = 0;
  uint32_t perm = 0;
  uint32_t fid = FS_FID_NONE;
  uint64_t arg = 0;
  const char* path = nullptr;
  size_t path_len = 0;
  const char* path2 = nullptr;
  size_t path2_len = 0;
  zx_handle_t handle_in = ZX_HANDLE_INVALID;  // consumed by transact()
  // Results.
  fs_reply_t reply = {};
  const uint8_t* data = nullptr;  // points into g_reply_buf until the next call
  uint32_t data_len = 0;
  zx_handle_t handle_out = ZX_HANDLE_INVALID;  // closed by transact() unless want_handle
  bool want_handle = false;
};

// Sends the request and waits for the reply. Returns the channel's status if the exchange
// itself failed (ZX_ERR_PEER_CLOSED when the server is gone), otherwise the reply's status.
// A handle in a failed reply, or one the caller did not ask for, is closed.
zx_status_t transact(Call* c) {
  zx_handle_t conn = connection();
  if (conn == ZX_HANDLE_INVALID) {
    if (c->handle_in != ZX_HANDLE_INVALID) zx_handle_close(c->handle_in);
    return ZX_ERR_UNAVAILABLE;
  }
  if (c->path_len > FS_MAX_PATH || c->path2_len > FS_MAX_PATH) {
    if (c->handle_in != ZX_HANDLE_INVALID) zx_handle_close(c->handle_in);
    return ZX_ERR_BAD_PATH;
  }
  fs_request_t req = {};
  req.op = c->op;
  req.flags = c->flags;
  req.perm = c->perm;
  req.fid = c->fid;
  req.path_len = static_cast<uint32_t>(c->path_len);
  req.path2_len = static_cast<uint32_t>(c->path2_len);
  req.arg = c->arg;
  memcpy(g_req_buf, &req, sizeof(req));
  if (c->path_len) memcpy(g_req_buf + sizeof(req), c->path, c->path_len);
  if (c->path2_len) memcpy(g_req_buf + sizeof(req) + c->path_len, c->path2, c->path2_len);

  zx_handle_t in[1] = {c->handle_in};
  zx_handle_t out[1] = {ZX_HANDLE_INVALID};
  zx_channel_call_args_t args = {};
  args.wr_bytes = g_req_buf;
  args.wr_num_bytes = static_cast<uint32_t>(sizeof(req) + c->path_len + c->path2_len);
  args.wr_handles = in;
  args.wr_num_handles = c->handle_in != ZX_HANDLE_INVALID ? 1 : 0;
  args.rd_bytes = g_reply_buf;
  args.rd_num_bytes = sizeof(g_reply_buf);
  args.rd_handles = out;
  args.rd_num_handles = 1;
  uint32_t got_bytes = 0, got_handles = 0;
  zx_status_t s = zx_channel_call(conn, 0, ZX_TIME_INFINITE, &args, &got_bytes, &got_handles);
  c->handle_in = ZX_HANDLE_INVALID;  // the call took it, whatever happened
  if (s != ZX_OK) return s;
  zx_handle_t h = got_handles ? out[0] : ZX_HANDLE_INVALID;
  if (got_bytes < sizeof(fs_reply_t)) {
    // A reply too short to hold a status: the server is not speaking this protocol.
    if (h != ZX_HANDLE_INVALID) zx_handle_close(h);
    return ZX_ERR_IO;
  }
  memcpy(&c->reply, g_reply_buf, sizeof(c->reply));
  c->data = g_reply_buf + sizeof(fs_reply_t);
  c->data_len = got_bytes - static_cast<uint32_t>(sizeof(fs_reply_t));
  if (c->reply.status != ZX_OK || !c->want_handle) {
    if (h != ZX_HANDLE_INVALID) zx_handle_close(h);
    h = ZX_HANDLE_INVALID;
  }
  c->handle_out = h;
  return c->reply.status;
}

// ---- paths -------------------------------------------------------------------------------------

// The working directory: always absolute and normalised ("/" or "/a/b", no trailing slash). It
// starts as the launcher's (its PWD), read on first use rather than by a constructor: a
// constructor would link this whole library, and its buffers, into every program.
char g_cwd_buf[FS_MAX_PATH + 1] = "/";
bool g_cwd_read;

char* cwd() {
  if (!g_cwd_read) {
    g_cwd_read = true;
    const char* pwd = getenv("PWD");
    if (pwd != nullptr && pwd[0] == '/' && strlen(pwd) <= FS_MAX_PATH)
      strlcpy(g_cwd_buf, pwd, sizeof(g_cwd_buf));
  }
  return g_cwd_buf;
}

// A path as sent to the server: absolute and normalised.
struct Path {
  char buf[FS_MAX_PATH + 1];
  size_t len;
};

// Resolves `path` against the working directory, textually: repeated slashes and "." go, and
// ".." removes the component before it (at the root it stays at the root). The server sees
// only absolute paths. Textual ".." differs from the kernel-side resolution of POSIX when a
// component is a symlink to elsewhere ("link/.." is the directory holding link, not the
// parent of the link's target); for a small system the simplicity is worth it.
zx_status_t resolve(const char* path, Path* out) {
  if (path == nullptr || path[0] == '\0') return ZX_ERR_INVALID_ARGS;
  size_t len = 0;
  // Appends one component, or applies "." / "..".
  auto push = [&](const char* name, size_t n) -> zx_status_t {
    if (n == 0 || (n == 1 && name[0] == '.')) return ZX_OK;
    if (n == 2 && name[0] == '.' && name[1] == '.') {
      while (len > 0 && out->buf[len - 1] != '/') len--;
      if (len > 0) len--;  // the slash before the removed component
      return ZX_OK;
    }
    if (n > FS_MAX_NAME) return ZX_ERR_BAD_PATH;
    if (len + 1 + n > FS_MAX_PATH) return ZX_ERR_BAD_PATH;
    out->buf[len++] = '/';
    memcpy(out->buf + len, name, n);
    len += n;
    return ZX_OK;
  };
  // Splits `p` at slashes and pushes each component.
  auto push_all = [&](const char* p) -> zx_status_t {
    while (*p != '\0') {
      while (*p == '/') p++;
      const char* start = p;
      while (*p != '\0' && *p != '/') p++;
      zx_status_t s = push(start, static_cast<size_t>(p - start));
      if (s != ZX_OK) return s;
    }
    return ZX_OK;
  };
  zx_status_t s = ZX_OK;
  if (path[0] != '/') s = push_all(cwd());
  if (s == ZX_OK) s = push_all(path);
  if (s != ZX_OK) return s;
  // A path ending in a slash (or in "." or "..") names a directory, as in POSIX: the slash is
  // kept so that the server refuses anything else ("/README/" is ZX_ERR_NOT_DIR).
  size_t plen = strlen(path);
  bool want_dir =
      path[plen - 1] == '/' || (plen >= 1 && path[plen - 1] == '.' &&
                                (plen == 1 || path[plen - 2] == '/' ||
                                 (path[plen - 2] == '.' && (plen == 2 || path[plen - 3] == '/'))));
  if (want_dir && len > 0) {
    if (len + 1 > FS_MAX_PATH) return ZX_ERR_BAD_PATH;
    out->buf[len++] = '/';
  }
  if (len == 0) out->buf[len++] = '/';
  out->buf[len] = '\0';
  out->len = len;
  return ZX_OK;
}

// A call on one resolved path.
zx_status_t path_call(Call* c, const char* path, Path* p) {
  zx_status_t s = resolve(path, p);
  if (s != ZX_OK) return s;
  c->path = p->buf;
  c->path_len = p->len;
  return transact(c);
}

// ---- descriptors -------------------------------------------------------------------------------

struct Fd {
  bool used;
  bool is_dir;
  uint32_t fid;
  uint32_t flags;
  zx_handle_t vmo;  // regular files only
  uint64_t offset;
  uint64_t size;  // the file's size as last learned from the server
};

Fd g_fds[FS_MAX_FDS];
bool g_atexit_set;

Fd* get_fd(int fd) {
  if (fd < 0 || fd >= static_cast<int>(FS_MAX_FDS) || !g_fds[fd].used) return nullptr;
  return &g_fds[fd];
}

// Looks up a descriptor that must be an open regular file.
zx_status_t get_file(int fd, Fd** out) {
  Fd* f = get_fd(fd);
  if (f == nullptr) return ZX_ERR_BAD_HANDLE;
  if (f->is_dir || f->vmo == ZX_HANDLE_INVALID) return ZX_ERR_NOT_FILE;
  *out = f;
  return ZX_OK;
}

zx_status_t fstat_fid(Fd* f, fs_stat_t* out) {
  Call c;
  c.op = FS_OP_FSTAT;
  c.fid = f->fid;
  zx_status_t s = transact(&c);
  if (s != ZX_OK) return s;
  if (!f->is_dir) f->size = c.reply.stat.size;
  if (out != nullptr) *out = c.reply.stat;
  return ZX_OK;
}

zx_status_t refresh_size(Fd* f) { return fstat_fid(f, nullptr); }

zx_status_t close_fd(Fd* f) {
  Call c;
  c.op = FS_OP_CLOSE;
  c.fid = f->fid;
  zx_status_t s = transact(&c);
  if (f->vmo != ZX_HANDLE_INVALID) zx_handle_close(f->vmo);
  *f = Fd{};
  return s;
}

// Files still open at exit are closed, so that the server writes their dirty pages back now
// rather than at its next periodic flush (the same as a process that closed them itself).
void close_all_at_exit() {
  LibcMutexGuard guard(&g_lock);
  for (Fd& f : g_fds) {
    if (f.used) close_fd(&f);
  }
}

int64_t do_pread(Fd* f, void* buf, size_t len, uint64_t offset) {
  if (!(f->flags & FS_O_READ)) return ZX_ERR_ACCESS_DENIED;
  if (len == 0) return 0;
  if (len > INT64_MAX) len = INT64_MAX;
  // Another descriptor or process may have grown the file since we last asked.
  bool fresh = false;
  if (offset + len > f->size || offset + len < offset) {
    zx_status_t s = refresh_size(f);
    if (s != ZX_OK) return s;
    fresh = true;
  }
  for (;;) {
    if (offset >= f->size) return 0;
    uint64_t n = f->size - offset;
    if (n > len) n = len;
    zx_status_t s = zx_vmo_read(f->vmo, buf, offset, n);
    if (s == ZX_OK) return static_cast<int64_t>(n);
    // The VMO ends before the size we knew: someone shrank the file. Learn the new size and
    // try again. (A shrink within the last page goes unseen until the size is next learned:
    // the bytes past the new end read as zeros.)
    if (s != ZX_ERR_OUT_OF_RANGE || fresh) return s;
    if ((s = refresh_size(f)) != ZX_OK) return s;
    fresh = true;
  }
}

zx_status_t do_truncate(Fd* f, uint64_t size) {
  Call c;
  c.op = FS_OP_TRUNCATE;
  c.fid = f->fid;
  c.arg = size;
  zx_status_t s = transact(&c);
  if (s == ZX_OK) f->size = size;
  return s;
}

int64_t do_pwrite(Fd* f, const void* buf, size_t len, uint64_t offset) {
  if (!(f->flags & FS_O_WRITE)) return ZX_ERR_ACCESS_DENIED;
  if (len == 0) return 0;
  if (len > INT64_MAX || offset > INT64_MAX - len) return ZX_ERR_FILE_BIG;
  uint64_t end = offset + len;
  // Twice at most: the second time after the VMO turned out shorter than the size we knew
  // (another descriptor shrank the file), so the size is fresh and the file grows again.
  for (int attempt = 0;; attempt++) {
    bool grew = false;
    uint64_t before = f->size;
    if (end > f->size || attempt > 0) {
      // The cached size may be stale (another writer grew the file), and TRUNCATE also
      // shrinks: ask first, so that growing for this write never cuts off someone's data.
      zx_status_t s = refresh_size(f);
      before = f->size;
      if (s == ZX_OK && end > f->size) {
        s = do_truncate(f, end);
        grew = s == ZX_OK;
      }
      if (s != ZX_OK) return s;
    }
    zx_status_t s = zx_vmo_write(f->vmo, buf, offset, len);
    if (s == ZX_OK) return static_cast<int64_t>(len);
    if (s == ZX_ERR_OUT_OF_RANGE && attempt == 0) continue;
    // A failed write changes nothing: the size it grew the file to goes back (part of the
    // data may have reached pages that are now cut off again).
    if (grew) do_truncate(f, before);
    return s;
  }
}

// STAT of a path already resolved (flags: FS_O_NOFOLLOW for lstat).
zx_status_t stat_path(const Path& p, uint32_t flags, fs_stat_t* out) {
  Call c;
  c.op = FS_OP_STAT;
  c.flags = flags;
  c.path = p.buf;
  c.path_len = p.len;
  zx_status_t s = transact(&c);
  if (s == ZX_OK) *out = c.reply.stat;
  return s;
}

// A request that names one path and wants nothing back but its status.
zx_status_t path_op(uint32_t op, uint32_t flags, uint32_t perm, const char* path) {
  LibcMutexGuard guard(&g_lock);
  Call c;
  c.op = op;
  c.flags = flags;
  c.perm = perm;
  Path p;
  return path_call(&c, path, &p);
}

}  // namespace

// ---- the API (fs.h) ----------------------------------------------------------------------------

extern "C" {

zx_status_t fs_status(void) {
  LibcMutexGuard guard(&g_lock);
  return connection() != ZX_HANDLE_INVALID ? ZX_OK : ZX_ERR_UNAVAILABLE;
}

void fs_set_connection(zx_handle_t channel) {
  LibcMutexGuard guard(&g_lock);
  connection();  // take (and drop below) the startup handle, so it cannot come back later
  if (g_conn != ZX_HANDLE_INVALID) zx_handle_close(g_conn);
  g_conn = channel;
}

zx_status_t fs_clone_connection(zx_handle_t* out) {
  LibcMutexGuard guard(&g_lock);
  if (out == nullptr) return ZX_ERR_INVALID_ARGS;
  if (connection() == ZX_HANDLE_INVALID) return ZX_ERR_UNAVAILABLE;
  zx_handle_t mine, theirs;
  zx_status_t s = zx_channel_create(0, &mine, &theirs);
  if (s != ZX_OK) return s;
  Call c;
  c.op = FS_OP_CLONE;
  c.handle_in = theirs;
  s = transact(&c);
  if (s != ZX_OK) {
    zx_handle_close(mine);
    return s;
  }
  *out = mine;
  return ZX_OK;
}

int fs_open(const char* path, uint32_t flags, uint32_t perm) {
  LibcMutexGuard guard(&g_lock);
  if (flags & ~FS_O_ALL) return ZX_ERR_INVALID_ARGS;
  int fd = -1;
  for (int i = 0; i < static_cast<int>(FS_MAX_FDS); i++) {
    if (!g_fds[i].used) {
      fd = i;
      break;
    }
  }
  if (fd < 0) return ZX_ERR_NO_RESOURCES;
  Call c;
  c.op = FS_OP_OPEN;
  c.flags = flags;
  c.perm = perm;
  c.want_handle = true;
  Path p;
  zx_status_t s = path_call(&c, path, &p);
  if (s != ZX_OK) return s;
  Fd& f = g_fds[fd];
  f = Fd{};
  f.used = true;
  f.fid = c.reply.fid;
  f.flags = flags;
  f.is_dir = (c.reply.stat.mode & FS_S_IFMT) == FS_S_IFDIR;
  f.vmo = c.handle_out;
  f.size = c.reply.stat.size;
  if (!f.is_dir && f.vmo == ZX_HANDLE_INVALID) {
    // A regular file always comes with its VMO; without one the descriptor is useless.
    close_fd(&f);
    return ZX_ERR_IO;
  }
  if (!g_atexit_set) {
    g_atexit_set = true;
    atexit(close_all_at_exit);
  }
  return fd;
}

zx_status_t fs_close(int fd) {
  LibcMutexGuard guard(&g_lock);
  Fd* f = get_fd(fd);
  if (f == nullptr) return ZX_ERR_BAD_HANDLE;
  return close_fd(f);
}

int64_t fs_read(int fd, void* buf, size_t len) {
  LibcMutexGuard guard(&g_lock);
  Fd* f;
  zx_status_t s = get_file(fd, &f);
  if (s != ZX_OK) return s;
  int64_t n = do_pread(f, buf, len, f->offset);
  if (n > 0) f->offset += static_cast<uint64_t>(n);
  return n;
}

int64_t fs_pread(int fd, void* buf, size_t len, uint64_t offset) {
  LibcMutexGuard guard(&g_lock);
  Fd* f;
  zx_status_t s = get_file(fd, &f);
  if (s != ZX_OK) return s;
  return do_pread(f, buf, len, offset);
}

int64_t fs_write(int fd, const void* buf, size_t len) {
  LibcMutexGuard guard(&g_lock);
  Fd* f;
  zx_status_t s = get_file(fd, &f);
  if (s != ZX_OK) return s;
  if (f->flags & FS_O_APPEND) {
    if (!(f->flags & FS_O_WRITE)) return ZX_ERR_ACCESS_DENIED;
    // The end as the server knows it now: another writer may have appended meanwhile.
    if ((s = refresh_size(f)) != ZX_OK) return s;
    f->offset = f->size;
  }
  int64_t n = do_pwrite(f, buf, len, f->offset);
  if (n > 0) f->offset += static_cast<uint64_t>(n);
  return n;
}

int64_t fs_pwrite(int fd, const void* buf, size_t len, uint64_t offset) {
  LibcMutexGuard guard(&g_lock);
  Fd* f;
  zx_status_t s = get_file(fd, &f);
  if (s != ZX_OK) return s;
  return do_pwrite(f, buf, len, offset);
}

int64_t fs_seek(int fd, int64_t offset, int whence) {
  LibcMutexGuard guard(&g_lock);
  Fd* f;
  zx_status_t s = get_file(fd, &f);
  if (s != ZX_OK) return s;
  int64_t base;
  switch (whence) {
    case FS_SEEK_SET:
      base = 0;
      break;
    case FS_SEEK_CUR:
      base = static_cast<int64_t>(f->offset);
      break;
    case FS_SEEK_END:
      if ((s = refresh_size(f)) != ZX_OK) return s;
      base = static_cast<int64_t>(f->size);
      break;
    default:
      return ZX_ERR_INVALID_ARGS;
  }
  if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0) return ZX_ERR_INVALID_ARGS;
  f->offset = static_cast<uint64_t>(base + offset);
  return base + offset;
}

zx_status_t fs_fstat(int fd, fs_stat_t* out) {
  LibcMutexGuard guard(&g_lock);
  Fd* f = get_fd(fd);
  if (f == nullptr) return ZX_ERR_BAD_HANDLE;
  if (out == nullptr) return ZX_ERR_INVALID_ARGS;
  return fstat_fid(f, out);
}

zx_status_t fs_ftruncate(int fd, uint64_t size) {
  LibcMutexGuard guard(&g_lock);
  Fd* f;
  zx_status_t s = get_file(fd, &f);
  if (s != ZX_OK) return s;
  if (!(f->flags & FS_O_WRITE)) return ZX_ERR_ACCESS_DENIED;
  return do_truncate(f, size);
}

zx_status_t fs_fsync(int fd) {
  LibcMutexGuard guard(&g_lock);
  Fd* f = get_fd(fd);
  if (f == nullptr) return ZX_ERR_BAD_HANDLE;
  Call c;
  c.op = FS_OP_SYNC;
  c.fid = f->fid;
  return transact(&c);
}

zx_handle_t fs_vmo(int fd) {
  LibcMutexGuard guard(&g_lock);
  Fd* f = get_fd(fd);
  return f != nullptr ? f->vmo : ZX_HANDLE_INVALID;
}

zx_status_t fs_map(int fd, const void** addr, size_t* len) {
  LibcMutexGuard guard(&g_lock);
  if (addr == nullptr || len == nullptr) return ZX_ERR_INVALID_ARGS;
  Fd* f;
  zx_status_t s = get_file(fd, &f);
  if (s != ZX_OK) return s;
  if ((s = refresh_size(f)) != ZX_OK) return s;
  if (f->size == 0) {
    *addr = nullptr;
    *len = 0;
    return ZX_OK;
  }
  zx_vaddr_t a = 0;
  s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, f->vmo, 0, page_up(f->size), &a);
  if (s != ZX_OK) return s;
  *addr = reinterpret_cast<const void*>(a);
  *len = f->size;
  return ZX_OK;
}

zx_status_t fs_unmap(const void* addr, size_t len) {
  if (len == 0) return ZX_OK;
  zx_vaddr_t a = reinterpret_cast<zx_vaddr_t>(addr);
  if (a & (kPage - 1)) return ZX_ERR_INVALID_ARGS;
  return zx_vmar_unmap(zx_vmar_root_self(), a, page_up(len));
}

zx_status_t fs_stat(const char* path, fs_stat_t* out) {
  if (out == nullptr) return ZX_ERR_INVALID_ARGS;
  LibcMutexGuard guard(&g_lock);
  Path p;
  zx_status_t s = resolve(path, &p);
  return s != ZX_OK ? s : stat_path(p, 0, out);
}

zx_status_t fs_lstat(const char* path, fs_stat_t* out) {
  if (out == nullptr) return ZX_ERR_INVALID_ARGS;
  LibcMutexGuard guard(&g_lock);
  Path p;
  zx_status_t s = resolve(path, &p);
  return s != ZX_OK ? s : stat_path(p, FS_O_NOFOLLOW, out);
}

zx_status_t fs_mkdir(const char* path, uint32_t perm) {
  return path_op(FS_OP_MKDIR, 0, perm, path);
}

zx_status_t fs_unlink(const char* path) { return path_op(FS_OP_UNLINK, 0, 0, path); }

zx_status_t fs_rmdir(const char* path) { return path_op(FS_OP_UNLINK, FS_UNLINK_DIR, 0, path); }

zx_status_t fs_rename(const char* from, const char* to) {
  LibcMutexGuard guard(&g_lock);
  Path p2;
  zx_status_t s = resolve(to, &p2);
  if (s != ZX_OK) return s;
  Call c;
  c.op = FS_OP_RENAME;
  c.path2 = p2.buf;
  c.path2_len = p2.len;
  Path p;
  return path_call(&c, from, &p);
}

zx_status_t fs_symlink(const char* target, const char* path) {
  LibcMutexGuard guard(&g_lock);
  // The target is stored as written: a relative target is relative to the link's directory
  // when followed, not to our working directory now.
  if (target == nullptr || target[0] == '\0') return ZX_ERR_INVALID_ARGS;
  size_t n = strlen(target);
  if (n > FS_MAX_PATH) return ZX_ERR_BAD_PATH;
  Call c;
  c.op = FS_OP_SYMLINK;
  c.path2 = target;
  c.path2_len = n;
  Path p;
  return path_call(&c, path, &p);
}

int64_t fs_readlink(const char* path, char* buf, size_t cap) {
  LibcMutexGuard guard(&g_lock);
  if (buf == nullptr && cap != 0) return ZX_ERR_INVALID_ARGS;
  Call c;
  c.op = FS_OP_READLINK;
  Path p;
  zx_status_t s = path_call(&c, path, &p);
  if (s != ZX_OK) return s;
  uint32_t n = c.reply.count;
  if (n > c.data_len) return ZX_ERR_IO;
  if (static_cast<size_t>(n) + 1 > cap) return ZX_ERR_BUFFER_TOO_SMALL;
  memcpy(buf, c.data, n);
  buf[n] = '\0';
  return n;
}

zx_status_t fs_statfs(fs_statfs_t* out) {
  LibcMutexGuard guard(&g_lock);
  if (out == nullptr) return ZX_ERR_INVALID_ARGS;
  Call c;
  c.op = FS_OP_STATFS;
  zx_status_t s = transact(&c);
  if (s != ZX_OK) return s;
  if (c.data_len < sizeof(*out)) return ZX_ERR_IO;
  memcpy(out, c.data, sizeof(*out));
  return ZX_OK;
}

zx_status_t fs_sync(void) {
  LibcMutexGuard guard(&g_lock);
  Call c;
  c.op = FS_OP_SYNC;
  c.fid = FS_FID_NONE;
  return transact(&c);
}

zx_status_t fs_chdir(const char* path) {
  LibcMutexGuard guard(&g_lock);
  Path p;
  zx_status_t s = resolve(path, &p);
  if (s != ZX_OK) return s;
  fs_stat_t st;
  if ((s = stat_path(p, 0, &st)) != ZX_OK) return s;
  if ((st.mode & FS_S_IFMT) != FS_S_IFDIR) return ZX_ERR_NOT_DIR;
  if (p.len > 1 && p.buf[p.len - 1] == '/') p.buf[--p.len] = '\0';  // the cwd has none
  memcpy(cwd(), p.buf, p.len + 1);
  return ZX_OK;
}

const char* fs_getcwd(void) {
  LibcMutexGuard guard(&g_lock);
  return cwd();
}

}  // extern "C"

// ---- directories -------------------------------------------------------------------------------

// An open directory: its path (READDIR names the directory by path, not by fid) and one batch
// of entries as the server sent them.
struct fs_dir {
  char path[FS_MAX_PATH + 1];
  size_t path_len;
  uint64_t cookie;  // where the next batch starts
  bool end;         // the server said there is no next batch
  uint32_t count;   // entries in buf
  uint32_t next;    // entries of buf already returned
  size_t pos;       // byte offset of entry `next` in buf
  size_t len;       // bytes in buf
  alignas(8) uint8_t buf[FS_MAX_REPLY_DATA];
};

namespace {

// Fetches the next batch of entries; ZX_ERR_STOP when there is none.
zx_status_t fetch(fs_dir_t* d) {
  if (d->end) return ZX_ERR_STOP;
  Call c;
  c.op = FS_OP_READDIR;
  c.path = d->path;
  c.path_len = d->path_len;
  c.arg = d->cookie;
  zx_status_t s = transact(&c);
  if (s != ZX_OK) return s;
  if (c.reply.count == 0) {
    d->end = true;
    return ZX_ERR_STOP;
  }
  memcpy(d->buf, c.data, c.data_len);
  d->len = c.data_len;
  d->count = c.reply.count;
  d->next = 0;
  d->pos = 0;
  d->cookie = c.reply.arg;
  return ZX_OK;
}

}  // namespace

extern "C" {

zx_status_t fs_opendir(const char* path, fs_dir_t** out) {
  LibcMutexGuard guard(&g_lock);
  if (out == nullptr) return ZX_ERR_INVALID_ARGS;
  Path p;
  zx_status_t s = resolve(path, &p);
  if (s != ZX_OK) return s;
  fs_stat_t st;
  if ((s = stat_path(p, 0, &st)) != ZX_OK) return s;
  if ((st.mode & FS_S_IFMT) != FS_S_IFDIR) return ZX_ERR_NOT_DIR;
  auto* d = static_cast<fs_dir_t*>(malloc(sizeof(fs_dir_t)));
  if (d == nullptr) return ZX_ERR_NO_MEMORY;
  memcpy(d->path, p.buf, p.len + 1);
  d->path_len = p.len;
  d->cookie = 0;
  d->end = false;
  d->count = d->next = 0;
  d->pos = d->len = 0;
  *out = d;
  return ZX_OK;
}

zx_status_t fs_readdir(fs_dir_t* d, fs_dirent_t* out) {
  LibcMutexGuard guard(&g_lock);
  if (d == nullptr || out == nullptr) return ZX_ERR_INVALID_ARGS;
  if (d->next == d->count) {
    zx_status_t s = fetch(d);
    if (s != ZX_OK) return s;
  }
  fs_wire_dirent_t w;
  if (d->pos + sizeof(w) > d->len) return ZX_ERR_IO;
  memcpy(&w, d->buf + d->pos, sizeof(w));
  if (d->pos + sizeof(w) + w.name_len > d->len) return ZX_ERR_IO;
  out->ino = w.ino;
  out->type = w.type;
  memcpy(out->name, d->buf + d->pos + sizeof(w), w.name_len);
  out->name[w.name_len] = '\0';
  d->pos += (sizeof(w) + w.name_len + 7) & ~size_t{7};
  d->next++;
  return ZX_OK;
}

void fs_closedir(fs_dir_t* d) { free(d); }

}  // extern "C"
