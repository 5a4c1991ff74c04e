// The on-disk format of ext2, revision 1, as `mke2fs -t ext2` writes it (after "The Second
// Extended File System" by Dave Poirier and the e2fsprogs documentation).
//
// These structs are the bytes on disk. ext2 is little-endian and so are both machines this code
// runs on (RISC-V and the x86/arm host running the tests), so fields are read in place; the
// static_asserts pin every offset the filesystem code relies on, so a layout mistake fails the
// build rather than corrupting an image. Only what ext2 (not ext3/4) needs is named; the rest
// of each record is kept as opaque padding so that rewriting a record preserves it.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace ext2 {

constexpr uint16_t kMagic = 0xEF53;
constexpr uint64_t kSuperblockOffset = 1024;  // bytes from the start of the device, always
constexpr uint32_t kSuperblockSize = 1024;

constexpr uint32_t kMinBlockSize = 1024;
// The block sizes this implementation handles (its buffers are this big). mke2fs picks 1, 2 or
// 4 KiB; larger blocks exist only on machines with larger pages.
constexpr uint32_t kMaxBlockSize = 4096;

// Reserved inode numbers.
constexpr uint32_t kBadBlocksIno = 1;
constexpr uint32_t kRootIno = 2;
constexpr uint32_t kResizeIno = 7;
constexpr uint32_t kGoodOldFirstIno = 11;  // first non-reserved inode in revision 0
constexpr uint16_t kGoodOldInodeSize = 128;

// s_state
constexpr uint16_t kStateValid = 1;
constexpr uint16_t kStateError = 2;

// s_rev_level
constexpr uint32_t kRevGoodOld = 0;
constexpr uint32_t kRevDynamic = 1;

// s_feature_compat: a reader and a writer that do not know these may still use the image.
constexpr uint32_t kCompatDirPrealloc = 0x0001;
constexpr uint32_t kCompatImagicInodes = 0x0002;
constexpr uint32_t kCompatHasJournal = 0x0004;
constexpr uint32_t kCompatExtAttr = 0x0008;
constexpr uint32_t kCompatResizeInode = 0x0010;
constexpr uint32_t kCompatDirIndex = 0x0020;

// s_feature_incompat: an implementation that does not know one of these must not mount.
constexpr uint32_t kIncompatCompression = 0x0001;
constexpr uint32_t kIncompatFiletype = 0x0002;
constexpr uint32_t kIncompatRecover = 0x0004;
constexpr uint32_t kIncompatJournalDev = 0x0008;
constexpr uint32_t kIncompatMetaBg = 0x0010;
constexpr uint32_t kIncompatExtents = 0x0040;
constexpr uint32_t kIncompat64Bit = 0x0080;
constexpr uint32_t kIncompatFlexBg = 0x0200;
constexpr uint32_t kIncompatInlineData = 0x8000;

// s_feature_ro_compat: an implementation that does not know one of these may mount read-only.
constexpr uint32_t kRoCompatSparseSuper = 0x0001;
constexpr uint32_t kRoCompatLargeFile = 0x0002;
constexpr uint32_t kRoCompatBtreeDir = 0x0004;
constexpr uint32_t kRoCompatHugeFile = 0x0008;
constexpr uint32_t kRoCompatGdtCsum = 0x0010;
constexpr uint32_t kRoCompatDirNlink = 0x0020;
constexpr uint32_t kRoCompatExtraIsize = 0x0040;
constexpr uint32_t kRoCompatMetadataCsum = 0x0400;

struct Superblock {
  uint32_t s_inodes_count;
  uint32_t s_blocks_count;
  uint32_t s_r_blocks_count;
  uint32_t s_free_blocks_count;
  uint32_t s_free_inodes_count;
  uint32_t s_first_data_block;  // 1 with 1 KiB blocks (block 0 holds the boot sector), else 0
  uint32_t s_log_block_size;    // block size = 1024 << s_log_block_size
  uint32_t s_log_frag_size;
  uint32_t s_blocks_per_group;
  uint32_t s_frags_per_group;
  uint32_t s_inodes_per_group;
  uint32_t s_mtime;
  uint32_t s_wtime;
  uint16_t s_mnt_count;
  int16_t s_max_mnt_count;
  uint16_t s_magic;
  uint16_t s_state;
  uint16_t s_errors;
  uint16_t s_minor_rev_level;
  uint32_t s_lastcheck;
  uint32_t s_checkinterval;
  uint32_t s_creator_os;
  uint32_t s_rev_level;
  uint16_t s_def_resuid;
  uint16_t s_def_resgid;
  // Revision 1 (dynamic) fields.
  uint32_t s_first_ino;
  uint16_t s_inode_size;
  uint16_t s_block_group_nr;
  uint32_t s_feature_compat;
  uint32_t s_feature_incompat;
  uint32_t s_feature_ro_compat;
  uint8_t s_uuid[16];
  char s_volume_name[16];
  char s_last_mounted[64];
  uint32_t s_algo_bitmap;
  uint8_t s_prealloc_blocks;
  uint8_t s_prealloc_dir_blocks;
  uint16_t s_reserved_gdt_blocks;  // blocks after the descriptor table kept for online resize
  uint8_t s_journal_uuid[16];
  uint32_t s_journal_inum;
  uint32_t s_journal_dev;
  uint32_t s_last_orphan;
  uint32_t s_hash_seed[4];
  uint8_t s_def_hash_version;
  uint8_t s_jnl_backup_type;
  uint16_t s_desc_size;
  uint32_t s_default_mount_opts;
  uint32_t s_first_meta_bg;
  uint32_t s_mkfs_time;
  uint8_t s_rest[1024 - 268];
};
static_assert(sizeof(Superblock) == kSuperblockSize);
static_assert(offsetof(Superblock, s_magic) == 56);
static_assert(offsetof(Superblock, s_rev_level) == 76);
static_assert(offsetof(Superblock, s_first_ino) == 84);
static_assert(offsetof(Superblock, s_feature_compat) == 92);
static_assert(offsetof(Superblock, s_uuid) == 104);
static_assert(offsetof(Superblock, s_algo_bitmap) == 200);
static_assert(offsetof(Superblock, s_reserved_gdt_blocks) == 206);
static_assert(offsetof(Superblock, s_hash_seed) == 236);
static_assert(offsetof(Superblock, s_mkfs_time) == 264);

