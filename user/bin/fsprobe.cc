// fsprobe: reads chosen parts of files and says what each read brought in from the filesystem
// pager: how to watch readahead, holes and the end of a file at work (lab 9's grader runs it;
// it is as useful at the shell). Usage: fsprobe STEP..., the steps run in order:
//
//   map PATH [PAGES]  reads the file (its first PAGES pages) in order through a mapping of its
//                     VMO, one page fault after another, as a sequential reader does
//   read PATH         reads the file with fs_read, 64 KiB at a time
//   page PATH N[:N...]  reads page N of the file's VMO, all 4,096 bytes (past the end of the
//                     file too: those must be zeros), with zx_vmo_read; then the next N
//   par T PATH...     T threads (at most 8) read every PATH at once through one shared mapping
//                     each, every thread starting at a different page (the rest of the
//                     arguments are paths, at most 8)
//
// Each step prints one line per file, with the SHA-256 of what it read and how many pages
// became resident in pager-backed VMOs meanwhile (the pages the server supplied, readahead
// included: ZX_INFO_PAGER_PAGES, summed over every pager):
//
//   fsprobe: map PATH: SIZE bytes, sha256 HEX, +R pages
//   fsprobe: page PATH N: sha256 HEX, +R pages
//   fsprobe: par PATH: SIZE bytes, sha256 HEX, A of T threads agree, +R pages (R: the whole step)
//
// or `fsprobe: STEP PATH: <error>`, and ends with `fsprobe: N steps, F failed`. Read-only: it
// never writes a file.
#include <fs.h>
#include <sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <testing.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/object.h>

namespace {

constexpr uint64_t kPage = 4096;
constexpr size_t kChunk = 64 * 1024;
constexpr int kMaxThreads = 8;
constexpr int kMaxFiles = 8;

int g_steps, g_failed;

uint64_t resident_pages() {
  zx_info_pager_pages_t pg = {};
  if (zx_object_get_info(zx_job_default(), ZX_INFO_PAGER_PAGES, &pg, sizeof(pg), nullptr,
                         nullptr) != ZX_OK)
    return 0;
  return pg.resident_bytes / kPage;
}

void hex_of(sha256_ctx_t* ctx, char hex[SHA256_HEX_SIZE]) {
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_final(ctx, digest);
  sha256_hex(digest, hex);
}

void failed(const char* step, const char* path, const char* what, zx_status_t s) {
  printf("fsprobe: %s %s: %s: %s\n", step, path, what, zx_status_get_string(s));
  g_failed++;
}

// An open file and its size.
struct File {
  int fd = -1;
  uint64_t size = 0;
  zx_status_t open(const char* path) {
    fd = fs_open(path, FS_O_READ, 0);
    if (fd < 0) return fd;
    fs_stat_t st = {};
    zx_status_t s = fs_fstat(fd, &st);
    size = st.size;
    return s;
  }
  ~File() {
    if (fd >= 0) fs_close(fd);
  }
};

// Maps `len` bytes (rounded up to pages) of the file's VMO read-only.
zx_status_t map_vmo(const File& f, uint64_t len, const uint8_t** out) {
  zx_vaddr_t addr = 0;
  uint64_t map_len = (len + kPage - 1) & ~(kPage - 1);
  zx_status_t s =
      zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, fs_vmo(f.fd), 0, map_len, &addr);
  *out = reinterpret_cast<const uint8_t*>(addr);
  return s;
}

void unmap(const uint8_t* p, uint64_t len) {
  if (len == 0) return;
  uint64_t map_len = (len + kPage - 1) & ~(kPage - 1);
  zx_vmar_unmap(zx_vmar_root_self(), reinterpret_cast<zx_vaddr_t>(p), map_len);
}

