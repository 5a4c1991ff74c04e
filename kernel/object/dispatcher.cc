// Kernel object ids. A koid names an object for its whole life and is never reused, so a
// plain counter suffices; it starts at 1024 as in Zircon, leaving small values free for
// reserved ids (0 is ZX_KOID_INVALID).
#include "kernel/object/dispatcher.h"

namespace {

zx_koid_t g_next_koid = 1024;

}  // namespace

// Relaxed is enough: callers need distinct ids, not an ordering with other memory.
zx_koid_t koid_generate() { return __atomic_fetch_add(&g_next_koid, 1, __ATOMIC_RELAXED); }

Dispatcher::Dispatcher() : koid_(koid_generate()) {}

Dispatcher::~Dispatcher() { release_observers(); }

#ifdef KERNEL_HOST_TEST
// Host tests have no waiting (kernel/object/signals.cc is kernel-only).
void Dispatcher::release_observers() {}
#endif