// One per block group, in the table that starts in the block after the superblock's.
struct GroupDesc {
  uint32_t bg_block_bitmap;
  uint32_t bg_inode_bitmap;
  uint32_t bg_inode_table;
  uint16_t bg_free_blocks_count;
  uint16_t bg_free_inodes_count;
  uint16_t bg_used_dirs_count;
  uint16_t bg_flags;  // ext4's; 0 on ext2
  uint8_t bg_reserved[12];
};
static_assert(sizeof(GroupDesc) == 32);

constexpr uint32_t kNumDirect = 12;
constexpr uint32_t kIndBlock = 12;   // i_block[12]: single indirect
constexpr uint32_t kDindBlock = 13;  // i_block[13]: double indirect
constexpr uint32_t kTindBlock = 14;  // i_block[14]: triple indirect
constexpr uint32_t kNumBlockPtrs = 15;
// A symlink whose target fits in i_block (60 bytes, no terminator) keeps it there.
constexpr uint32_t kFastSymlinkMax = kNumBlockPtrs * 4;

// The first 128 bytes of every inode (the "good old" inode); larger inodes add fields after it.
struct Inode {
  uint16_t i_mode;
  uint16_t i_uid;
  uint32_t i_size;  // low 32 bits of the size
  uint32_t i_atime;
  uint32_t i_ctime;
  uint32_t i_mtime;
  uint32_t i_dtime;  // deletion time; nonzero marks a deleted inode for e2fsck
  uint16_t i_gid;
  uint16_t i_links_count;
  uint32_t i_blocks;  // 512-byte sectors held: data, indirect and extended-attribute blocks
  uint32_t i_flags;
  uint32_t i_osd1;
  uint32_t i_block[kNumBlockPtrs];
  uint32_t i_generation;
  uint32_t i_file_acl;   // extended-attribute block, or 0
  uint32_t i_size_high;  // regular files (large_file): high 32 bits of the size
  uint32_t i_faddr;
  uint8_t i_frag;
  uint8_t i_fsize;
  uint16_t i_blocks_high;  // huge_file only; 0 here
  uint16_t i_uid_high;
  uint16_t i_gid_high;
  uint32_t i_reserved2;
};
static_assert(sizeof(Inode) == 128);
static_assert(offsetof(Inode, i_links_count) == 26);
static_assert(offsetof(Inode, i_block) == 40);
static_assert(offsetof(Inode, i_file_acl) == 104);
static_assert(offsetof(Inode, i_size_high) == 108);
static_assert(offsetof(Inode, i_uid_high) == 120);
// In inodes larger than 128 bytes, the 16-bit count of extra bytes in use follows.
constexpr uint32_t kExtraIsizeOffset = 128;
// What mke2fs and e2fsck expect new large inodes to declare (the ext4 "large inode" fields up to
// i_projid).
constexpr uint16_t kDefaultExtraIsize = 32;

// i_mode: file type and permission bits (the POSIX values).
constexpr uint16_t kModeTypeMask = 0xF000;
constexpr uint16_t kModeSocket = 0xC000;
constexpr uint16_t kModeSymlink = 0xA000;
constexpr uint16_t kModeRegular = 0x8000;
constexpr uint16_t kModeBlockDev = 0x6000;
constexpr uint16_t kModeDir = 0x4000;
constexpr uint16_t kModeCharDev = 0x2000;
constexpr uint16_t kModeFifo = 0x1000;
constexpr uint16_t kModePermMask = 0x0FFF;

// i_flags
constexpr uint32_t kFlagIndex = 0x00001000;  // directory has a hash tree (dir_index)
constexpr uint32_t kFlagExtents = 0x00080000;
constexpr uint32_t kFlagInlineData = 0x10000000;

// Directory entries: a header, then name_len bytes of name (no terminator); rec_len runs to
// the next entry, is a multiple of 4, and the last entry of a block runs to the block's end.
struct DirEntryHeader {
  uint32_t inode;  // 0: unused record
  uint16_t rec_len;
  uint8_t name_len;
  uint8_t file_type;  // kFt*; meaningful with the filetype feature
};
static_assert(sizeof(DirEntryHeader) == 8);
constexpr uint32_t kMaxNameLen = 255;
constexpr uint32_t DirRecLen(uint32_t name_len) { return (8 + name_len + 3) & ~3u; }

// file_type
constexpr uint8_t kFtUnknown = 0;
constexpr uint8_t kFtRegular = 1;
constexpr uint8_t kFtDir = 2;
constexpr uint8_t kFtCharDev = 3;
constexpr uint8_t kFtBlockDev = 4;
constexpr uint8_t kFtFifo = 5;
constexpr uint8_t kFtSocket = 6;
constexpr uint8_t kFtSymlink = 7;

// An extended-attribute block starts with this header; it may be shared between inodes.
constexpr uint32_t kXattrMagic = 0xEA020000;
struct XattrHeader {
  uint32_t h_magic;
  uint32_t h_refcount;
  uint32_t h_blocks;
  uint32_t h_hash;
  uint32_t h_reserved[4];
};
static_assert(sizeof(XattrHeader) == 32);

}  // namespace ext2
