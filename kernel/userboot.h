// Starting the first user process: init, from the boot image linked into the kernel.
#pragma once
#include "kernel/lib/ref_ptr.h"
#include "kernel/status.h"

class ProcessDispatcher;

// Loads a program from the boot image and starts it with the startup message of
// docs/userspace.md (its own process, thread and root VMAR handles, and the boot image VMO).
// `cmdline` is the program's name, optionally followed by arguments, all separated by commas
// ("init,fstests,big": argv {"init", "fstests", "big"}), as boot arguments cannot hold spaces.
zx_status_t userboot_start(const char* cmdline, RefPtr<ProcessDispatcher>* out);
