// fshostile: the filesystem server against a hostile client. The harness boots
// `run=init,fshostile` with fsd serving a small scratch image (tests/qemu/selftest.py
// run_fshostile) and checks the image with e2fsck -fn afterwards.
//
//   malformed_*        every kind of malformed request, sent over a raw connection of its own
//                      (too many handles, too many bytes, wrong handle types, truncated headers,
//                      lengths that disagree, unknown ops, bad fids, bad flags, wild offsets,
//                      unread replies, a connection closed with requests queued) while a second
//                      process (`fshostile worker`) keeps creating, writing, reading and removing
//                      files; each request must be answered with an error (or, for one the
//                      protocol allows, served), its handles closed, and the worker must never
//                      see an error
//   full_disk          write until ZX_ERR_NO_SPACE; truncating the file frees the space, and
//                      fsync and sync succeed again
//   failed_write       a write that fails (a bad buffer) leaves the file's size unchanged
//   trailing_slash     "file/" is ZX_ERR_NOT_DIR for open, stat, unlink, create
//   deep_tree          a 511-deep directory tree (the deepest a 1 KiB path can name) listed by
//                      `du -s` and removed by `rm -r`, both as child processes
//   out_of_memory      with every free page of the machine committed to one VMO of ours, the
//                      filesystem's answers are results or clean statuses (never a hang or a
//                      dead server); once the memory is given back everything works again and
//                      what was written reads back
//   server_alive       the server still answers everything afterwards
//
// Counts ("fshostile: N messages sent, ...") are printed at the end for the tally.
#include <fs.h>
#include <fs_protocol.h>
#include <launch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <testing.h>
#include <zircon/process.h>
#include <zircon/processargs.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/object.h>

