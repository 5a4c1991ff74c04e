// ZX_INFO_PROCESS_KERNEL_CHARGES, an extension of this kernel (not in Fuchsia): what a process
// makes the kernel hold on its behalf (channel messages it wrote that nobody has read yet, port
// packets it queued, asynchronous waits it armed) against its budget. The topic and record live
// in kernel/abi.table, which the kernel's copy is generated from as well.
// docs/objects/process.md, "Kernel memory a process holds".
#ifndef ZIRCON_SYSCALLS_KERNEL_CHARGES_H_
#define ZIRCON_SYSCALLS_KERNEL_CHARGES_H_

#include "../gen/kernel_charges.h"

#endif  // ZIRCON_SYSCALLS_KERNEL_CHARGES_H_
