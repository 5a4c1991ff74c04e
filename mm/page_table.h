// Sv39 page tables: three levels of 512 eight-byte entries translating 39-bit virtual
// addresses (sign-extended to 64 bits) to 56-bit physical ones, with 4 KiB pages and, where
// alignment allows, 2 MiB and 1 GiB leaves. Table memory is reached only through
// PageTableMemory, so the same code runs on the kernel's direct map and on simulated memory in
// host tests.
//
// A PageTable does no locking and no TLB maintenance: its owner (the address space) serializes
// calls and issues sfence.vma after unmap() and protect().
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/status.h"
#include "mm/vm_page.h"

struct PageTableMemory {
  // The physical address of a zeroed, 4 KiB aligned table; 0 when out of memory.
  virtual uint64_t alloc_table() = 0;
  virtual void free_table(uint64_t paddr) = 0;
  // Where the CPU can read and write the table at paddr (kernel: the direct map).
  virtual uint64_t* table_ptr(uint64_t paddr) = 0;

 protected:
  ~PageTableMemory() = default;
};

enum MmuFlags : uint32_t {
  kMmuRead = 1,
  kMmuWrite = 2,
  kMmuExec = 4,
  kMmuUser = 8,
  kMmuGlobal = 16,
  kMmuAllowLarge = 32,  // map() may use 2 MiB / 1 GiB leaves where va and pa are aligned
};

// Hardware PTE bits.
constexpr uint64_t kPteV = 1ull << 0;
constexpr uint64_t kPteR = 1ull << 1;
constexpr uint64_t kPteW = 1ull << 2;
constexpr uint64_t kPteX = 1ull << 3;
constexpr uint64_t kPteU = 1ull << 4;
constexpr uint64_t kPteG = 1ull << 5;
constexpr uint64_t kPteA = 1ull << 6;
constexpr uint64_t kPteD = 1ull << 7;
constexpr unsigned kPtePpnShift = 10;

class PageTable {
 public:
  static constexpr int kLevels = 3;
  static constexpr size_t kEntries = 512;
  // Root entries from here on map the upper (kernel) half of the address space.
  static constexpr size_t kKernelRootFirst = 256;

  constexpr PageTable() = default;
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  // Allocates the root table. ZX_ERR_BAD_STATE if already initialized.
  zx_status_t init(PageTableMemory* mem);

  // Maps [va, va + len) to [pa, pa + len). ZX_ERR_INVALID_ARGS for unaligned or zero len, a
  // non-canonical range or one crossing the hole, pa beyond 56 bits, no R/W/X, W without R or
  // unknown flags; ZX_ERR_ALREADY_EXISTS if any page of the range is mapped; ZX_ERR_NO_MEMORY.
  // On any error nothing is changed. ZX_ERR_ACCESS_DENIED for the kernel half of a table made
  // with copy_kernel_half() (those tables are shared).
  zx_status_t map(uint64_t va, uint64_t pa, uint64_t len, uint32_t flags);
  // Unmaps whatever is mapped in [va, va + len); holes are fine. A large leaf partly inside
  // the range is split first (which can fail with ZX_ERR_NO_MEMORY, leaving the range partly
  // unmapped). Tables left empty are freed. *unmapped_count gets the number of 4 KiB pages.
  zx_status_t unmap(uint64_t va, uint64_t len, uint64_t* unmapped_count = nullptr);
  // Sets the permissions (R/W/X/U/G, validated as for map) of every mapped page in range;
  // unmapped pages are skipped. Large leaves partly inside the range are split.
  zx_status_t protect(uint64_t va, uint64_t len, uint32_t flags);
  // The physical address va translates to (offset within the page included) and its MmuFlags.
  // ZX_ERR_NOT_FOUND if unmapped, ZX_ERR_INVALID_ARGS if va is not canonical.
  zx_status_t query(uint64_t va, uint64_t* pa, uint32_t* flags) const;

  uint64_t root_paddr() const { return root_; }
  // Sv39 mode, ASID 0.
  uint64_t satp() const { return (8ull << 60) | (root_ >> PAGE_SHIFT); }
  // Frees every table this PageTable owns, root included (never the mapped frames, nor kernel
  // half tables borrowed through copy_kernel_half()). The object can be init()ed again.
  void destroy();
  uint64_t table_count() const { return table_count_; }
  // Shares the kernel's upper-half tables (root entries 256..511) with this table. The kernel
  // table then stops freeing its upper-half tables when they become empty, since other roots
  // point at them; new upper-half root entries made later are not seen by this table.
  void copy_kernel_half(const PageTable& kernel);

 private:
  uint64_t* walk(uint64_t va, int target_level, bool create, int* level_out);
  uint64_t new_table();
  void release_table(uint64_t paddr);
  zx_status_t split_leaf(uint64_t* pte, int level);
  zx_status_t check_va_range(uint64_t va, uint64_t len) const;
  void prune(uint64_t va, uint64_t len);
  bool prune_table(uint64_t table, int level, uint64_t table_base, uint64_t start, uint64_t last);
  void destroy_table(uint64_t table, int level);

  PageTableMemory* mem_ = nullptr;
  uint64_t root_ = 0;
  uint64_t table_count_ = 0;
  bool borrows_kernel_half_ = false;        // this root points at another table's upper half
  mutable bool lends_kernel_half_ = false;  // other roots point at this table's upper half
};
