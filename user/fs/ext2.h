// An ext2 filesystem over an abstract block device, for the userspace filesystem server.
//
// Why a library and not code inside the server: the same source compiles freestanding into the
// server (user build: no exceptions, no RTTI, no allocation) and into the host tests, where it
// runs against images made by mke2fs and is checked by e2fsck and a fuzzer in milliseconds.
//
// The image is untrusted input. Every number read from disk is range-checked before it is used
// as a block number, an index or a length; anything inconsistent fails the call with
// ZX_ERR_IO_DATA_INTEGRITY (and a device failure with whatever the device returned, normally
// ZX_ERR_IO). Every loop is bounded by sizes checked at mount, so no image can make a call hang.
//
// Memory: an Fs holds a small metadata block cache and its scratch buffers inline (~80 KiB), so
// the server can place it statically; nothing is allocated. File data does not go through the
// cache: Read() moves it between the device and the caller's buffer, and the pager is expected
// to use MapBlocks() to turn a run of file pages into as few device requests as possible.
//
// Writes keep the image consistent at the end of every public call: metadata changes are made
// in the cache and written back (with the superblock's counts) before the call returns, so a
// host `e2fsck -fn` after any sequence of calls finds nothing to fix. An Fs is not thread-safe;
// the server serializes calls.
#pragma once
#include <stddef.h>
#include <stdint.h>

// The status codes (Zircon's values) without the rest of the user headers: the host build has
// only -I. on its include path.
#include "user/fs/ext2_layout.h"
#include "user/lib/include/zircon/errors.h"

using zx_status_t = int32_t;

namespace ext2 {

// Where the filesystem lives. The filesystem asks for byte ranges that are multiples of 512
// bytes at offsets that are multiples of 512 (in practice whole blocks, and the 1 KiB superblock
// at offset 1024). Implementations return ZX_OK or an error (ZX_ERR_IO for a failed transfer);
// a short transfer is an error.
class BlockDevice {
 public:
  virtual zx_status_t Read(uint64_t offset, void* buf, size_t len) = 0;
  virtual zx_status_t Write(uint64_t offset, const void* buf, size_t len) = 0;
  virtual zx_status_t Flush() { return ZX_OK; }
  virtual uint64_t SizeBytes() = 0;

 protected:
  ~BlockDevice() = default;
};

struct Stat {
  uint32_t ino;
  uint16_t mode;  // type and permission bits, kMode*
  uint16_t nlink;
  uint32_t uid, gid;
  uint64_t size;
  uint64_t blocks;  // 512-byte sectors allocated, as stat(2) reports
  uint32_t atime, mtime, ctime;
  uint32_t block_size;
};

struct DirEntry {
  uint32_t ino;
  uint8_t type;  // kFt*
  uint8_t name_len;
  char name[kMaxNameLen + 1];  // NUL-terminated
};

struct FsInfo {
  uint32_t block_size;
  uint64_t total_blocks, free_blocks;
  uint32_t total_inodes, free_inodes;
  bool writable;
};

// Limits on path resolution.
constexpr uint32_t kMaxPath = 4096;
constexpr uint32_t kMaxSymlinkFollows = 8;

class Fs {
 public:
  Fs() = default;
  Fs(const Fs&) = delete;
  Fs& operator=(const Fs&) = delete;

  // Checks the superblock and every group descriptor against the device and each other.
  // Unsupported features give ZX_ERR_NOT_SUPPORTED; a writable mount also needs every
  // ro_compat feature to be one this code maintains (sparse_super, large_file).
  zx_status_t Mount(BlockDevice* dev, bool writable);
  // Writes back what is cached and detaches from the device (the Fs can mount again).
  zx_status_t Unmount();
  bool mounted() const { return dev_ != nullptr; }
  bool writable() const { return writable_; }
  uint32_t block_size() const { return bs_; }
  const Superblock& superblock() const { return sb_; }
  FsInfo Info() const;

