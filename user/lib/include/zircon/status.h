// zx_status_get_string (as Zircon's <zircon/status.h>): the name of a status code.
#ifndef ZIRCON_STATUS_H_
#define ZIRCON_STATUS_H_

#include <zircon/types.h>

__BEGIN_CDECLS

// "ZX_ERR_NOT_FOUND" for ZX_ERR_NOT_FOUND, and so on; "(unknown status)" for other values. The
// definition is the kernel's (kernel/lib/status.cc), so both print the same names.
const char* zx_status_get_string(zx_status_t status);

__END_CDECLS

#endif  // ZIRCON_STATUS_H_
