// Basic Zircon types and constants (handles, time, signals, object types, VMO, VMAR, BTI,
// interrupt and pager options). Freestanding: needs only <stdint.h>, <stddef.h>, <stdbool.h>.
// Names and values are Zircon's; they live in kernel/abi.table, from which both this header's
// part (<zircon/gen/types.h>) and the kernel's copy are generated.

#ifndef ZIRCON_TYPES_H_
#define ZIRCON_TYPES_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zircon/errors.h>
#include <zircon/rights.h>

#ifndef __BEGIN_CDECLS
#ifdef __cplusplus
#define __BEGIN_CDECLS extern "C" {
#define __END_CDECLS }
#else
#define __BEGIN_CDECLS
#define __END_CDECLS
#endif
#endif

#include "gen/types.h"

#endif  // ZIRCON_TYPES_H_
