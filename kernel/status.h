// zx_status_t and the status codes the kernel returns, with Zircon's names and values, so that
// errors mean the same thing in the kernel, in host tests and in userspace. The values come
// from kernel/gen/abi_errors.h (generated from kernel/abi.table, as the user headers are; the
// rest of the ABI is in kernel/gen/abi.h, through kernel/syscall_types.h).
#pragma once
#include <stdint.h>

#include "kernel/gen/abi_errors.h"

// The Zircon name of a status code, for log lines and test failures. C linkage: user programs
// call the same function through <zircon/status.h>, as on Fuchsia.
extern "C" const char* zx_status_get_string(zx_status_t status);
