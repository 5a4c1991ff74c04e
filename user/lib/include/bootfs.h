// The boot image (bootfs): a flat table of named files in one VMO, written by
// tools/mkbootfs.py. Layout (little-endian):
//   header:  char magic[4] = "BFS1"; uint32_t count;
//   entries: count x { char name[32] (NUL-padded); uint64_t offset; uint64_t size; }
//   data:    each file at a 4096-aligned offset from the start of the image.
#ifndef BOOTFS_H_
#define BOOTFS_H_

#include <zircon/types.h>

__BEGIN_CDECLS

#define BOOTFS_MAGIC "BFS1"
#define BOOTFS_NAME_LEN 32
#define BOOTFS_HEADER_SIZE 8
#define BOOTFS_ENTRY_SIZE 48

typedef struct bootfs_entry {
  char name[BOOTFS_NAME_LEN];  // NUL-padded; a 32-byte name has no NUL
  uint64_t offset;
  uint64_t size;
} bootfs_entry_t;

// The boot image VMO this process received as PA_VMO_BOOTFS (still owned by the C library),
// or ZX_HANDLE_INVALID.
zx_handle_t bootfs_vmo(void);

// Looks `name` up in the boot image in `vmo`. ZX_OK and the entry, ZX_ERR_NOT_FOUND, or
// ZX_ERR_IO_DATA_INTEGRITY if the image is malformed (bad magic, an entry past the end).
zx_status_t bootfs_find(zx_handle_t vmo, const char* name, bootfs_entry_t* out);

// Calls fn(entry, ctx) for every entry in order; stops early if fn returns false.
zx_status_t bootfs_list(zx_handle_t vmo, bool (*fn)(const bootfs_entry_t* entry, void* ctx),
                        void* ctx);

__END_CDECLS

#endif  // BOOTFS_H_
