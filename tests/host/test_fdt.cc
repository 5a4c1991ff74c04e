// Tests for the device tree parser (kernel/lib/fdt.cc): the real QEMU virt DTB named by
// $VIRT_DTB (the Makefile dumps it with qemu -machine virt,dumpdtb=...), corrupted copies of
// it, and small blobs built here to reach the cases QEMU's tree does not have.
#include <doctest/doctest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <array>
#include <string>
#include <vector>

#include "kernel/lib/fdt.h"

namespace {

std::vector<uint8_t> load_virt_dtb() {
  const char* path = getenv("VIRT_DTB");
  INFO(
      "set VIRT_DTB to a DTB dumped by: qemu-system-riscv64 -machine virt,dumpdtb=FILE "
      "-cpu rv64 -smp 4 -m 256M -nographic -bios none");
  REQUIRE(path != nullptr);
  FILE* f = fopen(path, "rb");
  INFO("cannot open VIRT_DTB=", path);
  REQUIRE(f != nullptr);
  std::vector<uint8_t> data;
  uint8_t chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) data.insert(data.end(), chunk, chunk + n);
  fclose(f);
  REQUIRE(data.size() >= 40);
  return data;
}

void put_be32(std::vector<uint8_t>& v, size_t off, uint32_t x) {
  v[off] = static_cast<uint8_t>(x >> 24);
  v[off + 1] = static_cast<uint8_t>(x >> 16);
  v[off + 2] = static_cast<uint8_t>(x >> 8);
  v[off + 3] = static_cast<uint8_t>(x);
}

uint32_t get_be32(const std::vector<uint8_t>& v, size_t off) {
  return (uint32_t{v[off]} << 24) | (uint32_t{v[off + 1]} << 16) | (uint32_t{v[off + 2]} << 8) |
         v[off + 3];
}

// Builds a version 17 DTB: begin()/prop()/end() append to the structure block in order.
class Builder {
 public:
  void reserve(uint64_t base, uint64_t size) { rsv_.push_back({base, size}); }
  Builder& begin(const char* name) {
    u32(1);
    bytes(name, strlen(name) + 1);
    return *this;
  }
  Builder& end() {
    u32(2);
    return *this;
  }
  Builder& nop() {
    u32(4);
    return *this;
  }
  Builder& prop(const char* name, const void* data, size_t len) {
    u32(3);
    u32(static_cast<uint32_t>(len));
    u32(string_offset(name));
    bytes(data, len);
    return *this;
  }
  Builder& prop_str(const char* name, const char* s) { return prop(name, s, strlen(s) + 1); }
  // A string list: entries separated by '|' in the argument become NUL-separated.
  Builder& prop_strs(const char* name, std::string s) {
    for (char& c : s) {
      if (c == '|') c = '\0';
    }
    return prop(name, s.data(), s.size() + 1);
  }
  Builder& prop_cells(const char* name, std::vector<uint32_t> cells) {
    std::vector<uint8_t> b;
    for (uint32_t c : cells) {
      b.push_back(static_cast<uint8_t>(c >> 24));
      b.push_back(static_cast<uint8_t>(c >> 16));
      b.push_back(static_cast<uint8_t>(c >> 8));
      b.push_back(static_cast<uint8_t>(c));
    }
    return prop(name, b.data(), b.size());
  }

  std::vector<uint8_t> finish() {
    u32(9);
    std::vector<uint8_t> out(40, 0);
    uint32_t rsv_off = 40;
    for (auto& r : rsv_) {
      append64(out, r[0]);
      append64(out, r[1]);
    }
    append64(out, 0);
    append64(out, 0);
    uint32_t struct_off = static_cast<uint32_t>(out.size());
    out.insert(out.end(), st_.begin(), st_.end());
    uint32_t strings_off = static_cast<uint32_t>(out.size());
    out.insert(out.end(), strs_.begin(), strs_.end());
    put_be32(out, 0, 0xd00dfeed);
    put_be32(out, 4, static_cast<uint32_t>(out.size()));
    put_be32(out, 8, struct_off);
    put_be32(out, 12, strings_off);
    put_be32(out, 16, rsv_off);
    put_be32(out, 20, 17);
    put_be32(out, 24, 16);
    put_be32(out, 28, 0);
    put_be32(out, 32, static_cast<uint32_t>(strs_.size()));
    put_be32(out, 36, static_cast<uint32_t>(st_.size()));
    return out;
  }

