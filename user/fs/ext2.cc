// ext2 on an abstract block device: see ext2.h for the contract.
//
// Two rules keep this file safe against hostile images:
//  - a number read from disk is checked before use: block numbers with BlockInRange (which also
//    keeps writes off the primary superblock and descriptor table), inode numbers against
//    s_inodes_count, directory records against their block, sizes against what the block map
//    can address;
//  - a pointer into the cache is only used until the next call that may load a block (any
//    GetBlock, ReadInode, ReadGroup...), since that may evict it. Code that needs a block again
//    after such a call fetches it again.
#include "user/fs/ext2.h"

#include <string.h>

namespace ext2 {

namespace {

uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
void Store32(uint8_t* p, uint32_t v) { memcpy(p, &v, 4); }

bool IsPowerOfTwo(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

size_t StrLen(const char* s, size_t max) {
  size_t n = 0;
  while (n < max && s[n] != '\0') n++;
  return n;
}

bool IsDotOrDotDot(const char* name, size_t len) {
  return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

// A directory record at `off` in a block of bs bytes, checked to lie inside it.
bool ParseRecord(const uint8_t* blk, uint32_t bs, uint32_t off, DirEntryHeader* h) {
  if (off + sizeof(DirEntryHeader) > bs) return false;
  memcpy(h, blk + off, sizeof(*h));
  if (h->rec_len < sizeof(DirEntryHeader) || (h->rec_len & 3) != 0 || off + h->rec_len > bs) {
    return false;
  }
  if (h->inode != 0 && h->name_len == 0) return false;  // a live entry has a name
  return sizeof(DirEntryHeader) + h->name_len <= h->rec_len;
}

uint16_t TypeOf(const Inode& inode) { return inode.i_mode & kModeTypeMask; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Device and metadata cache

zx_status_t Fs::DevRead(uint64_t block, uint32_t count, void* buf) {
  if (block + count > nblocks_) return ZX_ERR_IO_DATA_INTEGRITY;
  return dev_->Read(block << log_bs_, buf, static_cast<size_t>(count) << log_bs_);
}

zx_status_t Fs::DevWrite(uint64_t block, uint32_t count, const void* buf) {
  if (!writable_) return ZX_ERR_ACCESS_DENIED;
  if (block + count > nblocks_ || block < first_data_ + 1) return ZX_ERR_IO_DATA_INTEGRITY;
  return dev_->Write(block << log_bs_, buf, static_cast<size_t>(count) << log_bs_);
}

// The built-in slots, or as many as fit in `mem` (entries first, then bs_-byte blocks) if
// that is more. Every slot starts empty.
void Fs::UseCache(void* mem, size_t bytes) {
  cache_ = inline_cache_;
  cache_mem_ = &inline_data_[0][0];
  stride_ = kMaxBlockSize;
  ncache_ = kCacheBlocks;
  size_t n = mem != nullptr && bs_ != 0 ? bytes / (bs_ + sizeof(CacheEntry)) : 0;
  if (n > kCacheBlocks && reinterpret_cast<uintptr_t>(mem) % alignof(CacheEntry) == 0) {
    if (n > (1u << 20)) n = 1u << 20;
    cache_ = static_cast<CacheEntry*>(mem);
    cache_mem_ = static_cast<uint8_t*>(mem) + n * sizeof(CacheEntry);
    stride_ = bs_;
    ncache_ = static_cast<uint32_t>(n);
  }
  for (uint32_t i = 0; i < ncache_; i++) cache_[i] = CacheEntry{};
}

// A direct-mapped hint (block -> the slot it was last found in) spares the scan of a large
// cache for the blocks every call touches again: descriptors, bitmaps, the indirect blocks of a
// file being read. A hint is only trusted after checking the slot.
int Fs::CacheSlot(uint32_t block) {
  uint32_t& hint = cache_hint_[block % kCacheHints];
  if (hint < ncache_ && cache_[hint].valid && cache_[hint].block == block)
    return static_cast<int>(hint);
  for (uint32_t i = 0; i < ncache_; i++) {
    if (cache_[i].valid && cache_[i].block == block) {
      hint = i;
      return static_cast<int>(i);
    }
  }
  return -1;
}

zx_status_t Fs::EvictSlot(int slot) {
  CacheEntry& e = cache_[slot];
  if (e.valid && e.dirty) {
    zx_status_t st = DevWrite(e.block, 1, SlotData(slot));
    if (st != ZX_OK) return st;
  }
  e.valid = false;
  e.dirty = false;
  return ZX_OK;
}

// An empty cache slot, or else the least recently used one written back and emptied.
zx_status_t Fs::FreeSlot(int* out) {
  int slot = 0;
  for (uint32_t i = 0; i < ncache_; i++) {
    if (!cache_[i].valid) {
      slot = static_cast<int>(i);
      break;
    }
    if (cache_[i].used < cache_[slot].used) slot = static_cast<int>(i);
  }
  *out = slot;
  return EvictSlot(slot);
}

// Loads a metadata block; with dirty, the caller is about to change it and it will be written
// back by the next Commit().
zx_status_t Fs::GetBlock(uint32_t block, uint8_t** data, bool dirty) {
  if (block >= nblocks_) return ZX_ERR_IO_DATA_INTEGRITY;
  if (dirty && !writable_) return ZX_ERR_ACCESS_DENIED;
  int slot = CacheSlot(block);
  if (slot < 0) {
    zx_status_t st = FreeSlot(&slot);
    if (st != ZX_OK) return st;
    st = DevRead(block, 1, SlotData(slot));
    if (st != ZX_OK) return st;
    cache_[slot].block = block;
    cache_[slot].valid = true;
    cache_hint_[block % kCacheHints] = static_cast<uint32_t>(slot);
  }
  cache_[slot].used = ++cache_clock_;
  if (dirty) cache_[slot].dirty = true;
  *data = SlotData(slot);
  return ZX_OK;
}

// A freshly allocated metadata block: zeroed in the cache without reading the device.
zx_status_t Fs::GetZeroedBlock(uint32_t block, uint8_t** data) {
  int slot = CacheSlot(block);
  if (slot < 0) {
    zx_status_t st = FreeSlot(&slot);
    if (st != ZX_OK) return st;
    cache_[slot].block = block;
    cache_[slot].valid = true;
  }
  memset(SlotData(slot), 0, bs_);
  cache_[slot].used = ++cache_clock_;
  cache_[slot].dirty = true;
  *data = SlotData(slot);
  return ZX_OK;
}

// A freed block's cached contents are meaningless (and must not be written back over whatever
// the block holds next).
void Fs::Invalidate(uint32_t block) {
  int slot = CacheSlot(block);
  if (slot >= 0) {
    cache_[slot].valid = false;
    cache_[slot].dirty = false;
  }
}

zx_status_t Fs::FlushCache() {
  for (uint32_t i = 0; i < ncache_; i++) {
    if (cache_[i].valid && cache_[i].dirty) {
      zx_status_t st = DevWrite(cache_[i].block, 1, SlotData(static_cast<int>(i)));
      if (st != ZX_OK) return st;
      cache_[i].dirty = false;
    }
  }
  return ZX_OK;
}

// Ends every mutating call, whether it succeeded or not: what was changed reaches the device
// together with the superblock's counts, so the image is consistent between calls.
zx_status_t Fs::Commit(zx_status_t status) {
  if (!writable_) return status;
  zx_status_t st = FlushCache();
  if (st == ZX_OK && sb_dirty_) {
    if (clock_ != nullptr) sb_.s_wtime = Now();
    st = dev_->Write(kSuperblockOffset, &sb_, sizeof(sb_));
    if (st == ZX_OK) sb_dirty_ = false;
  }
  return status != ZX_OK ? status : st;
}

zx_status_t Fs::Sync() {
  if (!mounted()) return ZX_ERR_BAD_STATE;
  if (!writable_) return ZX_OK;
  zx_status_t st = Commit(ZX_OK);
  if (st != ZX_OK) return st;
  return dev_->Flush();
}

// ---------------------------------------------------------------------------------------------
// Mount

zx_status_t Fs::Mount(BlockDevice* dev, bool writable) {
  if (dev == nullptr) return ZX_ERR_INVALID_ARGS;
  if (dev_ != nullptr) return ZX_ERR_BAD_STATE;
  UseCache(nullptr, 0);
  memset(block_groups_checked_, 0, sizeof(block_groups_checked_));
  memset(inode_groups_checked_, 0, sizeof(inode_groups_checked_));
  writable_ = false;  // nothing is written during the checks
  sb_dirty_ = false;

  uint64_t dev_size = dev->SizeBytes();
  if (dev_size < kSuperblockOffset + kSuperblockSize) return ZX_ERR_IO_DATA_INTEGRITY;
  zx_status_t st = dev->Read(kSuperblockOffset, &sb_, sizeof(sb_));
  if (st != ZX_OK) return st;

  if (sb_.s_magic != kMagic) return ZX_ERR_IO_DATA_INTEGRITY;
  if (sb_.s_rev_level > kRevDynamic) return ZX_ERR_NOT_SUPPORTED;
  if (sb_.s_log_block_size > 16) return ZX_ERR_IO_DATA_INTEGRITY;
  if ((kMinBlockSize << sb_.s_log_block_size) > kMaxBlockSize) return ZX_ERR_NOT_SUPPORTED;
  log_bs_ = 10 + sb_.s_log_block_size;
  bs_ = 1u << log_bs_;
  ptrs_ = bs_ / 4;
  UseCache(ext_mem_, ext_bytes_);
  first_data_ = sb_.s_first_data_block;
  if (first_data_ != (bs_ == 1024 ? 1u : 0u)) return ZX_ERR_IO_DATA_INTEGRITY;

  if (sb_.s_rev_level == kRevGoodOld) {
    inode_size_ = kGoodOldInodeSize;
    first_ino_ = kGoodOldFirstIno;
  } else {
    inode_size_ = sb_.s_inode_size;
    first_ino_ = sb_.s_first_ino;
    if (sb_.s_feature_incompat & ~kIncompatFiletype) return ZX_ERR_NOT_SUPPORTED;
    if (writable && (sb_.s_feature_ro_compat & ~(kRoCompatSparseSuper | kRoCompatLargeFile))) {
      return ZX_ERR_NOT_SUPPORTED;
    }
  }
  if (!IsPowerOfTwo(inode_size_) || inode_size_ < kGoodOldInodeSize || inode_size_ > bs_) {
    return ZX_ERR_IO_DATA_INTEGRITY;
  }

  bpg_ = sb_.s_blocks_per_group;
  ipg_ = sb_.s_inodes_per_group;
  nblocks_ = sb_.s_blocks_count;
  if (bpg_ == 0 || bpg_ > 8 * bs_ || ipg_ == 0 || ipg_ > 8 * bs_) return ZX_ERR_IO_DATA_INTEGRITY;
  if (nblocks_ <= first_data_ + 1) return ZX_ERR_IO_DATA_INTEGRITY;
  if ((static_cast<uint64_t>(nblocks_) << log_bs_) > dev_size) return ZX_ERR_IO_DATA_INTEGRITY;
  ngroups_ = (nblocks_ - first_data_ + bpg_ - 1) / bpg_;
  if (sb_.s_inodes_count == 0 ||
      static_cast<uint64_t>(sb_.s_inodes_count) > static_cast<uint64_t>(ngroups_) * ipg_) {
    return ZX_ERR_IO_DATA_INTEGRITY;
  }
  if (first_ino_ <= kRootIno || first_ino_ > sb_.s_inodes_count) return ZX_ERR_IO_DATA_INTEGRITY;
  if (sb_.s_free_blocks_count > nblocks_ || sb_.s_free_inodes_count > sb_.s_inodes_count) {
    return ZX_ERR_IO_DATA_INTEGRITY;
  }
  itable_blocks_ =
      static_cast<uint32_t>((static_cast<uint64_t>(ipg_) * inode_size_ + bs_ - 1) >> log_bs_);
  gdt_block_ = first_data_ + 1;
  uint64_t gdt_blocks = (static_cast<uint64_t>(ngroups_) * sizeof(GroupDesc) + bs_ - 1) >> log_bs_;
  if (gdt_block_ + gdt_blocks >= nblocks_) return ZX_ERR_IO_DATA_INTEGRITY;
  min_data_ = gdt_block_ + static_cast<uint32_t>(gdt_blocks);

  // The most blocks a file can address: the block map's reach, and i_blocks (32 bits of
  // 512-byte sectors) must be able to count them.
  uint64_t p = ptrs_;
  max_file_blocks_ = kNumDirect + p + p * p + p * p * p;
  uint64_t by_iblocks = 0xFFFFFFFFull / (bs_ / 512);
  if (max_file_blocks_ > by_iblocks) max_file_blocks_ = by_iblocks;

  dev_ = dev;
  for (uint32_t g = 0; g < ngroups_; g++) {
    GroupDesc gd;
    st = ReadGroup(g, &gd);
    if (st != ZX_OK) {
      dev_ = nullptr;
      return st;
    }
  }
  Inode root;
  st = ReadInode(kRootIno, &root);
  if (st == ZX_OK) st = CheckInode(root);
  if (st == ZX_OK && (TypeOf(root) != kModeDir || root.i_links_count == 0)) {
    st = ZX_ERR_IO_DATA_INTEGRITY;
  }
  if (st != ZX_OK) {
    dev_ = nullptr;
    return st;
  }
  writable_ = writable;
  return ZX_OK;
}

zx_status_t Fs::Unmount() {
  if (dev_ == nullptr) return ZX_ERR_BAD_STATE;
  zx_status_t st = Sync();
  dev_ = nullptr;
  writable_ = false;
  UseCache(nullptr, 0);
  return st;
}

FsInfo Fs::Info() const {
  FsInfo info{};
  info.block_size = bs_;
  info.total_blocks = nblocks_;
  info.free_blocks = sb_.s_free_blocks_count;
  info.total_inodes = sb_.s_inodes_count;
  info.free_inodes = sb_.s_free_inodes_count;
  info.writable = writable_;
  return info;
}

// ---------------------------------------------------------------------------------------------
// Group descriptors, inodes

zx_status_t Fs::ReadGroup(uint32_t group, GroupDesc* gd) {
  if (group >= ngroups_) return ZX_ERR_IO_DATA_INTEGRITY;
  uint64_t byte = static_cast<uint64_t>(group) * sizeof(GroupDesc);
  uint8_t* data;
  zx_status_t st = GetBlock(gdt_block_ + static_cast<uint32_t>(byte >> log_bs_), &data);
  if (st != ZX_OK) return st;
  memcpy(gd, data + (byte & (bs_ - 1)), sizeof(*gd));
  // Checked on every read, not just at mount: cheap, and the descriptor may have been reloaded.
  if (!BlockInRange(gd->bg_block_bitmap) || !BlockInRange(gd->bg_inode_bitmap) ||
      !BlockInRange(gd->bg_inode_table) ||
      static_cast<uint64_t>(gd->bg_inode_table) + itable_blocks_ > nblocks_ ||
      gd->bg_free_blocks_count > bpg_ || gd->bg_free_inodes_count > ipg_) {
    return ZX_ERR_IO_DATA_INTEGRITY;
  }
  // Without flex_bg (an incompat feature this code refuses) a group's bitmaps and inode table
  // lie inside the group, after its superblock and descriptor copies, and apart from each other.
  // A descriptor pointing elsewhere would have the allocator mark bits in some other structure.
  uint32_t group_first = first_data_ + group * bpg_;
  uint64_t group_end = static_cast<uint64_t>(group_first) + bpg_;
  if (group_end > nblocks_) group_end = nblocks_;
  uint64_t meta_end = group_first;
  if (GroupHasSuper(group)) {
    uint64_t reserved = (sb_.s_feature_compat & kCompatResizeInode) ? sb_.s_reserved_gdt_blocks : 0;
    meta_end += 1 + (min_data_ - gdt_block_) + reserved;
  }
  uint64_t it = gd->bg_inode_table, it_end = it + itable_blocks_;
  auto inside = [&](uint64_t b) { return b >= meta_end && b < group_end; };
  auto in_table = [&](uint64_t b) { return b >= it && b < it_end; };
  if (!inside(gd->bg_block_bitmap) || !inside(gd->bg_inode_bitmap) || !inside(it) ||
      it_end > group_end || gd->bg_block_bitmap == gd->bg_inode_bitmap ||
      in_table(gd->bg_block_bitmap) || in_table(gd->bg_inode_bitmap)) {
    return ZX_ERR_IO_DATA_INTEGRITY;
  }
  return ZX_OK;
}

zx_status_t Fs::WriteGroup(uint32_t group, const GroupDesc& gd) {
  uint64_t byte = static_cast<uint64_t>(group) * sizeof(GroupDesc);
  uint8_t* data;
  zx_status_t st = GetBlock(gdt_block_ + static_cast<uint32_t>(byte >> log_bs_), &data, true);
  if (st != ZX_OK) return st;
  memcpy(data + (byte & (bs_ - 1)), &gd, sizeof(gd));
  return ZX_OK;
}

zx_status_t Fs::InodeLocation(uint32_t ino, uint32_t* block, uint32_t* offset) {
  if (ino == 0 || ino > sb_.s_inodes_count) return ZX_ERR_IO_DATA_INTEGRITY;
  GroupDesc gd;
  zx_status_t st = ReadGroup((ino - 1) / ipg_, &gd);
  if (st != ZX_OK) return st;
  uint64_t byte = static_cast<uint64_t>((ino - 1) % ipg_) * inode_size_;
  *block = gd.bg_inode_table + static_cast<uint32_t>(byte >> log_bs_);
  *offset = static_cast<uint32_t>(byte & (bs_ - 1));
  return ZX_OK;
}

zx_status_t Fs::ReadInode(uint32_t ino, Inode* inode) {
  uint32_t block, offset;
  zx_status_t st = InodeLocation(ino, &block, &offset);
  if (st != ZX_OK) return st;
  uint8_t* data;
  st = GetBlock(block, &data);
  if (st != ZX_OK) return st;
  memcpy(inode, data + offset, sizeof(*inode));
  return ZX_OK;
}

zx_status_t Fs::WriteInode(uint32_t ino, const Inode& inode) {
  uint32_t block, offset;
  zx_status_t st = InodeLocation(ino, &block, &offset);
  if (st != ZX_OK) return st;
  uint8_t* data;
  st = GetBlock(block, &data, true);
  if (st != ZX_OK) return st;
  memcpy(data + offset, &inode, sizeof(inode));
  return ZX_OK;
}

// A new inode's bytes past the first 128 are zeroed and declare the standard extra size, as
// mke2fs's own inodes do.
zx_status_t Fs::InitInodeExtra(uint32_t ino) {
  if (inode_size_ <= sizeof(Inode)) return ZX_OK;
  uint32_t block, offset;
  zx_status_t st = InodeLocation(ino, &block, &offset);
  if (st != ZX_OK) return st;
  uint8_t* data;
  st = GetBlock(block, &data, true);
  if (st != ZX_OK) return st;
  memset(data + offset + sizeof(Inode), 0, inode_size_ - sizeof(Inode));
  if (inode_size_ >= sizeof(Inode) + kDefaultExtraIsize) {
    uint16_t extra = kDefaultExtraIsize;
    memcpy(data + offset + kExtraIsizeOffset, &extra, sizeof(extra));
  }
  return ZX_OK;
}

uint64_t Fs::InodeSize(const Inode& inode) const {
  uint64_t size = inode.i_size;
  if (TypeOf(inode) == kModeRegular && sb_.s_rev_level >= kRevDynamic) {
    size |= static_cast<uint64_t>(inode.i_size_high) << 32;
  }
  return size;
}

void Fs::SetInodeSize(Inode* inode, uint64_t size) {
  inode->i_size = static_cast<uint32_t>(size);
  if (TypeOf(*inode) == kModeRegular) {
    inode->i_size_high = static_cast<uint32_t>(size >> 32);
    if (size > 0x7FFFFFFFull && !(sb_.s_feature_ro_compat & kRoCompatLargeFile)) {
      sb_.s_feature_ro_compat |= kRoCompatLargeFile;
      sb_dirty_ = true;
    }
  }
}

bool Fs::IsFastSymlink(const Inode& inode) const {
  uint32_t ea_sectors = inode.i_file_acl != 0 ? bs_ / 512 : 0;
  return TypeOf(inode) == kModeSymlink && inode.i_size < kFastSymlinkMax &&
         inode.i_blocks == ea_sectors;
}

// What every use of an inode's contents relies on.
zx_status_t Fs::CheckInode(const Inode& inode) {
  if (inode.i_flags & (kFlagExtents | kFlagInlineData)) return ZX_ERR_IO_DATA_INTEGRITY;
  uint64_t size = InodeSize(inode);
  switch (TypeOf(inode)) {
    case kModeRegular:
      if (size > (max_file_blocks_ << log_bs_)) return ZX_ERR_IO_DATA_INTEGRITY;
      return ZX_OK;
    case kModeDir:
      if (size == 0 || (size & (bs_ - 1)) != 0 || (size >> log_bs_) > max_file_blocks_) {
        return ZX_ERR_IO_DATA_INTEGRITY;
      }
      return ZX_OK;
    case kModeSymlink:
      if (size == 0 || size >= bs_ || size > kMaxPath) return ZX_ERR_IO_DATA_INTEGRITY;
      return ZX_OK;
    case kModeCharDev:
    case kModeBlockDev:
    case kModeFifo:
    case kModeSocket:
      return ZX_OK;
    default:
      return ZX_ERR_IO_DATA_INTEGRITY;
  }
}

// A live inode named by a caller (not by the disk).
zx_status_t Fs::LoadInode(uint32_t ino, Inode* inode) {
  if (dev_ == nullptr) return ZX_ERR_BAD_STATE;
  if (ino == 0 || ino > sb_.s_inodes_count) return ZX_ERR_INVALID_ARGS;
  zx_status_t st = ReadInode(ino, inode);
  if (st != ZX_OK) return st;
  if (inode->i_links_count == 0 || inode->i_mode == 0) return ZX_ERR_NOT_FOUND;
  return CheckInode(*inode);
}

uint8_t Fs::FileType(uint16_t mode) const {
  if (!(sb_.s_feature_incompat & kIncompatFiletype)) return kFtUnknown;
  switch (mode & kModeTypeMask) {
    case kModeRegular:
      return kFtRegular;
    case kModeDir:
      return kFtDir;
    case kModeSymlink:
      return kFtSymlink;
    case kModeCharDev:
      return kFtCharDev;
    case kModeBlockDev:
      return kFtBlockDev;
    case kModeFifo:
      return kFtFifo;
    case kModeSocket:
      return kFtSocket;
    default:
      return kFtUnknown;
  }
}

// ---------------------------------------------------------------------------------------------
// Block map

// Splits a file block into the slot in i_block and the indices through the indirect levels.
// Returns the number of levels (0: direct), or -1 past what the map can address.
int Fs::BlockPath(uint64_t fblock, uint32_t* slot, uint32_t idx[3]) const {
  uint64_t p = ptrs_;
  if (fblock < kNumDirect) {
    *slot = static_cast<uint32_t>(fblock);
    return 0;
  }
  fblock -= kNumDirect;
  if (fblock < p) {
    *slot = kIndBlock;
    idx[0] = static_cast<uint32_t>(fblock);
    return 1;
  }
  fblock -= p;
  if (fblock < p * p) {
    *slot = kDindBlock;
    idx[0] = static_cast<uint32_t>(fblock / p);
    idx[1] = static_cast<uint32_t>(fblock % p);
    return 2;
  }
  fblock -= p * p;
  if (fblock < p * p * p) {
    *slot = kTindBlock;
    idx[0] = static_cast<uint32_t>(fblock / (p * p));
    idx[1] = static_cast<uint32_t>((fblock / p) % p);
    idx[2] = static_cast<uint32_t>(fblock % p);
    return 3;
  }
  return -1;
}

// Each block on the way from the inode to the data block is checked: in range, not metadata,
// and not one of the indirect blocks already on the path. A block map that points back at
// itself (a double-indirect block naming itself, say) would otherwise read its own pointers as
// file data, as often as the size allows, and a write through it would overwrite the map.
zx_status_t Fs::Bmap(const Inode& inode, uint64_t fblock, uint32_t* disk) {
  uint32_t slot, idx[3];
  int levels = BlockPath(fblock, &slot, idx);
  *disk = 0;
  if (levels < 0) return ZX_OK;
  uint32_t path[3];
  uint32_t b = inode.i_block[slot];
  for (int l = 0; l < levels && b != 0; l++) {
    zx_status_t st = CheckMapped(b, path, l);
    if (st != ZX_OK) return st;
    path[l] = b;
    uint8_t* data;
    st = GetBlock(b, &data);
    if (st != ZX_OK) return st;
    b = Load32(data + 4 * idx[l]);
  }
  if (b != 0) {
    zx_status_t st = CheckMapped(b, path, levels);
    if (st != ZX_OK) return st;
  }
  *disk = b;
  return ZX_OK;
}

zx_status_t Fs::CheckMapped(uint32_t block, const uint32_t* path, int depth) {
  for (int i = 0; i < depth; i++)
    if (path[i] == block) return ZX_ERR_IO_DATA_INTEGRITY;
  return CheckNotMetadata(block);
}

zx_status_t Fs::MapRun(const Inode& inode, uint64_t fblock, uint32_t max_run, uint32_t* disk,
                       uint32_t* run) {
  if (max_run == 0) max_run = 1;
  uint64_t end_block = (InodeSize(inode) + bs_ - 1) >> log_bs_;
  uint32_t first;
  zx_status_t st = fblock < end_block ? Bmap(inode, fblock, &first) : ZX_OK;
  if (st != ZX_OK) return st;
  if (fblock >= end_block) first = 0;
  uint32_t n = 1;
  while (n < max_run) {
    uint64_t fb = fblock + n;
    uint32_t next = 0;
    if (fb < end_block) {
      st = Bmap(inode, fb, &next);
      if (st != ZX_OK) return st;
    }
    if (first == 0 ? next != 0 : next != first + n) break;
    n++;
  }
  *disk = first;
  *run = n;
  return ZX_OK;
}

zx_status_t Fs::MapBlocks(uint32_t ino, uint64_t fblock, uint32_t max_run, uint32_t* disk,
                          uint32_t* run) {
  Inode inode;
  zx_status_t st = LoadInode(ino, &inode);
  if (st != ZX_OK) return st;
  uint16_t type = TypeOf(inode);
  if ((type != kModeRegular && type != kModeDir && type != kModeSymlink) || IsFastSymlink(inode)) {
    return ZX_ERR_NOT_FILE;
  }
  return MapRun(inode, fblock, max_run, disk, run);
}

zx_status_t Fs::AllocZeroedBlock(uint32_t goal, uint32_t* block) {
  zx_status_t st = AllocBlock(goal, block);
  if (st != ZX_OK) return st;
  uint8_t* data;
  return GetZeroedBlock(*block, &data);
}

// Maps fblock for writing, allocating the data block and any missing indirect blocks. *fresh
// tells the caller the data block is new (its old contents must not be read).
zx_status_t Fs::BmapAlloc(uint32_t ino, Inode* inode, uint64_t fblock, uint32_t* disk,
                          bool* fresh) {
  uint32_t slot, idx[3];
  int levels = BlockPath(fblock, &slot, idx);
  if (levels < 0 || fblock >= max_file_blocks_) return ZX_ERR_FILE_BIG;
  *fresh = false;
  uint32_t sectors = bs_ / 512;

  // Goal: right after the previous file block, else the start of the inode's group.
  uint32_t goal = first_data_ + ((ino - 1) / ipg_) * bpg_;
  uint32_t prev_block = 0;
  if (fblock > 0) {
    uint32_t prev;
    if (Bmap(*inode, fblock - 1, &prev) == ZX_OK && prev != 0) goal = prev + 1, prev_block = prev;
  }

  // The blocks already on this path, and the file's previous block: a block the bitmap calls
  // free must not be one of them (the cheap part of "not in use by this file"; the bitmap
  // count check in the allocator covers wholesale damage).
  uint32_t path[4];
  int depth = 0;
  auto fresh_ok = [&](uint32_t nb) -> zx_status_t {
    if (nb == prev_block) return ZX_ERR_IO_DATA_INTEGRITY;
    for (int i = 0; i < depth; i++)
      if (path[i] == nb) return ZX_ERR_IO_DATA_INTEGRITY;
    return ZX_OK;
  };
  uint32_t b = inode->i_block[slot];
  if (b == 0) {
    zx_status_t st = levels == 0 ? AllocBlock(goal, &b) : AllocZeroedBlock(goal, &b);
    if (st == ZX_OK) st = fresh_ok(b);
    if (st != ZX_OK) return st;
    inode->i_block[slot] = b;
    inode->i_blocks += sectors;
    goal = b + 1;
    if (levels == 0) *fresh = true;
  }
  for (int l = 0; l < levels; l++) {
    zx_status_t st = CheckMapped(b, path, depth);
    if (st != ZX_OK) return st;
    path[depth++] = b;
    uint8_t* data;
    st = GetBlock(b, &data);
    if (st != ZX_OK) return st;
    uint32_t next = Load32(data + 4 * idx[l]);
    if (next == 0) {
      bool leaf = l == levels - 1;
      st = leaf ? AllocBlock(goal, &next) : AllocZeroedBlock(goal, &next);
      if (st == ZX_OK) st = fresh_ok(next);
      if (st != ZX_OK) return st;
      inode->i_blocks += sectors;
      st = GetBlock(b, &data, true);
      if (st != ZX_OK) return st;
      Store32(data + 4 * idx[l], next);
      goal = next + 1;
      if (leaf) *fresh = true;
    }
    b = next;
  }
  zx_status_t st = CheckMapped(b, path, depth);
  if (st != ZX_OK) return st;
  *disk = b;
  return ZX_OK;
}

// Frees the blocks of the subtree rooted at `block` (level 0: a data block) that hold file
// blocks >= first; `base` is the first file block the subtree covers. *emptied: the subtree
// root itself was freed, so the pointer to it must be cleared.
zx_status_t Fs::FreeTree(uint32_t block, int level, uint64_t base, uint64_t first, Inode* inode,
                         bool* emptied) {
  *emptied = false;
  uint64_t child_span = 1;
  for (int i = 1; i < level; i++) child_span *= ptrs_;
  uint64_t span = level == 0 ? 1 : child_span * ptrs_;
  if (block == 0 || first >= base + span) return ZX_OK;
  if (!BlockInRange(block)) return ZX_ERR_IO_DATA_INTEGRITY;
  uint32_t sectors = bs_ / 512;
  if (level > 0) {
    for (uint32_t i = 0; i < ptrs_; i++) {
      uint64_t cbase = base + i * child_span;
      if (cbase + child_span <= first) continue;
      uint8_t* data;
      zx_status_t st = GetBlock(block, &data);
      if (st != ZX_OK) return st;
      uint32_t child = Load32(data + 4 * i);
      if (child == 0) continue;
      if (child == block) return ZX_ERR_IO_DATA_INTEGRITY;  // a map naming itself
      bool child_emptied;
      st = FreeTree(child, level - 1, cbase, first, inode, &child_emptied);
      if (st != ZX_OK) return st;
      if (child_emptied && !dry_run_) {
        st = GetBlock(block, &data, true);
        if (st != ZX_OK) return st;
        Store32(data + 4 * i, 0);
      }
    }
  }
  if (first <= base) {
    zx_status_t st = FreeBlock(block);
    if (st != ZX_OK) return st;
    inode->i_blocks = inode->i_blocks >= sectors ? inode->i_blocks - sectors : 0;
    *emptied = true;
  }
  return ZX_OK;
}

zx_status_t Fs::TruncateBlocks(Inode* inode, uint64_t first) {
  uint32_t sectors = bs_ / 512;
  for (uint64_t i = first; i < kNumDirect; i++) {
    if (inode->i_block[i] == 0) continue;
    zx_status_t st = FreeBlock(inode->i_block[i]);
    if (st != ZX_OK) return st;
    inode->i_block[i] = 0;
    inode->i_blocks = inode->i_blocks >= sectors ? inode->i_blocks - sectors : 0;
  }
  uint64_t p = ptrs_;
  uint64_t base = kNumDirect;
  for (int level = 1; level <= 3; level++) {
    uint32_t slot = kNumDirect + level - 1;
    bool emptied;
    zx_status_t st = FreeTree(inode->i_block[slot], level, base, first, inode, &emptied);
    if (st != ZX_OK) return st;
    if (emptied) inode->i_block[slot] = 0;
    uint64_t span = p;
    for (int i = 1; i < level; i++) span *= p;
    base += span;
  }
  return ZX_OK;
}

// ---------------------------------------------------------------------------------------------
// Allocation

// Finds a clear bit in [from, to) of a bitmap block; -1 if none.
static int64_t FindClear(const uint8_t* bits, uint32_t from, uint32_t to) {
  for (uint32_t i = from; i < to; i++) {
    if ((i & 7) == 0 && i + 8 <= to && bits[i >> 3] == 0xFF) {
      i += 7;
      continue;
    }
    if (!(bits[i >> 3] & (1u << (i & 7)))) return i;
  }
  return -1;
}

// The number of clear bits in [0, n) of a bitmap block.
static uint32_t CountClear(const uint8_t* bits, uint32_t n) {
  uint32_t set = 0;
  for (uint32_t i = 0; i + 8 <= n; i += 8)
    set += static_cast<uint32_t>(__builtin_popcount(bits[i >> 3]));
  for (uint32_t i = n & ~7u; i < n; i++) set += (bits[i >> 3] >> (i & 7)) & 1;
  return n - set;
}

bool Fs::GroupHasSuper(uint32_t g) const {
  if (g <= 1 || !(sb_.s_feature_ro_compat & kRoCompatSparseSuper)) return true;
  static constexpr uint32_t kBases[] = {3, 5, 7};
  for (uint32_t base : kBases) {
    uint64_t p = base;
    while (p < g) p *= base;
    if (p == g) return true;
  }
  return false;
}

// Whether `block` holds filesystem metadata that no file may own: a superblock or descriptor
// table copy (with the blocks reserved after it for growing the table), a bitmap, or an inode
// table. Cheap (one cached descriptor), so it guards every block a map names and every block
// the allocator hands out or frees: the bitmaps alone are not trusted.
zx_status_t Fs::CheckNotMetadata(uint32_t block) {
  if (!BlockInRange(block)) return ZX_ERR_IO_DATA_INTEGRITY;
  uint32_t g = (block - first_data_) / bpg_;
  uint32_t group_first = first_data_ + g * bpg_;
  if (GroupHasSuper(g)) {
    uint64_t reserved = (sb_.s_feature_compat & kCompatResizeInode) ? sb_.s_reserved_gdt_blocks : 0;
    if (block < group_first + 1 + (min_data_ - gdt_block_) + reserved)
      return ZX_ERR_IO_DATA_INTEGRITY;
  }
  GroupDesc gd;
  zx_status_t st = ReadGroup(g, &gd);
  if (st != ZX_OK) return st;
  if (block == gd.bg_block_bitmap || block == gd.bg_inode_bitmap ||
      (block >= gd.bg_inode_table && block < gd.bg_inode_table + itable_blocks_)) {
    return ZX_ERR_IO_DATA_INTEGRITY;
  }
  return ZX_OK;
}

// A group's bitmap agrees with its descriptor's free count. Checked the first time the
// allocator uses a group's bitmap after mount (this code keeps the two in step afterwards): a
// bitmap zeroed or overwritten by damage disagrees, and allocating from it would hand out
// what files still own.
zx_status_t Fs::CheckBitmapCount(uint32_t g, const GroupDesc& gd, bool inodes) {
  uint8_t* checked = inodes ? inode_groups_checked_ : block_groups_checked_;
  bool tracked = g < kCheckedGroups;
  if (tracked && (checked[g >> 3] & (1u << (g & 7)))) return ZX_OK;
  uint32_t n;
  if (inodes) {
    uint64_t last = static_cast<uint64_t>(g + 1) * ipg_;
    n = last > sb_.s_inodes_count ? sb_.s_inodes_count - g * ipg_ : ipg_;
  } else {
    uint32_t group_first = first_data_ + g * bpg_;
    n = nblocks_ - group_first < bpg_ ? nblocks_ - group_first : bpg_;
  }
  uint8_t* bits;
  zx_status_t st = GetBlock(inodes ? gd.bg_inode_bitmap : gd.bg_block_bitmap, &bits);
  if (st != ZX_OK) return st;
  uint32_t want = inodes ? gd.bg_free_inodes_count : gd.bg_free_blocks_count;
  if (CountClear(bits, n) != want) return ZX_ERR_IO_DATA_INTEGRITY;
  if (tracked) checked[g >> 3] |= static_cast<uint8_t>(1u << (g & 7));
  return ZX_OK;
}

zx_status_t Fs::AllocBlock(uint32_t goal, uint32_t* block) {
  if (sb_.s_free_blocks_count == 0) return ZX_ERR_NO_SPACE;
  if (goal < first_data_ || goal >= nblocks_) goal = first_data_;
  uint32_t g0 = (goal - first_data_) / bpg_;
  for (uint32_t k = 0; k <= ngroups_; k++) {
    uint32_t g = (g0 + k) % ngroups_;
    GroupDesc gd;
    zx_status_t st = ReadGroup(g, &gd);
    if (st != ZX_OK) return st;
    if (gd.bg_free_blocks_count == 0) continue;
    uint32_t group_first = first_data_ + g * bpg_;
    uint32_t count = nblocks_ - group_first < bpg_ ? nblocks_ - group_first : bpg_;
    // First pass from the goal (only in the goal's group), then the whole group.
    uint32_t start = (k == 0 && goal >= group_first) ? goal - group_first : 0;
    if (start >= count) start = 0;
    if ((st = CheckBitmapCount(g, gd, false)) != ZX_OK) return st;
    uint8_t* bits;
    st = GetBlock(gd.bg_block_bitmap, &bits);
    if (st != ZX_OK) return st;
    int64_t bit = FindClear(bits, start, count);
    if (bit < 0 && start > 0) bit = FindClear(bits, 0, start);
    if (bit < 0) continue;  // the count was wrong; other groups may still have room
    uint32_t b = group_first + static_cast<uint32_t>(bit);
    // A "free" block that is metadata means the bitmap is wrong: refuse rather than hand out
    // a bitmap or inode table block as file data.
    if ((st = CheckNotMetadata(b)) != ZX_OK) return st;
    if ((st = GetBlock(gd.bg_block_bitmap, &bits)) != ZX_OK) return st;
    st = GetBlock(gd.bg_block_bitmap, &bits, true);
    if (st != ZX_OK) return st;
    bits[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
    gd.bg_free_blocks_count--;
    st = WriteGroup(g, gd);
    if (st != ZX_OK) return st;
    sb_.s_free_blocks_count--;
    sb_dirty_ = true;
    Invalidate(b);
    *block = b;
    return ZX_OK;
  }
  return ZX_ERR_NO_SPACE;
}

zx_status_t Fs::FreeBlock(uint32_t block) {
  // A map naming a bitmap or inode table block must not get it freed (and reused).
  zx_status_t st = CheckNotMetadata(block);
  if (st != ZX_OK) return st;
  uint32_t g = (block - first_data_) / bpg_;
  uint32_t bit = (block - first_data_) % bpg_;
  GroupDesc gd;
  st = ReadGroup(g, &gd);
  if (st != ZX_OK) return st;
  // No count check here: clearing the bit of a block this inode owns is right even when other
  // bits of the bitmap are damaged (a clear bit here is caught just below).
  uint8_t* bits;
  st = GetBlock(gd.bg_block_bitmap, &bits);
  if (st != ZX_OK) return st;
  // Freeing a free block means two owners claimed it (or a loop in a block map).
  if (!(bits[bit >> 3] & (1u << (bit & 7)))) return ZX_ERR_IO_DATA_INTEGRITY;
  if (dry_run_) return ZX_OK;
  st = GetBlock(gd.bg_block_bitmap, &bits, true);
  if (st != ZX_OK) return st;
  bits[bit >> 3] &= static_cast<uint8_t>(~(1u << (bit & 7)));
  if (gd.bg_free_blocks_count < bpg_) gd.bg_free_blocks_count++;
  st = WriteGroup(g, gd);
  if (st != ZX_OK) return st;
  if (sb_.s_free_blocks_count < nblocks_) sb_.s_free_blocks_count++;
  sb_dirty_ = true;
  Invalidate(block);
  return ZX_OK;
}

zx_status_t Fs::AllocInode(uint32_t parent, bool dir, uint32_t* ino) {
  if (sb_.s_free_inodes_count == 0) return ZX_ERR_NO_SPACE;
  uint32_t g0 = (parent - 1) / ipg_;
  for (uint32_t k = 0; k < ngroups_; k++) {
    uint32_t g = (g0 + k) % ngroups_;
    GroupDesc gd;
    zx_status_t st = ReadGroup(g, &gd);
    if (st != ZX_OK) return st;
    if (gd.bg_free_inodes_count == 0) continue;
    if ((st = CheckBitmapCount(g, gd, true)) != ZX_OK) return st;
    uint8_t* bits;
    st = GetBlock(gd.bg_inode_bitmap, &bits);
    if (st != ZX_OK) return st;
    // Reserved inodes (below s_first_ino) and numbers past s_inodes_count are never handed out.
    uint32_t from = 0;
    if (g * ipg_ + 1 < first_ino_) from = first_ino_ - 1 - g * ipg_;
    uint64_t last = static_cast<uint64_t>(g + 1) * ipg_;
    uint32_t to = last > sb_.s_inodes_count ? sb_.s_inodes_count - g * ipg_ : ipg_;
    if (from >= to) continue;
    int64_t bit = FindClear(bits, from, to);
    if (bit < 0) continue;
    // The bitmap says free; the inode itself must agree: no links, and either never used (mode
    // 0) or deleted (dtime set). Otherwise the bitmap is wrong and a live file would be reused.
    uint32_t cand = g * ipg_ + static_cast<uint32_t>(bit) + 1;
    Inode old;
    if ((st = ReadInode(cand, &old)) != ZX_OK) return st;
    if (old.i_links_count != 0 || (old.i_mode != 0 && old.i_dtime == 0))
      return ZX_ERR_IO_DATA_INTEGRITY;
    st = GetBlock(gd.bg_inode_bitmap, &bits, true);
    if (st != ZX_OK) return st;
    bits[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
    gd.bg_free_inodes_count--;
    if (dir) gd.bg_used_dirs_count++;
    st = WriteGroup(g, gd);
    if (st != ZX_OK) return st;
    sb_.s_free_inodes_count--;
    sb_dirty_ = true;
    *ino = g * ipg_ + static_cast<uint32_t>(bit) + 1;
    return ZX_OK;
  }
  return ZX_ERR_NO_SPACE;
}

zx_status_t Fs::FreeInode(uint32_t ino, bool dir) {
  if (ino < first_ino_ || ino > sb_.s_inodes_count) return ZX_ERR_IO_DATA_INTEGRITY;
  uint32_t g = (ino - 1) / ipg_;
  uint32_t bit = (ino - 1) % ipg_;
  GroupDesc gd;
  zx_status_t st = ReadGroup(g, &gd);
  if (st != ZX_OK) return st;
  uint8_t* bits;
  st = GetBlock(gd.bg_inode_bitmap, &bits);
  if (st != ZX_OK) return st;
  if (!(bits[bit >> 3] & (1u << (bit & 7)))) return ZX_ERR_IO_DATA_INTEGRITY;
  if ((st = GetBlock(gd.bg_inode_bitmap, &bits, true)) != ZX_OK) return st;
  bits[bit >> 3] &= static_cast<uint8_t>(~(1u << (bit & 7)));
  if (gd.bg_free_inodes_count < ipg_) gd.bg_free_inodes_count++;
  if (dir && gd.bg_used_dirs_count > 0) gd.bg_used_dirs_count--;
  st = WriteGroup(g, gd);
  if (st != ZX_OK) return st;
  if (sb_.s_free_inodes_count < sb_.s_inodes_count) sb_.s_free_inodes_count++;
  sb_dirty_ = true;
  return ZX_OK;
}

// Whether ReleaseInode would succeed: the same walk over the block map with every check and no
// change (the inode is a copy). Callers run it before removing a last name, so a map that
// cannot be freed (a block already free, metadata, a bad pointer) leaves the name in place
// instead of a nameless inode that still owns its blocks.
zx_status_t Fs::CheckReleasable(Inode inode) {
  if (IsFastSymlink(inode)) return ZX_OK;
  dry_run_ = true;
  zx_status_t st = TruncateBlocks(&inode, 0);
  dry_run_ = false;
  if (st == ZX_OK && inode.i_file_acl != 0 && !BlockInRange(inode.i_file_acl))
    st = ZX_ERR_IO_DATA_INTEGRITY;
  return st;
}

// Drops an inode whose last link is gone: its blocks, its extended-attribute block reference,
// and its bitmap bit; the inode itself is left marked deleted (dtime) as e2fsck expects.
zx_status_t Fs::ReleaseInode(uint32_t ino, Inode* inode) {
  bool dir = TypeOf(*inode) == kModeDir;
  zx_status_t st = ZX_OK;
  if (!IsFastSymlink(*inode)) st = TruncateBlocks(inode, 0);
  if (st == ZX_OK && inode->i_file_acl != 0) {
    uint32_t acl = inode->i_file_acl;
    if (!BlockInRange(acl)) return ZX_ERR_IO_DATA_INTEGRITY;
    uint8_t* data;
    st = GetBlock(acl, &data);
    if (st != ZX_OK) return st;
    XattrHeader h;
    memcpy(&h, data, sizeof(h));
    if (h.h_magic != kXattrMagic) return ZX_ERR_IO_DATA_INTEGRITY;
    if (h.h_refcount > 1) {
      st = GetBlock(acl, &data, true);
      if (st != ZX_OK) return st;
      h.h_refcount--;
      memcpy(data, &h, sizeof(h));
    } else {
      st = FreeBlock(acl);
      if (st != ZX_OK) return st;
    }
    inode->i_file_acl = 0;
  }
  if (st != ZX_OK) return st;
  inode->i_links_count = 0;
  inode->i_blocks = 0;
  inode->i_size = 0;
  inode->i_size_high = 0;
  if (IsFastSymlink(*inode) || TypeOf(*inode) == kModeSymlink) {
    memset(inode->i_block, 0, sizeof(inode->i_block));
  }
  // e2fsck reads a dtime below s_inodes_count as a link in the orphan list, so without a clock
  // the deletion time is the newest time the superblock knows (never 0: "still in use").
  uint32_t dtime = Now();
  if (dtime < sb_.s_inodes_count) {
    dtime = sb_.s_wtime > sb_.s_mkfs_time ? sb_.s_wtime : sb_.s_mkfs_time;
    if (dtime < sb_.s_inodes_count) dtime = sb_.s_inodes_count;
  }
  inode->i_dtime = dtime;
  st = WriteInode(ino, *inode);
  if (st != ZX_OK) return st;
  return FreeInode(ino, dir);
}

// ---------------------------------------------------------------------------------------------
// Directories

zx_status_t Fs::DirBlock(const Inode& dir, uint64_t index, uint32_t* disk) {
  zx_status_t st = Bmap(dir, index, disk);
  if (st != ZX_OK) return st;
  // A hole in a directory is corruption (mke2fs and this code never make one).
  return *disk == 0 ? ZX_ERR_IO_DATA_INTEGRITY : ZX_OK;
}

// Finds name in dir: its inode, the disk block and offset of its record, and the offset of the
// record before it in the same block (UINT32_MAX if it is the first).
zx_status_t Fs::FindEntry(const Inode& dir, const char* name, size_t name_len, uint32_t* ino,
                          uint32_t* block, uint32_t* offset, uint32_t* prev) {
  uint64_t nblocks = InodeSize(dir) >> log_bs_;
  for (uint64_t i = 0; i < nblocks; i++) {
    uint32_t disk;
    zx_status_t st = DirBlock(dir, i, &disk);
    if (st != ZX_OK) return st;
    uint8_t* data;
    st = GetBlock(disk, &data);
    if (st != ZX_OK) return st;
    uint32_t off = 0, last = UINT32_MAX;
    while (off < bs_) {
      DirEntryHeader h;
      if (!ParseRecord(data, bs_, off, &h)) return ZX_ERR_IO_DATA_INTEGRITY;
      if (h.inode != 0 && h.name_len == name_len &&
          memcmp(data + off + sizeof(h), name, name_len) == 0) {
        if (h.inode > sb_.s_inodes_count) return ZX_ERR_IO_DATA_INTEGRITY;
        *ino = h.inode;
        if (block) *block = disk;
        if (offset) *offset = off;
        if (prev) *prev = last;
        return ZX_OK;
      }
      last = off;
      off += h.rec_len;
    }
  }
  return ZX_ERR_NOT_FOUND;
}

zx_status_t Fs::Lookup(uint32_t dir, const char* name, size_t name_len, uint32_t* ino) {
  Inode inode;
  zx_status_t st = LoadInode(dir, &inode);
  if (st != ZX_OK) return st;
  if (TypeOf(inode) != kModeDir) return ZX_ERR_NOT_DIR;
  if (name_len == 0 || name_len > kMaxNameLen) return ZX_ERR_NOT_FOUND;
  return FindEntry(inode, name, name_len, ino, nullptr, nullptr, nullptr);
}

zx_status_t Fs::ReadDir(uint32_t dir, uint64_t* cookie, DirEntry* out) {
  Inode inode;
  zx_status_t st = LoadInode(dir, &inode);
  if (st != ZX_OK) return st;
  if (TypeOf(inode) != kModeDir) return ZX_ERR_NOT_DIR;
  uint64_t size = InodeSize(inode);
  uint64_t pos = *cookie;
  while (pos < size) {
    uint64_t index = pos >> log_bs_;
    uint32_t disk;
    st = DirBlock(inode, index, &disk);
    if (st != ZX_OK) return st;
    uint8_t* data;
    st = GetBlock(disk, &data);
    if (st != ZX_OK) return st;
    // Records are parsed from the start of the block, so a cookie that no longer falls on a
    // record (the directory changed) still lands on the next valid one.
    uint32_t want = static_cast<uint32_t>(pos & (bs_ - 1));
    uint32_t off = 0;
    while (off < bs_) {
      DirEntryHeader h;
      if (!ParseRecord(data, bs_, off, &h)) return ZX_ERR_IO_DATA_INTEGRITY;
      if (off >= want && h.inode != 0) {
        if (h.inode > sb_.s_inodes_count || h.name_len == 0) return ZX_ERR_IO_DATA_INTEGRITY;
        out->ino = h.inode;
        out->type = h.file_type;
        out->name_len = h.name_len;
        memcpy(out->name, data + off + sizeof(h), h.name_len);
        out->name[h.name_len] = '\0';
        *cookie = (index << log_bs_) + off + h.rec_len;
        return ZX_OK;
      }
      off += h.rec_len;
    }
    pos = (index + 1) << log_bs_;
  }
  *cookie = pos;
  return ZX_ERR_STOP;
}

zx_status_t Fs::DirIsEmpty(const Inode& dir, bool* empty) {
  uint64_t nblocks = InodeSize(dir) >> log_bs_;
  for (uint64_t i = 0; i < nblocks; i++) {
    uint32_t disk;
    zx_status_t st = DirBlock(dir, i, &disk);
    if (st != ZX_OK) return st;
    uint8_t* data;
    st = GetBlock(disk, &data);
    if (st != ZX_OK) return st;
    for (uint32_t off = 0; off < bs_;) {
      DirEntryHeader h;
      if (!ParseRecord(data, bs_, off, &h)) return ZX_ERR_IO_DATA_INTEGRITY;
      if (h.inode != 0 &&
          !IsDotOrDotDot(reinterpret_cast<char*>(data + off + sizeof(h)), h.name_len)) {
        *empty = false;
        return ZX_OK;
      }
      off += h.rec_len;
    }
  }
  *empty = true;
  return ZX_OK;
}

// A changed directory is a linear one: this code does not maintain hash trees, and without the
// index flag the tree's blocks read as empty records, which e2fsck and every reader accept.
static void TouchDir(Inode* dir, uint32_t now) {
  dir->i_flags &= ~kFlagIndex;
  dir->i_mtime = dir->i_ctime = now;
}

static void PutRecord(uint8_t* at, uint32_t ino, uint32_t rec_len, const char* name,
                      size_t name_len, uint8_t type) {
  DirEntryHeader h{ino, static_cast<uint16_t>(rec_len), static_cast<uint8_t>(name_len), type};
  memcpy(at, &h, sizeof(h));
  memcpy(at + sizeof(h), name, name_len);
}

zx_status_t Fs::AddEntry(uint32_t dir_ino, const char* name, size_t name_len, uint32_t ino,
                         uint8_t type) {
  Inode dir;
  zx_status_t st = ReadInode(dir_ino, &dir);
  if (st != ZX_OK) return st;
  uint32_t needed = DirRecLen(static_cast<uint32_t>(name_len));
  uint64_t nblocks = InodeSize(dir) >> log_bs_;
  for (uint64_t i = 0; i < nblocks; i++) {
    uint32_t disk;
    st = DirBlock(dir, i, &disk);
    if (st != ZX_OK) return st;
    uint8_t* data;
    st = GetBlock(disk, &data);
    if (st != ZX_OK) return st;
    for (uint32_t off = 0; off < bs_;) {
      DirEntryHeader h;
      if (!ParseRecord(data, bs_, off, &h)) return ZX_ERR_IO_DATA_INTEGRITY;
      uint32_t used = h.inode != 0 ? DirRecLen(h.name_len) : 0;
      if (h.rec_len >= used + needed) {
        st = GetBlock(disk, &data, true);  // the same cache slot: just loaded
        if (st != ZX_OK) return st;
        uint32_t new_len = h.rec_len - used;
        if (used != 0) {  // split: the live record keeps what it uses, the new one the rest
          h.rec_len = static_cast<uint16_t>(used);
          memcpy(data + off, &h, sizeof(h));
        }
        PutRecord(data + off + used, ino, new_len, name, name_len, type);
        TouchDir(&dir, Now());
        return WriteInode(dir_ino, dir);
      }
      off += h.rec_len;
    }
  }
  // No room: a new block holding one record.
  uint32_t disk;
  bool fresh;
  st = BmapAlloc(dir_ino, &dir, nblocks, &disk, &fresh);
  if (st == ZX_OK) {
    uint8_t* data;
    st = GetZeroedBlock(disk, &data);
    if (st == ZX_OK) {
      PutRecord(data, ino, bs_, name, name_len, type);
      SetInodeSize(&dir, (nblocks + 1) << log_bs_);
      TouchDir(&dir, Now());
    }
  }
  // Written even on failure: BmapAlloc may have attached an indirect block.
  zx_status_t wst = WriteInode(dir_ino, dir);
  return st != ZX_OK ? st : wst;
}

zx_status_t Fs::RemoveEntry(uint32_t dir_ino, const char* name, size_t name_len) {
  Inode dir;
  zx_status_t st = ReadInode(dir_ino, &dir);
  if (st != ZX_OK) return st;
  uint32_t ino, disk, off, prev;
  st = FindEntry(dir, name, name_len, &ino, &disk, &off, &prev);
  if (st != ZX_OK) return st;
  uint8_t* data;
  st = GetBlock(disk, &data, true);
  if (st != ZX_OK) return st;
  DirEntryHeader h;
  memcpy(&h, data + off, sizeof(h));
  if (prev != UINT32_MAX) {  // the previous record absorbs this one
    DirEntryHeader ph;
    memcpy(&ph, data + prev, sizeof(ph));
    ph.rec_len = static_cast<uint16_t>(ph.rec_len + h.rec_len);
    memcpy(data + prev, &ph, sizeof(ph));
  } else {  // the first record of a block becomes an unused one
    h.inode = 0;
    memcpy(data + off, &h, sizeof(h));
  }
  TouchDir(&dir, Now());
  return WriteInode(dir_ino, dir);
}

zx_status_t Fs::SetEntryInode(uint32_t dir_ino, const char* name, size_t name_len, uint32_t ino,
                              uint8_t type) {
  Inode dir;
  zx_status_t st = ReadInode(dir_ino, &dir);
  if (st != ZX_OK) return st;
  uint32_t old, disk, off;
  st = FindEntry(dir, name, name_len, &old, &disk, &off, nullptr);
  if (st != ZX_OK) return st;
  uint8_t* data;
  st = GetBlock(disk, &data, true);
  if (st != ZX_OK) return st;
  DirEntryHeader h;
  memcpy(&h, data + off, sizeof(h));
  h.inode = ino;
  h.file_type = type;
  memcpy(data + off, &h, sizeof(h));
  TouchDir(&dir, Now());
  return WriteInode(dir_ino, dir);
}

zx_status_t Fs::AdjustLinks(uint32_t ino, int delta) {
  Inode inode;
  zx_status_t st = ReadInode(ino, &inode);
  if (st != ZX_OK) return st;
  int links = inode.i_links_count + delta;
  if (links < 0) return ZX_ERR_IO_DATA_INTEGRITY;
  inode.i_links_count = static_cast<uint16_t>(links);
  inode.i_ctime = Now();
  return WriteInode(ino, inode);
}

// Whether `ancestor` is dir or one of its parents, following ".." to the root.
zx_status_t Fs::IsAncestor(uint32_t ancestor, uint32_t dir, bool* result) {
  uint32_t cur = dir;
  for (uint32_t steps = 0; steps < 4096; steps++) {
    if (cur == ancestor) {
      *result = true;
      return ZX_OK;
    }
    if (cur == kRootIno) {
      *result = false;
      return ZX_OK;
    }
    Inode inode;
    zx_status_t st = ReadInode(cur, &inode);
    if (st != ZX_OK) return st;
    if (TypeOf(inode) != kModeDir) return ZX_ERR_IO_DATA_INTEGRITY;
    st = FindEntry(inode, "..", 2, &cur, nullptr, nullptr, nullptr);
    if (st != ZX_OK) return st == ZX_ERR_NOT_FOUND ? ZX_ERR_IO_DATA_INTEGRITY : st;
  }
  return ZX_ERR_IO_DATA_INTEGRITY;  // a ".." cycle that misses the root
}

// ---------------------------------------------------------------------------------------------
// Paths

zx_status_t Fs::Resolve(uint32_t start, const char* path, bool follow_last, bool want_parent,
                        uint32_t* out, const char** last, size_t* last_len) {
  if (dev_ == nullptr) return ZX_ERR_BAD_STATE;
  if (path == nullptr) return ZX_ERR_INVALID_ARGS;
  size_t total = StrLen(path, kMaxPath + 1);
  if (total > kMaxPath) return ZX_ERR_BAD_PATH;
  if (start == 0 || start > sb_.s_inodes_count) return ZX_ERR_INVALID_ARGS;
  uint32_t cur = path[0] == '/' ? kRootIno : start;
  const char* buf = path;  // the remaining path lives in path, path_a_ or path_b_
  const char* p = buf;
  uint32_t follows = 0;
  bool need_dir = false;  // cur was named with a slash after it: it must be a directory
  for (;;) {
    while (*p == '/') p++;
    Inode dir;
    zx_status_t st = LoadInode(cur, &dir);
    if (st != ZX_OK) return st == ZX_ERR_NOT_FOUND ? ZX_ERR_IO_DATA_INTEGRITY : st;
    if (*p == '\0') {
      if (want_parent) return ZX_ERR_INVALID_ARGS;  // no last component ("/" or "")
      // "file/" names a directory that is not there (POSIX: ENOTDIR).
      if (need_dir && TypeOf(dir) != kModeDir) return ZX_ERR_NOT_DIR;
      *out = cur;
      return ZX_OK;
    }
    if (TypeOf(dir) != kModeDir) return ZX_ERR_NOT_DIR;
    const char* comp = p;
    while (*p != '\0' && *p != '/') p++;
    size_t len = static_cast<size_t>(p - comp);
    if (len > kMaxNameLen) return ZX_ERR_BAD_PATH;
    const char* rest = p;
    while (*rest == '/') rest++;
    bool is_last = *rest == '\0';
    bool slash_after = rest != p;  // "name/": a directory, or a symlink to one (followed)
    if (is_last && want_parent) {
      *out = cur;
      *last = comp;
      *last_len = len;
      return ZX_OK;
    }
    uint32_t next;
    st = FindEntry(dir, comp, len, &next, nullptr, nullptr, nullptr);
    if (st != ZX_OK) return st;
    Inode inode;
    st = ReadInode(next, &inode);
    if (st != ZX_OK) return st;
    if (inode.i_links_count == 0 || inode.i_mode == 0) return ZX_ERR_IO_DATA_INTEGRITY;
    if (TypeOf(inode) == kModeSymlink && (!is_last || follow_last || slash_after)) {
      if (++follows > kMaxSymlinkFollows) return ZX_ERR_BAD_PATH;  // a loop, or too deep
      // The new remaining path is the target, then "/" and what was left after the link.
      char* nbuf = buf == path_a_ ? path_b_ : path_a_;
      size_t tlen;
      st = ReadLink(next, nbuf, kMaxPath + 1, &tlen);
      if (st == ZX_ERR_BUFFER_TOO_SMALL) return ZX_ERR_BAD_PATH;
      if (st != ZX_OK) return st;
      // The slash only if something follows or the link was named with one ("link/"), so
      // that a link to a file named without one still resolves to the file.
      size_t rlen = StrLen(rest, kMaxPath + 1);
      size_t slash = rlen > 0 || slash_after ? 1 : 0;
      if (tlen + slash + rlen > kMaxPath) return ZX_ERR_BAD_PATH;
      if (slash) nbuf[tlen] = '/';
      memcpy(nbuf + tlen + slash, rest, rlen);
      nbuf[tlen + slash + rlen] = '\0';
      if (nbuf[0] == '/') cur = kRootIno;  // else relative to the link's directory
      buf = nbuf;
      p = buf;
      continue;
    }
    cur = next;
    p = rest;
    need_dir = slash_after;
  }
}

zx_status_t Fs::Walk(uint32_t start, const char* path, uint32_t* ino, bool follow_last) {
  return Resolve(start, path, follow_last, false, ino, nullptr, nullptr);
}

zx_status_t Fs::WalkParent(uint32_t start, const char* path, uint32_t* dir, const char** name,
                           size_t* name_len) {
  return Resolve(start, path, true, true, dir, name, name_len);
}

// ---------------------------------------------------------------------------------------------
// Reading

zx_status_t Fs::GetStat(uint32_t ino, Stat* out) {
  Inode inode;
  zx_status_t st = LoadInode(ino, &inode);
  if (st != ZX_OK) return st;
  out->ino = ino;
  out->mode = inode.i_mode;
  out->nlink = inode.i_links_count;
  out->uid = inode.i_uid | (static_cast<uint32_t>(inode.i_uid_high) << 16);
  out->gid = inode.i_gid | (static_cast<uint32_t>(inode.i_gid_high) << 16);
  out->size = InodeSize(inode);
  out->blocks = inode.i_blocks;
  out->atime = inode.i_atime;
  out->mtime = inode.i_mtime;
  out->ctime = inode.i_ctime;
  out->block_size = bs_;
  return ZX_OK;
}

zx_status_t Fs::Read(uint32_t ino, uint64_t offset, void* buf, size_t len, size_t* actual) {
  *actual = 0;
  Inode inode;
  zx_status_t st = LoadInode(ino, &inode);
  if (st != ZX_OK) return st;
  if (TypeOf(inode) == kModeDir) return ZX_ERR_NOT_FILE;
  if (TypeOf(inode) != kModeRegular) return ZX_ERR_NOT_SUPPORTED;
  uint64_t size = InodeSize(inode);
  if (offset >= size) return ZX_OK;
  uint64_t n = size - offset < len ? size - offset : len;
  uint8_t* dst = static_cast<uint8_t*>(buf);
  uint64_t pos = offset, end = offset + n;
  while (pos < end) {
    uint64_t fb = pos >> log_bs_;
    uint32_t in_block = static_cast<uint32_t>(pos & (bs_ - 1));
    uint64_t left = end - pos;
    if (in_block == 0 && left >= bs_) {
      // Whole blocks: one device request per contiguous run.
      uint64_t want = left >> log_bs_;
      uint32_t max_run = want > (1u << 16) ? (1u << 16) : static_cast<uint32_t>(want);
      uint32_t disk, run;
      st = MapRun(inode, fb, max_run, &disk, &run);
      if (st != ZX_OK) return st;
      size_t bytes = static_cast<size_t>(run) << log_bs_;
      if (disk == 0) {
        memset(dst, 0, bytes);
      } else {
        st = DevRead(disk, run, dst);
        if (st != ZX_OK) return st;
      }
      dst += bytes;
      pos += bytes;
      *actual += bytes;
      continue;
    }
    uint32_t chunk = bs_ - in_block;
    if (chunk > left) chunk = static_cast<uint32_t>(left);
    uint32_t disk;
    st = Bmap(inode, fb, &disk);
    if (st != ZX_OK) return st;
    if (disk == 0) {
      memset(dst, 0, chunk);
    } else {
      st = DevRead(disk, 1, bounce_);
      if (st != ZX_OK) return st;
      memcpy(dst, bounce_ + in_block, chunk);
    }
    dst += chunk;
    pos += chunk;
    *actual += chunk;
  }
  return ZX_OK;
}

zx_status_t Fs::ReadLink(uint32_t ino, char* buf, size_t cap, size_t* len) {
  Inode inode;
  zx_status_t st = LoadInode(ino, &inode);
  if (st != ZX_OK) return st;
  if (TypeOf(inode) != kModeSymlink) return ZX_ERR_INVALID_ARGS;
  uint32_t size = inode.i_size;  // CheckInode: 0 < size < block size, <= kMaxPath
  if (cap <= size) return ZX_ERR_BUFFER_TOO_SMALL;
  if (IsFastSymlink(inode)) {
    memcpy(buf, inode.i_block, size);
  } else {
    uint32_t disk;
    st = Bmap(inode, 0, &disk);
    if (st != ZX_OK) return st;
    if (disk == 0) return ZX_ERR_IO_DATA_INTEGRITY;
    uint8_t* data;
    st = GetBlock(disk, &data);
    if (st != ZX_OK) return st;
    memcpy(buf, data, size);
  }
  buf[size] = '\0';
  *len = StrLen(buf, size);  // a NUL inside the target ends it
  return ZX_OK;
}

// ---------------------------------------------------------------------------------------------
// Writing

zx_status_t Fs::Write(uint32_t ino, uint64_t offset, const void* buf, size_t len, size_t* actual) {
  *actual = 0;
  Inode inode;
  zx_status_t st = LoadInode(ino, &inode);
  if (st != ZX_OK) return st;
  if (!writable_) return ZX_ERR_ACCESS_DENIED;
  if (TypeOf(inode) == kModeDir) return ZX_ERR_NOT_FILE;
  if (TypeOf(inode) != kModeRegular) return ZX_ERR_NOT_SUPPORTED;
  uint64_t limit = max_file_blocks_ << log_bs_;
  if (offset > limit || len > limit - offset) return ZX_ERR_FILE_BIG;
  if (offset > InodeSize(inode)) {
    st = ZeroTail(inode, InodeSize(inode));
    if (st != ZX_OK) return Commit(st);
  }
  const uint8_t* src = static_cast<const uint8_t*>(buf);
  uint64_t pos = offset, end = offset + len;
  // A run of whole blocks that landed on consecutive disk blocks goes out as one request.
  uint32_t run_disk = 0, run_len = 0;
  const uint8_t* run_src = nullptr;
  while (pos < end && st == ZX_OK) {
    uint64_t fb = pos >> log_bs_;
    uint32_t in_block = static_cast<uint32_t>(pos & (bs_ - 1));
    uint32_t chunk = bs_ - in_block;
    if (chunk > end - pos) chunk = static_cast<uint32_t>(end - pos);
    uint32_t disk;
    bool fresh;
    st = BmapAlloc(ino, &inode, fb, &disk, &fresh);
    if (st != ZX_OK) break;
    if (chunk == bs_) {
      if (run_len > 0 && disk == run_disk + run_len && run_len < (1u << 16)) {
        run_len++;
      } else {
        if (run_len > 0) {
          st = DevWrite(run_disk, run_len, run_src);
          if (st != ZX_OK) {
            pos -= static_cast<uint64_t>(src - run_src);  // the unwritten run does not count
            run_len = 0;
            break;
          }
        }
        run_disk = disk, run_len = 1, run_src = src;
      }
    } else {
      if (fresh) {
        memset(bounce_, 0, bs_);
      } else {
        st = DevRead(disk, 1, bounce_);
      }
      if (st == ZX_OK) {
        memcpy(bounce_ + in_block, src, chunk);
        st = DevWrite(disk, 1, bounce_);
      }
    }
    if (st != ZX_OK) break;
    src += chunk;
    pos += chunk;
  }
  if (run_len > 0) {
    zx_status_t rst = DevWrite(run_disk, run_len, run_src);
    if (rst != ZX_OK) {
      pos -= static_cast<uint64_t>(src - run_src);
      if (st == ZX_OK) st = rst;
    }
  }
  if (pos > offset) {
    *actual = static_cast<size_t>(pos - offset);
    if (pos > InodeSize(inode)) SetInodeSize(&inode, pos);
    inode.i_mtime = inode.i_ctime = Now();
  }
  // Written even on failure: blocks allocated so far belong to the inode.
  zx_status_t wst = WriteInode(ino, inode);
  if (st == ZX_OK) st = wst;
  return Commit(st);
}

// Zeroes the last block of the file past `size`: bytes beyond the end of a file must read as
// zeros once it grows, whatever the block held (a shrunk file's old data, or whatever the tool
// that wrote the image left there).
zx_status_t Fs::ZeroTail(const Inode& inode, uint64_t size) {
  uint32_t tail = static_cast<uint32_t>(size & (bs_ - 1));
  if (tail == 0) return ZX_OK;
  uint32_t disk;
  zx_status_t st = Bmap(inode, size >> log_bs_, &disk);
  if (st != ZX_OK || disk == 0) return st;
  st = DevRead(disk, 1, bounce_);
  if (st != ZX_OK) return st;
  bool clean = true;
  for (uint32_t i = tail; i < bs_ && clean; i++) clean = bounce_[i] == 0;
  if (clean) return ZX_OK;
  memset(bounce_ + tail, 0, bs_ - tail);
  return DevWrite(disk, 1, bounce_);
}

zx_status_t Fs::Truncate(uint32_t ino, uint64_t size) {
  Inode inode;
  zx_status_t st = LoadInode(ino, &inode);
  if (st != ZX_OK) return st;
  if (!writable_) return ZX_ERR_ACCESS_DENIED;
  if (TypeOf(inode) == kModeDir) return ZX_ERR_NOT_FILE;
  if (TypeOf(inode) != kModeRegular) return ZX_ERR_NOT_SUPPORTED;
  if (size > (max_file_blocks_ << log_bs_)) return ZX_ERR_FILE_BIG;
  uint64_t old = InodeSize(inode);
  if (size < old) {
    st = TruncateBlocks(&inode, (size + bs_ - 1) >> log_bs_);
    if (st == ZX_OK) st = ZeroTail(inode, size);
  } else if (size > old) {
    st = ZeroTail(inode, old);
  }
  if (st == ZX_OK) {
    SetInodeSize(&inode, size);
    inode.i_mtime = inode.i_ctime = Now();
  }
  zx_status_t wst = WriteInode(ino, inode);
  if (st == ZX_OK) st = wst;
  return Commit(st);
}

// A directory about to change starts as every directory does: "." naming itself, then "..".
// A directory whose map names another directory's block (or whose first records were damaged)
// fails this, and is not written to: adding a name there would change some other directory, or
// reuse the "." or ".." record as free space.
zx_status_t Fs::CheckDirHeader(uint32_t dir, const Inode& inode) {
  uint32_t disk;
  zx_status_t st = DirBlock(inode, 0, &disk);
  if (st != ZX_OK) return st;
  uint8_t* data;
  if ((st = GetBlock(disk, &data)) != ZX_OK) return st;
  DirEntryHeader dot, dotdot;
  if (!ParseRecord(data, bs_, 0, &dot) || dot.inode != dir || dot.name_len != 1 ||
      data[sizeof(dot)] != '.' || !ParseRecord(data, bs_, dot.rec_len, &dotdot) ||
      dotdot.inode == 0 || dotdot.inode > sb_.s_inodes_count || dotdot.name_len != 2 ||
      memcmp(data + dot.rec_len + sizeof(dotdot), "..", 2) != 0) {
    return ZX_ERR_IO_DATA_INTEGRITY;
  }
  return ZX_OK;
}

zx_status_t Fs::CheckNewName(uint32_t dir, const char* name, size_t name_len, Inode* dir_inode) {
  zx_status_t st = LoadInode(dir, dir_inode);
  if (st != ZX_OK) return st;
  if (!writable_) return ZX_ERR_ACCESS_DENIED;
  if (TypeOf(*dir_inode) != kModeDir) return ZX_ERR_NOT_DIR;
  if (name == nullptr || name_len == 0 || name_len > kMaxNameLen) return ZX_ERR_INVALID_ARGS;
  if ((st = CheckDirHeader(dir, *dir_inode)) != ZX_OK) return st;
  if (IsDotOrDotDot(name, name_len)) return ZX_ERR_INVALID_ARGS;
  for (size_t i = 0; i < name_len; i++) {
    if (name[i] == '/' || name[i] == '\0') return ZX_ERR_INVALID_ARGS;
  }
  return ZX_OK;
}

// Allocates and initializes an inode for a new name in dir (not yet linked).
zx_status_t Fs::NewInode(uint32_t dir, const char* name, size_t name_len, uint16_t mode,
                         uint32_t* ino, Inode* inode) {
  Inode d;
  zx_status_t st = CheckNewName(dir, name, name_len, &d);
  if (st != ZX_OK) return st;
  uint32_t existing;
  st = FindEntry(d, name, name_len, &existing, nullptr, nullptr, nullptr);
  if (st == ZX_OK) return ZX_ERR_ALREADY_EXISTS;
  if (st != ZX_ERR_NOT_FOUND) return st;
  bool is_dir = (mode & kModeTypeMask) == kModeDir;
  if (is_dir && d.i_links_count >= 32000) return ZX_ERR_NO_RESOURCES;  // ext2's link limit
  st = AllocInode(dir, is_dir, ino);
  if (st != ZX_OK) return st;
  memset(inode, 0, sizeof(*inode));
  inode->i_mode = mode;
  inode->i_links_count = is_dir ? 2 : 1;
  inode->i_atime = inode->i_ctime = inode->i_mtime = Now();
  st = InitInodeExtra(*ino);
  if (st != ZX_OK) return st;
  return WriteInode(*ino, *inode);
}

zx_status_t Fs::Create(uint32_t dir, const char* name, size_t name_len, uint16_t perm,
                       uint32_t* ino) {
  Inode inode;
  uint16_t mode = kModeRegular | (perm & kModePermMask);
  zx_status_t st = NewInode(dir, name, name_len, mode, ino, &inode);
  if (st != ZX_OK) return Commit(st);
  st = AddEntry(dir, name, name_len, *ino, FileType(mode));
  if (st != ZX_OK) ReleaseInode(*ino, &inode);
  return Commit(st);
}

zx_status_t Fs::Mkdir(uint32_t dir, const char* name, size_t name_len, uint16_t perm,
                      uint32_t* ino) {
  Inode inode;
  uint16_t mode = kModeDir | (perm & kModePermMask);
  zx_status_t st = NewInode(dir, name, name_len, mode, ino, &inode);
  if (st != ZX_OK) return Commit(st);
  uint32_t block;
  st = AllocBlock(first_data_ + ((*ino - 1) / ipg_) * bpg_, &block);
  if (st == ZX_OK) {
    uint8_t* data;
    st = GetZeroedBlock(block, &data);
    if (st == ZX_OK) {
      PutRecord(data, *ino, DirRecLen(1), ".", 1, FileType(kModeDir));
      PutRecord(data + DirRecLen(1), dir, bs_ - DirRecLen(1), "..", 2, FileType(kModeDir));
      inode.i_block[0] = block;
      inode.i_blocks = bs_ / 512;
      SetInodeSize(&inode, bs_);
      st = WriteInode(*ino, inode);
    } else {
      FreeBlock(block);
    }
  }
  if (st == ZX_OK) st = AddEntry(dir, name, name_len, *ino, FileType(mode));
  if (st == ZX_OK) st = AdjustLinks(dir, 1);  // the new ".."
  if (st != ZX_OK) {
    ReadInode(*ino, &inode);
    ReleaseInode(*ino, &inode);
  }
  return Commit(st);
}

zx_status_t Fs::Symlink(uint32_t dir, const char* name, size_t name_len, const char* target,
                        uint32_t* ino) {
  if (target == nullptr) return ZX_ERR_INVALID_ARGS;
  size_t tlen = StrLen(target, kMaxPath + 1);
  if (tlen == 0 || tlen >= bs_ || tlen > kMaxPath) return ZX_ERR_INVALID_ARGS;
  Inode inode;
  uint16_t mode = kModeSymlink | 0777;
  zx_status_t st = NewInode(dir, name, name_len, mode, ino, &inode);
  if (st != ZX_OK) return Commit(st);
  if (tlen < kFastSymlinkMax) {
    memcpy(inode.i_block, target, tlen);  // a fast symlink: the target lives in i_block
  } else {
    uint32_t block;
    st = AllocBlock(first_data_ + ((*ino - 1) / ipg_) * bpg_, &block);
    if (st == ZX_OK) {
      uint8_t* data;
      st = GetZeroedBlock(block, &data);
      if (st == ZX_OK) {
        memcpy(data, target, tlen);
        inode.i_block[0] = block;
        inode.i_blocks = bs_ / 512;
      } else {
        FreeBlock(block);
      }
    }
  }
  if (st == ZX_OK) {
    SetInodeSize(&inode, tlen);
    st = WriteInode(*ino, inode);
  }
  if (st == ZX_OK) st = AddEntry(dir, name, name_len, *ino, FileType(mode));
  if (st != ZX_OK) {
    ReadInode(*ino, &inode);
    ReleaseInode(*ino, &inode);
  }
  return Commit(st);
}

zx_status_t Fs::FindToRemove(uint32_t dir, const char* name, size_t name_len, uint32_t* ino,
                             Inode* inode) {
  Inode d;
  zx_status_t st = CheckNewName(dir, name, name_len, &d);
  if (st != ZX_OK) return st;
  st = FindEntry(d, name, name_len, ino, nullptr, nullptr, nullptr);
  if (st != ZX_OK) return st;
  return ReadInode(*ino, inode);
}

zx_status_t Fs::Unlink(uint32_t dir, const char* name, size_t name_len) {
  uint32_t ino;
  Inode inode;
  zx_status_t st = FindToRemove(dir, name, name_len, &ino, &inode);
  if (st != ZX_OK) return st;
  if (inode.i_links_count == 0) return ZX_ERR_IO_DATA_INTEGRITY;
  if (TypeOf(inode) == kModeDir) return ZX_ERR_NOT_FILE;
  if (inode.i_links_count == 1 && (st = CheckReleasable(inode)) != ZX_OK) return st;
  st = RemoveEntry(dir, name, name_len);
  if (st == ZX_OK) {
    inode.i_links_count--;
    inode.i_ctime = Now();
    st = inode.i_links_count == 0 ? ReleaseInode(ino, &inode) : WriteInode(ino, inode);
  }
  return Commit(st);
}

zx_status_t Fs::Rmdir(uint32_t dir, const char* name, size_t name_len) {
  uint32_t ino;
  Inode inode;
  zx_status_t st = FindToRemove(dir, name, name_len, &ino, &inode);
  if (st == ZX_OK) st = CheckInode(inode);
  if (st != ZX_OK) return st;
  if (TypeOf(inode) != kModeDir) return ZX_ERR_NOT_DIR;
  bool empty;
  st = DirIsEmpty(inode, &empty);
  if (st != ZX_OK) return st;
  if (!empty) return ZX_ERR_NOT_EMPTY;
  if ((st = CheckReleasable(inode)) != ZX_OK) return st;
  st = RemoveEntry(dir, name, name_len);
  if (st == ZX_OK) st = ReleaseInode(ino, &inode);
  if (st == ZX_OK) st = AdjustLinks(dir, -1);  // its ".." is gone
  return Commit(st);
}

zx_status_t Fs::Rename(uint32_t src_dir, const char* src, size_t src_len, uint32_t dst_dir,
                       const char* dst, size_t dst_len) {
  Inode sd, dd;
  zx_status_t st = CheckNewName(src_dir, src, src_len, &sd);
  if (st != ZX_OK) return st;
  st = CheckNewName(dst_dir, dst, dst_len, &dd);
  if (st != ZX_OK) return st;
  uint32_t sino;
  st = FindEntry(sd, src, src_len, &sino, nullptr, nullptr, nullptr);
  if (st != ZX_OK) return st;
  Inode sinode;
  st = ReadInode(sino, &sinode);
  if (st == ZX_OK) st = CheckInode(sinode);
  if (st != ZX_OK) return st;
  bool moving_dir = TypeOf(sinode) == kModeDir;
  if (moving_dir && src_dir != dst_dir) {
    bool inside;
    st = IsAncestor(sino, dst_dir, &inside);
    if (st != ZX_OK) return st;
    if (inside) return ZX_ERR_INVALID_ARGS;  // a directory cannot move into itself
    if (dd.i_links_count >= 32000) return ZX_ERR_NO_RESOURCES;
  }
  uint32_t dino;
  st = FindEntry(dd, dst, dst_len, &dino, nullptr, nullptr, nullptr);
  if (st != ZX_OK && st != ZX_ERR_NOT_FOUND) return st;
  bool replacing = st == ZX_OK;
  Inode dinode;
  if (replacing) {
    if (dino == sino) return ZX_OK;  // two names of one file: nothing to do
    st = ReadInode(dino, &dinode);
    if (st == ZX_OK) st = CheckInode(dinode);
    if (st != ZX_OK) return st;
    if (dinode.i_links_count == 0) return ZX_ERR_IO_DATA_INTEGRITY;
    bool dst_is_dir = TypeOf(dinode) == kModeDir;
    if (moving_dir && !dst_is_dir) return ZX_ERR_NOT_DIR;
    if (!moving_dir && dst_is_dir) return ZX_ERR_NOT_FILE;
    if (dst_is_dir) {
      bool empty;
      st = DirIsEmpty(dinode, &empty);
      if (st != ZX_OK) return st;
      if (!empty) return ZX_ERR_NOT_EMPTY;
    }
    if ((dst_is_dir || dinode.i_links_count == 1) && (st = CheckReleasable(dinode)) != ZX_OK)
      return st;
  }

  uint8_t type = FileType(sinode.i_mode);
  if (replacing) {
    st = SetEntryInode(dst_dir, dst, dst_len, sino, type);
    if (st == ZX_OK) {
      if (TypeOf(dinode) == kModeDir) {
        st = ReleaseInode(dino, &dinode);
        if (st == ZX_OK) st = AdjustLinks(dst_dir, -1);  // the replaced directory's ".."
      } else {
        dinode.i_links_count--;
        dinode.i_ctime = Now();
        st = dinode.i_links_count == 0 ? ReleaseInode(dino, &dinode) : WriteInode(dino, dinode);
      }
    }
  } else {
    st = AddEntry(dst_dir, dst, dst_len, sino, type);
  }
  if (st == ZX_OK) st = RemoveEntry(src_dir, src, src_len);
  if (st == ZX_OK && moving_dir && src_dir != dst_dir) {
    st = SetEntryInode(sino, "..", 2, dst_dir, FileType(kModeDir));
    if (st == ZX_OK) st = AdjustLinks(src_dir, -1);
    if (st == ZX_OK) st = AdjustLinks(dst_dir, 1);
  }
  if (st == ZX_OK) st = AdjustLinks(sino, 0);  // ctime
  return Commit(st);
}

}  // namespace ext2