namespace {

using testing::Test;

constexpr uint32_t kMaxMsgBytes = 65536;  // the kernel's channel limits (as Zircon's)
constexpr uint32_t kMaxMsgHandles = 64;

uint64_t g_messages;  // raw requests sent to the server
alignas(8) uint8_t g_msg[kMaxMsgBytes];
alignas(8) uint8_t g_reply[FS_MAX_REPLY + 64];

// ---- a raw connection ---------------------------------------------------------------------------

// Writes one message on `ch` and waits for the server's reply (in order: this channel is ours
// alone). *status is the reply's status. The handles are consumed by the write.
zx_status_t exchange(zx_handle_t ch, const void* bytes, uint32_t n, zx_handle_t* handles,
                     uint32_t nh, zx_status_t* status) {
  g_messages++;
  zx_status_t s = zx_channel_write(ch, 0, bytes, n, handles, nh);
  if (s != ZX_OK) return s;
  zx_signals_t seen = 0;
  s = zx_object_wait_one(ch, ZX_CHANNEL_READABLE, zx_deadline_after(ZX_SEC(30)), &seen);
  if (s != ZX_OK) return s;  // no answer in 30 s: the server hangs
  zx_handle_t rh[kMaxMsgHandles];
  uint32_t nb = 0, nrh = 0;
  s = zx_channel_read(ch, 0, g_reply, rh, sizeof(g_reply), kMaxMsgHandles, &nb, &nrh);
  if (s != ZX_OK) return s;
  for (uint32_t i = 0; i < nrh; i++) zx_handle_close(rh[i]);
  if (nb < sizeof(fs_reply_t)) return ZX_ERR_IO;
  fs_reply_t r;
  memcpy(&r, g_reply, sizeof(r));
  *status = r.status;
  return ZX_OK;
}

// A request header in g_msg, followed by `extra` bytes of path (filled with 'a').
uint32_t request(uint32_t op, uint32_t flags, uint32_t fid, uint32_t path_len, uint32_t path2_len,
                 uint64_t arg, uint32_t extra) {
  fs_request_t h = {};
  h.txid = 0x1234;
  h.op = op;
  h.flags = flags;
  h.fid = fid;
  h.path_len = path_len;
  h.path2_len = path2_len;
  h.arg = arg;
  memcpy(g_msg, &h, sizeof(h));
  memset(g_msg + sizeof(h), 'a', extra);
  return static_cast<uint32_t>(sizeof(h) + extra);
}

// A request naming `path` (no NUL), as the client library sends it.
uint32_t path_request(uint32_t op, uint32_t flags, const char* path) {
  uint32_t len = static_cast<uint32_t>(strlen(path));
  uint32_t n = request(op, flags, FS_FID_NONE, len, 0, 0, 0);
  memcpy(g_msg + sizeof(fs_request_t), path, len);
  return n + len;
}

zx_handle_t raw_connection() {
  zx_handle_t ch = ZX_HANDLE_INVALID;
  if (fs_clone_connection(&ch) != ZX_OK) return ZX_HANDLE_INVALID;
  return ch;
}

// Whether `h`'s peer has been closed (the server closed a handle we sent it).
bool peer_closed(zx_handle_t h) {
  zx_signals_t seen = 0;
  zx_object_wait_one(h, ZX_CHANNEL_PEER_CLOSED, zx_deadline_after(ZX_SEC(10)), &seen);
  return seen & ZX_CHANNEL_PEER_CLOSED;
}

bool is_error(zx_status_t s) { return s < 0; }

// ---- the concurrent worker ----------------------------------------------------------------------

// `fshostile worker`: until its PA_USER0 event is signaled, makes, writes, reads back, stats and
// removes a file. Exit status 0 iff every round worked (and there was at least one).
int worker_main() {
  zx_handle_t stop = zx_take_startup_handle(PA_HND(PA_USER0, 0));
  if (stop == ZX_HANDLE_INVALID) return 2;
  static uint8_t buf[3000], back[3000];
  uint64_t rounds = 0;
  for (;;) {
    zx_signals_t seen = 0;
    zx_object_wait_one(stop, ZX_USER_SIGNAL_0, 0, &seen);
    if ((seen & ZX_USER_SIGNAL_0) && rounds > 0) break;
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = static_cast<uint8_t>(rounds * 7 + i);
    int fd = fs_open("/worker", FS_O_RDWR | FS_O_CREATE | FS_O_TRUNC, 0644);
    if (fd < 0) {
      printf("fshostile worker: round %lu: open: %d\n", rounds, fd);
      return 1;
    }
    int64_t n = fs_pwrite(fd, buf, sizeof(buf), 0);
    int64_t m = n == sizeof(buf) ? fs_pread(fd, back, sizeof(back), 0) : n;
    zx_status_t cs = fs_close(fd);
    fs_stat_t st;
    zx_status_t ss = fs_stat("/worker", &st);
    zx_status_t us = fs_unlink("/worker");
    if (n != sizeof(buf) || m != sizeof(back) || memcmp(buf, back, sizeof(buf)) != 0 ||
        cs != ZX_OK || ss != ZX_OK || st.size != sizeof(buf) || us != ZX_OK) {
      printf("fshostile worker: round %lu: write %ld read %ld close %d stat %d unlink %d\n", rounds,
             n, m, cs, ss, us);
      return 1;
    }
    rounds++;
  }
  printf("fshostile worker: %lu rounds\n", rounds);
  return static_cast<int>(rounds > 0 ? 0 : 1);
}

// ---- the malformed messages
// ----------------------------------------------------------------------

zx_handle_t g_worker = ZX_HANDLE_INVALID;
zx_handle_t g_worker_stop = ZX_HANDLE_INVALID;

void test_worker_start() {
  CHECK_OK(zx_event_create(0, &g_worker_stop));
  zx_handle_t dup;
  CHECK_OK(zx_handle_duplicate(g_worker_stop, ZX_RIGHT_SAME_RIGHTS, &dup));
  const char* argv[] = {"fshostile", "worker"};
  uint32_t info = PA_HND(PA_USER0, 0);
  CHECK_OK(launch("fshostile", 2, argv, &dup, &info, 1, &g_worker));
}

// Headers cut short, and lengths that disagree with the bytes sent.
void test_malformed_headers() {
  zx_handle_t ch = raw_connection();
  CHECK(ch != ZX_HANDLE_INVALID);
  zx_status_t st;
  // Shorter than a header, down to nothing at all.
  const uint32_t shorts[] = {0, 1, 4, 8, 16, static_cast<uint32_t>(sizeof(fs_request_t)) - 1};
  for (uint32_t n : shorts) {
    request(FS_OP_STAT, 0, 0, 1, 0, 0, 0);
    CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
    CHECK_EQ(st, ZX_ERR_INVALID_ARGS);
  }
  // Path lengths that claim more (or less) than was sent, and ones that would wrap a sum.
  struct {
    uint32_t path_len, path2_len, extra;
  } lens[] = {
      {10, 0, 5},
      {0, 10, 5},
      {5, 0, 10},
      {0xFFFFFFFF, 0, 8},
      {0x80000000, 0x80000000, 0},
      {0, 0xFFFFFFF0, 16},
      {FS_MAX_PATH + 1, 0, FS_MAX_PATH + 1},
      {FS_MAX_PATH, FS_MAX_PATH + 1, 2 * FS_MAX_PATH + 1},
  };
  for (auto& l : lens) {
    uint32_t n = request(FS_OP_RENAME, 0, 0, l.path_len, l.path2_len, 0, l.extra);
    CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
    CHECK_EQ(st, ZX_ERR_INVALID_ARGS);
  }
  zx_handle_close(ch);
}

// More bytes than a request can hold, up to the most a channel carries; more handles than a
// request carries, up to the most a channel carries. Every handle sent must be closed.
void test_malformed_sizes_and_handles() {
  zx_handle_t ch = raw_connection();
  CHECK(ch != ZX_HANDLE_INVALID);
  zx_status_t st;
  const uint32_t bigs[] = {static_cast<uint32_t>(FS_MAX_REQUEST) + 1, 8192, 32768, kMaxMsgBytes};
  for (uint32_t n : bigs) {
    request(FS_OP_STATFS, 0, 0, 0, 0, 0, n - sizeof(fs_request_t));
    CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
    CHECK_EQ(st, ZX_ERR_INVALID_ARGS);
  }
  // More than a channel carries is the kernel's to refuse, before the server sees it.
  CHECK_EQ(zx_channel_write(ch, 0, g_msg, kMaxMsgBytes + 1, nullptr, 0), ZX_ERR_OUT_OF_RANGE);

  // 2, 5 and 64 handles (channel ends whose peers we keep, to see them closed), with bytes
  // from a valid STATFS up to the most a channel carries.
  const uint32_t counts[] = {2, 5, kMaxMsgHandles};
  const uint32_t sizes[] = {static_cast<uint32_t>(sizeof(fs_request_t)), kMaxMsgBytes};
  for (uint32_t nh : counts) {
    for (uint32_t n : sizes) {
      zx_handle_t mine[kMaxMsgHandles], theirs[kMaxMsgHandles];
      for (uint32_t i = 0; i < nh; i++) CHECK_OK(zx_channel_create(0, &mine[i], &theirs[i]));
      request(FS_OP_STATFS, 0, 0, 0, 0, 0, n - sizeof(fs_request_t));
      CHECK_OK(exchange(ch, g_msg, n, theirs, nh, &st));
      CHECK_EQ(st, ZX_ERR_INVALID_ARGS);
      for (uint32_t i = 0; i < nh; i++) {
        CHECK(peer_closed(mine[i]));
        zx_handle_close(mine[i]);
      }
    }
  }
  zx_handle_close(ch);
}

// Handles of the wrong type or where none belongs; unknown ops; fids that name nothing; flags
// outside the protocol; paths with NULs, over-long names, wild offsets and cookies.
void test_malformed_contents() {
  zx_handle_t ch = raw_connection();
  CHECK(ch != ZX_HANDLE_INVALID);
  zx_status_t st;
  uint32_t n;
  // CLONE without a handle, with an event, with a VMO: refused, the handle closed.
  n = request(FS_OP_CLONE, 0, 0, 0, 0, 0, 0);
  CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
  CHECK_EQ(st, ZX_ERR_INVALID_ARGS);
  zx_handle_t ev, vmo;
  CHECK_OK(zx_event_create(0, &ev));
  CHECK_OK(exchange(ch, g_msg, n, &ev, 1, &st));
  CHECK_EQ(st, ZX_ERR_WRONG_TYPE);
  CHECK_OK(zx_vmo_create(4096, 0, &vmo));
  CHECK_OK(exchange(ch, g_msg, n, &vmo, 1, &st));
  CHECK_EQ(st, ZX_ERR_WRONG_TYPE);
  // A handle on an op that takes none: the op is served, the handle closed.
  zx_handle_t mine, theirs;
  CHECK_OK(zx_channel_create(0, &mine, &theirs));
  n = path_request(FS_OP_STAT, 0, "/");
  CHECK_OK(exchange(ch, g_msg, n, &theirs, 1, &st));
  CHECK_OK(st);
  CHECK(peer_closed(mine));
  zx_handle_close(mine);
  // Unknown ops.
  const uint32_t ops[] = {0, 15, 16, 255, 0x80000000u, 0xFFFFFFFFu};
  for (uint32_t op : ops) {
    n = request(op, 0, 0, 0, 0, 0, 0);
    CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
    CHECK_EQ(st, ZX_ERR_NOT_SUPPORTED);
  }
  // Fids that name nothing, for every op that takes one.
  const uint32_t fid_ops[] = {FS_OP_CLOSE, FS_OP_FSTAT, FS_OP_TRUNCATE, FS_OP_SYNC};
  const uint32_t fids[] = {0, 1, 7, 4095, 4096, 123456, 0x7FFFFFFF, 0xFFFFFFFE};
  for (uint32_t op : fid_ops) {
    for (uint32_t fid : fids) {
      n = request(op, 0, fid, 0, 0, 0, 0);
      CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
      CHECK_EQ(st, ZX_ERR_BAD_HANDLE);
    }
  }
  // Open flags outside the protocol; TRUNC without WRITE.
  n = path_request(FS_OP_OPEN, 0xFFFFFFFF, "/");
  CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
  CHECK_EQ(st, ZX_ERR_INVALID_ARGS);
  n = path_request(FS_OP_OPEN, FS_O_READ | FS_O_TRUNC, "/x");
  CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
  CHECK_EQ(st, ZX_ERR_INVALID_ARGS);
  // Paths: empty, with a NUL inside, all NULs, a 300-byte name, 1024 bytes of one name,
  // relative, only slashes, dots.
  const struct {
    const char* bytes;
    uint32_t len;
  } paths[] = {{"", 0},     {"/a\0b", 4},   {"\0\0\0\0", 4}, {"abc", 3},
               {"////", 4}, {"/./../.", 7}, {"/..", 3}};
  const uint32_t path_ops[] = {FS_OP_OPEN,   FS_OP_STAT,     FS_OP_READDIR, FS_OP_MKDIR,
                               FS_OP_UNLINK, FS_OP_READLINK, FS_OP_SYMLINK, FS_OP_RENAME};
  for (uint32_t op : path_ops) {
    for (auto& p : paths) {
      n = request(op, op == FS_OP_OPEN ? FS_O_READ : 0, FS_FID_NONE, p.len, 0, 0, 0);
      memcpy(g_msg + sizeof(fs_request_t), p.bytes, p.len);
      CHECK_OK(exchange(ch, g_msg, n + p.len, nullptr, 0, &st));
      // Some of these are fine paths ("/" is a directory): only an answer is required, and
      // nothing may have been made from a path with a NUL in it.
      (void)st;
    }
    n = request(op, op == FS_OP_OPEN ? FS_O_READ | FS_O_CREATE : 0, FS_FID_NONE, 301, 0, 0, 301);
    g_msg[sizeof(fs_request_t)] = '/';
    CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
    CHECK(is_error(st));
    n = request(op, 0, FS_FID_NONE, FS_MAX_PATH, 0, 0, FS_MAX_PATH);
    CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
    CHECK(is_error(st));
  }
  fs_stat_t sst;
  CHECK_EQ(fs_stat("/a", &sst), ZX_ERR_NOT_FOUND);  // "/a\0b" made nothing
  fs_rmdir("/abc");  // MKDIR "abc" resolves from the root, as every path does
  // READDIR with wild cookies: an answer each, never a hang.
  const uint64_t cookies[] = {1, 3, 4095, 1ull << 32, 1ull << 62, ~0ull};
  for (uint64_t c : cookies) {
    n = path_request(FS_OP_READDIR, 0, "/");
    fs_request_t h;
    memcpy(&h, g_msg, sizeof(h));
    h.arg = c;
    memcpy(g_msg, &h, sizeof(h));
    CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
  }
  // TRUNCATE of a real descriptor to sizes no file can have.
  n = path_request(FS_OP_OPEN, FS_O_RDWR | FS_O_CREATE, "/hostile-trunc");
  CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
  CHECK_OK(st);
  fs_reply_t r;
  memcpy(&r, g_reply, sizeof(r));
  const uint64_t sizes[] = {1ull << 63, ~0ull, ~0ull - 4095, 1ull << 44};
  for (uint64_t size : sizes) {
    n = request(FS_OP_TRUNCATE, 0, r.fid, 0, 0, size, 0);
    CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
    CHECK(is_error(st));
  }
  n = request(FS_OP_FSTAT, 0, r.fid, 0, 0, 0, 0);
  CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
  CHECK_OK(st);
  fs_reply_t fr;
  memcpy(&fr, g_reply, sizeof(fr));
  CHECK_EQ(fr.stat.size, 0);  // the refused sizes changed nothing
  n = request(FS_OP_CLOSE, 0, r.fid, 0, 0, 0, 0);
  CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
  CHECK_OK(st);
  n = request(FS_OP_CLOSE, 0, r.fid, 0, 0, 0, 0);  // twice
  CHECK_OK(exchange(ch, g_msg, n, nullptr, 0, &st));
  CHECK_EQ(st, ZX_ERR_BAD_HANDLE);
  CHECK_OK(fs_unlink("/hostile-trunc"));
  zx_handle_close(ch);
}

// Requests whose replies are never read, then one more that is; a connection closed with
// requests still queued; a connection closed mid-stream with handles queued.
void test_malformed_streams() {
  zx_handle_t ch = raw_connection();
  CHECK(ch != ZX_HANDLE_INVALID);
  constexpr uint32_t kFlood = 300;
  for (uint32_t i = 0; i < kFlood; i++) {
    uint32_t n = request(i % 2 ? FS_OP_STATFS : 999, 0, 0, 0, 0, 0, 0);
    CHECK_OK(zx_channel_write(ch, 0, g_msg, n, nullptr, 0));
    g_messages++;
  }
  // Every one is answered, in order.
  for (uint32_t i = 0; i < kFlood; i++) {
    CHECK_OK(zx_object_wait_one(ch, ZX_CHANNEL_READABLE, zx_deadline_after(ZX_SEC(30)), nullptr));
    uint32_t nb, nh;
    CHECK_OK(zx_channel_read(ch, 0, g_reply, nullptr, sizeof(g_reply), 0, &nb, &nh));
    fs_reply_t r;
    memcpy(&r, g_reply, sizeof(r));
    CHECK_EQ(r.status, i % 2 ? ZX_OK : ZX_ERR_NOT_SUPPORTED);
  }
  zx_handle_close(ch);
  // Closed with requests (some carrying handles, some too big) still queued.
  for (int round = 0; round < 20; round++) {
    ch = raw_connection();
    CHECK(ch != ZX_HANDLE_INVALID);
    for (uint32_t i = 0; i < 10; i++) {
      zx_handle_t hs[3];
      uint32_t nh = i % 3;
      for (uint32_t k = 0; k < nh; k++) CHECK_OK(zx_event_create(0, &hs[k]));
      uint32_t n = request(FS_OP_STATFS, 0, 0, 0, 0, 0, i % 4 == 3 ? 40000 : 0);
      CHECK_OK(zx_channel_write(ch, 0, g_msg, n, hs, nh));
      g_messages++;
    }
    zx_handle_close(ch);
  }
  // A client that clones connections without end gets a refusal (the server's limit of 1024
  // live connections), not the server's memory; closing them all leaves the server serving.
  constexpr uint32_t kTries = 1100;
  auto* conns = static_cast<zx_handle_t*>(malloc(kTries * sizeof(zx_handle_t)));
  CHECK(conns != nullptr);
  uint32_t made = 0;
  zx_status_t refused = ZX_OK;
  for (; made < kTries; made++) {
    g_messages++;
    refused = fs_clone_connection(&conns[made]);
    if (refused != ZX_OK) break;
  }
  for (uint32_t i = 0; i < made; i++) zx_handle_close(conns[i]);
  free(conns);
  CHECK_EQ(refused, ZX_ERR_NO_RESOURCES);
  CHECK(made >= 1000);
}

void test_worker_kept_working() {
  CHECK(g_worker != ZX_HANDLE_INVALID);
  CHECK_OK(zx_object_signal(g_worker_stop, 0, ZX_USER_SIGNAL_0));
  CHECK_OK(
      zx_object_wait_one(g_worker, ZX_PROCESS_TERMINATED, zx_deadline_after(ZX_SEC(120)), nullptr));
  zx_info_process_t info;
  CHECK_OK(zx_object_get_info(g_worker, ZX_INFO_PROCESS, &info, sizeof(info), nullptr, nullptr));
  CHECK_EQ(info.return_code, 0);
  zx_handle_close(g_worker);
  zx_handle_close(g_worker_stop);
  g_worker = g_worker_stop = ZX_HANDLE_INVALID;
}

// ---- a full disk
// ---------------------------------------------------------------------------------

void test_full_disk() {
  fs_statfs_t before;
  CHECK_OK(fs_statfs(&before));
  CHECK(before.free_blocks > 64);
  int fd = fs_open("/fill", FS_O_RDWR | FS_O_CREATE | FS_O_TRUNC, 0644);
  CHECK(fd >= 0);
  static uint8_t chunk[65536];
  for (size_t i = 0; i < sizeof(chunk); i++) chunk[i] = static_cast<uint8_t>(i * 13 + 1);
  uint64_t limit = (before.total_blocks + 64) * before.block_size;
  zx_status_t full = ZX_OK;
  uint64_t written = 0;
  while (written < limit && full == ZX_OK) {
    int64_t n = fs_write(fd, chunk, sizeof(chunk));
    if (n < 0) {
      full = static_cast<zx_status_t>(n);
      break;
    }
    written += static_cast<uint64_t>(n);
    if (written % (1u << 20) == 0) full = fs_fsync(fd);
  }
  if (full == ZX_OK) full = fs_fsync(fd);
  CHECK_EQ(full, ZX_ERR_NO_SPACE);       // the error says what happened
  CHECK_EQ(fs_sync(), ZX_ERR_NO_SPACE);  // the file's dirty pages still do not fit
  fs_statfs_t at_full;
  CHECK_OK(fs_statfs(&at_full));
  CHECK(at_full.free_blocks < 16);
  // Truncation recovers: nothing cut off is written back first.
  CHECK_OK(fs_ftruncate(fd, 4096 + 100));
  CHECK_OK(fs_fsync(fd));
  CHECK_OK(fs_sync());
  fs_statfs_t after;
  CHECK_OK(fs_statfs(&after));
  CHECK(after.free_blocks + 16 >= before.free_blocks);
  // What is left is the file's start, and the bytes past the new end are gone.
  uint8_t back[4196 + 100];
  CHECK_EQ(fs_pread(fd, back, sizeof(back), 0), 4096 + 100);
  CHECK(memcmp(back, chunk, 4096 + 100) == 0);
  CHECK_OK(fs_ftruncate(fd, 8192));
  CHECK_EQ(fs_pread(fd, back, 200, 4096), 200);
  for (int i = 100; i < 200; i++) CHECK_EQ(back[i], 0);
  CHECK_OK(fs_close(fd));
  CHECK_OK(fs_unlink("/fill"));
  CHECK_OK(fs_sync());
}

// A write that fails (its buffer is not mapped) leaves the size where it was.
void test_failed_write() {
  int fd = fs_open("/failwrite", FS_O_RDWR | FS_O_CREATE | FS_O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK_EQ(fs_pwrite(fd, "hello", 5, 0), 5);
  const void* bad = reinterpret_cast<const void*>(0x10);
  int64_t n = fs_pwrite(fd, bad, 3 * 4096, 10000);
  CHECK(n < 0);
  fs_stat_t st;
  CHECK_OK(fs_fstat(fd, &st));
  CHECK_EQ(st.size, 5);
  CHECK_OK(fs_close(fd));
  CHECK_OK(fs_stat("/failwrite", &st));
  CHECK_EQ(st.size, 5);
  CHECK_OK(fs_unlink("/failwrite"));
}

// ---- trailing slashes
// ----------------------------------------------------------------------------

void test_trailing_slash() {
  int fd = fs_open("/plain", FS_O_RDWR | FS_O_CREATE, 0644);
  CHECK(fd >= 0);
  CHECK_OK(fs_close(fd));
  CHECK_OK(fs_mkdir("/adir", 0755));
  fs_stat_t st;
  CHECK_EQ(fs_open("/plain/", FS_O_READ, 0), ZX_ERR_NOT_DIR);
  CHECK_EQ(fs_open("/plain/.", FS_O_READ, 0), ZX_ERR_NOT_DIR);
  CHECK_EQ(fs_open("/plain//", FS_O_READ, 0), ZX_ERR_NOT_DIR);
  CHECK_EQ(fs_open("/plain/", FS_O_RDWR | FS_O_CREATE, 0644), ZX_ERR_NOT_DIR);
  CHECK_EQ(fs_stat("/plain/", &st), ZX_ERR_NOT_DIR);
  CHECK_EQ(fs_lstat("/plain/", &st), ZX_ERR_NOT_DIR);
  CHECK_EQ(fs_unlink("/plain/"), ZX_ERR_NOT_DIR);
  CHECK_EQ(fs_rename("/plain/", "/other"), ZX_ERR_NOT_DIR);
  CHECK_EQ(fs_open("/newname/", FS_O_RDWR | FS_O_CREATE, 0644), ZX_ERR_NOT_FILE);
  CHECK_EQ(fs_stat("/newname", &st), ZX_ERR_NOT_FOUND);
  // Directories are fine with one, and so is a symlink to one.
  fd = fs_open("/adir/", FS_O_READ, 0);
  CHECK(fd >= 0);
  CHECK_OK(fs_close(fd));
  CHECK_OK(fs_stat("/adir/", &st));
  CHECK_OK(fs_symlink("/plain", "/tofile"));
  CHECK_OK(fs_symlink("/adir", "/todir"));
  CHECK_EQ(fs_stat("/tofile/", &st), ZX_ERR_NOT_DIR);
  CHECK_OK(fs_stat("/tofile", &st));
  CHECK_OK(fs_lstat("/todir/", &st));  // followed: a slash names the directory
  CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFDIR);
  CHECK_OK(fs_mkdir("/adir/sub/", 0755));
  CHECK_OK(fs_rmdir("/adir/sub/"));
  CHECK_OK(fs_unlink("/tofile"));
  CHECK_OK(fs_unlink("/todir"));
  CHECK_OK(fs_unlink("/plain"));
  CHECK_OK(fs_rmdir("/adir/"));
}

// ---- a deep tree
// ---------------------------------------------------------------------------------

constexpr int kDepth = 511;  // "/t" and 510 "/d": 1,022 bytes, the deepest a request can name

int run_child(int argc, const char* const* argv) {
  zx_handle_t proc;
  zx_status_t s = launch(argv[0], argc, argv, nullptr, nullptr, 0, &proc);
  if (s != ZX_OK) return s;
  s = zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, zx_deadline_after(ZX_SEC(300)), nullptr);
  zx_info_process_t info = {};
  if (s == ZX_OK)
    s = zx_object_get_info(proc, ZX_INFO_PROCESS, &info, sizeof(info), nullptr, nullptr);
  zx_handle_close(proc);
  return s != ZX_OK ? s : static_cast<int>(info.return_code);
}