  // A larger metadata cache than the built-in 16 blocks: `bytes` of the caller's memory (8-byte
  // aligned, kept until Unmount), used from the next Mount. A path walk touches an inode block
  // and a directory block per component, so with 16 blocks a deep tree is re-read from the
  // device for every component of every path.
  void SetCacheMemory(void* mem, size_t bytes) {
    ext_mem_ = mem;
    ext_bytes_ = bytes;
  }

  // Seconds since 1970 for timestamps of writes; without a clock they are 0.
  void set_clock(uint32_t (*now)()) { clock_ = now; }

  // --- reading ---
  // Stat of an inode (any allocated inode number).
  zx_status_t GetStat(uint32_t ino, Stat* out);
  // One name in a directory. name need not be NUL-terminated.
  zx_status_t Lookup(uint32_t dir, const char* name, size_t name_len, uint32_t* ino);
  // Resolves a path: absolute from the root, relative from `start`. Symlinks are followed (at
  // most kMaxSymlinkFollows in one resolution); the last component only if follow_last.
  zx_status_t Walk(uint32_t start, const char* path, uint32_t* ino, bool follow_last = true);
  // Resolves all but the last component (following symlinks) and returns the directory and the
  // last component (pointing into path). "/" has no last component: ZX_ERR_INVALID_ARGS.
  zx_status_t WalkParent(uint32_t start, const char* path, uint32_t* dir, const char** name,
                         size_t* name_len);
  // Directory listing. *cookie starts at 0; each call returns the next live entry (".", ".."
  // included) and advances the cookie; ZX_ERR_STOP at the end. Entries added or removed between
  // calls may or may not be seen; none is returned twice.
  zx_status_t ReadDir(uint32_t dir, uint64_t* cookie, DirEntry* out);
  // Up to len bytes from offset; *actual is less than len only at the end of the file.
  zx_status_t Read(uint32_t ino, uint64_t offset, void* buf, size_t len, size_t* actual);
  // The target of a symlink, NUL-terminated; *len excludes the NUL. ZX_ERR_BUFFER_TOO_SMALL if
  // cap <= target length.
  zx_status_t ReadLink(uint32_t ino, char* buf, size_t cap, size_t* len);
  // Maps file block `fblock` of a regular file, directory or slow symlink. *disk is the disk
  // block (0 for a hole, including past the end of the file); *run is how many blocks from
  // fblock on map to disk, disk+1, ... (or are all holes), at least 1 and at most max_run.
  // This is what the pager uses to coalesce adjacent blocks into one device request.
  zx_status_t MapBlocks(uint32_t ino, uint64_t fblock, uint32_t max_run, uint32_t* disk,
                        uint32_t* run);

  // --- writing (ZX_ERR_ACCESS_DENIED on a read-only mount) ---
  // Writes len bytes at offset, allocating blocks (preferring the inode's group and the block
  // after the previous one), extending the size. Regular files only.
  zx_status_t Write(uint32_t ino, uint64_t offset, const void* buf, size_t len, size_t* actual);
  // Sets the size of a regular file: shrinking frees blocks past the end and zeroes the tail of
  // the last block; growing leaves a hole.
  zx_status_t Truncate(uint32_t ino, uint64_t size);
  // Creates a regular file (mode's type bits ignored) / a directory / a symlink in dir.
  zx_status_t Create(uint32_t dir, const char* name, size_t name_len, uint16_t perm, uint32_t* ino);
  zx_status_t Mkdir(uint32_t dir, const char* name, size_t name_len, uint16_t perm, uint32_t* ino);
  zx_status_t Symlink(uint32_t dir, const char* name, size_t name_len, const char* target,
                      uint32_t* ino);
  // Removes a non-directory's name (freeing the inode with its last link) / an empty directory.
  // The server keeps files that are still open alive itself; this frees at once.
  zx_status_t Unlink(uint32_t dir, const char* name, size_t name_len);
  zx_status_t Rmdir(uint32_t dir, const char* name, size_t name_len);
  // POSIX rename: replaces an existing destination of a compatible type (a directory only if
  // empty); refuses to move a directory into itself.
  zx_status_t Rename(uint32_t src_dir, const char* src, size_t src_len, uint32_t dst_dir,
                     const char* dst, size_t dst_len);
  // Writes back anything cached and flushes the device.
  zx_status_t Sync();

