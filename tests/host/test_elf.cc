// Tests for the ELF64 validator (kernel/lib/elf.h) on images built in memory: well-formed
// executables and PIEs, and one corruption per rule the loader relies on.
#include <doctest/doctest.h>
#include <stdint.h>
#include <string.h>

#include <vector>

#include "kernel/lib/elf.h"

namespace {

constexpr uint64_t kLimit = 1ull << 38;

struct Phdr {
  uint32_t type = 1;  // PT_LOAD
  uint32_t flags = 0;
  uint64_t offset = 0, vaddr = 0, filesz = 0, memsz = 0, align = 0x1000;
};

// Builds an ELF64 image field by field, so each test can break exactly one thing.
struct ElfBuilder {
  uint8_t ident_class = 2, ident_data = 1, ident_version = 1;
  uint16_t type = 2, machine = 243, phentsize = 56;
  uint32_t version = 1;
  uint64_t entry = 0x10000;
  uint64_t phoff = 64;
  int64_t phnum_override = -1;  // >= 0: written instead of phdrs.size()
  uint64_t file_size = 0x4000;  // the image is at least this long
  std::vector<Phdr> phdrs;

  static void put(std::vector<uint8_t>& b, uint64_t off, uint64_t v, int n) {
    if (b.size() < off + n) b.resize(off + n);
    for (int i = 0; i < n; i++) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
  }

  std::vector<uint8_t> build() const {
    std::vector<uint8_t> b(file_size, 0);
    if (b.size() < 64) b.resize(64);
    b[0] = 0x7f, b[1] = 'E', b[2] = 'L', b[3] = 'F';
    b[4] = ident_class, b[5] = ident_data, b[6] = ident_version;
    put(b, 16, type, 2);
    put(b, 18, machine, 2);
    put(b, 20, version, 4);
    put(b, 24, entry, 8);
    put(b, 32, phoff, 8);
    put(b, 52, 64, 2);
    put(b, 54, phentsize, 2);
    put(b, 56, phnum_override >= 0 ? phnum_override : phdrs.size(), 2);
    for (size_t i = 0; i < phdrs.size(); i++) {
      uint64_t o = phoff + i * 56;
      const Phdr& p = phdrs[i];
      put(b, o, p.type, 4);
      put(b, o + 4, p.flags, 4);
      put(b, o + 8, p.offset, 8);
      put(b, o + 16, p.vaddr, 8);
      put(b, o + 24, p.vaddr, 8);
      put(b, o + 32, p.filesz, 8);
      put(b, o + 40, p.memsz, 8);
      put(b, o + 48, p.align, 8);
    }
    return b;
  }
};

// A typical static executable: text RX, rodata R, data+bss RW, listed out of order.
ElfBuilder typical() {
  ElfBuilder e;
  e.entry = 0x10040;
  e.phdrs.push_back({1, kElfR | kElfW, 0x2010, 0x12010, 0x100, 0x3000});
  e.phdrs.push_back({1, kElfR | kElfX, 0x0, 0x10000, 0x1000, 0x1000});
  e.phdrs.push_back({1, kElfR, 0x1000, 0x11000, 0x800, 0x800});
  e.phdrs.push_back({0x6474e551, kElfR | kElfW, 0, 0, 0, 0});  // PT_GNU_STACK: ignored
  return e;
}

zx_status_t parse(const ElfBuilder& e, ElfImage* img, uint64_t limit = kLimit) {
  std::vector<uint8_t> b = e.build();
  return elf_parse(b.data(), b.size(), limit, img);
}

zx_status_t parse(const ElfBuilder& e) {
  ElfImage img;
  return parse(e, &img);
}

}  // namespace

TEST_CASE("elf: valid ET_EXEC with RX, R and RW segments") {
  ElfImage img;
  REQUIRE(parse(typical(), &img) == ZX_OK);
  CHECK(img.entry == 0x10040);
  CHECK_FALSE(img.is_pie);
  REQUIRE(img.nsegments == 3);
  CHECK(img.segments[0].vaddr == 0x10000);
  CHECK(img.segments[0].flags == (kElfR | kElfX));
  CHECK(img.segments[0].filesz == 0x1000);
  CHECK(img.segments[1].vaddr == 0x11000);
  CHECK(img.segments[1].flags == kElfR);
  CHECK(img.segments[1].offset == 0x1000);
  CHECK(img.segments[2].vaddr == 0x12010);
  CHECK(img.segments[2].flags == (kElfR | kElfW));
  CHECK(img.segments[2].offset == 0x2010);
  CHECK(img.segments[2].filesz == 0x100);
  CHECK(img.segments[2].memsz == 0x3000);
  CHECK(img.lowest_vaddr == 0x10000);
  CHECK(img.highest_vaddr_end == 0x16000);  // 0x12010 + 0x3000 rounded up
}

