// ELF64 image validation for the program loader. This part trusts nothing in the file: it
// checks the header and program headers of a RISC-V executable against the buffer and the user
// address-space limit, and describes the loadable segments. Mapping them (from a VMO) is the
// loader's job; everything it needs to do that safely has been checked here.
#pragma once
#include <stdint.h>

#include "kernel/status.h"

// p_flags bits.
constexpr uint32_t kElfX = 1;
constexpr uint32_t kElfW = 2;
constexpr uint32_t kElfR = 4;

// The page size segment placement is checked against (Sv39 base pages).
constexpr uint64_t kElfPageSize = 4096;

struct ElfSegment {
  uint64_t vaddr;   // p_vaddr (for a PIE, relative to the load bias the loader picks)
  uint64_t memsz;   // bytes of memory, > 0
  uint64_t offset;  // file offset of the first byte; vaddr and offset are congruent mod a page
  uint64_t filesz;  // bytes from the file, <= memsz; the rest is zero-filled
  // kElfR | kElfW | kElfX. Write-only segments come back as R|W: Sv39 has no write-only
  // mapping (R=0 W=1 is a reserved encoding), and Linux makes the same choice.
  uint32_t flags;
};

constexpr int kElfMaxSegments = 16;

struct ElfImage {
  uint64_t entry;
  int nsegments;
  ElfSegment segments[kElfMaxSegments];  // PT_LOAD segments with memsz > 0, sorted by vaddr
  // The page-rounded span of all segments: [lowest_vaddr, highest_vaddr_end), which is what a
  // loader reserves (and, for a PIE, what it slides as one block).
  uint64_t lowest_vaddr, highest_vaddr_end;
  bool is_pie;  // ET_DYN: the loader chooses the base address
};

// Validates data[0..size) as a little-endian ELF64 RISC-V (EM_RISCV) ET_EXEC or ET_DYN image
// and fills *out with its loadable segments. Reads only inside the buffer, at any alignment.
//
// Error rule: ZX_ERR_NOT_SUPPORTED means "a well-formed file of a kind we do not load" (bad
// magic, not ELFCLASS64, not little-endian, wrong ELF version, not EM_RISCV, not
// ET_EXEC/ET_DYN, or the PN_XNUM extended program-header count); ZX_ERR_IO_DATA_INTEGRITY
// means "claims to be such a file but is corrupt or unsafe": truncated header, program-header
// table outside the file or phentsize != 56, filesz > memsz, file bytes outside the file,
// vaddr + memsz overflowing or above user_limit, page-rounded segments overlapping, vaddr and
// offset not congruent mod kElfPageSize, no PT_LOAD with memory, more than kElfMaxSegments of
// them, or an entry point outside every executable segment. ZX_ERR_INVALID_ARGS only for
// null pointers. On failure *out is unspecified.
zx_status_t elf_parse(const uint8_t* data, uint64_t size, uint64_t user_limit, ElfImage* out);
// The same when only a prefix of the file is at hand: data[0..size) holds at least the ELF and
// program headers (else ZX_ERR_IO_DATA_INTEGRITY, as for a truncated file) and the segments are
// checked against the whole file's `file_size`. Nothing past data[size) is read.
zx_status_t elf_parse_headers(const uint8_t* data, uint64_t size, uint64_t file_size,
                              uint64_t user_limit, ElfImage* out);
