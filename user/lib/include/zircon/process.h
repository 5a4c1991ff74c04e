// Handles every process starts with (as in Zircon's <zircon/process.h>).

#ifndef ZIRCON_PROCESS_H_
#define ZIRCON_PROCESS_H_

#include <zircon/types.h>

__BEGIN_CDECLS

// A handle to the calling process. Do not close it.
zx_handle_t zx_process_self(void);

// A handle to the calling process's root VMAR. Do not close it.
zx_handle_t zx_vmar_root_self(void);

// A handle to the calling process's first thread (the one that ran main). Do not close it.
zx_handle_t zx_thread_self(void);

// The job new processes should be created in, or ZX_HANDLE_INVALID.
zx_handle_t zx_job_default(void);

__END_CDECLS

#endif  // ZIRCON_PROCESS_H_
