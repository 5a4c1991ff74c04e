// Starting a program from the boot image in a new process (docs/userspace.md).
#ifndef LAUNCH_H_
#define LAUNCH_H_

#include <zircon/types.h>

__BEGIN_CDECLS

// Creates a process running the boot-image program `name` with argv[0..argc) and starts it.
// The child's bootstrap message carries PA_PROC_SELF, PA_THREAD_SELF, PA_VMAR_ROOT, a
// duplicate of this process's PA_VMO_BOOTFS, then the n_extra handles extra_handles[i] with
// handle info extra_info[i], and (unless one of those is a PA_NS_DIR) a new connection to this
// process's filesystem as PA_HND(PA_NS_DIR, 0), if it has one. The extra handles are always
// consumed (moved to the child, or closed on failure). On success *process_out (if not NULL)
// receives the process handle, which the caller closes; otherwise the process handle is closed.
zx_status_t launch(const char* name, int argc, const char* const* argv, zx_handle_t* extra_handles,
                   const uint32_t* extra_info, uint32_t n_extra, zx_handle_t* process_out);

// Waits for `process` to terminate and stores its return code. Does not close the handle.
zx_status_t wait_process(zx_handle_t process, int64_t* return_code);

__END_CDECLS

#endif  // LAUNCH_H_
