// Flattened device tree parsing. Every offset and length in the blob is untrusted, so all
// reads are bounds-checked against the header's block sizes (which are checked against
// totalsize), and all multi-byte values are read a byte at a time since the blob need not be
// aligned and is big-endian.
#include "kernel/lib/fdt.h"

namespace {

constexpr uint32_t kMagic = 0xd00dfeed;
constexpr uint32_t kBeginNode = 1, kEndNode = 2, kProp = 3, kNop = 4, kEnd = 9;
constexpr uint32_t kHeaderSizeV16 = 36;  // v17 adds size_dt_struct.
// Nodes deeper than this are walked but not interpreted; QEMU virt goes 4 deep.
constexpr int kMaxDepth = 8;

struct Header {
  uint32_t totalsize;
  uint32_t struct_off, struct_size;
  uint32_t strings_off, strings_size;
  uint32_t rsv_off;
};

bool read_header(const uint8_t* b, Header* h) {
  if (fdt_be32(b) != kMagic) return false;
  h->totalsize = fdt_be32(b + 4);
  h->struct_off = fdt_be32(b + 8);
  h->strings_off = fdt_be32(b + 12);
  h->rsv_off = fdt_be32(b + 16);
  uint32_t version = fdt_be32(b + 20);
  uint32_t last_comp = fdt_be32(b + 24);
  // Version 16 is the oldest layout we understand; 17 is what everything produces today.
  if (version < 16 || last_comp > 17) return false;
  uint32_t header_size = version >= 17 ? kHeaderSizeV16 + 4 : kHeaderSizeV16;
  if (h->totalsize < header_size) return false;
  h->strings_size = fdt_be32(b + 32);
  h->struct_size = version >= 17 ? fdt_be32(b + 36) : 0;
  uint64_t total = h->totalsize;
  if (h->struct_off < header_size || h->struct_off > total || (h->struct_off & 3) != 0) {
    return false;
  }
  // A v16 header has no structure size: the block may run to the end of the blob.
  if (version < 17) h->struct_size = h->totalsize - h->struct_off;
  if (uint64_t{h->struct_off} + h->struct_size > total) return false;
  if (uint64_t{h->strings_off} + h->strings_size > total) return false;
  if (h->rsv_off < header_size || h->rsv_off >= total) return false;
  return true;
}

// Length of the NUL-terminated string at p, or -1 if no NUL occurs within max bytes.
int64_t bounded_len(const uint8_t* p, uint64_t max) {
  for (uint64_t i = 0; i < max; i++) {
    if (p[i] == '\0') return static_cast<int64_t>(i);
  }
  return -1;
}

uint64_t align4(uint64_t v) { return (v + 3) & ~uint64_t{3}; }

bool streq(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

// Compares a node name without its unit address ("cpu@0" matches "cpu").
bool node_name_is(const char* name, const char* base) {
  while (*base != '\0' && *name == *base) {
    name++;
    base++;
  }
  return *base == '\0' && (*name == '\0' || *name == '@');
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

struct Prop {
  const uint8_t* data = nullptr;
  uint32_t len = 0;
  bool present() const { return data != nullptr; }
  // True if the value's first string is s; values are untrusted, so compare within len.
  bool first_is(const char* s) const {
    uint32_t i = 0;
    for (; i < len && s[i] != '\0'; i++) {
      if (data[i] != static_cast<uint8_t>(s[i])) return false;
    }
    return i < len && s[i] == '\0' && data[i] == '\0';
  }
  // A u32 or u64 numeric property; anything else reads as 0.
  uint64_t num() const {
    if (len == 4) return fdt_be32(data);
    if (len == 8) return fdt_be64(data);
    return 0;
  }
};

struct Frame {
  const char* name;
  // This node's #address-cells/#size-cells, which describe its children's reg.
  uint32_t addr_cells;
  uint32_t size_cells;
  bool finished;
  Prop reg, compatible, device_type, status, interrupts, clock_frequency, ndev, isa, isa_ext,
      timebase, bootargs;
};

struct Parser {
  BootInfo* info;
  Frame frames[kMaxDepth];
  bool uart_found;
  bool test_found;
  bool plic_found;
};

bool compatible_with(const Frame& f, const char* s) {
  return f.compatible.present() && fdt_stringlist_contains(f.compatible.data, f.compatible.len, s);
}

// Does the "riscv,isa" string name Sstc? Multi-letter extensions follow the first '_'.
bool isa_has_sstc(const Prop& isa) {
  uint32_t i = 0;
  while (i < isa.len && isa.data[i] != '_' && isa.data[i] != '\0') i++;
  while (i < isa.len && isa.data[i] == '_') {
    uint32_t start = ++i;
    while (i < isa.len && isa.data[i] != '_' && isa.data[i] != '\0') i++;
    const char* want = "sstc";
    uint32_t n = i - start;
    if (n == 4) {
      bool match = true;
      for (uint32_t k = 0; k < 4; k++) {
        if (lower(static_cast<char>(isa.data[start + k])) != want[k]) match = false;
      }
      if (match) return true;
    }
  }
  return false;
}

// Calls fn(base, size) for each (address, size) pair in reg, using the parent's cell counts.
template <typename Fn>
void for_each_reg(const Frame& node, const Frame& parent, Fn fn) {
  uint32_t ac = parent.addr_cells, sc = parent.size_cells;
  // Cell counts above 4 are nonsense; refusing them also keeps the arithmetic small.
  if (!node.reg.present() || ac == 0 || ac > 4 || sc > 4) return;
  uint32_t entry = (ac + sc) * 4;
  for (uint32_t off = 0; off + entry <= node.reg.len; off += entry) {
    const uint8_t* p = node.reg.data + off;
    fn(fdt_read_cells(p, ac), sc == 0 ? 0 : fdt_read_cells(p + ac * 4, sc));
  }
}

bool first_reg(const Frame& node, const Frame& parent, FdtDevice* dev) {
  bool found = false;
  for_each_reg(node, parent, [&](uint64_t base, uint64_t size) {
    if (!found) {
      dev->base = base;
      dev->size = size;
      found = true;
    }
  });
  if (found) dev->irq = node.interrupts.len >= 4 ? fdt_be32(node.interrupts.data) : 0;
  return found;
}

void add_range(FdtRange* ranges, int* n, uint64_t base, uint64_t size) {
  if (*n >= kFdtMaxRanges) return;
  ranges[*n] = FdtRange{base, size};
  (*n)++;
}

void add_virtio(BootInfo* info, const FdtDevice& dev) {
  // Keep the array sorted so that "virtio slot i" means the same device on every boot,
  // whatever order QEMU wrote the nodes in (it writes them highest address first).
  int pos = info->nvirtio;
  while (pos > 0 && info->virtio[pos - 1].base > dev.base) pos--;
  if (pos >= kFdtMaxVirtio) return;
  int last = info->nvirtio < kFdtMaxVirtio ? info->nvirtio : kFdtMaxVirtio - 1;
  for (int i = last; i > pos; i--) info->virtio[i] = info->virtio[i - 1];
  info->virtio[pos] = dev;
  if (info->nvirtio < kFdtMaxVirtio) info->nvirtio++;
}

// Called once all of a node's properties have been seen (they precede its children).
void finish_node(Parser& ps, int depth) {
  Frame& f = ps.frames[depth];
  f.finished = true;
  if (depth == 0) return;
  const Frame& parent = ps.frames[depth - 1];
  BootInfo* info = ps.info;

  if (f.status.present() && !f.status.first_is("okay") && !f.status.first_is("ok")) return;

  if (depth == 1 && node_name_is(f.name, "chosen") && f.bootargs.present()) {
    uint32_t n = 0;
    while (n < f.bootargs.len && n + 1 < sizeof(info->bootargs) && f.bootargs.data[n] != '\0') {
      info->bootargs[n] = static_cast<char>(f.bootargs.data[n]);
      n++;
    }
    info->bootargs[n] = '\0';
  }
  if (depth == 1 && node_name_is(f.name, "cpus") && f.timebase.present()) {
    info->timebase_hz = f.timebase.num();
  }
  if (depth == 2 && node_name_is(parent.name, "cpus") && f.device_type.first_is("cpu")) {
    if (f.reg.len >= 4 && parent.addr_cells >= 1 && parent.addr_cells <= 2) {
      if (info->nharts < kFdtMaxHarts)
        info->hartids[info->nharts++] = fdt_read_cells(f.reg.data, parent.addr_cells);
      info->harts_found++;
    }
    if (isa_has_sstc(f.isa) ||
        (f.isa_ext.present() && fdt_stringlist_contains(f.isa_ext.data, f.isa_ext.len, "sstc"))) {
      info->has_sstc = true;
    }
    // The spec allows timebase-frequency on each cpu instead of on /cpus.
    if (info->timebase_hz == 0 && f.timebase.present()) info->timebase_hz = f.timebase.num();
  }
  if (f.device_type.first_is("memory")) {
    for_each_reg(f, parent, [&](uint64_t base, uint64_t size) {
      add_range(info->memory, &info->nmemory, base, size);
    });
  }
  if (depth == 2 && node_name_is(parent.name, "reserved-memory")) {
    for_each_reg(f, parent, [&](uint64_t base, uint64_t size) {
      add_range(info->reserved, &info->nreserved, base, size);
    });
  }
  if (!f.compatible.present()) return;

  FdtDevice dev{};
  if (!ps.plic_found &&
      (compatible_with(f, "riscv,plic0") || compatible_with(f, "sifive,plic-1.0.0"))) {
    if (first_reg(f, parent, &dev)) {
      ps.plic_found = true;
      info->plic = dev;
      info->plic_ndev = f.ndev.len >= 4 ? fdt_be32(f.ndev.data) : 0;
    }
  } else if (!ps.uart_found && compatible_with(f, "ns16550a")) {
    if (first_reg(f, parent, &dev)) {
      ps.uart_found = true;
      info->uart = dev;
      info->uart_clock_hz = f.clock_frequency.num();
    }
  } else if (!ps.test_found && compatible_with(f, "sifive,test0")) {
    if (first_reg(f, parent, &dev)) {
      ps.test_found = true;
      info->test = dev;
    }
  } else if (compatible_with(f, "virtio,mmio")) {
    if (first_reg(f, parent, &dev)) add_virtio(info, dev);
  }
}

bool parse_visit(void* ctx, const FdtEvent& ev) {
  Parser& ps = *static_cast<Parser*>(ctx);
  int d = ev.depth;
  switch (ev.type) {
    case FdtEventType::kBeginNode:
      if (d >= 1 && d - 1 < kMaxDepth && !ps.frames[d - 1].finished) finish_node(ps, d - 1);
      if (d < kMaxDepth) {
        ps.frames[d] = Frame{};
        ps.frames[d].name = ev.name;
        // Defaults from the devicetree specification.
        ps.frames[d].addr_cells = 2;
        ps.frames[d].size_cells = 1;
      }
      break;
    case FdtEventType::kProp: {
      if (d >= kMaxDepth) break;
      Frame& f = ps.frames[d];
      Prop p{ev.data, ev.len};
      if (streq(ev.name, "#address-cells")) {
        if (ev.len == 4) f.addr_cells = fdt_be32(ev.data);
      } else if (streq(ev.name, "#size-cells")) {
        if (ev.len == 4) f.size_cells = fdt_be32(ev.data);
      } else if (streq(ev.name, "reg")) {
        f.reg = p;
      } else if (streq(ev.name, "compatible")) {
        f.compatible = p;
      } else if (streq(ev.name, "device_type")) {
        f.device_type = p;
      } else if (streq(ev.name, "status")) {
        f.status = p;
      } else if (streq(ev.name, "interrupts")) {
        f.interrupts = p;
      } else if (streq(ev.name, "clock-frequency")) {
        f.clock_frequency = p;
      } else if (streq(ev.name, "riscv,ndev")) {
        f.ndev = p;
      } else if (streq(ev.name, "riscv,isa")) {
        f.isa = p;
      } else if (streq(ev.name, "riscv,isa-extensions")) {
        f.isa_ext = p;
      } else if (streq(ev.name, "timebase-frequency")) {
        f.timebase = p;
      } else if (streq(ev.name, "bootargs")) {
        f.bootargs = p;
      }
      break;
    }
    case FdtEventType::kEndNode:
      if (d < kMaxDepth && !ps.frames[d].finished) finish_node(ps, d);
      break;
  }
  return true;
}

}  // namespace

uint32_t fdt_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint64_t fdt_be64(const uint8_t* p) { return (uint64_t{fdt_be32(p)} << 32) | fdt_be32(p + 4); }

uint64_t fdt_read_cells(const uint8_t* p, uint32_t ncells) {
  if (ncells == 0) return 0;
  if (ncells == 1) return fdt_be32(p);
  return fdt_be64(p + (ncells - 2) * 4);
}

bool fdt_stringlist_contains(const uint8_t* data, uint32_t len, const char* str) {
  uint32_t i = 0;
  while (i < len) {
    uint32_t k = 0;
    while (i + k < len && str[k] != '\0' && data[i + k] == static_cast<uint8_t>(str[k])) k++;
    // A match must end exactly at the entry's NUL (or at the end of an unterminated value).
    if (str[k] == '\0' && (i + k == len || data[i + k] == '\0')) return true;
    while (i < len && data[i] != '\0') i++;
    i++;  // Skip the NUL.
  }
  return false;
}

uint32_t fdt_total_size(const void* blob) {
  const auto* b = static_cast<const uint8_t*>(blob);
  if (b == nullptr || fdt_be32(b) != kMagic) return 0;
  return fdt_be32(b + 4);
}

zx_status_t fdt_walk(const void* blob, FdtVisitor visit, void* ctx) {
  if (blob == nullptr) return ZX_ERR_INVALID_ARGS;
  const auto* b = static_cast<const uint8_t*>(blob);
  Header h;
  if (!read_header(b, &h)) return ZX_ERR_INVALID_ARGS;
  const uint8_t* s = b + h.struct_off;
  const uint8_t* strings = b + h.strings_off;
  const uint64_t size = h.struct_size;

  uint64_t pos = 0;
  int depth = -1;  // Depth of the innermost open node; -1 before the root and after it.
  bool root_seen = false;
  for (;;) {
    if (pos + 4 > size) return ZX_ERR_INVALID_ARGS;
    uint32_t tok = fdt_be32(s + pos);
    pos += 4;
    switch (tok) {
      case kBeginNode: {
        if (depth < 0 && root_seen) return ZX_ERR_INVALID_ARGS;  // A second root.
        int64_t n = bounded_len(s + pos, size - pos);
        if (n < 0) return ZX_ERR_INVALID_ARGS;
        const char* name = reinterpret_cast<const char*>(s + pos);
        pos = align4(pos + static_cast<uint64_t>(n) + 1);
        depth++;
        root_seen = true;
        if (!visit(ctx, FdtEvent{FdtEventType::kBeginNode, depth, name, nullptr, 0})) return ZX_OK;
        break;
      }
      case kEndNode:
        if (depth < 0) return ZX_ERR_INVALID_ARGS;
        if (!visit(ctx, FdtEvent{FdtEventType::kEndNode, depth, nullptr, nullptr, 0})) return ZX_OK;
        depth--;
        break;
      case kProp: {
        if (depth < 0 || pos + 8 > size) return ZX_ERR_INVALID_ARGS;
        uint32_t len = fdt_be32(s + pos);
        uint32_t nameoff = fdt_be32(s + pos + 4);
        pos += 8;
        if (len > size - pos || nameoff >= h.strings_size) return ZX_ERR_INVALID_ARGS;
        if (bounded_len(strings + nameoff, h.strings_size - nameoff) < 0) {
          return ZX_ERR_INVALID_ARGS;
        }
        const char* name = reinterpret_cast<const char*>(strings + nameoff);
        const uint8_t* data = s + pos;
        pos = align4(pos + len);
        if (!visit(ctx, FdtEvent{FdtEventType::kProp, depth, name, data, len})) return ZX_OK;
        break;
      }
      case kNop:
        break;
      case kEnd:
        if (depth != -1 || !root_seen) return ZX_ERR_INVALID_ARGS;
        return ZX_OK;
      default:
        return ZX_ERR_INVALID_ARGS;
    }
  }
}

zx_status_t fdt_parse(const void* blob, BootInfo* out) {
  if (blob == nullptr || out == nullptr) return ZX_ERR_INVALID_ARGS;
  const auto* b = static_cast<const uint8_t*>(blob);
  Header h;
  if (!read_header(b, &h)) return ZX_ERR_INVALID_ARGS;

  *out = BootInfo{};
  out->fdt_base = reinterpret_cast<uintptr_t>(blob);
  out->fdt_size = h.totalsize;

  // The memory reservation block: (address, size) big-endian pairs ending with (0, 0).
  for (uint64_t off = h.rsv_off;; off += 16) {
    if (off + 16 > h.totalsize) return ZX_ERR_INVALID_ARGS;
    uint64_t base = fdt_be64(b + off), size = fdt_be64(b + off + 8);
    if (base == 0 && size == 0) break;
    add_range(out->reserved, &out->nreserved, base, size);
  }

  Parser ps{};
  ps.info = out;
  zx_status_t st = fdt_walk(blob, parse_visit, &ps);
  if (st != ZX_OK) {
    *out = BootInfo{};
    return st;
  }
  return ZX_OK;
}
