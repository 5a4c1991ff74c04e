// Files: the client side of the filesystem server (docs/fs.md, protocol in fs_protocol.h).
//
// A process reaches the filesystem through the connection its launcher passed it (handle info
// PA_NS_DIR, arg 0: the namespace root "/"). Every function returns a zx_status_t, or for those
// that return a count or a descriptor, a non-negative value on success and a negative
// zx_status_t on failure; zx_status_get_string() names it.
//
// An open regular file is the server's pager-backed VMO for it: reads and writes go to the VMO
// (zx_vmo_read/zx_vmo_write), whose missing pages the server supplies from disk, and whose dirty
// pages it writes back on fs_fsync, on close and periodically. fs_map() maps a file so it can be
// read through page faults directly. Writing past the end first asks the server to grow the file.
// Paths are absolute, or relative to the working directory (fs_chdir; "/" at start).
#ifndef FS_H_
#define FS_H_

#include <fs_protocol.h>
#include <stddef.h>
#include <stdint.h>
#include <zircon/types.h>

__BEGIN_CDECLS

#define FS_MAX_FDS 64
#define FS_SEEK_SET 0
#define FS_SEEK_CUR 1
#define FS_SEEK_END 2

// ZX_OK if this process has a filesystem connection.
zx_status_t fs_status(void);

// Opens a file (FS_O_* flags; perm is used when FS_O_CREATE creates it). Returns a descriptor
// >= 0. Directories open only for reading, and only fs_fstat and fs_close apply to them.
int fs_open(const char* path, uint32_t flags, uint32_t perm);
zx_status_t fs_close(int fd);
// Bytes read (0 at the end of the file) or a negative status; advances the offset.
int64_t fs_read(int fd, void* buf, size_t len);
int64_t fs_write(int fd, const void* buf, size_t len);
// At an explicit offset; the descriptor's offset does not move.
int64_t fs_pread(int fd, void* buf, size_t len, uint64_t offset);
int64_t fs_pwrite(int fd, const void* buf, size_t len, uint64_t offset);
// The new offset, or a negative status.
int64_t fs_seek(int fd, int64_t offset, int whence);
zx_status_t fs_fstat(int fd, fs_stat_t* out);
zx_status_t fs_ftruncate(int fd, uint64_t size);
// Writes the file's dirty pages to disk and flushes the device.
zx_status_t fs_fsync(int fd);
// The file's VMO, still owned by the descriptor (do not close it).
zx_handle_t fs_vmo(int fd);
// Maps the whole file read-only at *addr (*len bytes, the file's size when opened; 0 maps
// nothing). Unmap with fs_unmap.
zx_status_t fs_map(int fd, const void** addr, size_t* len);
zx_status_t fs_unmap(const void* addr, size_t len);

zx_status_t fs_stat(const char* path, fs_stat_t* out);
zx_status_t fs_lstat(const char* path, fs_stat_t* out);  // a symlink itself
zx_status_t fs_mkdir(const char* path, uint32_t perm);
zx_status_t fs_unlink(const char* path);  // not a directory
zx_status_t fs_rmdir(const char* path);   // an empty directory
zx_status_t fs_rename(const char* from, const char* to);
zx_status_t fs_symlink(const char* target, const char* path);
// The target's length (NUL-terminated in buf), or a negative status.
int64_t fs_readlink(const char* path, char* buf, size_t cap);
zx_status_t fs_statfs(fs_statfs_t* out);
// Everything dirty, on every file, to disk.
zx_status_t fs_sync(void);

// The working directory: relative paths are resolved against it (by the client, textually).
zx_status_t fs_chdir(const char* path);
const char* fs_getcwd(void);

// Directory listing.
typedef struct fs_dirent {
  uint32_t ino;
  uint8_t type;  // FS_DT_*
  char name[FS_MAX_NAME + 1];
} fs_dirent_t;
typedef struct fs_dir fs_dir_t;
zx_status_t fs_opendir(const char* path, fs_dir_t** out);
// The next entry ("." and ".." included); ZX_ERR_STOP after the last.
zx_status_t fs_readdir(fs_dir_t* dir, fs_dirent_t* out);
void fs_closedir(fs_dir_t* dir);

// A new connection to the same server, for a child process (launch() passes one on by itself).
zx_status_t fs_clone_connection(zx_handle_t* out);
// Installs `channel` as this process's connection (init does, for the server it starts).
void fs_set_connection(zx_handle_t channel);

__END_CDECLS

#endif  // FS_H_
