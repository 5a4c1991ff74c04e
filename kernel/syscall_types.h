// The types and records of the syscall ABI (zx_handle_t, zx_port_packet_t, zx_wait_item_t,
// zx_channel_call_args_t, ...) for the kernel side of the generated syscall declarations
// (kernel/gen/syscall_decls.h). They are generated from kernel/abi.table into
// kernel/gen/abi.h, the same description user programs' <zircon/...> headers come from.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/gen/abi.h"
#include "kernel/object/dispatcher.h"
#include "kernel/status.h"