 private:
  static constexpr uint32_t kCacheBlocks = 16;
  struct CacheEntry {
    uint32_t block;
    bool valid;
    bool dirty;
    uint64_t used;  // LRU stamp
  };

  // Device and cache.
  zx_status_t DevRead(uint64_t block, uint32_t count, void* buf);
  zx_status_t DevWrite(uint64_t block, uint32_t count, const void* buf);
  void UseCache(void* mem, size_t bytes);
  uint8_t* SlotData(int slot) { return cache_mem_ + static_cast<size_t>(slot) * stride_; }
  zx_status_t GetBlock(uint32_t block, uint8_t** data, bool dirty = false);
  zx_status_t GetZeroedBlock(uint32_t block, uint8_t** data);
  int CacheSlot(uint32_t block);
  zx_status_t EvictSlot(int slot);
  zx_status_t FreeSlot(int* slot);
  void Invalidate(uint32_t block);
  zx_status_t FlushCache();
  zx_status_t Commit(zx_status_t status);

  // Groups, inodes, bitmaps.
  zx_status_t ReadGroup(uint32_t group, GroupDesc* gd);
  zx_status_t WriteGroup(uint32_t group, const GroupDesc& gd);
  zx_status_t ReadInode(uint32_t ino, Inode* inode);
  zx_status_t WriteInode(uint32_t ino, const Inode& inode);
  zx_status_t CheckInode(const Inode& inode);
  uint64_t InodeSize(const Inode& inode) const;
  void SetInodeSize(Inode* inode, uint64_t size);
  bool IsFastSymlink(const Inode& inode) const;
  // A block that may hold file data or movable metadata: never the primary superblock or
  // group descriptor table.
  bool BlockInRange(uint32_t block) const { return block >= min_data_ && block < nblocks_; }
  zx_status_t InodeLocation(uint32_t ino, uint32_t* block, uint32_t* offset);
  zx_status_t InitInodeExtra(uint32_t ino);
  zx_status_t LoadInode(uint32_t ino, Inode* inode);
  zx_status_t AdjustLinks(uint32_t ino, int delta);
  bool GroupHasSuper(uint32_t group) const;
  zx_status_t CheckNotMetadata(uint32_t block);
  zx_status_t CheckBitmapCount(uint32_t group, const GroupDesc& gd, bool inodes);
  // A block a map names, reached through `depth` indirect blocks `path`.
  zx_status_t CheckMapped(uint32_t block, const uint32_t* path, int depth);
  zx_status_t AllocBlock(uint32_t goal, uint32_t* block);
  zx_status_t FreeBlock(uint32_t block);
  zx_status_t AllocInode(uint32_t parent, bool dir, uint32_t* ino);
  zx_status_t FreeInode(uint32_t ino, bool dir);
  uint32_t Now() const { return clock_ ? clock_() : 0; }

  // Block maps.
  int BlockPath(uint64_t fblock, uint32_t* slot, uint32_t idx[3]) const;
  zx_status_t Bmap(const Inode& inode, uint64_t fblock, uint32_t* disk);
  zx_status_t MapRun(const Inode& inode, uint64_t fblock, uint32_t max_run, uint32_t* disk,
                     uint32_t* run);
  zx_status_t BmapAlloc(uint32_t ino, Inode* inode, uint64_t fblock, uint32_t* disk, bool* fresh);
  zx_status_t AllocZeroedBlock(uint32_t goal, uint32_t* block);
  zx_status_t FreeTree(uint32_t block, int level, uint64_t base, uint64_t first, Inode* inode,
                       bool* emptied);
  zx_status_t TruncateBlocks(Inode* inode, uint64_t first_fblock);
  zx_status_t ZeroTail(const Inode& inode, uint64_t size);
  zx_status_t ReleaseInode(uint32_t ino, Inode* inode);

