// ELF64 header and program-header validation (layouts from the System V gABI and the RISC-V
// psABI). Every field is read byte by byte in little-endian order, so the parser is correct on
// any host, at any buffer alignment, and never forms a pointer past the buffer.
#include "kernel/lib/elf.h"

namespace {

// Sizes and field offsets of the ELF64 file header and program header.
constexpr uint64_t kEhdrSize = 64;
constexpr uint64_t kPhdrSize = 56;

constexpr uint8_t kElfClass64 = 2;
constexpr uint8_t kElfData2Lsb = 1;
constexpr uint8_t kEvCurrent = 1;
constexpr uint16_t kEtExec = 2;
constexpr uint16_t kEtDyn = 3;
constexpr uint16_t kEmRiscv = 243;
constexpr uint16_t kPnXnum = 0xffff;
constexpr uint32_t kPtLoad = 1;

uint64_t load_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(load_le(p, 2)); }
uint32_t le32(const uint8_t* p) { return static_cast<uint32_t>(load_le(p, 4)); }
uint64_t le64(const uint8_t* p) { return load_le(p, 8); }

uint64_t page_down(uint64_t v) { return v & ~(kElfPageSize - 1); }

// Rounds up to a page; false if that wraps past 2^64.
bool page_up(uint64_t v, uint64_t* out) {
  uint64_t r = v + (kElfPageSize - 1);
  if (r < v) return false;
  *out = page_down(r);
  return true;
}

}  // namespace

zx_status_t elf_parse(const uint8_t* data, uint64_t size, uint64_t user_limit, ElfImage* out) {
  return elf_parse_headers(data, size, size, user_limit, out);
}

zx_status_t elf_parse_headers(const uint8_t* data, uint64_t size, uint64_t file_size,
                              uint64_t user_limit, ElfImage* out) {
  if (out == nullptr || (data == nullptr && size != 0) || size > file_size)
    return ZX_ERR_INVALID_ARGS;
  out->nsegments = 0;

  // Whatever prefix of the magic is present decides "not ELF" before "truncated ELF", so a
  // short text file is reported as unsupported rather than corrupt.
  static const uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
  for (uint64_t i = 0; i < 4 && i < size; i++) {
    if (data[i] != kMagic[i]) return ZX_ERR_NOT_SUPPORTED;
  }
  if (size < kEhdrSize) return ZX_ERR_IO_DATA_INTEGRITY;

  if (data[4] != kElfClass64 || data[5] != kElfData2Lsb || data[6] != kEvCurrent) {
    return ZX_ERR_NOT_SUPPORTED;
  }
  uint16_t type = le16(data + 16);
  if ((type != kEtExec && type != kEtDyn) || le16(data + 18) != kEmRiscv ||
      le32(data + 20) != kEvCurrent) {
    return ZX_ERR_NOT_SUPPORTED;
  }
  uint64_t entry = le64(data + 24);
  uint64_t phoff = le64(data + 32);
  uint16_t phentsize = le16(data + 54);
  uint16_t phnum = le16(data + 56);
  // The real count would be in section header 0; nothing we load needs 65535 headers.
  if (phnum == kPnXnum) return ZX_ERR_NOT_SUPPORTED;
  if (phentsize != kPhdrSize) return ZX_ERR_IO_DATA_INTEGRITY;
  // phnum * 56 < 2^22 cannot overflow; phoff + that can, hence the subtraction form.
  uint64_t table_size = static_cast<uint64_t>(phnum) * kPhdrSize;
  if (phoff > size || table_size > size - phoff) return ZX_ERR_IO_DATA_INTEGRITY;

  int n = 0;
  for (uint16_t i = 0; i < phnum; i++) {
    const uint8_t* ph = data + phoff + static_cast<uint64_t>(i) * kPhdrSize;
    if (le32(ph) != kPtLoad) continue;
    ElfSegment seg;
    seg.flags = le32(ph + 4) & (kElfR | kElfW | kElfX);
    seg.offset = le64(ph + 8);
    seg.vaddr = le64(ph + 16);
    seg.filesz = le64(ph + 32);
    seg.memsz = le64(ph + 40);

    if (seg.filesz > seg.memsz) return ZX_ERR_IO_DATA_INTEGRITY;
    if (seg.offset > file_size || seg.filesz > file_size - seg.offset)
      return ZX_ERR_IO_DATA_INTEGRITY;
    if (seg.memsz == 0) continue;  // maps nothing; also has no file bytes after the check above
    uint64_t end = seg.vaddr + seg.memsz;
    if (end < seg.vaddr || end > user_limit) return ZX_ERR_IO_DATA_INTEGRITY;
    // The loader maps file pages at page granularity, so the in-page offsets must agree.
    if (seg.vaddr % kElfPageSize != seg.offset % kElfPageSize) return ZX_ERR_IO_DATA_INTEGRITY;
    if ((seg.flags & kElfW) != 0) seg.flags |= kElfR;
    if (n == kElfMaxSegments) return ZX_ERR_IO_DATA_INTEGRITY;

    // Insertion sort: at most 16 entries.
    int j = n;
    while (j > 0 && out->segments[j - 1].vaddr > seg.vaddr) {
      out->segments[j] = out->segments[j - 1];
      j--;
    }
    out->segments[j] = seg;
    n++;
  }
  if (n == 0) return ZX_ERR_IO_DATA_INTEGRITY;

  // Two segments sharing a page would need one page with two sets of permissions and
  // contents, so page-rounded ranges must be disjoint (sorted, so neighbours suffice).
  uint64_t prev_end = 0;
  bool entry_ok = false;
  for (int i = 0; i < n; i++) {
    const ElfSegment& s = out->segments[i];
    uint64_t start = page_down(s.vaddr);
    uint64_t end;
    if (!page_up(s.vaddr + s.memsz, &end)) return ZX_ERR_IO_DATA_INTEGRITY;
    if (i > 0 && start < prev_end) return ZX_ERR_IO_DATA_INTEGRITY;
    prev_end = end;
    if ((s.flags & kElfX) != 0 && entry >= s.vaddr && entry - s.vaddr < s.memsz) {
      entry_ok = true;
    }
  }
  if (!entry_ok) return ZX_ERR_IO_DATA_INTEGRITY;

  out->entry = entry;
  out->nsegments = n;
  out->lowest_vaddr = page_down(out->segments[0].vaddr);
  out->highest_vaddr_end = prev_end;
  out->is_pie = type == kEtDyn;
  return ZX_OK;
}
