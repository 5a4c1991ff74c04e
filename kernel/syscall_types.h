// The integer types of the syscall ABI, with Zircon's names and widths, for the kernel side of
// the generated syscall declarations (kernel/gen/). User programs get the same types from
// user/lib/include/zircon/types.h.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/object/dispatcher.h"
#include "kernel/status.h"

using zx_handle_t = uint32_t;
using zx_signals_t = uint32_t;
using zx_time_t = int64_t;
using zx_duration_t = int64_t;
using zx_vaddr_t = uintptr_t;
using zx_paddr_t = uintptr_t;
using zx_off_t = uint64_t;
using zx_vm_option_t = uint32_t;

// zx_object_wait_many's array element, laid out as Fuchsia's.
struct zx_wait_item_t {
  zx_handle_t handle;
  zx_signals_t waitfor;
  zx_signals_t pending;
};

// zx_port_packet_t, laid out as Fuchsia's: key, type, status, then a 32-byte union (user
// payload, signal, page request, interrupt).
struct zx_packet_signal_t {
  zx_signals_t trigger;
  zx_signals_t observed;
  uint64_t count;
  uint64_t timestamp;
  uint64_t reserved1;
};
struct zx_packet_page_request_t {
  uint16_t command;
  uint16_t flags;
  uint32_t reserved0;
  uint64_t offset;
  uint64_t length;
  uint64_t reserved1;
};
struct zx_packet_interrupt_t {
  int64_t timestamp;
  uint64_t reserved0;
  uint64_t reserved1;
  uint64_t reserved2;
};
struct zx_port_packet_t {
  uint64_t key;
  uint32_t type;
  zx_status_t status;
  union {
    uint64_t user[4];
    zx_packet_signal_t signal;
    zx_packet_page_request_t page_request;
    zx_packet_interrupt_t interrupt;
  };
};
static_assert(sizeof(zx_port_packet_t) == 48, "Fuchsia's packet is 48 bytes");

constexpr uint32_t ZX_PKT_TYPE_USER = 0x00;
constexpr uint32_t ZX_PKT_TYPE_INTERRUPT = 0x07;
constexpr uint32_t ZX_PKT_TYPE_SIGNAL_ONE = 0x01;
constexpr uint32_t ZX_PKT_TYPE_PAGE_REQUEST = 0x09;

// zx_channel_call's arguments (user pointers as addresses).
struct zx_channel_call_args_t {
  uint64_t wr_bytes;
  uint64_t wr_handles;
  uint64_t rd_bytes;
  uint64_t rd_handles;
  uint32_t wr_num_bytes;
  uint32_t wr_num_handles;
  uint32_t rd_num_bytes;
  uint32_t rd_num_handles;
};
