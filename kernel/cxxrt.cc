// The little C++ runtime a freestanding kernel needs: new/delete on the kernel heap, global
// constructors, and the hooks the compiler may call.
#include <stddef.h>

#include "kernel/panic.h"
#include "mm/heap.h"

void* operator new(size_t n) { return kmalloc(n); }
void* operator new[](size_t n) { return kmalloc(n); }
void operator delete(void* p) noexcept { kfree(p); }
void operator delete[](void* p) noexcept { kfree(p); }
void operator delete(void* p, size_t) noexcept { kfree(p); }
void operator delete[](void* p, size_t) noexcept { kfree(p); }

extern "C" void __cxa_pure_virtual() { panic("pure virtual function called"); }
// Global destructors never run: the kernel does not exit.
extern "C" int atexit(void (*)()) { return 0; }
void* __dso_handle = nullptr;

using Ctor = void (*)();
extern "C" Ctor __init_array_start[], __init_array_end[];

void run_global_constructors() {
  for (Ctor* c = __init_array_start; c != __init_array_end; c++) (*c)();
}
