// zx_object_get_info() topics and records, and object properties. Names, values and layouts
// are Zircon's (zircon/syscalls/object.h), restricted to the topics this kernel supports, plus
// this kernel's extensions (ZX_INFO_PAGER_PAGES, ZX_PROP_PAGER_PAGE_BUDGET,
// ZX_INFO_PROCESS_KERNEL_CHARGES). They live in kernel/abi.table, which the kernel's copy is
// generated from as well.

#ifndef ZIRCON_SYSCALLS_OBJECT_H_
#define ZIRCON_SYSCALLS_OBJECT_H_

#include <zircon/syscalls/kernel_charges.h>
#include <zircon/types.h>

#include "../gen/object.h"

#endif  // ZIRCON_SYSCALLS_OBJECT_H_
