// File contents on demand: the filesystem server as a pager (docs/fs.md, docs/pager.md).
//
// Every regular file the server has opened is a FileNode with one pager-backed VMO, shared by
// everyone who opens the file (so a program's text is the same pages in every process running
// it). A client touching a missing page makes the kernel queue a READ packet for it; HandleRead
// turns the requested range, grown by readahead, into as few disk requests as the file's block
// map allows, and supplies the pages. Readahead is adaptive: a request that starts where the
// last supplied range ended is sequential, and doubles the window up to 128 KiB; any other
// request starts again from the smallest window.
//
// Writes reach the file's pages directly (a client's zx_vmo_write or a store through a mapping);
// the kernel marks those pages dirty. Writeback asks the kernel which ranges are dirty and writes
// them to the file through the ext2 library under WRITEBACK_BEGIN/END, so a page written again
// meanwhile stays dirty for the next round. Clean pages are the kernel's to evict (under the
// pager's page budget or low memory); a later touch reads them again.
//
// The server never touches a file VMO's missing pages itself (it would wait on its own request):
// it reads only dirty pages, which are present by definition, and shrinks a file by cutting the
// VMO at a page boundary instead of zeroing a partial page.
#pragma once
#include <stdint.h>
#include <zircon/types.h>

#include "user/fs/disk.h"
#include "user/fs/ext2.h"

namespace fs {

struct FileNode {
  uint32_t ino = 0;
  uint32_t id = 0;                      // index in the server's node table
  uint64_t key = 0;                     // its VMO's page requests carry this port key
  zx_handle_t vmo = ZX_HANDLE_INVALID;  // the server's handle, every right
  uint64_t size = 0;         // bytes, as the file has it now (the VMO is this rounded up)
  uint32_t opens = 0;        // open descriptors, over all connections
  uint32_t writers = 0;      // of which opened for writing
  bool maybe_dirty = false;  // written or resized since its last writeback
  bool gone = false;         // unlinked: detached from the pager, freed at its last close
  // Readahead: where a sequential reader's next request starts, and the next window.
  uint64_t ra_next = 0;
  uint64_t ra_window = 0;
  FileNode* hash_next = nullptr;
};

struct PagerStats {
  uint64_t requests = 0;  // READ packets served
  uint64_t pages_supplied = 0;
  uint64_t disk_runs = 0;      // device requests issued for them (Disk::run_requests)
  uint64_t failures = 0;       // ranges failed back to the kernel
  uint64_t pages_written = 0;  // by writeback
};

class FilePager {
 public:
  static constexpr uint64_t kPage = 4096;
  static constexpr uint64_t kMinReadahead = 16 * 1024;
  static constexpr uint64_t kMaxReadahead = Disk::kStagingBytes;  // 128 KiB

  // `port` receives the page requests of every file VMO.
  zx_status_t Init(ext2::Fs* fs, Disk* disk, zx_handle_t port);
  zx_handle_t pager() const { return pager_; }

  // Gives `node` its pager-backed VMO (page requests come with `key`).
  zx_status_t CreateVmo(FileNode* node, uint64_t key);
  // Serves a READ request for [offset, offset + length) of node's VMO: supplies it (and what
  // readahead adds), or fails it with the error the disk or the filesystem gave.
  void HandleRead(FileNode* node, uint64_t offset, uint64_t length);
  // Writes node's dirty pages to the file. ZX_OK with nothing to do if none are dirty.
  zx_status_t Writeback(FileNode* node);
  // Sets the file's size: the inode first, then the VMO (shrinking writes back first, so data
  // in a cut partial page reaches the disk before the inode's tail is zeroed).
  zx_status_t Resize(FileNode* node, uint64_t size);
  // Detaches the VMO: its waiters fail, later faults fail; clients keep present pages.
  void Detach(FileNode* node);

  // The pager's page budget (0: none), the kernel extension ZX_PROP_PAGER_PAGE_BUDGET.
  zx_status_t SetBudget(uint64_t pages);
  const PagerStats& stats() const { return stats_; }

 private:
  // The readahead decision for a READ request of [offset, offset + length) (page-aligned, within
  // the VMO): returns the end of the range to supply, at least offset + length and at most the
  // end of the file's last page, and updates node->ra_window. HandleRead then sets node->ra_next
  // to that end, so the next request of a sequential reader starts there.
  uint64_t ReadaheadEnd(FileNode* node, uint64_t offset, uint64_t length);
  // Reads [offset, offset + len) of the file (page-aligned, at most kMaxReadahead bytes) into
  // the disk's staging buffer, byte i of the range at staging()[i]: holes and bytes past the end
  // of the file as zeros, the blocks on disk with one Disk::ReadRuns call, adjacent blocks as one
  // run (one device request). Never touches the file's VMO.
  zx_status_t FillStaging(FileNode* node, uint64_t offset, uint64_t len);
  zx_status_t SupplyChunk(FileNode* node, uint64_t offset, uint64_t len);
  zx_status_t WritebackRange(FileNode* node, uint64_t offset, uint64_t len);

  ext2::Fs* fs_ = nullptr;
  Disk* disk_ = nullptr;
  zx_handle_t port_ = ZX_HANDLE_INVALID;
  zx_handle_t pager_ = ZX_HANDLE_INVALID;
  zx_handle_t aux_ = ZX_HANDLE_INVALID;  // pages on their way into a file VMO
  uint8_t* wb_buf_ = nullptr;            // writeback: dirty pages on their way to the disk
  PagerStats stats_;
};

}  // namespace fs
