// fstests: the filesystem, end to end, from a client's side (fs.h only), against the images
// tests/qemu/fsimages.py builds. The harness boots `run=init,fstests[,MODE[,ARG]]` with one of
// them as the disk, and reads the "[utest] NAME PASS|FAIL: why" lines (testing.h).
//
//   fstests [PREFIX]        the content image: every file of /MANIFEST read through fs_read,
//                           fs_pread at odd offsets and fs_map (page faults), holes, listings,
//                           deep paths, symlinks, error statuses, concurrent readers, the big
//                           file read twice under fsd's page budget (`budget=PAGES`, the same
//                           number the harness gives fsd), then the write tests, one of them
//                           with several client processes (under /w; the harness checks the
//                           image afterwards with e2fsck -fn and debugfs, against
//                           fsimages.expected_writes())
//   fstests readonly        the content image on a read-only disk: reads work, every change is
//                           refused with ZX_ERR_ACCESS_DENIED, the image is unchanged
//   fstests errors          the blkdebug image: reading /bad/victim fails (ZX_ERR_IO) at the
//                           sector QEMU fails; the other files, the server and another client
//                           process (`fstests errors others`) still work
//   fstests damaged         one of fsimages.damaged_images(): every call answers, a battery of
//                           reads and writes runs (the harness compares e2fsck before and after)
//   fstests corrupt KIND    a deliberately broken image (fsimages.CORRUPTIONS): the broken part
//                           gives an error status, the rest still works, nothing crashes
//
// Why the content is checked against a formula rather than a copy: the pattern (pattern_word(),
// the same as fsimages.py's) names every 8-byte word of every file, so a mismatch says which
// file and which offset went wrong, and a file read under the wrong name, a page read at the
// wrong offset and a stale page all fail.
#include <fs.h>
#include <launch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <testing.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/object.h>

// The concurrent readers also compare each file's SHA-256 with the one the host computed (in
// /MANIFEST) once the C library has it (user/lib/include/sha256.h).
#if __has_include(<sha256.h>)
#include <sha256.h>
#define FSTESTS_SHA256 1
#endif

namespace {

using testing::Helper;
using testing::helper_join;
using testing::helper_start;
using testing::Test;

// ---- the pattern (tests/qemu/fsimages.py) ----------------------------------------------------
constexpr uint64_t kK1 = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kK2 = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t kNone = ~0ull;

// FNV-1a of the path, then splitmix64's finalizer.
uint64_t path_seed(const char* path) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (const char* p = path; *p; p++) {
    h ^= static_cast<uint8_t>(*p);
    h *= 0x100000001B3ull;
  }
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

// The 64-bit word at byte offset 8 * w.
inline uint64_t pattern_word(uint64_t seed, uint64_t w) {
  return seed ^ ((w % 512) * kK1) ^ ((w / 512 + 1) * kK2);
}

inline uint8_t pattern_byte(uint64_t seed, uint64_t off) {
  return static_cast<uint8_t>(pattern_word(seed, off / 8) >> (8 * (off % 8)));
}

void fill_pattern(uint64_t seed, uint64_t off, uint8_t* buf, size_t len) {
  for (size_t i = 0; i < len; i++) buf[i] = pattern_byte(seed, off + i);
}

// The index of the first byte of buf (holding [off, off + len) of the file) that is not the
// pattern, or kNone. Whole aligned words are compared as words: the big files are 40 MiB.
uint64_t check_pattern(uint64_t seed, uint64_t off, const uint8_t* buf, size_t len) {
  size_t i = 0;
  for (; i < len && (off + i) % 8 != 0; i++) {
    if (buf[i] != pattern_byte(seed, off + i)) return i;
  }
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, buf + i, 8);
    if (w != pattern_word(seed, (off + i) / 8)) {
      for (size_t j = i;; j++) {
        if (buf[j] != pattern_byte(seed, off + j)) return j;
      }
    }
  }
  for (; i < len; i++) {
    if (buf[i] != pattern_byte(seed, off + i)) return i;
  }
  return kNone;
}

uint64_t check_zero(const uint8_t* buf, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (buf[i] != 0) return i;
  }
  return kNone;
}

// ---- the manifest (/MANIFEST, written by fsimages.py) -----------------------------------------
struct Range {
  uint64_t off, len;
};

constexpr int kMaxRanges = 4;
constexpr size_t kMaxPathLen = 320;

// A file as the image holds it: its pattern in the ranges (everywhere if !sparse), zeros else.
struct FileFact {
  char path[kMaxPathLen];
  uint64_t size = 0;
  uint64_t seed = 0;
  char sha256[65] = "";  // as the host's hashlib computed it, lower-case hex
  bool sparse = false;
  int nranges = 0;
  Range ranges[kMaxRanges];
};

struct LinkFact {
  char path[kMaxPathLen];
  char target[kMaxPathLen];
};

constexpr int kMaxFiles = 64;
struct Manifest {
  uint32_t bs = 0;
  int nfiles = 0, nlinks = 0;
  FileFact files[kMaxFiles];
  LinkFact links[kMaxFiles];
  char big[kMaxPathLen] = "";
  int many_count = -1;
} g_m;

const FileFact* find_file(const char* path) {
  for (int i = 0; i < g_m.nfiles; i++) {
    if (strcmp(g_m.files[i].path, path) == 0) return &g_m.files[i];
  }
  return nullptr;
}

// Whether byte `off` is data, and where the run of bytes like it ends.
uint64_t segment_end(const FileFact& f, uint64_t off, bool* data) {
  if (!f.sparse) {
    *data = true;
    return f.size;
  }
  uint64_t next = f.size;
  for (int i = 0; i < f.nranges; i++) {
    const Range& r = f.ranges[i];
    if (off >= r.off && off < r.off + r.len) {
      *data = true;
      return r.off + r.len;
    }
    if (r.off > off && r.off < next) next = r.off;
  }
  *data = false;
  return next;
}

// The first byte of buf ([off, off + len) of file f) that is wrong, or kNone.
uint64_t check_file(const FileFact& f, uint64_t off, const uint8_t* buf, size_t len) {
  uint64_t done = 0;
  while (done < len) {
    bool data;
    uint64_t end = segment_end(f, off + done, &data);
    uint64_t n = end - (off + done);
    if (n > len - done) n = len - done;
    uint64_t bad =
        data ? check_pattern(f.seed, off + done, buf + done, n) : check_zero(buf + done, n);
    if (bad != kNone) return done + bad;
    done += n;
  }
  return kNone;
}

// Reads a whole small file into buf (NUL-terminated); its length or a negative status.
int64_t slurp(const char* path, char* buf, size_t cap) {
  int fd = fs_open(path, FS_O_READ, 0);
  if (fd < 0) return fd;
  size_t n = 0;
  for (;;) {
    int64_t r = fs_read(fd, buf + n, cap - 1 - n);
    if (r < 0) {
      fs_close(fd);
      return r;
    }
    if (r == 0 || n + r >= cap - 1) {
      n += r;
      break;
    }
    n += r;
  }
  buf[n] = '\0';
  fs_close(fd);
  return static_cast<int64_t>(n);
}

char* next_word(char** p) {
  while (**p == ' ') (*p)++;
  if (**p == '\0') return nullptr;
  char* w = *p;
  while (**p != ' ' && **p != '\0') (*p)++;
  if (**p == ' ') *(*p)++ = '\0';
  return w;
}

char g_manifest_text[32768];

// Parses /MANIFEST into g_m; ZX_OK, or why not.
zx_status_t load_manifest() {
  int64_t n = slurp("/MANIFEST", g_manifest_text, sizeof(g_manifest_text));
  if (n < 0) return static_cast<zx_status_t>(n);
  char* line = g_manifest_text;
  while (line && *line) {
    char* nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    char* p = line;
    char* kind = next_word(&p);
    if (kind && strcmp(kind, "bs") == 0) {
      g_m.bs = static_cast<uint32_t>(strtoul(next_word(&p), nullptr, 10));
    } else if (kind && (strcmp(kind, "f") == 0 || strcmp(kind, "s") == 0) &&
               g_m.nfiles < kMaxFiles) {
      FileFact& f = g_m.files[g_m.nfiles++];
      strlcpy(f.path, next_word(&p), sizeof(f.path));
      f.size = strtoul(next_word(&p), nullptr, 10);
      strlcpy(f.sha256, next_word(&p), sizeof(f.sha256));
      f.seed = path_seed(f.path);
      f.sparse = kind[0] == 's';  // the ranges follow; none at all is one big hole
      char* r;
      while ((r = next_word(&p)) != nullptr && f.nranges < kMaxRanges) {
        char* plus;
        f.ranges[f.nranges].off = strtoul(r, &plus, 10);
        f.ranges[f.nranges].len = strtoul(plus + 1, nullptr, 10);
        f.nranges++;
      }
    } else if (kind && strcmp(kind, "l") == 0 && g_m.nlinks < kMaxFiles) {
      LinkFact& l = g_m.links[g_m.nlinks++];
      strlcpy(l.path, next_word(&p), sizeof(l.path));
      strlcpy(l.target, next_word(&p), sizeof(l.target));
    } else if (kind && strcmp(kind, "d") == 0) {
      char* path = next_word(&p);
      if (strcmp(path, "/many") == 0)
        g_m.many_count = static_cast<int>(strtoul(next_word(&p), nullptr, 10));
    } else if (kind && strcmp(kind, "big") == 0) {
      strlcpy(g_m.big, next_word(&p), sizeof(g_m.big));
    }
    line = nl ? nl + 1 : nullptr;
  }
  return g_m.bs != 0 && g_m.nfiles > 0 ? ZX_OK : ZX_ERR_IO_DATA_INTEGRITY;
}