TEST_CASE("elf: valid ET_DYN starting at vaddr 0") {
  ElfBuilder e;
  e.type = 3;
  e.entry = 0x123;
  e.phdrs.push_back({1, kElfR | kElfX, 0, 0, 0x800, 0x800});
  e.phdrs.push_back({1, kElfR | kElfW, 0x1800, 0x1800, 0x10, 0x2000});
  ElfImage img;
  REQUIRE(parse(e, &img) == ZX_OK);
  CHECK(img.is_pie);
  CHECK(img.nsegments == 2);
  CHECK(img.lowest_vaddr == 0);
  CHECK(img.highest_vaddr_end == 0x4000);
}

TEST_CASE("elf: write-only segment is reported readable; empty PT_LOAD is dropped") {
  ElfBuilder e = typical();
  e.phdrs[0].flags = kElfW;
  e.phdrs.push_back({1, kElfR, 0, 0x40000, 0, 0});
  ElfImage img;
  REQUIRE(parse(e, &img) == ZX_OK);
  CHECK(img.nsegments == 3);
  CHECK(img.segments[2].flags == (kElfR | kElfW));
}

TEST_CASE("elf: null arguments") {
  std::vector<uint8_t> b = typical().build();
  ElfImage img;
  CHECK(elf_parse(b.data(), b.size(), kLimit, nullptr) == ZX_ERR_INVALID_ARGS);
  CHECK(elf_parse(nullptr, 10, kLimit, &img) == ZX_ERR_INVALID_ARGS);
  CHECK(elf_parse(nullptr, 0, kLimit, &img) == ZX_ERR_IO_DATA_INTEGRITY);
}

TEST_CASE("elf: every truncation of the header is rejected without reading past it") {
  std::vector<uint8_t> b = typical().build();
  for (size_t len = 0; len < 64; len++) {
    // A heap copy of exactly len bytes, so ASan catches any read beyond it.
    std::vector<uint8_t> cut(b.begin(), b.begin() + len);
    uint8_t* heap = new uint8_t[len == 0 ? 1 : len];
    if (len > 0) memcpy(heap, cut.data(), len);
    ElfImage img;
    CAPTURE(len);
    CHECK(elf_parse(heap, len, kLimit, &img) == ZX_ERR_IO_DATA_INTEGRITY);
    delete[] heap;
  }
}

TEST_CASE("elf: truncation through the program headers and segment data") {
  std::vector<uint8_t> b = typical().build();
  // Program headers end at 64 + 4 * 56; the RW segment's file bytes end at 0x2110.
  for (size_t len = 64; len < 0x2110; len += (len < 0x200 ? 1 : 0x40)) {
    uint8_t* heap = new uint8_t[len];
    memcpy(heap, b.data(), len);
    ElfImage img;
    CAPTURE(len);
    CHECK(elf_parse(heap, len, kLimit, &img) == ZX_ERR_IO_DATA_INTEGRITY);
    delete[] heap;
  }
  ElfImage img;
  CHECK(elf_parse(b.data(), 0x2110, kLimit, &img) == ZX_OK);
}

TEST_CASE("elf: foreign files are not supported") {
  std::vector<uint8_t> text(100, 'x');
  ElfImage img;
  CHECK(elf_parse(text.data(), 3, kLimit, &img) == ZX_ERR_NOT_SUPPORTED);
  CHECK(elf_parse(text.data(), text.size(), kLimit, &img) == ZX_ERR_NOT_SUPPORTED);

  std::vector<uint8_t> b = typical().build();
  b[1] = 'e';
  CHECK(elf_parse(b.data(), b.size(), kLimit, &img) == ZX_ERR_NOT_SUPPORTED);

  ElfBuilder e = typical();
  e.ident_class = 1;  // ELFCLASS32
  CHECK(parse(e) == ZX_ERR_NOT_SUPPORTED);
  e = typical();
  e.ident_data = 2;  // big-endian
  CHECK(parse(e) == ZX_ERR_NOT_SUPPORTED);
  e = typical();
  e.ident_version = 0;
  CHECK(parse(e) == ZX_ERR_NOT_SUPPORTED);
  e = typical();
  e.version = 2;
  CHECK(parse(e) == ZX_ERR_NOT_SUPPORTED);
  e = typical();
  e.machine = 62;  // x86-64
  CHECK(parse(e) == ZX_ERR_NOT_SUPPORTED);
  e = typical();
  e.type = 1;  // ET_REL
  CHECK(parse(e) == ZX_ERR_NOT_SUPPORTED);
  e = typical();
  e.type = 4;  // ET_CORE
  CHECK(parse(e) == ZX_ERR_NOT_SUPPORTED);
  e = typical();
  e.phnum_override = 0xffff;  // PN_XNUM
  CHECK(parse(e) == ZX_ERR_NOT_SUPPORTED);
}

