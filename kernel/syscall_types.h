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
