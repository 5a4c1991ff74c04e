// Placement new for freestanding kernel code, which cannot include <new> (the lp64 toolchain's
// <new> does not build). Host builds get it from <new>.
#pragma once
#include <stddef.h>

#ifdef KERNEL_HOST_TEST
#include <new>
#else
inline void* operator new(size_t, void* p) noexcept { return p; }
#endif