// ---- failure messages that say where ------------------------------------------------------------
void fail_at(int line, const char* path, uint64_t off, uint8_t got, const char* how) {
  if (testing::g_failed) return;
  testing::g_failed = true;
  snprintf(testing::g_why, sizeof(testing::g_why), "line %d: %s: byte %lu (%s) is 0x%02x", line,
           path, static_cast<unsigned long>(off), how, got);
}

// Checks len bytes of file f at off; returns from the test on the first wrong byte.
#define CHECK_FILE(f, off, buf, len, how)                                                  \
  do {                                                                                     \
    uint64_t bad_ = check_file((f), (off), (buf), (len));                                  \
    if (bad_ != kNone) return fail_at(__LINE__, (f).path, (off) + bad_, (buf)[bad_], how); \
  } while (0)

#define CHECK_PATTERN(path, seed, off, buf, len)                                               \
  do {                                                                                         \
    uint64_t bad_ = check_pattern((seed), (off), (buf), (len));                                \
    if (bad_ != kNone) return fail_at(__LINE__, (path), (off) + bad_, (buf)[bad_], "pattern"); \
  } while (0)

#define CHECK_ZERO(path, off, buf, len)                                                     \
  do {                                                                                      \
    uint64_t bad_ = check_zero((buf), (len));                                               \
    if (bad_ != kNone) return fail_at(__LINE__, (path), (off) + bad_, (buf)[bad_], "zero"); \
  } while (0)

// A status is one of the errors the server gives for a broken image or a failed device.
bool io_error(long s) { return s == ZX_ERR_IO || s == ZX_ERR_IO_DATA_INTEGRITY; }

alignas(8) uint8_t g_buf[256 * 1024];

bool skip_in_bulk(const FileFact& f) { return strcmp(f.path, g_m.big) == 0 && f.size > (8u << 20); }

// ---- mount and manifest -------------------------------------------------------------------------
void test_mount() {
  CHECK_OK(fs_status());
  fs_statfs_t sfs;
  CHECK_OK(fs_statfs(&sfs));
  CHECK_EQ(sfs.block_size, g_m.bs);
  CHECK_EQ(sfs.writable, 1);
  CHECK(sfs.free_blocks <= sfs.total_blocks);
  CHECK(sfs.free_inodes <= sfs.total_inodes);
  CHECK(g_m.nfiles >= 20);
  CHECK(g_m.nlinks >= 8);
  CHECK(g_m.big[0] != '\0');
  fs_stat_t st;
  CHECK_OK(fs_stat("/", &st));
  CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFDIR);
}

// ---- reading
// -------------------------------------------------------------------------------------- Every
// file, front to back with fs_read in odd-sized pieces; then the end reads 0.
void test_read_sequential() {
  for (int i = 0; i < g_m.nfiles; i++) {
    const FileFact& f = g_m.files[i];
    if (skip_in_bulk(f)) continue;
    int fd = fs_open(f.path, FS_O_READ, 0);
    CHECK(fd >= 0);
    fs_stat_t st;
    CHECK_OK(fs_fstat(fd, &st));
    CHECK_EQ(st.size, f.size);
    CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFREG);
    uint64_t off = 0;
    while (off < f.size) {
      int64_t n = fs_read(fd, g_buf, 7777);
      CHECK(n > 0);
      CHECK(static_cast<uint64_t>(n) <= f.size - off);
      CHECK_FILE(f, off, g_buf, static_cast<size_t>(n), "fs_read");
      off += static_cast<uint64_t>(n);
    }
    CHECK_EQ(fs_read(fd, g_buf, 100), 0);
    CHECK_EQ(fs_read(fd, g_buf, 100), 0);
    CHECK_OK(fs_close(fd));
  }
}

// fs_pread at offsets around every boundary that matters, with odd lengths.
void test_read_pread_odd() {
  const uint64_t bs = g_m.bs, p = bs / 4;
  const uint64_t offsets[] = {
      0, 1, 7, 4095, 4096, bs - 1, bs, 12 * bs - 3, (12 + p) * bs - 5, 3 * 4096 + 5};
  const size_t lengths[] = {1, 13, 4097, 9000};
  for (int i = 0; i < g_m.nfiles; i++) {
    const FileFact& f = g_m.files[i];
    int fd = fs_open(f.path, FS_O_READ, 0);
    CHECK(fd >= 0);
    for (uint64_t o : offsets) {
      for (size_t len : lengths) {
        int64_t n = fs_pread(fd, g_buf, len, o);
        uint64_t want = o >= f.size ? 0 : (f.size - o < len ? f.size - o : len);
        CHECK_EQ(n, want);
        CHECK_FILE(f, o, g_buf, static_cast<size_t>(n), "fs_pread");
      }
    }
    // The last bytes, a read straddling the end, and reads past it.
    if (f.size > 0) {
      CHECK_EQ(fs_pread(fd, g_buf, 1, f.size - 1), 1);
      CHECK_FILE(f, f.size - 1, g_buf, 1, "fs_pread last byte");
      uint64_t o = f.size > 5 ? f.size - 5 : 0;
      CHECK_EQ(fs_pread(fd, g_buf, 100, o), f.size - o);
      CHECK_FILE(f, o, g_buf, static_cast<size_t>(f.size - o), "fs_pread across the end");
    }
    CHECK_EQ(fs_pread(fd, g_buf, 100, f.size), 0);
    CHECK_EQ(fs_pread(fd, g_buf, 100, f.size + 12345), 0);
    CHECK_EQ(fs_pread(fd, g_buf, 100, 1ull << 40), 0);
    // The descriptor's offset did not move.
    CHECK_EQ(fs_seek(fd, 0, FS_SEEK_CUR), 0);
    CHECK_OK(fs_close(fd));
  }
}

// Through page faults: the whole mapping, and the rest of its last page reads as zeros.
void test_read_mapped() {
  for (int i = 0; i < g_m.nfiles; i++) {
    const FileFact& f = g_m.files[i];
    if (skip_in_bulk(f)) continue;
    int fd = fs_open(f.path, FS_O_READ, 0);
    CHECK(fd >= 0);
    const void* addr = nullptr;
    size_t len = 1;
    CHECK_OK(fs_map(fd, &addr, &len));
    CHECK_EQ(len, f.size);
    if (len > 0) {
      const uint8_t* m = static_cast<const uint8_t*>(addr);
      CHECK_FILE(f, 0, m, len, "fs_map");
      size_t tail = (testing::kPage - len % testing::kPage) % testing::kPage;
      CHECK_ZERO(f.path, len, m + len, tail);
      CHECK_OK(fs_unmap(addr, len));
    }
    CHECK_OK(fs_close(fd));
  }
}

// Holes are holes: they take no disk blocks and read as zeros (the content checks above read
// them; here the block counts).
void test_holes() {
  fs_stat_t st;
  CHECK_OK(fs_stat("/holes/empty", &st));
  CHECK_EQ(st.size, 1u << 20);
  CHECK_EQ(st.blocks, 0);
  CHECK_OK(fs_stat("/holes/h1", &st));
  CHECK(st.blocks * 512 < st.size / 4);
  const FileFact* f = find_file("/holes/h1");
  CHECK(f != nullptr);
  int fd = fs_open(f->path, FS_O_READ, 0);
  CHECK(fd >= 0);
  // A read that starts in data and ends in a hole, and one from a hole into data.
  uint64_t o = 20 * g_m.bs - 100;
  CHECK_EQ(fs_pread(fd, g_buf, 300, o), 300);
  CHECK_FILE(*f, o, g_buf, 300, "hole to data");
  o = 21 * g_m.bs - 100;
  CHECK_EQ(fs_pread(fd, g_buf, 300, o), 300);
  CHECK_FILE(*f, o, g_buf, 300, "data to hole");
  CHECK_OK(fs_close(fd));
}

// Reading at and past the end with fs_read and fs_seek.
void test_past_end() {
  int fd = fs_open("/sizes/s_4097", FS_O_READ, 0);
  CHECK(fd >= 0);
  CHECK_EQ(fs_seek(fd, 0, FS_SEEK_END), 4097);
  CHECK_EQ(fs_read(fd, g_buf, 10), 0);
  CHECK_EQ(fs_seek(fd, 100000, FS_SEEK_SET), 100000);
  CHECK_EQ(fs_read(fd, g_buf, 10), 0);
  CHECK_EQ(fs_seek(fd, -3, FS_SEEK_END), 4094);
  CHECK_EQ(fs_read(fd, g_buf, 10), 3);
  CHECK(fs_seek(fd, -5000, FS_SEEK_END) < 0);
  CHECK_OK(fs_close(fd));
  fd = fs_open("/sizes/s_0", FS_O_READ, 0);
  CHECK(fd >= 0);
  CHECK_EQ(fs_read(fd, g_buf, 10), 0);
  const void* addr = reinterpret_cast<const void*>(1);
  size_t len = 1;
  CHECK_OK(fs_map(fd, &addr, &len));
  CHECK_EQ(len, 0);
  CHECK_OK(fs_close(fd));
}

