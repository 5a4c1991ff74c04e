// sha256sum: prints "HEX  NAME" for each file, as coreutils sha256sum does (a name holding a
// backslash or newline is escaped and the line starts with a backslash, as there).
//
// The file is hashed through page faults, not read(): a window of the file's VMO is mapped,
// hashed, and unmapped, 1 MiB at a time, so the server supplies pages on demand as the hash
// touches them and a file larger than this process's address space budget (or than memory,
// once the kernel reclaims clean pages) still works.
#include <fsutil.h>
#include <sha256.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

namespace {

constexpr uint64_t kWindow = 1 << 20;

zx_status_t hash_file(const char* path, uint8_t digest[SHA256_DIGEST_SIZE]) {
  int fd = fs_open(path, FS_O_READ, 0);
  if (fd < 0) return fd;
  fs_stat_t st = {};
  zx_status_t s = fs_fstat(fd, &st);
  if (s == ZX_OK && fsutil::is_dir(st.mode)) s = ZX_ERR_NOT_FILE;
  sha256_ctx_t ctx;
  sha256_init(&ctx);
  for (uint64_t off = 0; s == ZX_OK && off < st.size; off += kWindow) {
    uint64_t n = st.size - off < kWindow ? st.size - off : kWindow;
    uint64_t map_len = (n + 4095) & ~uint64_t{4095};
    zx_vaddr_t addr = 0;
    s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, fs_vmo(fd), off, map_len, &addr);
    if (s != ZX_OK) break;
    sha256_update(&ctx, reinterpret_cast<const void*>(addr), n);
    zx_vmar_unmap(zx_vmar_root_self(), addr, map_len);
  }
  fs_close(fd);
  if (s == ZX_OK) sha256_final(&ctx, digest);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    printf("usage: sha256sum FILE...\n");
    return 2;
  }
  int status = 0;
  for (int i = 1; i < argc; i++) {
    uint8_t digest[SHA256_DIGEST_SIZE];
    zx_status_t s = hash_file(argv[i], digest);
    if (s != ZX_OK) {
      fsutil::error("sha256sum", argv[i], s);
      status = 1;
      continue;
    }
    char hex[SHA256_HEX_SIZE];
    sha256_hex(digest, hex);
    bool escape = strchr(argv[i], '\\') != nullptr || strchr(argv[i], '\n') != nullptr;
    printf("%s%s  ", escape ? "\\" : "", hex);
    for (const char* p = argv[i]; *p; p++) {
      if (escape && *p == '\\') {
        printf("\\\\");
      } else if (escape && *p == '\n') {
        printf("\\n");
      } else {
        putchar(*p);
      }
    }
    printf("\n");
  }
  return status;
}
