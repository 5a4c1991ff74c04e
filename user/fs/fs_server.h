// The filesystem server's request loop: connections, open files, and the protocol of
// fs_protocol.h (docs/fs.md) on top of the ext2 library and the file pager.
//
// One thread serves everything from one port: each connection's channel is waited on
// asynchronously (key kConnKey | id), and every file VMO's page requests arrive there too
// (key kNodeKey | generation | id). Requests are handled to the end one at a time, so the ext2
// library (not thread-safe) is only ever called from here; a disk transfer in the middle of one
// waits on the disk's own port, never on this one.
//
// Open files: a connection's descriptors (fids) point at FileNodes, one per inode, shared by
// every connection. A node and its VMO outlive their last close, so the next open finds its pages
// still cached; the kernel evicts clean pages when memory or the page budget runs short.
// Unlinking a file's last name detaches its VMO (readers of pages not yet present get errors).
//
// The server ends when its last connection closes: it writes everything back, unmounts, and
// resets the disk.
#pragma once
#include <fs_protocol.h>
#include <stdint.h>
#include <zircon/syscalls/port.h>
#include <zircon/types.h>

#include "user/fs/disk.h"
#include "user/fs/ext2.h"
#include "user/fs/file_pager.h"

namespace fs {

class Server {
 public:
  zx_status_t Init(ext2::Fs* fs, Disk* disk, FilePager* pager, zx_handle_t port);
  // Serves `channel` as a connection.
  zx_status_t AddConnection(zx_handle_t channel);
  // Serves until the last connection closes; then writes everything back.
  void Run();
  // Writes back every file and the filesystem's metadata, and flushes the disk.
  zx_status_t SyncAll();

 private:
  struct OpenFile {
    bool used;
    uint32_t flags;
    uint32_t ino;
    FileNode* node;  // regular files only
  };
  struct Conn {
    zx_handle_t channel;
    uint32_t id;
    OpenFile* files;
    uint32_t nfiles;
  };
  struct Request {
    const fs_request_t* hdr;
    const char* path;  // not NUL-terminated
    const char* path2;
    zx_handle_t handle;  // FS_OP_CLONE's channel
  };
  struct Reply {
    fs_reply_t* hdr;
    uint8_t* data;
    uint32_t data_len;
    zx_handle_t handle;
  };

  static constexpr uint64_t kConnKey = 1ull << 62;
  static constexpr uint64_t kNodeKey = 1ull << 63;
  static constexpr zx_duration_t kWritebackInterval = ZX_SEC(2);
  // The most a channel message can carry (the kernel's limits, as Zircon's): requests are read
  // into room for this much, so no message can be too large to take off the queue.
  static constexpr uint32_t kMaxMsgBytes = 65536;
  static constexpr uint32_t kMaxMsgHandles = 64;
  static constexpr uint32_t kBurst = 16;       // requests served per wakeup of one connection
  static constexpr uint32_t kMaxConns = 1024;  // live connections

  void HandlePacket(const zx_port_packet_t& packet);
  void ServeConnection(Conn* conn, zx_signals_t observed);
  void CloseConnection(Conn* conn);
  zx_status_t Dispatch(Conn* conn, Request& req, Reply* reply);
  void PeriodicWriteback();

  // The operations.
  zx_status_t Open(Conn* conn, const Request& req, Reply* reply);
  zx_status_t Close(Conn* conn, uint32_t fid);
  zx_status_t Stat(const Request& req, Reply* reply);
  zx_status_t Fstat(Conn* conn, uint32_t fid, Reply* reply);
  zx_status_t ReadDir(const Request& req, Reply* reply);
  zx_status_t Mkdir(const Request& req);
  zx_status_t Unlink(const Request& req);
  zx_status_t Rename(const Request& req);
  zx_status_t Truncate(Conn* conn, uint32_t fid, uint64_t size);
  zx_status_t Sync(Conn* conn, uint32_t fid);
  zx_status_t Symlink(const Request& req);
  zx_status_t ReadLink(const Request& req, Reply* reply);
  zx_status_t StatFs(Reply* reply);

  // Paths arrive unterminated; these copy one into path_buf_ (NUL-terminated) after checks.
  zx_status_t TakePath(const char* p, uint32_t len, char* out);
  OpenFile* GetFile(Conn* conn, uint32_t fid);
  // The node of a regular file, made (with its VMO) on first use.
  zx_status_t GetNode(uint32_t ino, uint64_t size, FileNode** out);
  FileNode* FindNode(uint32_t ino);
  // The node of `ino` if it has one and one link left: the node to drop once that link goes.
  FileNode* LastLinkNode(uint32_t ino);
  void DropNode(FileNode* node);
  void ReleaseNode(FileNode* node);
  void FillStat(const ext2::Stat& st, fs_stat_t* out);

  ext2::Fs* fs_ = nullptr;
  Disk* disk_ = nullptr;
  FilePager* pager_ = nullptr;
  zx_handle_t port_ = ZX_HANDLE_INVALID;

  Conn** conns_ = nullptr;  // by id; nullptr where free
  uint32_t nconns_cap_ = 0;
  uint32_t live_conns_ = 0;
  FileNode** nodes_ = nullptr;  // by id; nullptr where free
  uint32_t nnodes_cap_ = 0;
  uint32_t generation_ = 0;  // distinguishes a reused node id in port keys
  static constexpr uint32_t kHashBuckets = 256;
  FileNode* hash_[kHashBuckets] = {};

  // Scratch for one request and its reply (the server handles one at a time).
  uint8_t* req_buf_ = nullptr;  // kMaxMsgBytes
  zx_handle_t req_handles_[kMaxMsgHandles];
  uint64_t stats_malformed_ = 0;  // requests answered ZX_ERR_INVALID_ARGS for their shape
  uint8_t* reply_buf_ = nullptr;
  char path_buf_[FS_MAX_PATH + 1];
  char path2_buf_[FS_MAX_PATH + 1];
};

}  // namespace fs