// Reads the big file through fs_read in 64 KiB pieces, checking every byte.
void read_big_once(const FileFact& f) {
  int fd = fs_open(f.path, FS_O_READ, 0);
  CHECK(fd >= 0);
  uint64_t off = 0;
  while (off < f.size) {
    int64_t n = fs_read(fd, g_buf, 64 * 1024);
    CHECK(n > 0);
    CHECK_FILE(f, off, g_buf, static_cast<size_t>(n), "fs_read");
    off += static_cast<uint64_t>(n);
  }
  CHECK_EQ(off, f.size);
  CHECK_OK(fs_close(fd));
}

// The biggest file, mapped: every page arrives through a page fault and the pager.
void test_big_mapped() {
  const FileFact* f = find_file(g_m.big);
  CHECK(f != nullptr);
  int fd = fs_open(f->path, FS_O_READ, 0);
  CHECK(fd >= 0);
  const void* addr;
  size_t len;
  CHECK_OK(fs_map(fd, &addr, &len));
  CHECK_EQ(len, f->size);
  CHECK_FILE(*f, 0, static_cast<const uint8_t*>(addr), len, "fs_map");
  CHECK_OK(fs_unmap(addr, len));
  CHECK_OK(fs_close(fd));
}

// The page budget the harness gave fsd (run=init,fsd.budget=N,fstests,budget=N), or 0.
uint64_t g_budget;

zx_status_t pager_pages(zx_info_pager_pages_t* out) {
  return zx_object_get_info(zx_job_default(), ZX_INFO_PAGER_PAGES, out, sizeof(*out), nullptr,
                            nullptr);
}

// Read twice: with a page budget smaller than the file, the first pass already evicts its own
// earlier pages, and the second finds them gone and must get them from disk again, correctly.
void test_eviction() {
  const FileFact* f = find_file(g_m.big);
  CHECK(f != nullptr);
  zx_info_pager_pages_t before, after;
  CHECK_OK(pager_pages(&before));
  read_big_once(*f);
  if (testing::g_failed) return;
  CHECK_OK(pager_pages(&after));
  if (g_budget != 0) {
    CHECK(f->size / testing::kPage > g_budget);  // the test means something only then
    CHECK(after.evicted_pages > before.evicted_pages);
    CHECK(after.resident_bytes <= g_budget * testing::kPage);
  }
  read_big_once(*f);
  if (testing::g_failed) return;
  CHECK_OK(pager_pages(&after));
  if (g_budget != 0) CHECK(after.resident_bytes <= g_budget * testing::kPage);
}

// ---- directories
// ---------------------------------------------------------------------------------- fsimages.py's
// many_name(i).
void many_name(int i, char* out) {
  int n = snprintf(out, 64, "e%04d", i);
  for (int k = 0; k < i % 37; k++) out[n++] = static_cast<char>('a' + i % 26);
  out[n] = '\0';
}

void test_many_dir() {
  CHECK_EQ(g_m.many_count, 1000);
  static bool seen[1000];
  memset(seen, 0, sizeof(seen));
  fs_dir_t* dir;
  CHECK_OK(fs_opendir("/many", &dir));
  fs_dirent_t e;
  int dots = 0, count = 0;
  zx_status_t s;
  char want[64];
  while ((s = fs_readdir(dir, &e)) == ZX_OK) {
    if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0) {
      dots++;
      continue;
    }
    count++;
    int i = e.name[0] == 'e' ? atoi(e.name + 1) : -1;
    if (i < 0 || i >= 1000) break;
    many_name(i, want);
    if (strcmp(e.name, want) != 0 || seen[i]) break;
    seen[i] = true;
    if (e.type != (i % 100 == 0 ? FS_DT_DIR : FS_DT_REG)) break;
    if (e.ino == 0) break;
  }
  fs_closedir(dir);
  CHECK_EQ(s, ZX_ERR_STOP);  // not stopped early by a wrong entry
  CHECK_EQ(dots, 2);
  CHECK_EQ(count, 1000);
  for (int i = 0; i < 1000; i++) CHECK(seen[i]);
  // Lookups of names at both ends of the directory.
  fs_stat_t st;
  many_name(999, want);
  char path[128];
  snprintf(path, sizeof(path), "/many/%s", want);
  CHECK_OK(fs_stat(path, &st));
  CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFREG);
  CHECK_EQ(st.size, 0);
  many_name(500, want);
  snprintf(path, sizeof(path), "/many/%s", want);
  CHECK_OK(fs_stat(path, &st));
  CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFDIR);
  CHECK_EQ(fs_stat("/many/e0998", &st), ZX_ERR_NOT_FOUND);  // a prefix of a name is not it
  // A directory opens for reading, and fstat says what it is.
  int fd = fs_open("/many", FS_O_READ, 0);
  CHECK(fd >= 0);
  CHECK_OK(fs_fstat(fd, &st));
  CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFDIR);
  CHECK_OK(fs_close(fd));
}

constexpr const char* kDeepLeaf =
    "/deep/level01/level02/level03/level04/level05/level06/level07/level08/level09/level10/"
    "level11/level12/leaf";

void check_whole(const char* path, const FileFact& f) {
  int fd = fs_open(path, FS_O_READ, 0);
  CHECK(fd >= 0);
  int64_t n = fs_pread(fd, g_buf, sizeof(g_buf), 0);
  CHECK_EQ(n, f.size);
  CHECK_FILE(f, 0, g_buf, static_cast<size_t>(n), path);
  CHECK_OK(fs_close(fd));
}

void test_deep_path() {
  const FileFact* f = find_file(kDeepLeaf);
  CHECK(f != nullptr);
  check_whole(kDeepLeaf, *f);
  if (testing::g_failed) return;
  // Relative to a working directory, and with "." and ".." on the way.
  CHECK_OK(fs_chdir("/deep/level01/level02"));
  check_whole(
      "level03/level04/level05/level06/level07/level08/level09/level10/level11/level12/leaf", *f);
  if (testing::g_failed) return;
  check_whole(
      "./level03/../level03/level04/level05/level06/level07/level08/level09/level10/level11/"
      "level12/leaf",
      *f);
  if (testing::g_failed) return;
  CHECK_OK(fs_chdir("/"));
  check_whole(
      "deep/level01/level02/level03/level04/level05/level06/level07/level08/level09/"
      "level10/level11/level12/leaf",
      *f);
  if (testing::g_failed) return;
  fs_stat_t st;
  CHECK_OK(
      fs_stat("/deep/level01/level02/level03/level04/level05/level06/level07/level08/"
              "level09/level10/level11/level12",
              &st));
  CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFDIR);
  CHECK_EQ(fs_chdir("/sizes/s_1"), ZX_ERR_NOT_DIR);
}

void test_long_names() {
  char path[400];
  strcpy(path, "/names/");
  memset(path + 7, 'n', 255);
  path[7 + 255] = '\0';
  const FileFact* f = find_file(path);
  CHECK(f != nullptr);
  check_whole(path, *f);
  if (testing::g_failed) return;
  fs_dir_t* dir;
  CHECK_OK(fs_opendir("/names", &dir));
  fs_dirent_t e;
  bool found = false;
  while (fs_readdir(dir, &e) == ZX_OK) {
    if (strlen(e.name) == 255 && e.name[254] == 'n') found = true;
  }
  fs_closedir(dir);
  CHECK(found);
  // 256 bytes: too long for ext2, refused rather than truncated.
  path[7 + 255] = 'n';
  path[7 + 256] = '\0';
  fs_stat_t st;
  CHECK(fs_stat(path, &st) < 0);
  CHECK(fs_open(path, FS_O_RDWR | FS_O_CREATE, 0644) < 0);
  CHECK(fs_mkdir(path, 0755) < 0);
  path[7 + 255] = '\0';
  CHECK_OK(fs_stat(path, &st));  // the 255-byte one is still there
}

// ---- symlinks
// -------------------------------------------------------------------------------------
const LinkFact* find_link(const char* path) {
  for (int i = 0; i < g_m.nlinks; i++) {
    if (strcmp(g_m.links[i].path, path) == 0) return &g_m.links[i];
  }
  return nullptr;
}

