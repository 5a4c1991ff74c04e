// Status code names, as Fuchsia's <zircon/status.h> has them.
#ifndef ZIRCON_STATUS_H_
#define ZIRCON_STATUS_H_

#include <zircon/types.h>

__BEGIN_CDECLS

// The name of a status code ("ZX_ERR_NOT_FOUND"), for messages; never NULL.
const char* zx_status_get_string(zx_status_t status);

__END_CDECLS

#endif  // ZIRCON_STATUS_H_
