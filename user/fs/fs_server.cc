// The filesystem server's request loop and operations (docs/fs.md).
#include "user/fs/fs_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

namespace fs {
namespace {

constexpr uint32_t kRootIno = ext2::kRootIno;

uint32_t dirent_type(uint8_t ft) {
  switch (ft) {
    case ext2::kFtRegular:
      return FS_DT_REG;
    case ext2::kFtDir:
      return FS_DT_DIR;
    case ext2::kFtSymlink:
      return FS_DT_LNK;
    default:
      return FS_DT_UNKNOWN;
  }
}

const char* op_name(uint32_t op) {
  static const char* const kNames[] = {"?",       "open",    "close",    "stat",   "fstat",
                                       "readdir", "mkdir",   "unlink",   "rename", "truncate",
                                       "sync",    "symlink", "readlink", "statfs", "clone"};
  return op < sizeof(kNames) / sizeof(kNames[0]) ? kNames[op] : "?";
}

// "name/" (after a last component): the name must be a directory (POSIX).
bool trailing_slash(const char* path) {
  size_t n = strlen(path);
  return n > 1 && path[n - 1] == '/';
}

bool is_regular(uint16_t mode) { return (mode & ext2::kModeTypeMask) == ext2::kModeRegular; }
bool is_dir(uint16_t mode) { return (mode & ext2::kModeTypeMask) == ext2::kModeDir; }

// Rights of the VMO handle a client gets: never more than its open mode allows.
zx_rights_t vmo_rights(uint32_t flags) {
  zx_rights_t r =
      ZX_RIGHT_READ | ZX_RIGHT_MAP | ZX_RIGHT_DUPLICATE | ZX_RIGHT_TRANSFER | ZX_RIGHT_GET_PROPERTY;
  if (flags & FS_O_WRITE) r |= ZX_RIGHT_WRITE;
  if (flags & FS_O_EXEC) r |= ZX_RIGHT_EXECUTE;
  return r;
}

template <typename T>
bool grow_table(T*** table, uint32_t* cap) {
  uint32_t n = *cap ? *cap * 2 : 16;
  T** t = static_cast<T**>(realloc(*table, n * sizeof(T*)));
  if (t == nullptr) return false;
  for (uint32_t i = *cap; i < n; i++) t[i] = nullptr;
  *table = t;
  *cap = n;
  return true;
}

}  // namespace

zx_status_t Server::Init(ext2::Fs* fs, Disk* disk, FilePager* pager, zx_handle_t port) {
  fs_ = fs;
  disk_ = disk;
  pager_ = pager;
  port_ = port;
  req_buf_ = static_cast<uint8_t*>(malloc(kMaxMsgBytes));
  reply_buf_ = static_cast<uint8_t*>(malloc(FS_MAX_REPLY));
  if (req_buf_ == nullptr || reply_buf_ == nullptr) return ZX_ERR_NO_MEMORY;
  // Touched now, so that a read into them never needs memory the system may not have later.
  memset(req_buf_, 0, kMaxMsgBytes);
  memset(reply_buf_, 0, FS_MAX_REPLY);
  return ZX_OK;
}

zx_status_t Server::AddConnection(zx_handle_t channel) {
  if (live_conns_ >= kMaxConns) {  // one client cloning without end cannot exhaust the server
    zx_handle_close(channel);
    return ZX_ERR_NO_RESOURCES;
  }
  uint32_t id = 0;
  while (id < nconns_cap_ && conns_[id] != nullptr) id++;
  if (id == nconns_cap_ && !grow_table(&conns_, &nconns_cap_)) {
    zx_handle_close(channel);
    return ZX_ERR_NO_MEMORY;
  }
  Conn* c = static_cast<Conn*>(calloc(1, sizeof(Conn)));
  if (c == nullptr) {
    zx_handle_close(channel);
    return ZX_ERR_NO_MEMORY;
  }
  c->channel = channel;
  c->id = id;
  zx_status_t s = zx_object_wait_async(channel, port_, kConnKey | id,
                                       ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, 0);
  if (s != ZX_OK) {
    zx_handle_close(channel);
    free(c);
    return s;
  }
  conns_[id] = c;
  live_conns_++;
  return ZX_OK;
}

void Server::Run() {
  while (live_conns_ > 0) {
    zx_port_packet_t p;
    zx_status_t s = zx_port_wait(port_, zx_deadline_after(kWritebackInterval), &p);
    if (s == ZX_ERR_TIMED_OUT) {
      PeriodicWriteback();
      continue;
    }
    if (s != ZX_OK) {
      printf("fsd: port wait failed: %s\n", zx_status_get_string(s));
      break;
    }
    HandlePacket(p);
  }
  SyncAll();
}

void Server::PeriodicWriteback() {
  bool any = false;
  for (uint32_t i = 0; i < nnodes_cap_; i++) {
    FileNode* n = nodes_[i];
    if (n != nullptr && n->maybe_dirty) {
      pager_->Writeback(n);
      any = true;
    }
  }
  if (any) fs_->Sync();
}

zx_status_t Server::SyncAll() {
  zx_status_t first = ZX_OK;
  for (uint32_t i = 0; i < nnodes_cap_; i++) {
    if (nodes_[i] == nullptr) continue;
    zx_status_t s = pager_->Writeback(nodes_[i]);
    if (first == ZX_OK) first = s;
  }
  if (fs_->writable()) {
    zx_status_t s = fs_->Sync();
    if (first == ZX_OK) first = s;
  }
  return first;
}

void Server::HandlePacket(const zx_port_packet_t& p) {
  if (p.key & kNodeKey) {
    if (p.type != ZX_PKT_TYPE_PAGE_REQUEST) return;
    uint32_t id = static_cast<uint32_t>(p.key);
    FileNode* n = id < nnodes_cap_ ? nodes_[id] : nullptr;
    if (n == nullptr || n->key != p.key) return;  // a node since dropped (its COMPLETE, say)
    if (p.page_request.command == ZX_PAGER_VMO_READ)
      pager_->HandleRead(n, p.page_request.offset, p.page_request.length);
    // DIRTY never comes (file VMOs do not trap dirtying); COMPLETE needs nothing.
    return;
  }
  if (p.key & kConnKey) {
    uint32_t id = static_cast<uint32_t>(p.key & ~kConnKey);
    Conn* c = id < nconns_cap_ ? conns_[id] : nullptr;
    if (c != nullptr && p.type == ZX_PKT_TYPE_SIGNAL_ONE) ServeConnection(c, p.signal.observed);
  }
}

void Server::ServeConnection(Conn* c, zx_signals_t observed) {
  // The queued requests first (a client's last requests before it closed still get answers, or
  // at least are carried out), then the closed check. At most kBurst per wakeup, so one client
  // that keeps writing cannot keep the server from everyone else: the wait re-armed below fires
  // again at once while requests remain, behind the other packets already queued.
  for (uint32_t served = 0; served < kBurst; served++) {
    uint32_t nbytes = 0, nhandles = 0;
    // The buffers hold the largest message a channel can carry, so a read never fails for
    // room and a request never stays stuck at the head of the queue.
    zx_status_t s = zx_channel_read(c->channel, 0, req_buf_, req_handles_, kMaxMsgBytes,
                                    kMaxMsgHandles, &nbytes, &nhandles);
    if (s == ZX_ERR_SHOULD_WAIT) break;
    if (s == ZX_ERR_PEER_CLOSED) {
      observed |= ZX_CHANNEL_PEER_CLOSED;
      break;
    }
    if (s != ZX_OK) {
      // Only a kernel whose limits exceed ours gets here: this message cannot be taken off
      // the queue, so the connection that sent it ends (the others go on).
      printf("fsd: connection %u: unreadable request (%s); closing it\n", c->id,
             zx_status_get_string(s));
      CloseConnection(c);
      return;
    }
    if (nhandles > kMaxMsgHandles) nhandles = kMaxMsgHandles;  // never more than we gave room for
    auto* hdr = reinterpret_cast<const fs_request_t*>(req_buf_);
    auto* rhdr = reinterpret_cast<fs_reply_t*>(reply_buf_);
    memset(rhdr, 0, sizeof(*rhdr));
    Reply reply{rhdr, reply_buf_ + sizeof(fs_reply_t), 0, ZX_HANDLE_INVALID};
    Request req{hdr, nullptr, nullptr, ZX_HANDLE_INVALID};
    zx_status_t status;
    if (nbytes < sizeof(fs_request_t) || nbytes > FS_MAX_REQUEST || nhandles > 1 ||
        hdr->path_len > FS_MAX_PATH || hdr->path2_len > FS_MAX_PATH ||
        nbytes != sizeof(fs_request_t) + hdr->path_len + hdr->path2_len) {
      status = ZX_ERR_INVALID_ARGS;
      stats_malformed_++;
    } else {
      if (nhandles == 1) {
        req.handle = req_handles_[0];
        nhandles = 0;  // now req's to close or take
      }
      req.path = reinterpret_cast<const char*>(req_buf_ + sizeof(fs_request_t));
      req.path2 = req.path + hdr->path_len;
      status = Dispatch(c, req, &reply);
    }
    // Handles no operation took: a malformed request's, and one an op did not want.
    for (uint32_t i = 0; i < nhandles; i++) zx_handle_close(req_handles_[i]);
    if (req.handle != ZX_HANDLE_INVALID) zx_handle_close(req.handle);
    if (status == ZX_ERR_IO || status == ZX_ERR_IO_DATA_INTEGRITY) {
      // The disk failed or the image is inconsistent: worth a line on the console, with the
      // request that ran into it (the client only sees the status).
      printf("fsd: %s %.*s: %s\n", op_name(hdr->op),
             static_cast<int>(req.path != nullptr ? hdr->path_len : 0),
             req.path != nullptr ? req.path : "", zx_status_get_string(status));
    }
    if (nbytes >= sizeof(zx_txid_t)) memcpy(&rhdr->txid, req_buf_, sizeof(zx_txid_t));
    rhdr->status = status;
    if (status != ZX_OK) {
      reply.data_len = 0;
      if (reply.handle != ZX_HANDLE_INVALID) zx_handle_close(reply.handle);
      reply.handle = ZX_HANDLE_INVALID;
    }
    uint32_t nh = reply.handle != ZX_HANDLE_INVALID ? 1 : 0;
    // A client that has gone away (or never reads its replies) does not get this one; the
    // handle is closed by the failed write.
    zx_channel_write(c->channel, 0, reply_buf_, sizeof(fs_reply_t) + reply.data_len,
                     nh ? &reply.handle : nullptr, nh);
  }
  if (observed & ZX_CHANNEL_PEER_CLOSED) {
    // Only when nothing is left to read: a closing client's last writes still count.
    uint32_t nbytes = 0, nhandles = 0;
    if (zx_channel_read(c->channel, 0, nullptr, nullptr, 0, 0, &nbytes, &nhandles) ==
        ZX_ERR_PEER_CLOSED) {
      CloseConnection(c);
      return;
    }
  }
  zx_status_t s = zx_object_wait_async(c->channel, port_, kConnKey | c->id,
                                       ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, 0);
  if (s != ZX_OK) CloseConnection(c);
}

void Server::CloseConnection(Conn* c) {
  for (uint32_t fid = 0; fid < c->nfiles; fid++)
    if (c->files[fid].used) Close(c, fid);
  zx_handle_close(c->channel);
  conns_[c->id] = nullptr;
  free(c->files);
  free(c);
  live_conns_--;
}

zx_status_t Server::Dispatch(Conn* c, Request& req, Reply* reply) {
  const fs_request_t* h = req.hdr;
  switch (h->op) {
    case FS_OP_OPEN:
      return Open(c, req, reply);
    case FS_OP_CLOSE:
      return Close(c, h->fid);
    case FS_OP_STAT:
      return Stat(req, reply);
    case FS_OP_FSTAT:
      return Fstat(c, h->fid, reply);
    case FS_OP_READDIR:
      return ReadDir(req, reply);
    case FS_OP_MKDIR:
      return Mkdir(req);
    case FS_OP_UNLINK:
      return Unlink(req);
    case FS_OP_RENAME:
      return Rename(req);
    case FS_OP_TRUNCATE:
      return Truncate(c, h->fid, h->arg);
    case FS_OP_SYNC:
      return Sync(c, h->fid);
    case FS_OP_SYMLINK:
      return Symlink(req);
    case FS_OP_READLINK:
      return ReadLink(req, reply);
    case FS_OP_STATFS:
      return StatFs(reply);
    case FS_OP_CLONE: {
      if (req.handle == ZX_HANDLE_INVALID) return ZX_ERR_INVALID_ARGS;
      zx_info_handle_basic_t info;
      zx_status_t s = zx_object_get_info(req.handle, ZX_INFO_HANDLE_BASIC, &info, sizeof(info),
                                         nullptr, nullptr);
      if (s != ZX_OK) return s;
      if (info.type != ZX_OBJ_TYPE_CHANNEL) return ZX_ERR_WRONG_TYPE;
      zx_handle_t ch = req.handle;
      req.handle = ZX_HANDLE_INVALID;  // taken, even if adding fails
      return AddConnection(ch);
    }
    default:
      return ZX_ERR_NOT_SUPPORTED;
  }
}

zx_status_t Server::TakePath(const char* p, uint32_t len, char* out) {
  if (len == 0) return ZX_ERR_INVALID_ARGS;
  if (memchr(p, 0, len) != nullptr) return ZX_ERR_INVALID_ARGS;
  memcpy(out, p, len);
  out[len] = 0;
  return ZX_OK;
}

Server::OpenFile* Server::GetFile(Conn* c, uint32_t fid) {
  if (fid >= c->nfiles || !c->files[fid].used) return nullptr;
  return &c->files[fid];
}

void Server::FillStat(const ext2::Stat& st, fs_stat_t* out) {
  memset(out, 0, sizeof(*out));
  out->ino = st.ino;
  out->mode = st.mode;
  out->nlink = st.nlink;
  out->uid = st.uid;
  out->gid = st.gid;
  out->blksize = st.block_size;
  out->size = st.size;
  out->blocks = st.blocks;
  out->atime = st.atime;
  out->mtime = st.mtime;
  out->ctime = st.ctime;
  // A file's size is the server's: a growing file's node knows it before the inode does.
  FileNode* n = FindNode(st.ino);
  if (n != nullptr) out->size = n->size;
}

FileNode* Server::FindNode(uint32_t ino) {
  for (FileNode* n = hash_[ino % kHashBuckets]; n != nullptr; n = n->hash_next)
    if (n->ino == ino) return n;
  return nullptr;
}

zx_status_t Server::GetNode(uint32_t ino, uint64_t size, FileNode** out) {
  FileNode* n = FindNode(ino);
  if (n != nullptr) {
    *out = n;
    return ZX_OK;
  }
  uint32_t id = 0;
  while (id < nnodes_cap_ && nodes_[id] != nullptr) id++;
  if (id == nnodes_cap_ && !grow_table(&nodes_, &nnodes_cap_)) return ZX_ERR_NO_MEMORY;
  n = new FileNode();
  if (n == nullptr) return ZX_ERR_NO_MEMORY;
  n->ino = ino;
  n->id = id;
  n->size = size;
  n->key = kNodeKey | (static_cast<uint64_t>(++generation_ & 0x3FFFFFFF) << 32) | id;
  zx_status_t s = pager_->CreateVmo(n, n->key);
  if (s != ZX_OK) {
    delete n;
    return s;
  }
  char name[32];
  snprintf(name, sizeof(name), "file:%u", ino);
  zx_object_set_property(n->vmo, ZX_PROP_NAME, name, strlen(name));
  nodes_[id] = n;
  n->hash_next = hash_[ino % kHashBuckets];
  hash_[ino % kHashBuckets] = n;
  *out = n;
  return ZX_OK;
}

// Takes the node out of the lookup table and detaches its VMO; open descriptors keep the
// FileNode itself until their close.
void Server::DropNode(FileNode* n) {
  if (n->gone) return;
  FileNode** pp = &hash_[n->ino % kHashBuckets];
  while (*pp != n) pp = &(*pp)->hash_next;
  *pp = n->hash_next;
  n->gone = true;
  n->maybe_dirty = false;  // its blocks are freed: nothing to write back
  pager_->Detach(n);
  nodes_[n->id] = nullptr;
  if (n->opens == 0) delete n;
}

void Server::ReleaseNode(FileNode* n) {
  n->opens--;
  if (n->gone && n->opens == 0) delete n;
}

FileNode* Server::LastLinkNode(uint32_t ino) {
  FileNode* n = FindNode(ino);
  ext2::Stat st;
  if (n != nullptr && fs_->GetStat(ino, &st) == ZX_OK && st.nlink <= 1) return n;
  return nullptr;
}

zx_status_t Server::Open(Conn* c, const Request& req, Reply* reply) {
  const fs_request_t* h = req.hdr;
  if (h->flags & ~FS_O_ALL) return ZX_ERR_INVALID_ARGS;
  bool write = h->flags & FS_O_WRITE;
  if ((write || (h->flags & (FS_O_CREATE | FS_O_TRUNC))) && !fs_->writable())
    return ZX_ERR_ACCESS_DENIED;
  if ((h->flags & FS_O_TRUNC) && !write) return ZX_ERR_INVALID_ARGS;
  zx_status_t s = TakePath(req.path, h->path_len, path_buf_);
  if (s != ZX_OK) return s;
  uint32_t ino = 0;
  if ((h->flags & FS_O_CREATE) && trailing_slash(path_buf_)) {
    // Only an existing directory can be opened so; a new name with a slash cannot be a file.
    s = fs_->Walk(kRootIno, path_buf_, &ino, true);
    if (s == ZX_ERR_NOT_FOUND) return ZX_ERR_NOT_FILE;
    if (s != ZX_OK) return s;
    if (h->flags & FS_O_EXCL) return ZX_ERR_ALREADY_EXISTS;
  } else if (h->flags & FS_O_CREATE) {
    uint32_t dir;
    const char* name;
    size_t name_len;
    if ((s = fs_->WalkParent(kRootIno, path_buf_, &dir, &name, &name_len)) != ZX_OK) return s;
    s = fs_->Lookup(dir, name, name_len, &ino);
    if (s == ZX_OK && (h->flags & FS_O_EXCL)) return ZX_ERR_ALREADY_EXISTS;
    if (s == ZX_OK) {
      // An existing name: open what it names (a symlink is followed, as open(2) does).
      if ((s = fs_->Walk(kRootIno, path_buf_, &ino, !(h->flags & FS_O_NOFOLLOW))) != ZX_OK)
        return s;
    } else if (s == ZX_ERR_NOT_FOUND) {
      if ((s = fs_->Create(dir, name, name_len, static_cast<uint16_t>(h->perm & 07777), &ino)) !=
          ZX_OK)
        return s;
    } else {
      return s;
    }
  } else if ((s = fs_->Walk(kRootIno, path_buf_, &ino, !(h->flags & FS_O_NOFOLLOW))) != ZX_OK) {
    return s;
  }
  ext2::Stat st;
  if ((s = fs_->GetStat(ino, &st)) != ZX_OK) return s;
  FileNode* node = nullptr;
  if (is_dir(st.mode)) {
    if (write || (h->flags & FS_O_EXEC)) return ZX_ERR_NOT_FILE;
  } else {
    if (h->flags & FS_O_DIRECTORY) return ZX_ERR_NOT_DIR;
    if (!is_regular(st.mode)) return ZX_ERR_NOT_FILE;  // a symlink opened with NOFOLLOW
    if ((s = GetNode(ino, st.size, &node)) != ZX_OK) return s;
    if ((h->flags & FS_O_TRUNC) && (s = pager_->Resize(node, 0)) != ZX_OK) return s;
  }
  // A descriptor slot.
  uint32_t fid = 0;
  while (fid < c->nfiles && c->files[fid].used) fid++;
  if (fid == c->nfiles) {
    if (c->nfiles >= 4096) return ZX_ERR_NO_RESOURCES;
    uint32_t n = c->nfiles ? c->nfiles * 2 : 8;
    auto* f = static_cast<OpenFile*>(realloc(c->files, n * sizeof(OpenFile)));
    if (f == nullptr) return ZX_ERR_NO_MEMORY;
    for (uint32_t i = c->nfiles; i < n; i++) f[i].used = false;
    c->files = f;
    c->nfiles = n;
  }
  if (node != nullptr) {
    s = zx_handle_duplicate(node->vmo, vmo_rights(h->flags), &reply->handle);
    if (s != ZX_OK) return s;
    node->opens++;
    if (write) {
      node->writers++;
      node->maybe_dirty = true;
    }
  }
  c->files[fid] = OpenFile{true, h->flags, ino, node};
  reply->hdr->fid = fid;
  FillStat(st, &reply->hdr->stat);
  return ZX_OK;
}

zx_status_t Server::Close(Conn* c, uint32_t fid) {
  OpenFile* f = GetFile(c, fid);
  if (f == nullptr) return ZX_ERR_BAD_HANDLE;
  zx_status_t s = ZX_OK;
  FileNode* n = f->node;
  f->used = false;
  if (n != nullptr) {
    if (f->flags & FS_O_WRITE) {
      n->writers--;
      if (!n->gone) {
        s = pager_->Writeback(n);
        zx_status_t ss = fs_->Sync();
        if (s == ZX_OK) s = ss;
      }
    }
    ReleaseNode(n);
  }
  return s;
}

zx_status_t Server::Stat(const Request& req, Reply* reply) {
  zx_status_t s = TakePath(req.path, req.hdr->path_len, path_buf_);
  if (s != ZX_OK) return s;
  uint32_t ino;
  if ((s = fs_->Walk(kRootIno, path_buf_, &ino, !(req.hdr->flags & FS_O_NOFOLLOW))) != ZX_OK)
    return s;
  ext2::Stat st;
  if ((s = fs_->GetStat(ino, &st)) != ZX_OK) return s;
  FillStat(st, &reply->hdr->stat);
  return ZX_OK;
}

zx_status_t Server::Fstat(Conn* c, uint32_t fid, Reply* reply) {
  OpenFile* f = GetFile(c, fid);
  if (f == nullptr) return ZX_ERR_BAD_HANDLE;
  if (f->node != nullptr && f->node->gone) {
    // Unlinked while open: its inode may belong to another file by now.
    memset(&reply->hdr->stat, 0, sizeof(reply->hdr->stat));
    reply->hdr->stat.mode = FS_S_IFREG;
    reply->hdr->stat.size = f->node->size;
    return ZX_OK;
  }
  ext2::Stat st;
  zx_status_t s = fs_->GetStat(f->ino, &st);
  if (s != ZX_OK) return s;
  FillStat(st, &reply->hdr->stat);
  return ZX_OK;
}

zx_status_t Server::ReadDir(const Request& req, Reply* reply) {
  zx_status_t s = TakePath(req.path, req.hdr->path_len, path_buf_);
  if (s != ZX_OK) return s;
  uint32_t ino;
  if ((s = fs_->Walk(kRootIno, path_buf_, &ino, true)) != ZX_OK) return s;
  uint64_t cookie = req.hdr->arg;
  uint32_t count = 0;
  for (;;) {
    uint64_t before = cookie;
    ext2::DirEntry e;
    s = fs_->ReadDir(ino, &cookie, &e);
    if (s == ZX_ERR_STOP) break;
    if (s != ZX_OK) {
      if (count > 0) {  // what was read so far; the error comes with the next call
        cookie = before;
        break;
      }
      return s;
    }
    uint32_t need = (static_cast<uint32_t>(sizeof(fs_wire_dirent_t)) + e.name_len + 7) & ~7u;
    if (reply->data_len + need > FS_MAX_REPLY_DATA) {
      cookie = before;  // this one comes first next time
      break;
    }
    fs_wire_dirent_t w{e.ino, static_cast<uint8_t>(dirent_type(e.type)), e.name_len, 0};
    memcpy(reply->data + reply->data_len, &w, sizeof(w));
    memcpy(reply->data + reply->data_len + sizeof(w), e.name, e.name_len);
    memset(reply->data + reply->data_len + sizeof(w) + e.name_len, 0,
           need - sizeof(w) - e.name_len);
    reply->data_len += need;
    count++;
  }
  reply->hdr->count = count;
  reply->hdr->arg = cookie;
  return ZX_OK;
}

zx_status_t Server::Mkdir(const Request& req) {
  zx_status_t s = TakePath(req.path, req.hdr->path_len, path_buf_);
  if (s != ZX_OK) return s;
  uint32_t dir, ino;
  const char* name;
  size_t len;
  if ((s = fs_->WalkParent(kRootIno, path_buf_, &dir, &name, &len)) != ZX_OK) return s;
  return fs_->Mkdir(dir, name, len, static_cast<uint16_t>(req.hdr->perm & 07777), &ino);
}

zx_status_t Server::Unlink(const Request& req) {
  zx_status_t s = TakePath(req.path, req.hdr->path_len, path_buf_);
  if (s != ZX_OK) return s;
  uint32_t dir;
  const char* name;
  size_t len;
  if ((s = fs_->WalkParent(kRootIno, path_buf_, &dir, &name, &len)) != ZX_OK) return s;
  if (req.hdr->flags & FS_UNLINK_DIR) return fs_->Rmdir(dir, name, len);
  if (!fs_->writable()) return ZX_ERR_ACCESS_DENIED;
  uint32_t ino;
  if (trailing_slash(path_buf_)) {  // "file/": not a directory; "dir/": not a file
    if ((s = fs_->Walk(kRootIno, path_buf_, &ino, true)) != ZX_OK) return s;
    return ZX_ERR_NOT_FILE;
  }
  if ((s = fs_->Lookup(dir, name, len, &ino)) != ZX_OK) return s;
  ext2::Stat st;
  if ((s = fs_->GetStat(ino, &st)) != ZX_OK) return s;
  if (is_dir(st.mode)) return ZX_ERR_NOT_FILE;
  FileNode* victim = LastLinkNode(ino);
  s = fs_->Unlink(dir, name, len);
  if (s == ZX_OK && victim != nullptr) DropNode(victim);
  return s;
}

zx_status_t Server::Rename(const Request& req) {
  zx_status_t s = TakePath(req.path, req.hdr->path_len, path_buf_);
  if (s == ZX_OK) s = TakePath(req.path2, req.hdr->path2_len, path2_buf_);
  if (s != ZX_OK) return s;
  if (trailing_slash(path_buf_) || trailing_slash(path2_buf_)) {
    // Either name with a slash: what moves must be a directory.
    uint32_t ino;
    ext2::Stat st;
    if ((s = fs_->Walk(kRootIno, path_buf_, &ino, true)) != ZX_OK) return s;
    if ((s = fs_->GetStat(ino, &st)) != ZX_OK) return s;
    if (!is_dir(st.mode)) return ZX_ERR_NOT_DIR;
  }
  uint32_t sdir, ddir;
  const char *sname, *dname;
  size_t slen, dlen;
  if ((s = fs_->WalkParent(kRootIno, path_buf_, &sdir, &sname, &slen)) != ZX_OK) return s;
  if ((s = fs_->WalkParent(kRootIno, path2_buf_, &ddir, &dname, &dlen)) != ZX_OK) return s;
  if (!fs_->writable()) return ZX_ERR_ACCESS_DENIED;
  // A replaced destination file loses its name; if that was its last, its node goes.
  uint32_t src_ino, dst_ino;
  if ((s = fs_->Lookup(sdir, sname, slen, &src_ino)) != ZX_OK) return s;
  if (fs_->Lookup(ddir, dname, dlen, &dst_ino) == ZX_OK && dst_ino != src_ino) {
    FileNode* victim = LastLinkNode(dst_ino);
    s = fs_->Rename(sdir, sname, slen, ddir, dname, dlen);
    if (s == ZX_OK && victim != nullptr) DropNode(victim);
    return s;
  }
  return fs_->Rename(sdir, sname, slen, ddir, dname, dlen);
}

zx_status_t Server::Truncate(Conn* c, uint32_t fid, uint64_t size) {
  OpenFile* f = GetFile(c, fid);
  if (f == nullptr) return ZX_ERR_BAD_HANDLE;
  if (!(f->flags & FS_O_WRITE)) return ZX_ERR_ACCESS_DENIED;
  if (f->node == nullptr) return ZX_ERR_NOT_FILE;
  if (f->node->gone) return ZX_ERR_BAD_STATE;
  return pager_->Resize(f->node, size);
}

zx_status_t Server::Sync(Conn* c, uint32_t fid) {
  if (fid == FS_FID_NONE) return SyncAll();
  OpenFile* f = GetFile(c, fid);
  if (f == nullptr) return ZX_ERR_BAD_HANDLE;
  zx_status_t s = f->node != nullptr ? pager_->Writeback(f->node) : ZX_OK;
  if (fs_->writable()) {
    zx_status_t ss = fs_->Sync();
    if (s == ZX_OK) s = ss;
  }
  return s;
}

zx_status_t Server::Symlink(const Request& req) {
  zx_status_t s = TakePath(req.path, req.hdr->path_len, path_buf_);
  if (s == ZX_OK) s = TakePath(req.path2, req.hdr->path2_len, path2_buf_);
  if (s != ZX_OK) return s;
  if (trailing_slash(path_buf_)) return ZX_ERR_NOT_DIR;  // a symlink is not a directory
  uint32_t dir, ino;
  const char* name;
  size_t len;
  if ((s = fs_->WalkParent(kRootIno, path_buf_, &dir, &name, &len)) != ZX_OK) return s;
  return fs_->Symlink(dir, name, len, path2_buf_, &ino);
}

zx_status_t Server::ReadLink(const Request& req, Reply* reply) {
  zx_status_t s = TakePath(req.path, req.hdr->path_len, path_buf_);
  if (s != ZX_OK) return s;
  uint32_t ino;
  if ((s = fs_->Walk(kRootIno, path_buf_, &ino, false)) != ZX_OK) return s;
  size_t len = 0;
  s = fs_->ReadLink(ino, reinterpret_cast<char*>(reply->data), FS_MAX_REPLY_DATA, &len);
  if (s != ZX_OK) return s;
  reply->data_len = static_cast<uint32_t>(len);
  reply->hdr->count = static_cast<uint32_t>(len);
  return ZX_OK;
}

zx_status_t Server::StatFs(Reply* reply) {
  ext2::FsInfo info = fs_->Info();
  fs_statfs_t out{info.block_size,  info.writable ? 1u : 0u, info.total_blocks,
                  info.free_blocks, info.total_inodes,       info.free_inodes};
  memcpy(reply->data, &out, sizeof(out));
  reply->data_len = sizeof(out);
  return ZX_OK;
}

}  // namespace fs
