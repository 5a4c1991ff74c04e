// Starting the first user process: init, from the boot image linked into the kernel.
#pragma once
#include "kernel/lib/ref_ptr.h"
#include "kernel/status.h"

class ProcessDispatcher;

// Loads `name` from the boot image and starts it with the startup message of
// docs/userspace.md (its own process, thread and root VMAR handles, and the boot image VMO).
zx_status_t userboot_start(const char* name, RefPtr<ProcessDispatcher>* out);