void test_symlinks() {
  struct Follow {
    const char* link;
    const char* file;
  };
  const Follow follows[] = {
      {"/links/fast", "/sizes/s_4097"},
      {"/links/slow", kDeepLeaf},
      {"/links/abs", "/sizes/s_1"},
      {"/links/chain1", "/sizes/s_4096"},
      {"/links/dir/level01/level02/level03/level04/level05/level06/level07/level08/level09/"
       "level10/level11/level12/leaf",
       kDeepLeaf},
  };
  for (const Follow& fw : follows) {
    const FileFact* f = find_file(fw.file);
    CHECK(f != nullptr);
    fs_stat_t st;
    CHECK_OK(fs_stat(fw.link, &st));
    CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFREG);
    CHECK_EQ(st.size, f->size);
    check_whole(fw.link, *f);  // the target's content, checked under the target's name
    if (testing::g_failed) return;
  }
  // lstat and readlink see the links themselves.
  char buf[FS_MAX_PATH + 1];
  for (int i = 0; i < g_m.nlinks; i++) {
    const LinkFact& l = g_m.links[i];
    fs_stat_t st;
    CHECK_OK(fs_lstat(l.path, &st));
    CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFLNK);
    CHECK_EQ(st.size, strlen(l.target));
    CHECK_EQ(fs_readlink(l.path, buf, sizeof(buf)), strlen(l.target));
    CHECK_EQ(strcmp(buf, l.target), 0);
  }
  CHECK(find_link("/links/slow") != nullptr && strlen(find_link("/links/slow")->target) > 60);
  // A directory through a link, and the types a listing reports.
  fs_stat_t st;
  CHECK_OK(fs_stat("/links/dir", &st));
  CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFDIR);
  fs_dir_t* dir;
  CHECK_OK(fs_opendir("/links", &dir));
  fs_dirent_t e;
  int links = 0;
  while (fs_readdir(dir, &e) == ZX_OK) {
    if (e.name[0] != '.') {
      CHECK_EQ(e.type, FS_DT_LNK);
      links++;
    }
  }
  fs_closedir(dir);
  CHECK_EQ(links, g_m.nlinks);
  // Dangling: the link exists, its target does not.
  CHECK_EQ(fs_stat("/links/dangling", &st), ZX_ERR_NOT_FOUND);
  CHECK_EQ(fs_open("/links/dangling", FS_O_READ, 0), ZX_ERR_NOT_FOUND);
  CHECK_OK(fs_lstat("/links/dangling", &st));
  // Loops end with an error, not a hang (ext2's resolver gives up after a few links).
  CHECK(fs_stat("/links/loop_a", &st) < 0);
  CHECK(fs_open("/links/loop_b", FS_O_READ, 0) < 0);
  CHECK(fs_open("/links/self", FS_O_READ, 0) < 0);
  CHECK(fs_stat("/links/self/x", &st) < 0);
  CHECK_OK(fs_lstat("/links/self", &st));
  // readlink of something that is not a link, and with too small a buffer.
  CHECK(fs_readlink("/sizes/s_1", buf, sizeof(buf)) < 0);
  CHECK(fs_readlink("/links/slow", buf, 10) < 0 || strlen(buf) < 10);
}

// ---- error statuses
// ------------------------------------------------------------------------------
void test_errors() {
  fs_stat_t st;
  CHECK_EQ(fs_stat("/nonexistent", &st), ZX_ERR_NOT_FOUND);
  CHECK_EQ(fs_open("/nonexistent", FS_O_READ, 0), ZX_ERR_NOT_FOUND);
  CHECK_EQ(fs_open("/sizes/nothere", FS_O_READ, 0), ZX_ERR_NOT_FOUND);
  CHECK_EQ(fs_open("/nodir/file", FS_O_RDWR | FS_O_CREATE, 0644), ZX_ERR_NOT_FOUND);
  CHECK_EQ(fs_unlink("/nonexistent"), ZX_ERR_NOT_FOUND);
  CHECK_EQ(fs_rename("/nonexistent", "/w/x"), ZX_ERR_NOT_FOUND);
  // A file used as a directory.
  long s = fs_stat("/sizes/s_1/x", &st);
  CHECK(s == ZX_ERR_NOT_DIR || s == ZX_ERR_NOT_FOUND);
  CHECK_EQ(fs_open("/sizes/s_1", FS_O_READ | FS_O_DIRECTORY, 0), ZX_ERR_NOT_DIR);
  fs_dir_t* dir;
  CHECK(fs_opendir("/sizes/s_1", &dir) < 0);
  // Directories: not for writing, not for unlink, not for creating again.
  CHECK(fs_open("/sizes", FS_O_WRITE, 0) < 0);
  CHECK(fs_open("/sizes", FS_O_RDWR, 0) < 0);
  CHECK(fs_open("/sizes", FS_O_RDWR | FS_O_CREATE, 0644) < 0);
  CHECK(fs_unlink("/many") < 0);
  CHECK_OK(fs_stat("/many", &st));
  CHECK_EQ(fs_mkdir("/sizes", 0755), ZX_ERR_ALREADY_EXISTS);
  CHECK_EQ(fs_mkdir("/sizes/s_1", 0755), ZX_ERR_ALREADY_EXISTS);
  CHECK_EQ(fs_open("/sizes/s_1", FS_O_RDWR | FS_O_CREATE | FS_O_EXCL, 0644), ZX_ERR_ALREADY_EXISTS);
  CHECK(fs_rmdir("/sizes/s_1") < 0);  // not a directory
  CHECK(fs_rmdir("/deep") < 0);       // not empty
  CHECK_OK(fs_stat("/deep/level01", &st));
  CHECK(fs_rmdir("/") < 0);
  // Bad paths: empty, too long, and a read-only descriptor written to.
  CHECK(fs_open("", FS_O_READ, 0) < 0);
  static char longpath[FS_MAX_PATH + 64];
  for (size_t i = 0; i + 2 < sizeof(longpath); i += 2) {
    longpath[i] = '/';
    longpath[i + 1] = 'a';
  }
  longpath[sizeof(longpath) - 1] = '\0';
  CHECK(fs_stat(longpath, &st) < 0);
  CHECK(fs_open(longpath, FS_O_RDWR | FS_O_CREATE, 0644) < 0);
  int fd = fs_open("/sizes/s_4096", FS_O_READ, 0);
  CHECK(fd >= 0);
  CHECK(fs_write(fd, "x", 1) < 0);
  CHECK(fs_pwrite(fd, "x", 1, 0) < 0);
  CHECK(fs_ftruncate(fd, 0) < 0);
  CHECK_OK(fs_close(fd));
  const FileFact* f = find_file("/sizes/s_4096");
  CHECK(f != nullptr);
  check_whole("/sizes/s_4096", *f);  // unchanged
  if (testing::g_failed) return;
  // Descriptors that are not open.
  CHECK(fs_read(fd, g_buf, 1) < 0);
  CHECK(fs_close(fd) < 0);
  CHECK(fs_read(-1, g_buf, 1) < 0);
  CHECK(fs_read(FS_MAX_FDS + 5, g_buf, 1) < 0);
  // The server answers after all of that.
  CHECK_OK(fs_stat("/", &st));
}

// ---- concurrent readers
// --------------------------------------------------------------------------- Threads start
// together on files nobody has read yet, so their page requests race in the pager: several on the
// same pages of /conc/shared, others on other files at the same time.
constexpr int kReaders = 8;

// The threads use only the mapping or zx_vmo_read on the file's VMO, which the main thread looked
// up (the client library would serialize their calls under its one mutex): what races is the
// server's pager, which is the point.
struct Reader {
  const FileFact* f;
  int fd;
  zx_handle_t vmo;
  const uint8_t* map;  // null: read with zx_vmo_read
  zx_handle_t go;
  zx_status_t status;
  uint64_t bad;  // offset of the first wrong byte, or kNone
  bool sha_ok;   // the SHA-256 of what it read is the host's
  alignas(8) uint8_t buf[32 * 1024];
#ifdef FSTESTS_SHA256
  sha256_ctx_t sha;
#endif
};

// Whether the digest of what a reader saw matches the manifest's (true without sha256.h).
bool sha_matches(Reader* r, const uint8_t* data, size_t len, bool last) {
#ifdef FSTESTS_SHA256
  sha256_update(&r->sha, data, len);
  if (!last) return true;
  uint8_t digest[SHA256_DIGEST_SIZE];
  char hex[SHA256_HEX_SIZE];
  sha256_final(&r->sha, digest);
  sha256_hex(digest, hex);
  return strcmp(hex, r->f->sha256) == 0;
#else
  (void)r, (void)data, (void)len, (void)last;
  return true;
#endif
}
Reader g_readers[kReaders];

[[noreturn]] void reader_main(uintptr_t arg, uintptr_t) {
  Reader* r = reinterpret_cast<Reader*>(arg);
  r->status = zx_object_wait_one(r->go, ZX_USER_SIGNAL_0, zx_deadline_after(ZX_SEC(10)), nullptr);
  if (r->status == ZX_OK) {
    const FileFact& f = *r->f;
#ifdef FSTESTS_SHA256
    sha256_init(&r->sha);
#endif
    if (r->map) {
      r->bad = check_file(f, 0, r->map, f.size);
      r->sha_ok = sha_matches(r, r->map, f.size, true);
    } else {
      // Odd-sized pieces, so requests from different threads overlap pages partially.
      uint64_t off = 0;
      const uint64_t piece = 5000 + 1000 * static_cast<uint64_t>(r - g_readers);
      while (off < f.size && r->bad == kNone) {
        uint64_t n = f.size - off < piece ? f.size - off : piece;
        r->status = zx_vmo_read(r->vmo, r->buf, off, n);
        if (r->status != ZX_OK) break;
        uint64_t bad = check_file(f, off, r->buf, static_cast<size_t>(n));
        if (bad != kNone) r->bad = off + bad;
        off += static_cast<uint64_t>(n);
        r->sha_ok = sha_matches(r, r->buf, static_cast<size_t>(n), off >= f.size);
      }
    }
  }
  zx_thread_exit();
}

