// The filesystem server's channel protocol (docs/fs.md): the wire format shared by the server
// (user/fs/fs_server.cc) and the client library (user/lib/fs_client.cc).
//
// A connection is a channel to the server. Every request is one message written with
// zx_channel_call: an fs_request_t (its txid set by the kernel) with up to two paths after it,
// and at most one handle (the new channel of FS_OP_CLONE). Every reply is an fs_reply_t, a
// status first, with op-specific bytes after it and at most one handle (the file's VMO of
// FS_OP_OPEN). Requests are served in order, one at a time per server. A malformed request
// (short, longer than FS_MAX_REQUEST, lengths that disagree, more than one handle) gets
// ZX_ERR_INVALID_ARGS and its handles are closed; a connection that writes garbage is not closed
// for it. A path ending in '/' names a directory.
#ifndef FS_PROTOCOL_H_
#define FS_PROTOCOL_H_

#include <stdint.h>
#include <zircon/types.h>

#define FS_MAX_PATH 1024u  // bytes of one path in a request (no NUL)
#define FS_MAX_NAME 255u   // bytes of one name

// Operations.
#define FS_OP_OPEN 1u       // path, flags, perm -> fid, stat, VMO handle (regular files)
#define FS_OP_CLOSE 2u      // fid; writes the file's dirty pages back first
#define FS_OP_STAT 3u       // path (flags & FS_O_NOFOLLOW: lstat) -> stat
#define FS_OP_FSTAT 4u      // fid -> stat (the size as the server knows it now)
#define FS_OP_READDIR 5u    // path, arg = cookie -> count entries, arg = next cookie
#define FS_OP_MKDIR 6u      // path, perm
#define FS_OP_UNLINK 7u     // path (flags & FS_UNLINK_DIR: rmdir)
#define FS_OP_RENAME 8u     // path, path2
#define FS_OP_TRUNCATE 9u   // fid, arg = new size (grows or shrinks; the VMO follows)
#define FS_OP_SYNC 10u      // fid (or FS_FID_NONE: everything) -> written back, device flushed
#define FS_OP_SYMLINK 11u   // path (the link), path2 (its target)
#define FS_OP_READLINK 12u  // path -> count bytes of target in data
#define FS_OP_STATFS 13u    // -> fs_statfs_t in data
#define FS_OP_CLONE 14u     // handle: a channel that becomes a new connection

// Open flags.
#define FS_O_READ 0x1u
#define FS_O_WRITE 0x2u
#define FS_O_RDWR (FS_O_READ | FS_O_WRITE)
#define FS_O_CREATE 0x4u      // create a regular file if the name is free
#define FS_O_EXCL 0x8u        // with CREATE: fail with ZX_ERR_ALREADY_EXISTS if it exists
#define FS_O_TRUNC 0x10u      // with WRITE: truncate to 0
#define FS_O_APPEND 0x20u     // (client side) every write goes to the end
#define FS_O_EXEC 0x40u       // the VMO handle carries ZX_RIGHT_EXECUTE
#define FS_O_DIRECTORY 0x80u  // fail with ZX_ERR_NOT_DIR unless a directory
#define FS_O_NOFOLLOW 0x100u  // do not follow a symlink in the last component
#define FS_O_ALL 0x1FFu

#define FS_UNLINK_DIR 0x1u
#define FS_FID_NONE 0xFFFFFFFFu

// File types in fs_stat_t.mode (as st_mode) and fs_dirent_t.type (as d_type).
#define FS_S_IFMT 0170000u
#define FS_S_IFREG 0100000u
#define FS_S_IFDIR 0040000u
#define FS_S_IFLNK 0120000u
#define FS_DT_UNKNOWN 0u
#define FS_DT_REG 1u
#define FS_DT_DIR 2u
#define FS_DT_LNK 7u

typedef struct fs_stat {
  uint32_t ino;
  uint32_t mode;  // type and permission bits
  uint32_t nlink;
  uint32_t uid, gid;
  uint32_t blksize;
  uint64_t size;
  uint64_t blocks;  // 512-byte units allocated
  uint32_t atime, mtime, ctime;
  uint32_t reserved;
} fs_stat_t;

typedef struct fs_statfs {
  uint32_t block_size;
  uint32_t writable;
  uint64_t total_blocks, free_blocks;
  uint32_t total_inodes, free_inodes;
} fs_statfs_t;

typedef struct fs_request {
  zx_txid_t txid;
  uint32_t op;
  uint32_t flags;
  uint32_t perm;
  uint32_t fid;
  uint32_t path_len;   // bytes of the first path after this header
  uint32_t path2_len;  // bytes of the second path, right after the first
  uint32_t reserved;
  uint64_t arg;
} fs_request_t;

typedef struct fs_reply {
  zx_txid_t txid;
  zx_status_t status;
  uint32_t fid;
  uint32_t count;  // READDIR: entries in data; READLINK: bytes in data
  uint64_t arg;    // READDIR: the cookie to continue from
  fs_stat_t stat;  // OPEN, STAT, FSTAT
} fs_reply_t;

// READDIR entries in a reply's data, each padded to a multiple of 8 bytes.
typedef struct fs_wire_dirent {
  uint32_t ino;
  uint8_t type;  // FS_DT_*
  uint8_t name_len;
  uint16_t reserved;
  // name_len bytes of name, no NUL
} fs_wire_dirent_t;

#define FS_MAX_REQUEST (sizeof(fs_request_t) + 2 * FS_MAX_PATH)
#define FS_MAX_REPLY_DATA 8192u
#define FS_MAX_REPLY (sizeof(fs_reply_t) + FS_MAX_REPLY_DATA)

#endif  // FS_PROTOCOL_H_
