// Sv39 page table operations. Everything is built on walk(), which finds the entry for a
// virtual address at a chosen level; map, unmap and protect step through their range one
// leaf-sized chunk at a time, so a range can mix 4 KiB pages, large leaves and holes. Empty
// tables are removed by a separate pass (prune) over the range afterwards, which keeps the
// per-chunk loops simple.
#include "mm/page_table.h"

#include "kernel/lab.h"

namespace {

constexpr uint64_t kVaMask = (1ull << 39) - 1;
constexpr uint64_t kPaLimit = 1ull << 56;
constexpr uint64_t kPpnMask = (1ull << 44) - 1;
constexpr uint64_t kPteLowBits = (1ull << kPtePpnShift) - 1;
constexpr uint64_t kPtePerms = kPteR | kPteW | kPteX;
constexpr uint32_t kMmuKnown =
    kMmuRead | kMmuWrite | kMmuExec | kMmuUser | kMmuGlobal | kMmuAllowLarge;

// constexpr (hence inline) also keeps helpers that only the lab solutions use from tripping
// -Wunused-function in a handout.

// Bytes mapped by one entry of a table at `level` (0: 4 KiB, 1: 2 MiB, 2: 1 GiB).
constexpr uint64_t level_size(int level) { return PAGE_SIZE << (9 * level); }

constexpr size_t vpn(uint64_t va, int level) { return (va >> (PAGE_SHIFT + 9 * level)) & 511; }

// Bits 63..39 must repeat bit 38.
constexpr bool is_canonical(uint64_t va) {
  return static_cast<uint64_t>(static_cast<int64_t>(va << 25) >> 25) == va;
}

constexpr bool pte_valid(uint64_t pte) { return (pte & kPteV) != 0; }
// A valid entry with no R/W/X points at the next-level table.
constexpr bool pte_is_table(uint64_t pte) { return pte_valid(pte) && (pte & kPtePerms) == 0; }
constexpr uint64_t pte_pa(uint64_t pte) { return ((pte >> kPtePpnShift) & kPpnMask) << PAGE_SHIFT; }

constexpr uint64_t table_pte(uint64_t table_pa) {
  // Non-leaf entries must have A, D and U clear.
  return ((table_pa >> PAGE_SHIFT) << kPtePpnShift) | kPteV;
}

constexpr uint64_t leaf_pte(uint64_t pa, uint32_t flags) {
  // A and D preset: the hardware may fault instead of setting them.
  uint64_t pte = ((pa >> PAGE_SHIFT) << kPtePpnShift) | kPteV | kPteA | kPteD;
  if (flags & kMmuRead) pte |= kPteR;
  if (flags & kMmuWrite) pte |= kPteW;
  if (flags & kMmuExec) pte |= kPteX;
  if (flags & kMmuUser) pte |= kPteU;
  if (flags & kMmuGlobal) pte |= kPteG;
  return pte;
}

constexpr uint32_t pte_mmu_flags(uint64_t pte) {
  uint32_t f = 0;
  if (pte & kPteR) f |= kMmuRead;
  if (pte & kPteW) f |= kMmuWrite;
  if (pte & kPteX) f |= kMmuExec;
  if (pte & kPteU) f |= kMmuUser;
  if (pte & kPteG) f |= kMmuGlobal;
  return f;
}

// R/W/X all clear would make a leaf look like a table pointer, and W without R is reserved.
constexpr bool valid_perms(uint32_t flags) {
  if ((flags & ~kMmuKnown) != 0) return false;
  if ((flags & (kMmuRead | kMmuWrite | kMmuExec)) == 0) return false;
  return !((flags & kMmuWrite) && !(flags & kMmuRead));
}

}  // namespace

zx_status_t PageTable::init(PageTableMemory* mem) {
  if (root_ != 0) return ZX_ERR_BAD_STATE;
  if (mem == nullptr) return ZX_ERR_INVALID_ARGS;
  mem_ = mem;
  root_ = new_table();
  return root_ != 0 ? ZX_OK : ZX_ERR_NO_MEMORY;
}

// Returns the entry for va at target_level, or the entry where the walk had to stop above it:
// a leaf (a large page covering va) or, when create is false, an invalid entry. *level_out
// gets the level of the returned entry. With create, missing tables are allocated on the way;
// nullptr only when that allocation fails.
uint64_t* PageTable::walk(uint64_t va, int target_level, bool create, int* level_out) {
  // LAB 2 SOLUTION BEGIN
  uint64_t table = root_;
  for (int level = kLevels - 1;; level--) {
    uint64_t* pte = &mem_->table_ptr(table)[vpn(va, level)];
    if (level == target_level || (pte_valid(*pte) && !pte_is_table(*pte))) {
      *level_out = level;
      return pte;
    }
    if (!pte_valid(*pte)) {
      if (!create) {
        *level_out = level;
        return pte;
      }
      uint64_t child = new_table();
      if (child == 0) return nullptr;
      *pte = table_pte(child);
    }
    table = pte_pa(*pte);
  }
  // LAB 2 SOLUTION END
  // LAB 2 STUB BEGIN
  // lab_todo(2, "page_table: PageTable::walk");
  // (void)va;
  // (void)target_level;
  // (void)create;
  // (void)level_out;
  // return nullptr;
  // LAB 2 STUB END
}