void test_concurrent_readers() {
  const char* files[kReaders] = {"/conc/shared", "/conc/shared", "/conc/shared", "/conc/shared",
                                 "/conc/f0",     "/conc/f1",     "/conc/f2",     "/conc/f3"};
  zx_handle_t go;
  CHECK_OK(zx_event_create(0, &go));
  static Helper helpers[kReaders];
  size_t map_len[kReaders] = {};
  for (int i = 0; i < kReaders; i++) {
    Reader& r = g_readers[i];
    r.f = find_file(files[i]);
    CHECK(r.f != nullptr);
    r.fd = fs_open(files[i], FS_O_READ, 0);
    CHECK(r.fd >= 0);
    r.vmo = fs_vmo(r.fd);
    r.map = nullptr;
    if (i % 2 == 0) {  // half map the file, half zx_vmo_read it
      const void* addr;
      CHECK_OK(fs_map(r.fd, &addr, &map_len[i]));
      CHECK_EQ(map_len[i], r.f->size);
      r.map = static_cast<const uint8_t*>(addr);
    }
    r.go = go;
    r.status = ZX_ERR_BAD_STATE;
    r.bad = kNone;
    r.sha_ok = false;
    helpers[i] = Helper{};
    CHECK_OK(helper_start(&helpers[i], "reader", reader_main, reinterpret_cast<uintptr_t>(&r), 0));
  }
  CHECK_OK(zx_object_signal(go, 0, ZX_USER_SIGNAL_0));
  for (int i = 0; i < kReaders; i++) CHECK_OK(helper_join(&helpers[i]));
  for (int i = 0; i < kReaders; i++) {
    Reader& r = g_readers[i];
    CHECK_OK(r.status);
    if (r.bad != kNone) {
      uint8_t got = r.map ? r.map[r.bad] : 0;
      return fail_at(__LINE__, r.f->path, r.bad, got,
                     r.map ? "mapped, concurrent" : "zx_vmo_read, concurrent");
    }
    CHECK(r.sha_ok);
    if (r.map) CHECK_OK(fs_unmap(r.map, map_len[i]));
    CHECK_OK(fs_close(r.fd));
  }
  CHECK_OK(zx_handle_close(go));
}

// ---- writing (fsimages.expected_writes() is what the host checks afterwards) -----------------
// Writes `len` bytes of path's pattern (seeded by `seed_path`) at off, in one call.
zx_status_t put_pattern(int fd, const char* seed_path, uint64_t off, size_t len) {
  static uint8_t buf[64 * 1024];
  uint64_t seed = path_seed(seed_path);
  size_t done = 0;
  while (done < len) {
    size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
    fill_pattern(seed, off + done, buf, n);
    int64_t w = fs_pwrite(fd, buf, n, off + done);
    if (w < 0) return static_cast<zx_status_t>(w);
    if (static_cast<size_t>(w) != n) return ZX_ERR_IO;
    done += n;
  }
  return ZX_OK;
}

// Checks [off, off + len) of the open file against seed_path's pattern (or zeros if null).
void expect_range(int fd, const char* what, const char* seed_path, uint64_t off, uint64_t len) {
  uint64_t seed = seed_path ? path_seed(seed_path) : 0;
  uint64_t done = 0;
  while (done < len) {
    size_t n = len - done < sizeof(g_buf) ? static_cast<size_t>(len - done) : sizeof(g_buf);
    CHECK_EQ(fs_pread(fd, g_buf, n, off + done), n);
    if (seed_path) {
      CHECK_PATTERN(what, seed, off + done, g_buf, n);
    } else {
      CHECK_ZERO(what, off + done, g_buf, n);
    }
    done += n;
  }
}

int create(const char* path) { return fs_open(path, FS_O_RDWR | FS_O_CREATE | FS_O_EXCL, 0644); }

uint64_t file_size(const char* path) {
  fs_stat_t st;
  return fs_stat(path, &st) == ZX_OK ? st.size : kNone;
}

// /w/grow: written front to back in odd pieces with fs_write, through the direct blocks, the
// single-indirect block and into the double-indirect range.
void test_writes_grow() {
  const uint64_t bs = g_m.bs, size = (12 + bs / 4 + 2) * bs + 123;
  int fd = create("/w/grow");
  CHECK(fd >= 0);
  static uint8_t piece[12345];
  const size_t pieces[] = {1000, 3000, 5000, 4096, 777, 12345};
  const uint64_t seed = path_seed("/w/grow");
  uint64_t off = 0;
  for (int i = 0; off < size; i++) {
    size_t n = pieces[i % 6];
    if (n > size - off) n = static_cast<size_t>(size - off);
    fill_pattern(seed, off, piece, n);
    CHECK_EQ(fs_write(fd, piece, n), n);
    off += n;
  }
  fs_stat_t st;
  CHECK_OK(fs_fstat(fd, &st));
  CHECK_EQ(st.size, size);
  expect_range(fd, "/w/grow", "/w/grow", 0, size);
  if (testing::g_failed) return;
  CHECK_OK(fs_fsync(fd));
  CHECK_OK(fs_close(fd));
  // Again after closing (written back), through a mapping this time.
  fd = fs_open("/w/grow", FS_O_READ, 0);
  CHECK(fd >= 0);
  const void* addr;
  size_t len;
  CHECK_OK(fs_map(fd, &addr, &len));
  CHECK_EQ(len, size);
  CHECK_PATTERN("/w/grow (mapped)", seed, 0, static_cast<const uint8_t*>(addr), len);
  CHECK_OK(fs_unmap(addr, len));
  CHECK_OK(fs_close(fd));
}

// /w/over: a file overwritten in the middle, across two block boundaries.
void test_writes_overwrite() {
  const uint64_t bs = g_m.bs, lo = bs - 7, hi = 2 * bs + 9, size = 3 * bs + 5;
  int fd = create("/w/over");
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/over.old", 0, size));
  CHECK_OK(fs_close(fd));
  fd = fs_open("/w/over", FS_O_RDWR, 0);
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/over", lo, hi - lo));
  CHECK_EQ(file_size("/w/over"), size);
  expect_range(fd, "/w/over", "/w/over.old", 0, lo);
  expect_range(fd, "/w/over", "/w/over", lo, hi - lo);
  expect_range(fd, "/w/over", "/w/over.old", hi, size - hi);
  CHECK_OK(fs_close(fd));
}

// /w/shrink and /w/regrow: truncation frees blocks and zeroes what is past the end, so growing
// again reads zeros, not the old bytes.
void test_writes_truncate() {
  const uint64_t bs = g_m.bs;
  int fd = create("/w/shrink");
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/shrink", 0, 20 * bs + 100));
  fs_stat_t before, after;
  CHECK_OK(fs_fsync(fd));
  CHECK_OK(fs_fstat(fd, &before));
  CHECK_OK(fs_ftruncate(fd, 5 * bs + 3));
  CHECK_OK(fs_fsync(fd));
  CHECK_OK(fs_fstat(fd, &after));
  CHECK_EQ(after.size, 5 * bs + 3);
  CHECK(after.blocks < before.blocks);
  expect_range(fd, "/w/shrink", "/w/shrink", 0, 5 * bs + 3);
  CHECK_EQ(fs_pread(fd, g_buf, 100, 5 * bs + 3), 0);
  CHECK_OK(fs_close(fd));

  fd = create("/w/regrow");
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/regrow", 0, 2 * bs + 10));
  CHECK_OK(fs_ftruncate(fd, bs + 1));
  CHECK_OK(fs_ftruncate(fd, 6 * bs));
  CHECK_EQ(file_size("/w/regrow"), 6 * bs);
  expect_range(fd, "/w/regrow", "/w/regrow", 0, bs + 1);
  expect_range(fd, "/w/regrow", nullptr, bs + 1, 5 * bs - 1);
  CHECK_OK(fs_close(fd));
}

// /w/renamed (from /w/tmpname) and /w/target (replaced by /w/source).
void test_writes_rename() {
  int fd = create("/w/tmpname");
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/renamed", 0, 10000));
  CHECK_OK(fs_close(fd));
  CHECK_OK(fs_rename("/w/tmpname", "/w/renamed"));
  fs_stat_t st;
  CHECK_EQ(fs_stat("/w/tmpname", &st), ZX_ERR_NOT_FOUND);
  CHECK_EQ(file_size("/w/renamed"), 10000);
  fd = fs_open("/w/renamed", FS_O_READ, 0);
  CHECK(fd >= 0);
  expect_range(fd, "/w/renamed", "/w/renamed", 0, 10000);
  CHECK_OK(fs_close(fd));

  fd = create("/w/target");
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/target.old", 0, 100));
  CHECK_OK(fs_close(fd));
  fd = create("/w/source");
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/target", 0, 7000));
  CHECK_OK(fs_close(fd));
  CHECK_OK(fs_rename("/w/source", "/w/target"));  // replaces it
  CHECK_EQ(fs_stat("/w/source", &st), ZX_ERR_NOT_FOUND);
  fd = fs_open("/w/target", FS_O_READ, 0);
  CHECK(fd >= 0);
  CHECK_OK(fs_fstat(fd, &st));
  CHECK_EQ(st.size, 7000);
  expect_range(fd, "/w/target", "/w/target", 0, 7000);
  CHECK_OK(fs_close(fd));
}

