// The debug console: zx_debug_write prints to the kernel console, zx_debug_read reads what is
// typed there (blocking for at least one byte). The shell uses both until a console driver
// exists in userspace. Zircon requires a debug resource for zx_debug_read; this kernel accepts
// any handle value (documented in docs/syscalls/zx_debug_read.md).
#include "kernel/console.h"
#include "kernel/gen/syscall_decls.h"
#include "kernel/syscalls/syscall_helpers.h"

zx_status_t sys_debug_write(UserInPtr<const char> buffer, size_t buffer_size) {
  char chunk[128];
  for (size_t done = 0; done < buffer_size;) {
    size_t n = buffer_size - done < sizeof(chunk) ? buffer_size - done : sizeof(chunk);
    zx_status_t s = copy_from_user_raw(chunk, buffer.addr() + done, n);
    if (s != ZX_OK) return s;
    console_write(chunk, n);
    done += n;
  }
  return ZX_OK;
}

zx_status_t sys_debug_read(zx_handle_t, UserOutPtr<char> buffer, size_t buffer_size,
                           UserOutPtr<size_t> actual) {
  if (buffer_size == 0) return actual.copy_to_user(size_t{0});
  if (!user_range_ok(buffer.addr(), buffer_size)) return ZX_ERR_INVALID_ARGS;
  int c = console_getc_interruptible();
  if (c < 0) return ZX_ERR_CANCELED;
  char ch = static_cast<char>(c);
  size_t n = 1;
  zx_status_t s = buffer.copy_to_user(&ch, 1);
  if (s == ZX_OK) s = actual.copy_to_user(n);
  return s;
}
