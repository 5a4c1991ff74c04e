// The public syscall API: include this to call zx_*() functions.

#ifndef ZIRCON_SYSCALLS_H_
#define ZIRCON_SYSCALLS_H_

#include <zircon/syscalls/object.h>
#include <zircon/syscalls/port.h>
#include <zircon/syscalls/types.h>
#include <zircon/types.h>

// Prototypes generated from kernel/syscalls.table by tools/syscalls.py.
#include <zircon/syscalls/definitions.h>

#endif  // ZIRCON_SYSCALLS_H_