zx_status_t PageTable::map(uint64_t va, uint64_t pa, uint64_t len, uint32_t flags) {
  zx_status_t status = check_va_range(va, len);
  if (status != ZX_OK) return status;
  if ((pa & (PAGE_SIZE - 1)) != 0 || pa >= kPaLimit || len > kPaLimit - pa) {
    return ZX_ERR_INVALID_ARGS;
  }
  if (!valid_perms(flags)) return ZX_ERR_INVALID_ARGS;
  uint64_t done = 0;
  // LAB 2 SOLUTION BEGIN
  while (done < len) {
    uint64_t cur_va = va + done;
    uint64_t cur_pa = pa + done;
    // The largest leaf that both addresses are aligned to and the rest of the range fills.
    int want = 0;
    if (flags & kMmuAllowLarge) {
      for (int l = kLevels - 1; l > 0; l--) {
        uint64_t size = level_size(l);
        if (((cur_va | cur_pa) & (size - 1)) == 0 && len - done >= size) {
          want = l;
          break;
        }
      }
    }
    int level = 0;
    uint64_t* pte = walk(cur_va, want, true, &level);
    // A table already hangs off that slot: map inside it with smaller leaves instead.
    while (pte != nullptr && want > 0 && level == want && pte_is_table(*pte)) {
      want--;
      pte = walk(cur_va, want, true, &level);
    }
    if (pte == nullptr) {
      status = ZX_ERR_NO_MEMORY;
      break;
    }
    // Either this slot is taken or the walk stopped at a large leaf above it.
    if (pte_valid(*pte)) {
      status = ZX_ERR_ALREADY_EXISTS;
      break;
    }
    *pte = leaf_pte(cur_pa, flags);
    done += level_size(level);
  }
  // LAB 2 SOLUTION END
  // LAB 2 STUB BEGIN
  // lab_todo(2, "page_table: PageTable::map");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 2 STUB END
  if (status != ZX_OK) {
    // Leave nothing behind: the leaves written so far, and tables created for them or for
    // the step that failed.
    if (done > 0) unmap(va, done);
    prune(va, len);
  }
  return status;
}

zx_status_t PageTable::unmap(uint64_t va, uint64_t len, uint64_t* unmapped_count) {
  if (unmapped_count != nullptr) *unmapped_count = 0;
  zx_status_t status = check_va_range(va, len);
  if (status != ZX_OK) return status;
  uint64_t count = 0;
  // LAB 2 SOLUTION BEGIN
  uint64_t done = 0;
  while (done < len) {
    uint64_t cur = va + done;
    int level = 0;
    uint64_t* pte = walk(cur, 0, false, &level);
    uint64_t span = level_size(level);
    uint64_t to_slot_end = span - (cur & (span - 1));
    if (!pte_valid(*pte)) {
      done += to_slot_end;  // a hole as large as the entry (or missing table) that was found
      continue;
    }
    if (to_slot_end != span || len - done < span) {
      // A large leaf sticking out of the range: split it and look again.
      status = split_leaf(pte, level);
      if (status != ZX_OK) break;
      continue;
    }
    *pte = 0;
    count += span / PAGE_SIZE;
    done += span;
  }
  // LAB 2 SOLUTION END
  // LAB 2 STUB BEGIN
  // lab_todo(2, "page_table: PageTable::unmap");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 2 STUB END
  prune(va, len);
  if (unmapped_count != nullptr) *unmapped_count = count;
  return status;
}

zx_status_t PageTable::protect(uint64_t va, uint64_t len, uint32_t flags) {
  zx_status_t status = check_va_range(va, len);
  if (status != ZX_OK) return status;
  if (!valid_perms(flags)) return ZX_ERR_INVALID_ARGS;
  // LAB 2 SOLUTION BEGIN
  uint64_t done = 0;
  while (done < len) {
    uint64_t cur = va + done;
    int level = 0;
    uint64_t* pte = walk(cur, 0, false, &level);
    uint64_t span = level_size(level);
    uint64_t to_slot_end = span - (cur & (span - 1));
    if (!pte_valid(*pte)) {
      done += to_slot_end;
      continue;
    }
    if (to_slot_end != span || len - done < span) {
      status = split_leaf(pte, level);
      if (status != ZX_OK) break;
      continue;
    }
    *pte = leaf_pte(pte_pa(*pte), flags);
    done += span;
  }
  // LAB 2 SOLUTION END
  // LAB 2 STUB BEGIN
  // lab_todo(2, "page_table: PageTable::protect");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 2 STUB END
  return status;
}