void step_map(const char* path, uint64_t pages) {
  File f;
  zx_status_t s = f.open(path);
  if (s != ZX_OK) return failed("map", path, "open", s);
  uint64_t len = f.size;
  if (pages != 0 && pages * kPage < len) len = pages * kPage;
  uint64_t before = resident_pages();
  sha256_ctx_t ctx;
  sha256_init(&ctx);
  if (len != 0) {
    const uint8_t* p;
    if ((s = map_vmo(f, len, &p)) != ZX_OK) return failed("map", path, "zx_vmar_map", s);
    // One page at a time, in order: each missing page is one fault (a server that cannot supply
    // it ends this process with a page-fault exception).
    for (uint64_t off = 0; off < len; off += kPage)
      sha256_update(&ctx, p + off, len - off < kPage ? len - off : kPage);
    unmap(p, len);
  }
  char hex[SHA256_HEX_SIZE];
  hex_of(&ctx, hex);
  printf("fsprobe: map %s: %lu bytes, sha256 %s, +%lu pages\n", path,
         static_cast<unsigned long>(len), hex,
         static_cast<unsigned long>(resident_pages() - before));
}

void step_read(const char* path) {
  File f;
  zx_status_t s = f.open(path);
  if (s != ZX_OK) return failed("read", path, "open", s);
  uint8_t* buf = static_cast<uint8_t*>(malloc(kChunk));
  if (buf == nullptr) return failed("read", path, "malloc", ZX_ERR_NO_MEMORY);
  uint64_t before = resident_pages(), total = 0;
  sha256_ctx_t ctx;
  sha256_init(&ctx);
  for (;;) {
    int64_t n = fs_read(f.fd, buf, kChunk);
    if (n < 0) {
      free(buf);
      return failed("read", path, "fs_read", static_cast<zx_status_t>(n));
    }
    if (n == 0) break;
    sha256_update(&ctx, buf, static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  free(buf);
  char hex[SHA256_HEX_SIZE];
  hex_of(&ctx, hex);
  printf("fsprobe: read %s: %lu bytes, sha256 %s, +%lu pages\n", path,
         static_cast<unsigned long>(total), hex,
         static_cast<unsigned long>(resident_pages() - before));
}

// Pages N[:N...] of the file, in that order.
void step_page(const char* path, const char* list) {
  File f;
  zx_status_t s = f.open(path);
  if (s != ZX_OK) return failed("page", path, "open", s);
  for (const char* at = list; *at;) {
    char* end;
    uint64_t n = strtoul(at, &end, 10);
    at = *end == ':' ? end + 1 : end;
    static uint8_t buf[kPage];
    uint64_t before = resident_pages();
    if ((s = zx_vmo_read(fs_vmo(f.fd), buf, n * kPage, kPage)) != ZX_OK) {
      printf("fsprobe: page %s %lu: zx_vmo_read: %s\n", path, static_cast<unsigned long>(n),
             zx_status_get_string(s));
      g_failed++;
      continue;
    }
    uint64_t after = resident_pages();
    sha256_ctx_t ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, buf, kPage);
    char hex[SHA256_HEX_SIZE];
    hex_of(&ctx, hex);
    printf("fsprobe: page %s %lu: sha256 %s, +%lu pages\n", path, static_cast<unsigned long>(n),
           hex, static_cast<unsigned long>(after - before));
  }
}

// par: the files, mapped once and shared by every thread; each thread's digests.
struct Par {
  int threads = 0, files = 0;
  const uint8_t* base[kMaxFiles] = {};
  uint64_t size[kMaxFiles] = {};
  uint8_t digest[kMaxThreads][kMaxFiles][SHA256_DIGEST_SIZE];
} g_par;

void par_thread(uintptr_t t, uintptr_t) {
  for (int i = 0; i < g_par.files; i++) {
    int file = (static_cast<int>(t) + i) % g_par.files;  // not every thread on the same file
    const volatile uint8_t* p = g_par.base[file];
    uint64_t pages = (g_par.size[file] + kPage - 1) / kPage;
    // Touch every page, starting at this thread's share of the file, so that faults on
    // different pages, and on the same page from several threads, are in flight together.
    uint64_t start = pages * t / static_cast<uint64_t>(g_par.threads);
    for (uint64_t k = 0; k < pages; k++) (void)p[((start + k) % pages) * kPage];
    sha256(g_par.base[file], g_par.size[file], g_par.digest[t][file]);
  }
  zx_thread_exit();
}

void step_par(int threads, int nfiles, char** paths) {
  if (threads < 1 || threads > kMaxThreads || nfiles < 1 || nfiles > kMaxFiles) {
    printf("fsprobe: par: 1 to %d threads and 1 to %d files\n", kMaxThreads, kMaxFiles);
    g_failed++;
    return;
  }
  File f[kMaxFiles];
  g_par.threads = threads;
  g_par.files = nfiles;
  for (int i = 0; i < nfiles; i++) {
    zx_status_t s = f[i].open(paths[i]);
    if (s == ZX_OK && f[i].size != 0) s = map_vmo(f[i], f[i].size, &g_par.base[i]);
    if (s != ZX_OK) {
      for (int j = 0; j < i; j++) unmap(g_par.base[j], g_par.size[j]);
      return failed("par", paths[i], "open and map", s);
    }
    g_par.size[i] = f[i].size;
  }
  uint64_t before = resident_pages();
  testing::Helper helpers[kMaxThreads];
  int started = 0;
  zx_status_t s = ZX_OK;
  for (; started < threads; started++) {
    s = testing::helper_start(&helpers[started], "fsprobe-par", par_thread,
                              static_cast<uintptr_t>(started), 0);
    if (s != ZX_OK) break;
  }
  for (int t = 0; t < started; t++) {
    zx_status_t j = testing::helper_join(&helpers[t]);
    if (s == ZX_OK) s = j;
  }
  uint64_t added = resident_pages() - before;
  for (int i = 0; i < nfiles; i++) unmap(g_par.base[i], g_par.size[i]);
  if (s != ZX_OK) return failed("par", paths[0], "threads", s);
  for (int i = 0; i < nfiles; i++) {
    int agree = 1;
    for (int t = 1; t < threads; t++)
      agree += memcmp(g_par.digest[t][i], g_par.digest[0][i], SHA256_DIGEST_SIZE) == 0;
    char hex[SHA256_HEX_SIZE];
    sha256_hex(g_par.digest[0][i], hex);
    printf("fsprobe: par %s: %lu bytes, sha256 %s, %d of %d threads agree, +%lu pages\n", paths[i],
           static_cast<unsigned long>(g_par.size[i]), hex, agree, threads,
           static_cast<unsigned long>(added));
    if (agree != threads) g_failed++;
  }
}

int usage() {
  printf(
      "usage: fsprobe STEP...  (map PATH [PAGES] | read PATH | page PATH N[:N...] | "
      "par T PATH...)\n");
  return 2;
}

bool is_number(const char* s) { return s && *s >= '0' && *s <= '9'; }

// N[:N...]: decimal page numbers.
bool is_pages(const char* s) {
  if (!is_number(s)) return false;
  for (; *s; s++)
    if (!(*s >= '0' && *s <= '9') && !(*s == ':' && s[1] >= '0' && s[1] <= '9')) return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  for (int i = 1; i < argc;) {
    const char* op = argv[i];
    g_steps++;
    if (strcmp(op, "map") == 0 && i + 1 < argc) {
      bool counted = i + 2 < argc && is_number(argv[i + 2]);
      step_map(argv[i + 1], counted ? strtoul(argv[i + 2], nullptr, 10) : 0);
      i += counted ? 3 : 2;
    } else if (strcmp(op, "read") == 0 && i + 1 < argc) {
      step_read(argv[i + 1]);
      i += 2;
    } else if (strcmp(op, "page") == 0 && i + 2 < argc && is_pages(argv[i + 2])) {
      step_page(argv[i + 1], argv[i + 2]);
      i += 3;
    } else if (strcmp(op, "par") == 0 && i + 2 < argc && is_number(argv[i + 1])) {
      step_par(static_cast<int>(strtoul(argv[i + 1], nullptr, 10)), argc - i - 2, argv + i + 2);
      i = argc;
    } else {
      return usage();
    }
  }
  printf("fsprobe: %d steps, %d failed\n", g_steps, g_failed);
  return g_failed == 0 ? 0 : 1;
}