void test_writes_unlink() {
  fs_statfs_t before, after;
  CHECK_OK(fs_statfs(&before));
  int fd = create("/w/gone");
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/gone", 0, 50000));
  CHECK_OK(fs_close(fd));
  CHECK_OK(fs_unlink("/w/gone"));
  fs_stat_t st;
  CHECK_EQ(fs_stat("/w/gone", &st), ZX_ERR_NOT_FOUND);
  CHECK_EQ(fs_unlink("/w/gone"), ZX_ERR_NOT_FOUND);
  CHECK_OK(fs_sync());
  CHECK_OK(fs_statfs(&after));
  CHECK_EQ(after.free_blocks, before.free_blocks);  // its blocks came back
  CHECK_EQ(after.free_inodes, before.free_inodes);
}

// /w/sub with /w/sub/f; /w/sub/empty made and removed; /w/dir1 renamed to /w/dir2.
void test_writes_dirs() {
  CHECK_OK(fs_mkdir("/w/sub", 0755));
  int fd = create("/w/sub/f");
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/sub/f", 0, 2 * g_m.bs));
  CHECK_OK(fs_close(fd));
  CHECK_OK(fs_mkdir("/w/sub/empty", 0755));
  fs_stat_t st;
  CHECK_OK(fs_stat("/w/sub/empty", &st));
  CHECK_EQ(st.mode & FS_S_IFMT, FS_S_IFDIR);
  CHECK(fs_unlink("/w/sub/empty") < 0);  // unlink is not for directories
  CHECK_OK(fs_rmdir("/w/sub/empty"));
  CHECK_EQ(fs_stat("/w/sub/empty", &st), ZX_ERR_NOT_FOUND);
  CHECK(fs_rmdir("/w/sub") < 0);  // not empty
  CHECK_EQ(fs_mkdir("/w/sub", 0755), ZX_ERR_ALREADY_EXISTS);

  CHECK_OK(fs_mkdir("/w/dir1", 0755));
  fd = create("/w/dir1/inner");
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/dir2/inner", 0, 333));  // seeded by where it ends up
  CHECK_OK(fs_close(fd));
  CHECK(fs_rename("/w/dir1", "/w/dir1/below") < 0);  // not into itself
  CHECK_OK(fs_rename("/w/dir1", "/w/dir2"));
  CHECK_EQ(fs_stat("/w/dir1", &st), ZX_ERR_NOT_FOUND);
  fd = fs_open("/w/dir2/inner", FS_O_READ, 0);
  CHECK(fd >= 0);
  expect_range(fd, "/w/dir2/inner", "/w/dir2/inner", 0, 333);
  CHECK_OK(fs_close(fd));
}

// /w/many: forty files made, the even ones removed; the listing shows exactly the rest.
void test_writes_many() {
  CHECK_OK(fs_mkdir("/w/many", 0755));
  char path[64];
  for (int i = 0; i < 40; i++) {
    snprintf(path, sizeof(path), "/w/many/f%02d", i);
    int fd = create(path);
    CHECK(fd >= 0);
    CHECK_OK(put_pattern(fd, path, 0, 100 * i));
    CHECK_OK(fs_close(fd));
  }
  for (int i = 0; i < 40; i += 2) {
    snprintf(path, sizeof(path), "/w/many/f%02d", i);
    CHECK_OK(fs_unlink(path));
  }
  fs_dir_t* dir;
  CHECK_OK(fs_opendir("/w/many", &dir));
  fs_dirent_t e;
  uint64_t seen = 0;
  int count = 0;
  while (fs_readdir(dir, &e) == ZX_OK) {
    if (e.name[0] == '.') continue;
    count++;
    int i = atoi(e.name + 1);
    if (e.name[0] == 'f' && i >= 0 && i < 40) seen |= 1ull << i;
  }
  fs_closedir(dir);
  CHECK_EQ(count, 20);
  for (int i = 0; i < 40; i++) CHECK_EQ((seen >> i) & 1, i % 2);
  for (int i = 1; i < 40; i += 2) {
    snprintf(path, sizeof(path), "/w/many/f%02d", i);
    CHECK_EQ(file_size(path), 100 * i);
  }
}

// /w/sparse: one write far past the end leaves a hole in front; /w/empty: created, nothing else.
void test_writes_sparse() {
  const uint64_t off = 5 * g_m.bs + 3;
  int fd = create("/w/sparse");
  CHECK(fd >= 0);
  CHECK_OK(put_pattern(fd, "/w/sparse", off, 100));
  fs_stat_t st;
  CHECK_OK(fs_fstat(fd, &st));
  CHECK_EQ(st.size, off + 100);
  expect_range(fd, "/w/sparse", nullptr, 0, off);
  expect_range(fd, "/w/sparse", "/w/sparse", off, 100);
  CHECK_OK(fs_close(fd));
  fd = create("/w/empty");
  CHECK(fd >= 0);
  CHECK_OK(fs_close(fd));
  CHECK_EQ(file_size("/w/empty"), 0);
}

// Several clients at once: kWriters processes (this program, `fstests writer I`, each with a
// connection of its own) write /w/conc/pI in small pieces at the same time, so the server
// interleaves their allocations in one block group and one directory.
constexpr int kWriters = 4;
uint64_t writer_size(int i) { return 100000 + 7777 * static_cast<uint64_t>(i); }

// One writer: its exit status is 0, or says which step failed.
int writer_main(int i) {
  char path[32];
  snprintf(path, sizeof(path), "/w/conc/p%d", i);
  int fd = create(path);
  if (fd < 0) return 10;
  const uint64_t size = writer_size(i), seed = path_seed(path);
  static uint8_t piece[3000];
  for (uint64_t off = 0; off < size;) {
    size_t n = size - off < sizeof(piece) ? static_cast<size_t>(size - off) : sizeof(piece);
    fill_pattern(seed, off, piece, n);
    if (fs_write(fd, piece, n) != static_cast<int64_t>(n)) return 11;
    off += n;
  }
  if (fs_fsync(fd) != ZX_OK) return 12;
  for (uint64_t off = 0; off < size;) {
    int64_t n = fs_pread(fd, g_buf, 8192, off);
    if (n <= 0) return 13;
    if (check_pattern(seed, off, g_buf, static_cast<size_t>(n)) != kNone) return 14;
    off += static_cast<uint64_t>(n);
  }
  return fs_close(fd) == ZX_OK ? 0 : 15;
}

void test_writes_concurrent_clients() {
  CHECK_OK(fs_mkdir("/w/conc", 0755));
  zx_handle_t procs[kWriters];
  for (int i = 0; i < kWriters; i++) {
    char arg[8];
    snprintf(arg, sizeof(arg), "%d", i);
    const char* argv[] = {"fstests", "writer", arg};
    CHECK_OK(launch("fstests", 3, argv, nullptr, nullptr, 0, &procs[i]));
  }
  for (int i = 0; i < kWriters; i++) {
    int64_t code = -1;
    CHECK_OK(wait_process(procs[i], &code));
    CHECK_OK(zx_handle_close(procs[i]));
    CHECK_EQ(code, 0);
  }
  for (int i = 0; i < kWriters; i++) {
    char path[32];
    snprintf(path, sizeof(path), "/w/conc/p%d", i);
    int fd = fs_open(path, FS_O_READ, 0);
    CHECK(fd >= 0);
    fs_stat_t st;
    CHECK_OK(fs_fstat(fd, &st));
    CHECK_EQ(st.size, writer_size(i));
    expect_range(fd, path, path, 0, writer_size(i));
    CHECK_OK(fs_close(fd));
  }
}

// Everything to disk; the harness reads the image after the server unmounts it.
void test_writes_sync() {
  CHECK_OK(fs_sync());
  fs_statfs_t sfs;
  CHECK_OK(fs_statfs(&sfs));
  CHECK(sfs.free_blocks < sfs.total_blocks);
}

const Test kContentTests[] = {
    {"mount", test_mount},
    {"read_sequential", test_read_sequential},
    {"read_pread_odd", test_read_pread_odd},
    {"read_mapped", test_read_mapped},
    {"holes", test_holes},
    {"past_end", test_past_end},
    {"many_dir", test_many_dir},
    {"deep_path", test_deep_path},
    {"long_names", test_long_names},
    {"symlinks", test_symlinks},
    {"errors", test_errors},
    {"concurrent_readers", test_concurrent_readers},
    {"big_mapped", test_big_mapped},
    {"eviction", test_eviction},
    {"writes_grow", test_writes_grow},
    {"writes_overwrite", test_writes_overwrite},
    {"writes_truncate", test_writes_truncate},
    {"writes_rename", test_writes_rename},
    {"writes_unlink", test_writes_unlink},
    {"writes_dirs", test_writes_dirs},
    {"writes_many", test_writes_many},
    {"writes_sparse", test_writes_sparse},
    {"writes_concurrent_clients", test_writes_concurrent_clients},
    {"writes_sync", test_writes_sync},
};

// ---- fstests readonly: the content image on a read-only disk ------------------------------------
void test_ro_mount() {
  CHECK_OK(fs_status());
  fs_statfs_t sfs;
  CHECK_OK(fs_statfs(&sfs));
  CHECK_EQ(sfs.writable, 0);
  CHECK_EQ(sfs.block_size, g_m.bs);
}

