// ZX_INFO_PROCESS_KERNEL_CHARGES, an extension of this kernel (not in Fuchsia): what a process
// makes the kernel hold on its behalf (channel messages it wrote that nobody has read yet, port
// packets it queued, asynchronous waits it armed) against its budget. The one definition of the
// topic and record: the kernel includes this header too (kernel/syscalls/sys_object.cc), so the two
// sides cannot disagree. docs/objects/process.md, "Kernel memory a process holds".
#ifndef ZIRCON_SYSCALLS_KERNEL_CHARGES_H_
#define ZIRCON_SYSCALLS_KERNEL_CHARGES_H_

#include <stdint.h>

#define ZX_INFO_PROCESS_KERNEL_CHARGES ((uint32_t)0x8002u)  // zx_info_kernel_charges_t[1]

typedef struct zx_info_kernel_charges {
  uint64_t charged_bytes;  // kernel heap bytes held for the process now (all kinds below)
  uint64_t budget_bytes;   // the most it may hold; past it calls fail with ZX_ERR_NO_RESOURCES
  uint64_t messages;       // channel messages it wrote that are still queued
  uint64_t message_bytes;  // their heap blocks (header, handle slots and bytes)
  uint64_t packets;        // user packets it queued on ports (zx_port_queue), not yet read
  uint64_t observers;      // asynchronous waits it armed (zx_object_wait_async), not yet done
  uint64_t refused;        // calls refused so far because the budget was spent
} zx_info_kernel_charges_t;

#endif  // ZIRCON_SYSCALLS_KERNEL_CHARGES_H_
