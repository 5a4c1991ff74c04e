// What every syscall implementation needs: the calling process, typed handle lookup with
// Zircon's checks (ZX_ERR_BAD_HANDLE, then ZX_ERR_WRONG_TYPE, then ZX_ERR_ACCESS_DENIED), and
// returning a new handle through a user pointer (closed again if the pointer is bad).
#pragma once
#include "kernel/object/process_dispatcher.h"
#include "kernel/object/rights.h"
#include "kernel/object/thread_dispatcher.h"
#include "kernel/syscall_types.h"
#include "kernel/user_copy.h"

// Inline (ProcessDispatcher::current() is out of line): every system call asks, some of them
// several times.
inline ProcessDispatcher* up() {
  ThreadDispatcher* t = ThreadDispatcher::current();
  return t ? t->process() : nullptr;
}

// Looks h up in the calling process's table as a T (T::kType) with `rights`.
// Inline: every object syscall starts here, and as a call it cost more than its own work.
template <typename T>
__attribute__((always_inline)) inline zx_status_t get_object(zx_handle_t h, zx_rights_t rights,
                                                             RefPtr<T>* out,
                                                             zx_rights_t* out_rights = nullptr) {
  RefPtr<Dispatcher> d;
  zx_status_t s = up()->handles().get(h, T::kType, rights, &d, out_rights);
  if (s != ZX_OK) return s;
  // Hand the lookup's reference over instead of taking a second one and dropping the first.
  *out = RefPtr<T>::take_existing(static_cast<T*>(d.leak()));
  return ZX_OK;
}

// Adds a handle to the calling process and stores its value at `out`.
inline zx_status_t make_handle(RefPtr<Dispatcher> obj, zx_rights_t rights,
                               UserOutPtr<zx_handle_t> out) {
  zx_handle_t h;
  zx_status_t s = up()->handles().add(move(obj), rights, &h);
  if (s != ZX_OK) return s;
  s = out.copy_to_user(h);
  if (s != ZX_OK) up()->handles().remove(h);
  return s;
}

// ns deadlines: Zircon's signed zx_time_t to the kernel's unsigned deadline.
inline uint64_t to_deadline(zx_time_t t) {
  if (t == ZX_TIME_INFINITE) return ~0ull;
  return t < 0 ? 0 : static_cast<uint64_t>(t);
}
