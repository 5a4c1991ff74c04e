// Flattened device tree (DTB) parser: validates the blob the boot loader hands over and
// extracts the handful of facts the kernel needs to boot on QEMU virt into a BootInfo.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/status.h"

struct FdtRange {
  uint64_t base;
  uint64_t size;
};

struct FdtDevice {
  uint64_t base;
  uint64_t size;
  uint32_t irq;
};

constexpr int kFdtMaxRanges = 16, kFdtMaxHarts = 8, kFdtMaxVirtio = 8;

struct BootInfo {
  uint64_t fdt_base;  // The pointer passed to fdt_parse, as an integer.
  uint64_t fdt_size;
  FdtRange memory[kFdtMaxRanges];  // reg of device_type = "memory" nodes.
  int nmemory;
  FdtRange reserved[kFdtMaxRanges];  // /memreserve/ entries and /reserved-memory children.
  int nreserved;
  uint64_t hartids[kFdtMaxHarts];  // Enabled /cpus/cpu@N nodes, in tree order.
  int nharts;
  int harts_found;  // How many there are, including those past kFdtMaxHarts.
  bool has_sstc;    // Some cpu advertises the Sstc (stimecmp) extension.
  uint64_t timebase_hz;
  FdtDevice plic;
  uint32_t plic_ndev;
  FdtDevice uart;  // The first ns16550a.
  uint64_t uart_clock_hz;
  FdtDevice test;                   // sifive,test0: writing to it exits QEMU.
  FdtDevice virtio[kFdtMaxVirtio];  // virtio,mmio slots sorted by base address.
  int nvirtio;
  char bootargs[256];  // /chosen bootargs, "" if none.
};

// Parses the blob; returns ZX_ERR_INVALID_ARGS for a bad magic/version/truncated blob. Never
// reads past totalsize. Device addresses are taken from reg as is: QEMU virt's buses have
// identity "ranges", so no address translation is done.
zx_status_t fdt_parse(const void* blob, BootInfo* out);

// The header's totalsize, or 0 if blob does not start with the FDT magic.
uint32_t fdt_total_size(const void* blob);

// --- Generic walker -------------------------------------------------------------------------

enum class FdtEventType { kBeginNode, kProp, kEndNode };

struct FdtEvent {
  FdtEventType type;
  int depth;            // Depth of the node (the root is 0); for kProp, of the node owning it.
  const char* name;     // Node name with unit address ("cpu@0", "" for the root) or prop name.
  const uint8_t* data;  // kProp only: the value, big-endian, not necessarily aligned.
  uint32_t len;         // kProp only.
};

// Return false to stop the walk early (fdt_walk then returns ZX_OK).
using FdtVisitor = bool (*)(void* ctx, const FdtEvent& ev);

// Validates the header and walks the structure block in order. Returns ZX_ERR_INVALID_ARGS
// (possibly after some callbacks) if the structure block is malformed.
zx_status_t fdt_walk(const void* blob, FdtVisitor visit, void* ctx);

// Helpers for decoding property values.
uint32_t fdt_be32(const uint8_t* p);
uint64_t fdt_be64(const uint8_t* p);
// Reads a value of ncells 32-bit cells (only the low two cells count when ncells > 2).
uint64_t fdt_read_cells(const uint8_t* p, uint32_t ncells);
// True if the NUL-separated string list data[0..len) contains str as one entry.
bool fdt_stringlist_contains(const uint8_t* data, uint32_t len, const char* str);