  // Directories.
  zx_status_t DirBlock(const Inode& dir, uint64_t index, uint32_t* disk);
  zx_status_t FindEntry(const Inode& dir, const char* name, size_t name_len, uint32_t* ino,
                        uint32_t* block, uint32_t* offset, uint32_t* prev);
  zx_status_t AddEntry(uint32_t dir_ino, const char* name, size_t name_len, uint32_t ino,
                       uint8_t type);
  zx_status_t RemoveEntry(uint32_t dir_ino, const char* name, size_t name_len);
  zx_status_t SetEntryInode(uint32_t dir_ino, const char* name, size_t name_len, uint32_t ino,
                            uint8_t type);
  zx_status_t DirIsEmpty(const Inode& dir, bool* empty);
  zx_status_t IsAncestor(uint32_t maybe_ancestor, uint32_t dir, bool* result);
  zx_status_t NewInode(uint32_t dir, const char* name, size_t name_len, uint16_t mode,
                       uint32_t* ino, Inode* inode);
  zx_status_t CheckDirHeader(uint32_t dir, const Inode& inode);
  zx_status_t CheckReleasable(Inode inode);
  zx_status_t CheckNewName(uint32_t dir, const char* name, size_t name_len, Inode* dir_inode);
  // The inode a name in a writable directory refers to, for Unlink and Rmdir to remove.
  zx_status_t FindToRemove(uint32_t dir, const char* name, size_t name_len, uint32_t* ino,
                           Inode* inode);
  uint8_t FileType(uint16_t mode) const;
  zx_status_t Resolve(uint32_t start, const char* path, bool follow_last, bool want_parent,
                      uint32_t* out, const char** last, size_t* last_len);

  BlockDevice* dev_ = nullptr;
  bool writable_ = false;
  uint32_t (*clock_)() = nullptr;
  Superblock sb_{};
  bool sb_dirty_ = false;
  uint32_t bs_ = 0;          // block size
  uint32_t log_bs_ = 0;      // log2(block size)
  uint32_t ptrs_ = 0;        // block numbers per indirect block
  uint32_t nblocks_ = 0;     // s_blocks_count
  uint32_t first_data_ = 0;  // s_first_data_block
  uint32_t ngroups_ = 0;
  uint32_t bpg_ = 0, ipg_ = 0;  // blocks and inodes per group
  uint32_t inode_size_ = 0;
  uint32_t first_ino_ = 0;
  uint32_t itable_blocks_ = 0;  // inode-table blocks per group
  uint32_t gdt_block_ = 0;      // first block of the group descriptor table
  uint32_t min_data_ = 0;       // first block after it
  uint64_t max_file_blocks_ = 0;

  // Groups whose bitmaps were found to agree with their free counts since mount (the first
  // kCheckedGroups; later groups are checked at every allocation).
  static constexpr uint32_t kCheckedGroups = 1024;
  uint8_t block_groups_checked_[kCheckedGroups / 8] = {};
  uint8_t inode_groups_checked_[kCheckedGroups / 8] = {};

  CacheEntry inline_cache_[kCacheBlocks]{};
  uint8_t inline_data_[kCacheBlocks][kMaxBlockSize];
  CacheEntry* cache_ = inline_cache_;  // ncache_ slots, each stride_ bytes at cache_mem_
  uint8_t* cache_mem_ = &inline_data_[0][0];
  uint32_t ncache_ = kCacheBlocks;
  uint32_t stride_ = kMaxBlockSize;
  static constexpr uint32_t kCacheHints = 256;
  uint32_t cache_hint_[kCacheHints] = {};
  bool dry_run_ = false;  // FreeBlock checks and changes nothing (CheckReleasable)
  void* ext_mem_ = nullptr;
  size_t ext_bytes_ = 0;
  uint64_t cache_clock_ = 0;
  uint8_t bounce_[kMaxBlockSize];  // partial-block file data
  char path_a_[kMaxPath + 1];      // symlink expansion during Resolve
  char path_b_[kMaxPath + 1];
};

}  // namespace ext2