// Every change is refused, and nothing changed.
void test_ro_refuses_writes() {
  CHECK_EQ(fs_open("/w/new", FS_O_RDWR | FS_O_CREATE, 0644), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(fs_open("/sizes/s_4096", FS_O_RDWR, 0), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(fs_open("/sizes/s_4096", FS_O_WRITE | FS_O_TRUNC, 0), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(fs_mkdir("/w/dir", 0755), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(fs_unlink("/sizes/s_1"), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(fs_rmdir("/w"), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(fs_rename("/sizes/s_1", "/w/s_1"), ZX_ERR_ACCESS_DENIED);
  CHECK_EQ(fs_symlink("/sizes/s_1", "/w/link"), ZX_ERR_ACCESS_DENIED);
  int fd = fs_open("/sizes/s_4097", FS_O_READ, 0);
  CHECK(fd >= 0);
  CHECK(fs_write(fd, "x", 1) < 0);
  CHECK(fs_ftruncate(fd, 1) < 0);
  CHECK_OK(fs_close(fd));
  fs_stat_t st;
  CHECK_EQ(fs_stat("/w/new", &st), ZX_ERR_NOT_FOUND);
  CHECK_OK(fs_stat("/sizes/s_1", &st));
  CHECK_EQ(st.size, 1);
  CHECK_EQ(file_size("/sizes/s_4096"), 4096);
}

const Test kReadonlyTests[] = {
    {"ro_mount", test_ro_mount},       {"read_sequential", test_read_sequential},
    {"read_mapped", test_read_mapped}, {"many_dir", test_many_dir},
    {"symlinks", test_symlinks},       {"ro_refuses_writes", test_ro_refuses_writes},
};

// ---- fstests errors: the blkdebug image ---------------------------------------------------------
void test_disk_error_victim() {
  CHECK_OK(fs_status());
  const FileFact* f = find_file("/bad/victim");
  CHECK(f != nullptr);
  int fd = fs_open(f->path, FS_O_READ, 0);
  CHECK(fd >= 0);
  // Front to back: what arrives is right, and a read fails before the end (at the latest at the
  // bad sector; readahead may fail a larger request that contains it sooner).
  uint64_t off = 0;
  int64_t n = 0;
  while (off < f->size) {
    n = fs_read(fd, g_buf, 16 * 1024);
    if (n <= 0) break;
    CHECK_FILE(*f, off, g_buf, static_cast<size_t>(n), "before the bad sector");
    off += static_cast<uint64_t>(n);
  }
  CHECK_EQ(n, ZX_ERR_IO);
  CHECK(off < f->size);
  // The failure is not remembered as data: reading the bad page again fails again.
  CHECK_EQ(fs_pread(fd, g_buf, 100, 40 * 4096 + 10), ZX_ERR_IO);
  // Pages away from it still read.
  CHECK_EQ(fs_pread(fd, g_buf, 4096, 0), 4096);
  CHECK_FILE(*f, 0, g_buf, 4096, "first page");
  CHECK_OK(fs_close(fd));
}

void test_disk_error_others() {
  const char* others[] = {"/ok/before", "/ok/after", "/ok/small"};
  for (const char* path : others) {
    const FileFact* f = find_file(path);
    CHECK(f != nullptr);
    check_whole(path, *f);
    if (testing::g_failed) return;
  }
  fs_stat_t st;
  CHECK_OK(fs_stat("/", &st));
  fs_dir_t* dir;
  CHECK_OK(fs_opendir("/ok", &dir));
  fs_dirent_t e;
  int n = 0;
  while (fs_readdir(dir, &e) == ZX_OK) n++;
  fs_closedir(dir);
  CHECK_EQ(n, 5);
}

// Another client, after the failure: a new process (`fstests errors others`, with a connection
// of its own) reads the good files too.
void test_disk_error_other_client() {
  const char* argv[] = {"fstests", "errors", "others"};
  int64_t code = -1;
  zx_info_process_t info;
  CHECK_OK(testing::run("fstests", 3, argv, &code, &info));
  CHECK_EQ(code, 0);
}

const Test kErrorTests[] = {
    {"disk_error_victim", test_disk_error_victim},
    {"disk_error_others", test_disk_error_others},
    {"disk_error_other_client", test_disk_error_other_client},
};

// ---- fstests corrupt KIND
// ------------------------------------------------------------------------
const char* g_kind = "";

// The file everything but an unmountable image must still serve.
void expect_ok_file() {
  const FileFact* f = find_file("/ok");
  CHECK(f != nullptr);
  check_whole("/ok", *f);
}

// Whether the filesystem is unusable as a whole: no connection, or nothing reads.
bool unmounted() {
  if (fs_status() != ZX_OK) return true;
  fs_stat_t st;
  return fs_stat("/", &st) < 0 && fs_open("/ok", FS_O_READ, 0) < 0;
}

// Reads a whole file; the first error status, or ZX_OK.
zx_status_t read_all(const char* path) {
  int fd = fs_open(path, FS_O_READ, 0);
  if (fd < 0) return fd;
  zx_status_t s = ZX_OK;
  for (;;) {
    int64_t n = fs_read(fd, g_buf, 8192);
    if (n < 0) s = static_cast<zx_status_t>(n);
    if (n <= 0) break;
  }
  fs_close(fd);
  return s;
}

// Lists a directory; ZX_ERR_STOP at a clean end, else the error that ended it.
zx_status_t list_all(const char* path, int* count) {
  fs_dir_t* dir;
  *count = 0;
  zx_status_t s = fs_opendir(path, &dir);
  if (s != ZX_OK) return s;
  fs_dirent_t e;
  while ((s = fs_readdir(dir, &e)) == ZX_OK && *count < 10000) (*count)++;
  fs_closedir(dir);
  return s;
}

void test_corrupt() {
  fs_stat_t st;
  int count;
  if (strcmp(g_kind, "bad_magic") == 0 || strcmp(g_kind, "bad_gdt") == 0) {
    CHECK(unmounted());
  } else if (strcmp(g_kind, "bad_block") == 0) {
    CHECK_OK(fs_status());
    CHECK(io_error(read_all("/victim")));
    expect_ok_file();
  } else if (strcmp(g_kind, "dir_overrun") == 0 || strcmp(g_kind, "dir_zero_reclen") == 0) {
    CHECK_OK(fs_status());
    CHECK(io_error(list_all("/dir", &count)));
    expect_ok_file();
  } else if (strcmp(g_kind, "dirent_bad_inode") == 0) {
    CHECK_OK(fs_status());
    // The listing may show the bad entry; looking it up must fail, the others still work.
    list_all("/dir", &count);
    int bad = 0, good = 0;
    char path[32];
    for (int i = 0; i < 20; i++) {
      snprintf(path, sizeof(path), "/dir/f%02d", i);
      zx_status_t s = fs_stat(path, &st);
      if (s == ZX_OK) {
        good++;
      } else {
        CHECK(io_error(s));
        bad++;
      }
    }
    CHECK_EQ(bad, 1);
    CHECK_EQ(good, 19);
    expect_ok_file();
  } else if (strcmp(g_kind, "absurd_size") == 0) {
    CHECK_OK(fs_status());
    // Refused when opened, or the read fails: never 2^62 bytes of anything.
    int fd = fs_open("/huge", FS_O_READ, 0);
    if (fd >= 0) {
      int64_t n = fs_pread(fd, g_buf, 4096, 0);
      fs_close(fd);
      CHECK(n < 0);
      CHECK(io_error(n));
    } else {
      CHECK(io_error(fd));
    }
    expect_ok_file();
  } else if (strcmp(g_kind, "dir_loop") == 0) {
    CHECK_OK(fs_status());
    // /dir/loop is /dir itself: lookups through it end (it is just a name), listing ends.
    zx_status_t s = fs_stat("/dir/loop/loop/loop/loop/loop/loop/loop/loop/f03", &st);
    CHECK(s == ZX_OK || s < 0);
    CHECK_EQ(list_all("/dir/loop/loop", &count), ZX_ERR_STOP);
    CHECK(fs_rename("/dir", "/dir/loop/moved") < 0);
    CHECK(fs_rmdir("/dir/loop") < 0);
    expect_ok_file();
  } else {
    CHECK_EQ(1, 0);  // unknown kind: the harness and fsimages.CORRUPTIONS disagree
  }
}

// Whatever happened above, the server (if there is one) still answers.
void test_corrupt_server_alive() {
  if (fs_status() != ZX_OK) return;
  fs_statfs_t sfs;
  zx_status_t s = fs_statfs(&sfs);
  CHECK(s == ZX_OK || io_error(s) || s == ZX_ERR_BAD_STATE || s == ZX_ERR_UNAVAILABLE);
  fs_stat_t st;
  s = fs_stat("/nonexistent", &st);
  CHECK(s < 0 && s != ZX_ERR_PEER_CLOSED);
}

const Test kCorruptTests[] = {
    {"corrupt", test_corrupt},
    {"corrupt_server_alive", test_corrupt_server_alive},
};

// ---- fstests damaged
// -----------------------------------------------------------------------
// One image of fsimages.damaged_images(): some field of the superblock, a group descriptor, a
// bitmap, an inode or a directory entry damaged. Whatever it is, every call answers (a status,
// never a dead server), reads stay within what was asked, and a battery of writes runs; the
// harness then checks for crashes and leaks and compares e2fsck -fn before and after.

// Whether a status is an answer from a live server.
bool answered(long s) { return s != ZX_ERR_PEER_CLOSED && s != ZX_ERR_UNAVAILABLE; }

// Every status seen, for the summary line: how many calls answered an error.
uint32_t g_damaged_calls, g_damaged_errors;

#define DAMAGED_CALL(expr)          \
  do {                              \
    long s_ = (expr);               \
    g_damaged_calls++;              \
    if (s_ < 0) g_damaged_errors++; \
    CHECK(answered(s_));            \
  } while (0)

// Reads a file to its end (at most 1 MiB) through fs_read and a mapping of its first page.
zx_status_t damaged_read(const char* path) {
  int fd = fs_open(path, FS_O_READ, 0);
  if (fd < 0) return fd;
  zx_status_t s = ZX_OK;
  uint64_t total = 0;
  while (total < (1u << 20)) {
    int64_t n = fs_read(fd, g_buf, 65536);
    if (n < 0) s = static_cast<zx_status_t>(n);
    if (n <= 0) break;
    total += static_cast<uint64_t>(n);
  }
  fs_stat_t st;
  if (s == ZX_OK) s = fs_fstat(fd, &st);
  // A page through a mapping would fault fatally on a failed read: zx_vmo_read instead.
  if (s == ZX_OK && st.size > 0) s = zx_vmo_read(fs_vmo(fd), g_buf, 0, 4096);
  zx_status_t cs = fs_close(fd);
  return s != ZX_OK ? s : cs;
}

void test_damaged_reads() {
  fs_stat_t st;
  zx_status_t s = fs_stat("/", &st);
  if (!answered(s)) return;  // the mount was refused: nothing more to ask
  // Breadth first over at most 64 directories and 2,000 names (a looped tree ends here).
  static char dirs[64][128];
  int ndirs = 1, next = 0, names = 0;
  strcpy(dirs[0], "/");
  while (next < ndirs && names < 2000) {
    const char* dir = dirs[next++];
    fs_dir_t* d;
    s = fs_opendir(dir, &d);
    DAMAGED_CALL(s);
    if (s != ZX_OK) continue;
    fs_dirent_t e;
    while (names < 2000 && (s = fs_readdir(d, &e)) == ZX_OK) {
      names++;
      if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0) continue;
      char path[384];
      snprintf(path, sizeof(path), "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", e.name);
      zx_status_t ls = fs_lstat(path, &st);
      DAMAGED_CALL(ls);
      if (ls != ZX_OK) continue;
      if ((st.mode & FS_S_IFMT) == FS_S_IFDIR) {
        if (ndirs < 64 && strlen(path) < sizeof(dirs[0])) strcpy(dirs[ndirs++], path);
      } else if ((st.mode & FS_S_IFMT) == FS_S_IFREG) {
        DAMAGED_CALL(damaged_read(path));
      } else if ((st.mode & FS_S_IFMT) == FS_S_IFLNK) {
        char target[FS_MAX_PATH + 1];
        DAMAGED_CALL(fs_readlink(path, target, sizeof(target)));
        DAMAGED_CALL(fs_stat(path, &st));
      }
    }
    DAMAGED_CALL(s == ZX_ERR_STOP ? ZX_OK : s);
    fs_closedir(d);
  }
  fs_statfs_t sfs;
  DAMAGED_CALL(fs_statfs(&sfs));
}

// Changes of every kind, each allowed to fail cleanly; the harness compares e2fsck's findings.
void test_damaged_writes() {
  fs_stat_t st;
  if (!answered(fs_stat("/", &st))) return;
  DAMAGED_CALL(fs_mkdir("/dmg", 0755));
  for (int i = 0; i < 4; i++) {
    char path[32];
    snprintf(path, sizeof(path), "/dmg/f%d", i);
    int fd = fs_open(path, FS_O_RDWR | FS_O_CREATE, 0644);
    DAMAGED_CALL(fd);
    if (fd < 0) continue;
    memset(g_buf, 'a' + i, 70000);
    DAMAGED_CALL(fs_pwrite(fd, g_buf, 70000, 0));
    DAMAGED_CALL(fs_pwrite(fd, g_buf, 5000, 300000));  // past the single-indirect range
    DAMAGED_CALL(fs_fsync(fd));
    DAMAGED_CALL(fs_ftruncate(fd, 1000));
    DAMAGED_CALL(fs_close(fd));
  }
  // Existing files: append to one, shrink one, remove one, rename and link to others.
  int fd = fs_open("/ok", FS_O_RDWR, 0);
  DAMAGED_CALL(fd);
  if (fd >= 0) {
    DAMAGED_CALL(fs_pwrite(fd, "appended", 8, 5000));
    DAMAGED_CALL(fs_close(fd));
  }
  fd = fs_open("/victim", FS_O_RDWR, 0);
  DAMAGED_CALL(fd);
  if (fd >= 0) {
    DAMAGED_CALL(fs_ftruncate(fd, 3000));
    DAMAGED_CALL(fs_close(fd));
  }
  DAMAGED_CALL(fs_unlink("/dir/f05"));
  DAMAGED_CALL(fs_rename("/dir/f06", "/dmg/moved"));
  DAMAGED_CALL(fs_rename("/dmg/f1", "/dir/f07"));
  DAMAGED_CALL(fs_symlink("/ok", "/dmg/link"));
  DAMAGED_CALL(
      fs_symlink("/a/long/target/that/does/not/fit/in/the/inode/so/it/needs/a/block/of/its/own/x",
                 "/dmg/slowlink"));
  DAMAGED_CALL(fs_mkdir("/dir/sub", 0755));
  DAMAGED_CALL(fs_rmdir("/dir/sub"));
  DAMAGED_CALL(fs_unlink("/dmg/f2"));
  DAMAGED_CALL(fs_sync());
}

void test_damaged_server_alive() {
  fs_stat_t st;
  zx_status_t s = fs_stat("/", &st);
  if (!answered(s)) return;
  CHECK(answered(fs_stat("/nonexistent", &st)));
  printf("fstests damaged: %u calls, %u answered an error\n", g_damaged_calls, g_damaged_errors);
}

const Test kDamagedTests[] = {
    {"damaged_reads", test_damaged_reads},
    {"damaged_writes", test_damaged_writes},
    {"damaged_server_alive", test_damaged_server_alive},
};

}  // namespace

// Arguments: an optional mode ("errors", "readonly", "corrupt KIND", "damaged", or "writer I" for
// one of writes_concurrent_clients' processes) or a test-name prefix, and "budget=PAGES" anywhere
// (fsd's page budget, for the eviction test to check).
int main(int argc, char** argv) {
  const char* pos[2] = {"", ""};
  int npos = 0;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "budget=", 7) == 0) {
      g_budget = strtoul(argv[i] + 7, nullptr, 0);
    } else if (npos < 2) {
      pos[npos++] = argv[i];
    }
  }
  const char* mode = pos[0];
  if (strcmp(mode, "corrupt") == 0) {
    g_kind = pos[1];
    // /ok's facts: the manifest may be unreadable on a broken image, so they are built in.
    FileFact& f = g_m.files[g_m.nfiles++];
    strlcpy(f.path, "/ok", sizeof(f.path));
    f.size = 3000;
    f.seed = path_seed(f.path);
    printf("fstests: corrupted image, kind %s\n", g_kind);
    return testing::run_tests(kCorruptTests, sizeof(kCorruptTests) / sizeof(kCorruptTests[0]), "");
  }
  if (strcmp(mode, "damaged") == 0) {
    return testing::run_tests(kDamagedTests, sizeof(kDamagedTests) / sizeof(kDamagedTests[0]), "");
  }
  if (strcmp(mode, "writer") == 0) return writer_main(atoi(pos[1]));
  zx_status_t s = fs_status() == ZX_OK ? load_manifest() : fs_status();
  if (s != ZX_OK) {
    printf("[utest] manifest FAIL: no /MANIFEST (%d): not an fsimages.py image?\n", s);
    return 1;
  }
  if (strcmp(mode, "errors") == 0 && strcmp(pos[1], "others") == 0) {
    // The child of disk_error_other_client: its result is its exit status, not a [utest] line.
    testing::g_failed = false;
    test_disk_error_others();
    if (testing::g_failed) printf("fstests errors others: %s\n", testing::g_why);
    return testing::g_failed ? 1 : 0;
  }
  if (strcmp(mode, "errors") == 0) {
    return testing::run_tests(kErrorTests, sizeof(kErrorTests) / sizeof(kErrorTests[0]), "");
  }
  if (strcmp(mode, "readonly") == 0) {
    return testing::run_tests(kReadonlyTests, sizeof(kReadonlyTests) / sizeof(kReadonlyTests[0]),
                              "");
  }
  printf("fstests: %d files, %d symlinks, %u-byte blocks, page budget %lu\n", g_m.nfiles,
         g_m.nlinks, g_m.bs, static_cast<unsigned long>(g_budget));
  return testing::run_tests(kContentTests, sizeof(kContentTests) / sizeof(kContentTests[0]), mode);
}
