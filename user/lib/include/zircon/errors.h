// Status codes returned by syscalls (values are Zircon's, from zircon/vdso/errors.fidl). The
// values live in kernel/abi.table, which the kernel's copy is generated from as well.

#ifndef ZIRCON_ERRORS_H_
#define ZIRCON_ERRORS_H_

#include "gen/errors.h"

#endif  // ZIRCON_ERRORS_H_