void test_deep_tree() {
  static char path[FS_MAX_PATH + 1];
  strcpy(path, "/t");
  size_t len = 2;
  CHECK_OK(fs_mkdir(path, 0755));
  for (int d = 1; d < kDepth; d++) {
    memcpy(path + len, "/d", 3);
    len += 2;
    CHECK_OK(fs_mkdir(path, 0755));
  }
  CHECK_EQ(len, 2 * kDepth);
  int fd = fs_open("/t/leaf", FS_O_RDWR | FS_O_CREATE, 0644);  // and a file near the top
  CHECK(fd >= 0);
  CHECK_OK(fs_close(fd));
  const char* du[] = {"du", "-s", "/t"};
  CHECK_EQ(run_child(3, du), 0);
  const char* rm[] = {"rm", "-r", "/t"};
  CHECK_EQ(run_child(3, rm), 0);
  fs_stat_t st;
  CHECK_EQ(fs_stat("/t", &st), ZX_ERR_NOT_FOUND);
}

// ---- out of memory
// -------------------------------------------------------------------------------

bool clean_status(int64_t s) {
  return s == ZX_ERR_NO_MEMORY || s == ZX_ERR_IO || s == ZX_ERR_NO_SPACE ||
         s == ZX_ERR_NO_RESOURCES;
}

