// Handle rights (zx_rights_t) with Zircon's names and bit values, so that rights masks mean the
// same thing to the kernel, to host tests and to userspace. The values (ZX_RIGHT_*, the
// ZX_RIGHTS_* groups and the ZX_DEFAULT_*_RIGHTS an object's first handle carries) are
// generated from kernel/abi.table into kernel/gen/abi.h; this header stays so that code that
// checks rights says so in its includes.
#pragma once
#include "kernel/gen/abi.h"
#include "kernel/object/dispatcher.h"