 private:
  static void append64(std::vector<uint8_t>& v, uint64_t x) {
    for (int i = 7; i >= 0; i--) v.push_back(static_cast<uint8_t>(x >> (i * 8)));
  }
  void u32(uint32_t x) {
    st_.resize(st_.size() + 4);
    put_be32(st_, st_.size() - 4, x);
  }
  void bytes(const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    st_.insert(st_.end(), b, b + n);
    while (st_.size() % 4 != 0) st_.push_back(0);
  }
  uint32_t string_offset(const char* name) {
    std::string s(name);
    for (size_t i = 0; i + s.size() < strs_.size(); i++) {
      if (memcmp(strs_.data() + i, name, s.size() + 1) == 0) return static_cast<uint32_t>(i);
    }
    uint32_t off = static_cast<uint32_t>(strs_.size());
    strs_.insert(strs_.end(), s.begin(), s.end());
    strs_.push_back(0);
    return off;
  }

  std::vector<uint8_t> st_;
  std::vector<uint8_t> strs_;
  std::vector<std::array<uint64_t, 2>> rsv_;
};

}  // namespace

TEST_CASE("fdt: QEMU virt DTB") {
  std::vector<uint8_t> dtb = load_virt_dtb();
  BootInfo info;
  memset(&info, 0xa5, sizeof(info));  // Everything must be overwritten.
  REQUIRE(fdt_parse(dtb.data(), &info) == ZX_OK);

  CHECK(fdt_total_size(dtb.data()) == get_be32(dtb, 4));
  CHECK(info.fdt_base == reinterpret_cast<uintptr_t>(dtb.data()));
  CHECK(info.fdt_size == get_be32(dtb, 4));

  REQUIRE(info.nharts == 4);
  REQUIRE(info.harts_found == 4);
  for (int i = 0; i < 4; i++) CHECK(info.hartids[i] == static_cast<uint64_t>(i));
  CHECK(info.has_sstc);  // QEMU's rv64 cpu lists _sstc in riscv,isa.
  CHECK(info.timebase_hz == 10000000);

  REQUIRE(info.nmemory == 1);
  CHECK(info.memory[0].base == 0x80000000);
  CHECK(info.memory[0].size == 256ull << 20);
  CHECK(info.nreserved == 0);

  CHECK(info.uart.base == 0x10000000);
  CHECK(info.uart.size == 0x100);
  CHECK(info.uart.irq == 10);
  CHECK(info.uart_clock_hz == 3686400);

  CHECK(info.plic.base == 0xc000000);
  CHECK(info.plic.size == 0x600000);
  CHECK(info.plic_ndev == 95 + 1);  // QEMU virt: VIRT_IRQCHIP_NUM_SOURCES = 96.

  CHECK(info.test.base == 0x100000);
  CHECK(info.test.size == 0x1000);

  REQUIRE(info.nvirtio == 8);
  for (int i = 0; i < 8; i++) {
    CAPTURE(i);
    CHECK(info.virtio[i].base == 0x10001000ull + 0x1000ull * i);
    CHECK(info.virtio[i].size == 0x1000);
    CHECK(info.virtio[i].irq == static_cast<uint32_t>(i + 1));
  }
  CHECK(std::string(info.bootargs) == "");
}