zx_status_t PageTable::query(uint64_t va, uint64_t* pa, uint32_t* flags) const {
  if (root_ == 0) return ZX_ERR_BAD_STATE;
  if (!is_canonical(va)) return ZX_ERR_INVALID_ARGS;
  int level = 0;
  // A walk without create changes nothing.
  uint64_t* pte = const_cast<PageTable*>(this)->walk(va, 0, false, &level);
  if (pte == nullptr) return ZX_ERR_NOT_SUPPORTED;  // only the lab 2 stub walk returns this
  if (!pte_valid(*pte)) return ZX_ERR_NOT_FOUND;
  if (pa != nullptr) *pa = pte_pa(*pte) + (va & (level_size(level) - 1));
  if (flags != nullptr) *flags = pte_mmu_flags(*pte);
  return ZX_OK;
}

void PageTable::destroy() {
  if (root_ == 0) return;
  destroy_table(root_, kLevels - 1);
  root_ = 0;
  borrows_kernel_half_ = false;
  lends_kernel_half_ = false;
}

void PageTable::destroy_table(uint64_t table, int level) {
  if (level > 0) {
    uint64_t* e = mem_->table_ptr(table);
    for (size_t i = 0; i < kEntries; i++) {
      if (level == kLevels - 1 && i >= kKernelRootFirst && borrows_kernel_half_) break;
      if (pte_is_table(e[i])) destroy_table(pte_pa(e[i]), level - 1);
    }
  }
  release_table(table);
}

void PageTable::copy_kernel_half(const PageTable& kernel) {
  if (root_ == 0 || kernel.root_ == 0) return;
  uint64_t* dst = mem_->table_ptr(root_);
  const uint64_t* src = kernel.mem_->table_ptr(kernel.root_);
  for (size_t i = kKernelRootFirst; i < kEntries; i++) dst[i] = src[i];
  borrows_kernel_half_ = true;
  kernel.lends_kernel_half_ = true;
}

uint64_t PageTable::new_table() {
  uint64_t pa = mem_->alloc_table();
  if (pa != 0) table_count_++;
  return pa;
}

void PageTable::release_table(uint64_t paddr) {
  mem_->free_table(paddr);
  table_count_--;
}

// Replaces the large leaf *pte at `level` by a table of 512 leaves one level down that map the
// same memory with the same bits, so part of it can then be changed.
zx_status_t PageTable::split_leaf(uint64_t* pte, int level) {
  uint64_t table = new_table();
  if (table == 0) return ZX_ERR_NO_MEMORY;
  uint64_t* e = mem_->table_ptr(table);
  uint64_t base = pte_pa(*pte);
  uint64_t bits = *pte & kPteLowBits;
  uint64_t child = level_size(level - 1);
  for (size_t i = 0; i < kEntries; i++) {
    e[i] = (((base + i * child) >> PAGE_SHIFT) << kPtePpnShift) | bits;
  }
  *pte = table_pte(table);
  return ZX_OK;
}

zx_status_t PageTable::check_va_range(uint64_t va, uint64_t len) const {
  if (root_ == 0) return ZX_ERR_BAD_STATE;
  if (len == 0 || ((va | len) & (PAGE_SIZE - 1)) != 0) return ZX_ERR_INVALID_ARGS;
  uint64_t last = va + len - 1;
  if (last < va || !is_canonical(va) || !is_canonical(last)) return ZX_ERR_INVALID_ARGS;
  // Both ends canonical but in different halves: the range spans the hole.
  if (((va ^ last) >> 38) & 1) return ZX_ERR_INVALID_ARGS;
  if (borrows_kernel_half_ && ((va >> 38) & 1)) return ZX_ERR_ACCESS_DENIED;
  return ZX_OK;
}

// Frees the tables under [va, va + len) that hold no valid entry any more.
void PageTable::prune(uint64_t va, uint64_t len) {
  if (root_ == 0) return;
  uint64_t start = va & kVaMask;
  prune_table(root_, kLevels - 1, 0, start, start + len - 1);
}

// Prunes the children of `table` (which maps from table_base) overlapping [start, last];
// returns whether `table` itself is now empty.
bool PageTable::prune_table(uint64_t table, int level, uint64_t table_base, uint64_t start,
                            uint64_t last) {
  uint64_t* e = mem_->table_ptr(table);
  if (level > 0) {
    uint64_t span = level_size(level);
    size_t first_i = start > table_base ? (start - table_base) / span : 0;
    size_t last_i = (last - table_base) / span;
    if (last_i >= kEntries) last_i = kEntries - 1;
    for (size_t i = first_i; i <= last_i; i++) {
      if (!pte_is_table(e[i])) continue;
      // Other roots point at the kernel half's second-level tables; they must stay (the
      // tables below them are reached through them, so those may go).
      bool shared = level == kLevels - 1 && i >= kKernelRootFirst &&
                    (lends_kernel_half_ || borrows_kernel_half_);
      uint64_t child = pte_pa(e[i]);
      if (prune_table(child, level - 1, table_base + i * span, start, last) && !shared) {
        e[i] = 0;
        release_table(child);
      }
    }
  }
  if (level == kLevels - 1) return false;  // the root is never freed here
  for (size_t i = 0; i < kEntries; i++) {
    if (pte_valid(e[i])) return false;
  }
  return true;
}