TEST_CASE("elf: program header table bounds") {
  ElfBuilder e = typical();
  e.phentsize = 64;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);
  e = typical();
  e.phentsize = 0;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);
  e = typical();
  e.phnum_override = 0xfff0;  // table runs far past the file
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);
  e = typical();
  e.phnum_override = 0;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);  // no PT_LOAD

  // Offsets that overflow when the table size is added, written after building.
  for (uint64_t phoff : {~0ull, ~0ull - 55, (1ull << 63), 0x4000ull - 55, 0x4000ull}) {
    std::vector<uint8_t> b = typical().build();
    ElfBuilder::put(b, 32, phoff, 8);
    ElfImage img;
    CAPTURE(phoff);
    CHECK(elf_parse(b.data(), b.size(), kLimit, &img) == ZX_ERR_IO_DATA_INTEGRITY);
  }
  // A table that ends exactly at the end of the file is fine.
  e = typical();
  e.phoff = e.file_size - 4 * 56;
  CHECK(parse(e) == ZX_OK);
  // Unaligned table offsets are legal to read.
  e = typical();
  e.phoff = 0x3001;
  CHECK(parse(e) == ZX_OK);
}

TEST_CASE("elf: segment sizes and file ranges") {
  ElfBuilder e = typical();
  e.phdrs[2].filesz = 0x900;  // > memsz 0x800
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);

  e = typical();
  e.phdrs[2].offset = 0x4000;  // starts at EOF with 0x800 file bytes
  e.phdrs[2].vaddr = 0x14000;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);

  e = typical();
  e.phdrs[2].offset = 0x3800;  // ends exactly at EOF
  e.phdrs[2].vaddr = 0x17800;
  CHECK(parse(e) == ZX_OK);

  e = typical();
  e.phdrs[2].offset = ~0ull - 0xfff;  // offset + filesz wraps
  e.phdrs[2].vaddr = 0x13000;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);

  e = typical();
  e.phdrs[2].filesz = 0;  // bss only: its offset may sit exactly at EOF
  e.phdrs[2].offset = 0x4000;
  e.phdrs[2].vaddr = 0x18000;
  CHECK(parse(e) == ZX_OK);
}

TEST_CASE("elf: virtual ranges") {
  ElfBuilder e = typical();
  e.phdrs[0].vaddr = ~0ull - 0xfef;  // vaddr + memsz wraps (congruent with offset 0x2010)
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);

  e = typical();
  e.phdrs[0].vaddr = kLimit - 0x1ff0;  // ends 0x1010 past the limit
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);

  e = typical();
  e.phdrs[0].vaddr = kLimit - 0x3ff0;  // ends 0xff0 below the limit
  CHECK(parse(e) == ZX_OK);

  // With no limit to speak of, page-rounding the end must not wrap.
  e = typical();
  e.phdrs[0].vaddr = 0xfffffffffffff010ull;  // end 0xfffffffffffff110: no overflow, but
  e.phdrs[0].memsz = 0x100;                  // rounding it up to a page would wrap
  ElfImage img;
  CHECK(parse(e, &img, ~0ull) == ZX_ERR_IO_DATA_INTEGRITY);
}

TEST_CASE("elf: overlapping segments") {
  ElfBuilder e = typical();
  e.phdrs[2].vaddr = 0x10800;  // inside the text segment
  e.phdrs[2].offset = 0x800;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);

  // Disjoint bytes but a shared page.
  e = typical();
  e.phdrs[1].memsz = e.phdrs[1].filesz = 0x800;  // text: [0x10000, 0x10800)
  e.phdrs[2].vaddr = 0x10f00;                    // rodata: [0x10f00, 0x10f10)
  e.phdrs[2].offset = 0xf00;
  e.phdrs[2].memsz = e.phdrs[2].filesz = 0x10;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);

  // Two identical segments.
  e = typical();
  e.phdrs.push_back(e.phdrs[1]);
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);

  // Adjacent pages are fine.
  e = typical();
  e.phdrs[1].memsz = 0x1000;  // text ends exactly where rodata begins
  CHECK(parse(e) == ZX_OK);
}

TEST_CASE("elf: vaddr and offset must agree within a page") {
  ElfBuilder e = typical();
  e.phdrs[0].offset = 0x2000;  // vaddr 0x12010
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);
  e = typical();
  e.phdrs[1].offset = 0x1;
  e.phdrs[1].filesz = 0x10;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);
}

