// Ports and their packets (Fuchsia's <zircon/syscalls/port.h>: names and layout): wait_async
// options, packet types, the page-request commands and zx_port_packet_t with its union
// members. They live in kernel/abi.table, which the kernel's copy is generated from as well.
#ifndef ZIRCON_SYSCALLS_PORT_H_
#define ZIRCON_SYSCALLS_PORT_H_

#include <zircon/types.h>

#include "../gen/port.h"

#endif  // ZIRCON_SYSCALLS_PORT_H_
