// Reading the boot image (format in <bootfs.h> and docs/userspace.md) from its VMO.
#include <bootfs.h>
#include <string.h>
#include <zircon/syscalls.h>

namespace {

constexpr uint32_t kMaxEntries = 1024;

uint32_t le32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t le64(const unsigned char* p) {
  return le32(p) | (static_cast<uint64_t>(le32(p + 4)) << 32);
}

}  // namespace

extern "C" zx_status_t bootfs_list(zx_handle_t vmo, bool (*fn)(const bootfs_entry_t*, void*),
                                   void* ctx) {
  uint64_t vmo_size;
  zx_status_t s = zx_vmo_get_size(vmo, &vmo_size);
  if (s != ZX_OK) return s;
  unsigned char hdr[BOOTFS_HEADER_SIZE];
  if (vmo_size < sizeof(hdr)) return ZX_ERR_IO_DATA_INTEGRITY;
  if ((s = zx_vmo_read(vmo, hdr, 0, sizeof(hdr))) != ZX_OK) return s;
  if (memcmp(hdr, BOOTFS_MAGIC, 4) != 0) return ZX_ERR_IO_DATA_INTEGRITY;
  uint32_t count = le32(hdr + 4);
  if (count > kMaxEntries || BOOTFS_HEADER_SIZE + uint64_t{count} * BOOTFS_ENTRY_SIZE > vmo_size) {
    return ZX_ERR_IO_DATA_INTEGRITY;
  }
  // The directory is read a page at a time: one system call per 85 entries, not per entry.
  constexpr uint32_t kPerChunk = 4096 / BOOTFS_ENTRY_SIZE;
  unsigned char chunk[kPerChunk * BOOTFS_ENTRY_SIZE];
  for (uint32_t i = 0; i < count; i++) {
    if (i % kPerChunk == 0) {
      uint32_t n = count - i < kPerChunk ? count - i : kPerChunk;
      s = zx_vmo_read(vmo, chunk, BOOTFS_HEADER_SIZE + uint64_t{i} * BOOTFS_ENTRY_SIZE,
                      uint64_t{n} * BOOTFS_ENTRY_SIZE);
      if (s != ZX_OK) return s;
    }
    const unsigned char* raw = chunk + (i % kPerChunk) * BOOTFS_ENTRY_SIZE;
    bootfs_entry_t e;
    memcpy(e.name, raw, BOOTFS_NAME_LEN);
    e.offset = le64(raw + BOOTFS_NAME_LEN);
    e.size = le64(raw + BOOTFS_NAME_LEN + 8);
    if (e.offset > vmo_size || e.size > vmo_size - e.offset) return ZX_ERR_IO_DATA_INTEGRITY;
    if (!fn(&e, ctx)) break;
  }
  return ZX_OK;
}

namespace {

struct FindCtx {
  const char* name;
  size_t len;
  bootfs_entry_t* out;
  bool found;
};

bool match(const bootfs_entry_t* e, void* arg) {
  auto* f = static_cast<FindCtx*>(arg);
  // Equal if the first len bytes match and the name ends there (NUL, or exactly 32 bytes).
  if (memcmp(e->name, f->name, f->len) != 0) return true;
  if (f->len < BOOTFS_NAME_LEN && e->name[f->len] != '\0') return true;
  *f->out = *e;
  f->found = true;
  return false;
}

}  // namespace

extern "C" zx_status_t bootfs_find(zx_handle_t vmo, const char* name, bootfs_entry_t* out) {
  size_t len = strlen(name);
  if (len == 0 || len > BOOTFS_NAME_LEN) return ZX_ERR_NOT_FOUND;
  FindCtx f{name, len, out, false};
  zx_status_t s = bootfs_list(vmo, match, &f);
  if (s != ZX_OK) return s;
  return f.found ? ZX_OK : ZX_ERR_NOT_FOUND;
}
