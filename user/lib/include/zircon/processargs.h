// The process bootstrap message (the "processargs" protocol). Handle-info ids and their
// values are Fuchsia's (<zircon/processargs.h>); the message layout is this system's, a
// trimmed zx_proc_args without the names table. docs/userspace.md describes the protocol.
// The values and zx_proc_args_t live in kernel/abi.table (<zircon/gen/processargs.h>).

#ifndef ZIRCON_PROCESSARGS_H_
#define ZIRCON_PROCESSARGS_H_

#include <zircon/types.h>

#include "gen/processargs.h"

__BEGIN_CDECLS

// A handle-info entry: the type in the low 16 bits, a type-specific argument above.
#define PA_HND(type, arg) (((type)&0xFFu) | (((arg)&0xFFFFu) << 16))
#define PA_HND_TYPE(n) ((n)&0xFFu)
#define PA_HND_ARG(n) (((n) >> 16) & 0xFFFFu)

// Takes the startup handle with handle-info `info` out of the bootstrap message: the first
// call returns it and hands ownership to the caller, later calls return ZX_HANDLE_INVALID.
// PA_PROC_SELF, PA_THREAD_SELF and PA_VMAR_ROOT are kept by the C library (use
// zx_process_self() and zx_vmar_root_self()) and are never returned here.
zx_handle_t zx_take_startup_handle(uint32_t info);

__END_CDECLS

#endif  // ZIRCON_PROCESSARGS_H_
