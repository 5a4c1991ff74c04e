// Forward declarations of structures used by syscall prototypes (as in Zircon's
// <zircon/syscalls/types.h>). None of this kernel's syscalls needs one yet.

#ifndef ZIRCON_SYSCALLS_TYPES_H_
#define ZIRCON_SYSCALLS_TYPES_H_

#include <zircon/types.h>

#endif  // ZIRCON_SYSCALLS_TYPES_H_