void test_out_of_memory() {
  // A file written before, to read back while memory is short (its pages may be evicted).
  static uint8_t data[64 * 1024], back[64 * 1024];
  for (size_t i = 0; i < sizeof(data); i++) data[i] = static_cast<uint8_t>(i * 7 + 3);
  int fd = fs_open("/oom-before", FS_O_RDWR | FS_O_CREATE | FS_O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK_EQ(fs_write(fd, data, sizeof(data)), static_cast<int64_t>(sizeof(data)));
  CHECK_OK(fs_close(fd));
  CHECK_OK(fs_sync());

  zx_handle_t hog;
  constexpr uint64_t kHuge = 1ull << 36;  // more than any machine the tests boot
  CHECK_OK(zx_vmo_create(kHuge, 0, &hog));
  uint64_t held = testing::commit_until_refused(hog, kHuge);
  CHECK(held > (8u << 20));

  // Every answer is a result or a status that says what happened.
  int ops = 0, refused = 0;
  fd = fs_open("/oom-during", FS_O_RDWR | FS_O_CREATE | FS_O_TRUNC, 0644);
  ops++;
  int64_t wrote = -1;
  if (fd >= 0) {
    wrote = fs_write(fd, data, sizeof(data));
    ops++;
    if (wrote < 0) {
      CHECK(clean_status(wrote));
      refused++;
    }
    int64_t c = fs_close(fd);
    if (c != ZX_OK) CHECK(clean_status(c));
  } else {
    CHECK(clean_status(fd));
    refused++;
  }
  int rfd = fs_open("/oom-before", FS_O_READ, 0);
  ops++;
  if (rfd >= 0) {
    int64_t n = fs_read(rfd, back, sizeof(back));
    ops++;
    if (n == static_cast<int64_t>(sizeof(back))) {
      CHECK(memcmp(back, data, sizeof(data)) == 0);
    } else {
      CHECK(n < 0 && clean_status(n));
      refused++;
    }
    fs_close(rfd);
  } else {
    CHECK(clean_status(rfd));
    refused++;
  }
  fs_stat_t st;
  int64_t s = fs_stat("/oom-before", &st);
  ops++;
  if (s != ZX_OK) CHECK(clean_status(s));
  printf("fshostile: out of memory: %lu MiB held, %d filesystem calls, %d refused cleanly\n",
         held >> 20, ops, refused);

  // Memory back: everything works again.
  CHECK_OK(zx_handle_close(hog));
  rfd = fs_open("/oom-before", FS_O_READ, 0);
  CHECK(rfd >= 0);
  CHECK_EQ(fs_read(rfd, back, sizeof(back)), static_cast<int64_t>(sizeof(back)));
  CHECK(memcmp(back, data, sizeof(data)) == 0);
  CHECK_OK(fs_close(rfd));
  if (wrote == static_cast<int64_t>(sizeof(data))) {
    rfd = fs_open("/oom-during", FS_O_READ, 0);
    CHECK(rfd >= 0);
    CHECK_EQ(fs_read(rfd, back, sizeof(back)), static_cast<int64_t>(sizeof(back)));
    CHECK(memcmp(back, data, sizeof(data)) == 0);
    CHECK_OK(fs_close(rfd));
  }
  fs_unlink("/oom-during");
  CHECK_OK(fs_unlink("/oom-before"));
  CHECK_OK(fs_sync());
}

void test_server_alive() {
  fs_statfs_t sfs;
  CHECK_OK(fs_statfs(&sfs));
  int fd = fs_open("/alive", FS_O_RDWR | FS_O_CREATE | FS_O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK_EQ(fs_write(fd, "ok", 2), 2);
  CHECK_OK(fs_close(fd));
  fs_stat_t st;
  CHECK_OK(fs_stat("/alive", &st));
  CHECK_EQ(st.size, 2);
  CHECK_OK(fs_unlink("/alive"));
  CHECK_OK(fs_sync());
}

const Test kTests[] = {
    {"worker_start", test_worker_start},
    {"malformed_headers", test_malformed_headers},
    {"malformed_sizes_and_handles", test_malformed_sizes_and_handles},
    {"malformed_contents", test_malformed_contents},
    {"malformed_streams", test_malformed_streams},
    {"malformed_worker_kept_working", test_worker_kept_working},
    {"full_disk", test_full_disk},
    {"failed_write", test_failed_write},
    {"trailing_slash", test_trailing_slash},
    {"deep_tree", test_deep_tree},
    {"out_of_memory", test_out_of_memory},
    {"server_alive", test_server_alive},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "worker") == 0) return worker_main();
  if (fs_status() != ZX_OK) {
    printf("[utest] filesystem FAIL: no filesystem connection\n");
    return 1;
  }
  int status =
      testing::run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc > 1 ? argv[1] : "");
  printf("fshostile: %lu malformed or raw messages sent\n", g_messages);
  return status;
}
