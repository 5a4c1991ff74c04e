// Handle rights and the rights each kind of object is created with (values are Zircon's). The
// values live in kernel/abi.table, which the kernel's copy is generated from as well.

#ifndef ZIRCON_RIGHTS_H_
#define ZIRCON_RIGHTS_H_

#include "gen/rights.h"

#endif  // ZIRCON_RIGHTS_H_