TEST_CASE("fdt: bad blobs are rejected") {
  std::vector<uint8_t> dtb = load_virt_dtb();
  BootInfo info;

  SUBCASE("bad magic") {
    dtb[0] ^= 0xff;
    CHECK(fdt_total_size(dtb.data()) == 0);
    CHECK(fdt_parse(dtb.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
  SUBCASE("old version") {
    put_be32(dtb, 20, 15);
    CHECK(fdt_parse(dtb.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
  SUBCASE("totalsize cuts the structure block") {
    put_be32(dtb, 4, get_be32(dtb, 8) + get_be32(dtb, 36) / 2);
    CHECK(fdt_parse(dtb.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
  SUBCASE("structure block truncated before FDT_END") {
    // Shrinking size_dt_struct leaves the walk without its END token.
    put_be32(dtb, 36, get_be32(dtb, 36) / 2);
    CHECK(fdt_parse(dtb.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
  SUBCASE("truncated copy") {
    // Only the first half of the blob exists, and its header says so.
    uint32_t half = get_be32(dtb, 4) / 2;
    std::vector<uint8_t> cut(dtb.begin(), dtb.begin() + half);
    put_be32(cut, 4, half);
    CHECK(fdt_parse(cut.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
  SUBCASE("strings block past totalsize") {
    put_be32(dtb, 32, get_be32(dtb, 4));
    CHECK(fdt_parse(dtb.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
  SUBCASE("unknown token") {
    put_be32(dtb, get_be32(dtb, 8), 7);
    CHECK(fdt_parse(dtb.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
}

TEST_CASE("fdt: walker visits nodes and props in order") {
  Builder b;
  b.begin("").prop_cells("#address-cells", {2});
  b.begin("a@1").prop_str("p", "x").nop().begin("b").end().end();
  b.end();
  std::vector<uint8_t> blob = b.finish();

  std::string trace;
  auto visit = [](void* ctx, const FdtEvent& ev) {
    auto* t = static_cast<std::string*>(ctx);
    *t += std::to_string(ev.depth);
    switch (ev.type) {
      case FdtEventType::kBeginNode:
        *t += "<" + std::string(ev.name) + " ";
        break;
      case FdtEventType::kProp:
        *t += std::string(ev.name) + "=" + std::to_string(ev.len) + " ";
        break;
      case FdtEventType::kEndNode:
        *t += "> ";
        break;
    }
    return true;
  };
  REQUIRE(fdt_walk(blob.data(), visit, &trace) == ZX_OK);
  CHECK(trace == "0< 0#address-cells=4 1<a@1 1p=2 2<b 2> 1> 0> ");

  // Returning false stops the walk.
  int count = 0;
  auto stop_at_two = [](void* ctx, const FdtEvent&) { return ++*static_cast<int*>(ctx) < 2; };
  CHECK(fdt_walk(blob.data(), stop_at_two, &count) == ZX_OK);
  CHECK(count == 2);
}

TEST_CASE("fdt: hand-built tree with 1-cell addresses, reservations and disabled nodes") {
  Builder b;
  b.reserve(0x80000000, 0x20000);
  b.begin("").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {1});
  b.begin("chosen").prop_str("bootargs", "console=ttyS0 lab=3").end();
  b.begin("memory@40000000")
      .prop_str("device_type", "memory")
      .prop_cells("reg", {0x40000000, 0x1000000, 0x50000000, 0x2000000})
      .end();
  b.begin("reserved-memory").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
  b.begin("fw@40000000").prop_cells("reg", {0, 0x40000000, 0, 0x80000}).end();
  b.end();
  b.begin("cpus").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {0});
  b.begin("cpu@3")
      .prop_str("device_type", "cpu")
      .prop_cells("reg", {3})
      .prop_str("riscv,isa", "rv64imac_zicsr")
      .prop_cells("timebase-frequency", {1000000});
  b.begin("interrupt-controller").prop_str("compatible", "riscv,cpu-intc").end();
  b.end();
  b.begin("cpu@5")
      .prop_str("device_type", "cpu")
      .prop_cells("reg", {5})
      .prop_str("status", "disabled")
      .prop_str("riscv,isa", "rv64imac_sstc")
      .end();
  b.begin("cpu@7")
      .prop_str("device_type", "cpu")
      .prop_cells("reg", {7})
      .prop_str("status", "okay")
      .prop_strs("riscv,isa-extensions", "i|m|a|c|zicsr|sstc")
      .end();
  b.begin("cpu-map").end();
  b.end();  // cpus
  b.begin("soc").prop_cells("#address-cells", {2}).prop_cells("#size-cells", {2});
  b.begin("serial@9000")
      .prop_strs("compatible", "vendor,uart|ns16550a")
      .prop_cells("reg", {0, 0x9000, 0, 0x100})
      .prop_cells("interrupts", {33})
      .prop_cells("clock-frequency", {0, 1843200})
      .end();
  b.begin("serial@a000")
      .prop_str("compatible", "ns16550a")
      .prop_cells("reg", {0, 0xa000, 0, 0x100})
      .end();
  b.begin("plic@c000000")
      .prop_str("compatible", "riscv,plic0")
      .prop_cells("reg", {0, 0xc000000, 0, 0x4000000})
      .prop_cells("riscv,ndev", {31})
      .end();
  // Out of order and more than fit: only the lowest kFdtMaxVirtio survive, sorted.
  for (uint32_t i : {9u, 3u, 1u, 8u, 2u, 7u, 4u, 6u, 5u, 0u}) {
    char name[32];
    snprintf(name, sizeof(name), "virtio_mmio@%x", 0x20000 + i * 0x1000);
    b.begin(name)
        .prop_str("compatible", "virtio,mmio")
        .prop_cells("reg", {0, 0x20000 + i * 0x1000, 0, 0x1000})
        .prop_cells("interrupts", {i + 100})
        .end();
  }
  b.begin("virtio_mmio@90000")
      .prop_str("compatible", "virtio,mmio")
      .prop_str("status", "disabled")
      .prop_cells("reg", {0, 0x90000, 0, 0x1000})
      .end();
  b.begin("test@100000")
      .prop_strs("compatible", "sifive,test1|sifive,test0|syscon")
      .prop_cells("reg", {0, 0x100000, 0, 0x1000})
      .end();
  // Compatible entries must match whole strings, not prefixes.
  b.begin("fake@200000")
      .prop_str("compatible", "virtio,mmio-fake")
      .prop_cells("reg", {0, 0x200000, 0, 0x1000})
      .end();
  b.end();  // soc
  b.end();  // root
  std::vector<uint8_t> blob = b.finish();

  BootInfo info;
  REQUIRE(fdt_parse(blob.data(), &info) == ZX_OK);
  CHECK(std::string(info.bootargs) == "console=ttyS0 lab=3");

  REQUIRE(info.nmemory == 2);
  CHECK(info.memory[0].base == 0x40000000);
  CHECK(info.memory[0].size == 0x1000000);
  CHECK(info.memory[1].base == 0x50000000);
  CHECK(info.memory[1].size == 0x2000000);

  REQUIRE(info.nreserved == 2);
  CHECK(info.reserved[0].base == 0x80000000);
  CHECK(info.reserved[0].size == 0x20000);
  CHECK(info.reserved[1].base == 0x40000000);
  CHECK(info.reserved[1].size == 0x80000);

  REQUIRE(info.nharts == 2);
  CHECK(info.hartids[0] == 3);
  CHECK(info.hartids[1] == 7);
  CHECK(info.has_sstc);                // From cpu@7's riscv,isa-extensions; cpu@5 is disabled.
  CHECK(info.timebase_hz == 1000000);  // Taken from a cpu node when /cpus has none.

  CHECK(info.uart.base == 0x9000);
  CHECK(info.uart.irq == 33);
  CHECK(info.uart_clock_hz == 1843200);
  CHECK(info.plic.base == 0xc000000);
  CHECK(info.plic.size == 0x4000000);
  CHECK(info.plic_ndev == 31);
  CHECK(info.test.base == 0x100000);

  REQUIRE(info.nvirtio == kFdtMaxVirtio);
  for (int i = 0; i < kFdtMaxVirtio; i++) {
    CAPTURE(i);
    CHECK(info.virtio[i].base == 0x20000ull + 0x1000ull * i);
    CHECK(info.virtio[i].irq == static_cast<uint32_t>(100 + i));
  }
}

TEST_CASE("fdt: sstc detection in riscv,isa") {
  auto parse_isa = [](const char* isa) {
    Builder b;
    b.begin("").begin("cpus").prop_cells("#address-cells", {1}).prop_cells("#size-cells", {0});
    b.begin("cpu@0")
        .prop_str("device_type", "cpu")
        .prop_cells("reg", {0})
        .prop_str("riscv,isa", isa);
    b.end().end().end();
    std::vector<uint8_t> blob = b.finish();
    BootInfo info;
    REQUIRE(fdt_parse(blob.data(), &info) == ZX_OK);
    CHECK(info.nharts == 1);
    return info.has_sstc;
  };
  CHECK(parse_isa("rv64imac_zicsr_sstc"));
  CHECK(parse_isa("rv64imac_SSTC_zifencei"));
  CHECK_FALSE(parse_isa("rv64imac_zicsr"));
  CHECK_FALSE(parse_isa("rv64imacsstc"));  // Single-letter part: not the extension.
  CHECK_FALSE(parse_isa("rv64imac_sstcx"));
}

TEST_CASE("fdt: malformed structure blocks") {
  BootInfo info;
  SUBCASE("unbalanced END_NODE") {
    Builder b;
    b.begin("").end().end();
    std::vector<uint8_t> blob = b.finish();
    CHECK(fdt_parse(blob.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
  SUBCASE("unclosed node") {
    Builder b;
    b.begin("").begin("x").end();
    std::vector<uint8_t> blob = b.finish();
    CHECK(fdt_parse(blob.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
  SUBCASE("property name offset outside the strings block") {
    Builder b;
    b.begin("").prop_cells("#size-cells", {1}).end();
    std::vector<uint8_t> blob = b.finish();
    // The property's nameoff follows the root's token, name and the prop token and len.
    size_t nameoff_at = get_be32(blob, 8) + 4 + 4 + 4 + 4;
    put_be32(blob, nameoff_at, 0x10000);
    CHECK(fdt_parse(blob.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
  SUBCASE("property length past the block") {
    Builder b;
    b.begin("").prop_cells("#size-cells", {1}).end();
    std::vector<uint8_t> blob = b.finish();
    put_be32(blob, get_be32(blob, 8) + 4 + 4 + 4, 0x7fffffff);
    CHECK(fdt_parse(blob.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
  SUBCASE("memory reservation block without terminator") {
    Builder b;
    b.begin("").end();
    std::vector<uint8_t> blob = b.finish();
    // Point the reservation map at the last 8 bytes, where no full entry fits.
    put_be32(blob, 16, get_be32(blob, 4) - 8);
    CHECK(fdt_parse(blob.data(), &info) == ZX_ERR_INVALID_ARGS);
  }
}