TEST_CASE("elf: entry point must be in an executable segment") {
  ElfBuilder e = typical();
  e.entry = 0x11000;  // the R segment
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);
  e.entry = 0x11000 - 1;  // last byte of text
  CHECK(parse(e) == ZX_OK);
  e.entry = 0x10000 - 1;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);
  e.entry = 0;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);
  e.entry = 0x12010;  // RW
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);

  e = typical();
  for (Phdr& p : e.phdrs) p.flags &= ~kElfX;
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);
}

TEST_CASE("elf: segment count limits") {
  ElfBuilder e;
  e.entry = 0x100000;
  e.file_size = 0x1000;
  for (int i = 0; i < kElfMaxSegments; i++) {
    e.phdrs.push_back({1, kElfR | kElfX, 0, 0x100000 + 0x1000ull * i, 0x100, 0x100});
  }
  ElfImage img;
  REQUIRE(parse(e, &img) == ZX_OK);
  CHECK(img.nsegments == kElfMaxSegments);
  for (int i = 1; i < img.nsegments; i++) {
    CHECK(img.segments[i - 1].vaddr < img.segments[i].vaddr);
  }
  e.phdrs.push_back({1, kElfR, 0, 0x200000, 0x100, 0x100});
  CHECK(parse(e) == ZX_ERR_IO_DATA_INTEGRITY);

  // Non-load headers do not count against the limit.
  e.phdrs.pop_back();
  for (int i = 0; i < 10; i++) e.phdrs.push_back({4 /* PT_NOTE */, kElfR, 0, 0, 0, 0});
  CHECK(parse(e) == ZX_OK);

  // Only non-load headers: nothing to load.
  ElfBuilder none;
  none.phdrs.push_back({4, kElfR, 0, 0x10000, 0x10, 0x10});
  CHECK(parse(none) == ZX_ERR_IO_DATA_INTEGRITY);
}

TEST_CASE("elf: random corruption never crashes or reads out of bounds") {
  std::vector<uint8_t> base = typical().build();
  base.resize(0x400);  // header + phdrs; segments now point past EOF, which is fine to test
  uint64_t state = 12345;
  auto next = [&state]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int iter = 0; iter < 20000; iter++) {
    std::vector<uint8_t> b = base;
    int flips = 1 + next() % 8;
    for (int k = 0; k < flips; k++) b[next() % 0x120] = static_cast<uint8_t>(next());
    size_t len = next() % (b.size() + 1);
    uint8_t* heap = new uint8_t[len == 0 ? 1 : len];
    memcpy(heap, b.data(), len);
    ElfImage img;
    zx_status_t st = elf_parse(heap, len, kLimit, &img);
    if (st == ZX_OK) {
      REQUIRE(img.nsegments >= 1);
      REQUIRE(img.nsegments <= kElfMaxSegments);
      for (int i = 0; i < img.nsegments; i++) {
        const ElfSegment& s = img.segments[i];
        REQUIRE(s.filesz <= s.memsz);
        REQUIRE(s.offset + s.filesz <= len);
        REQUIRE(s.vaddr + s.memsz <= kLimit);
      }
    } else {
      REQUIRE((st == ZX_ERR_NOT_SUPPORTED || st == ZX_ERR_IO_DATA_INTEGRITY));
    }
    delete[] heap;
  }
}

TEST_CASE("elf: parsing from the headers alone") {
  std::vector<uint8_t> b = typical().build();
  uint64_t headers = 64 + 4 * 56;  // the ELF header and four program headers
  std::vector<uint8_t> prefix(b.begin(), b.begin() + static_cast<long>(headers));
  ElfImage full, partial;
  REQUIRE(elf_parse(b.data(), b.size(), kLimit, &full) == ZX_OK);
  REQUIRE(elf_parse_headers(prefix.data(), prefix.size(), b.size(), kLimit, &partial) == ZX_OK);
  CHECK(partial.nsegments == full.nsegments);
  CHECK(partial.entry == full.entry);
  for (int i = 0; i < full.nsegments; i++) {
    CHECK(partial.segments[i].offset == full.segments[i].offset);
    CHECK(partial.segments[i].filesz == full.segments[i].filesz);
  }
  // Segments are still checked against the whole file...
  CHECK(elf_parse_headers(prefix.data(), prefix.size(), 0x2000, kLimit, &partial) ==
        ZX_ERR_IO_DATA_INTEGRITY);
  // ...and program headers that are not in the prefix are never read.
  CHECK(elf_parse_headers(prefix.data(), headers - 1, b.size(), kLimit, &partial) ==
        ZX_ERR_IO_DATA_INTEGRITY);
  CHECK(elf_parse_headers(prefix.data(), prefix.size(), prefix.size() - 1, kLimit, &partial) ==
        ZX_ERR_INVALID_ARGS);
}
