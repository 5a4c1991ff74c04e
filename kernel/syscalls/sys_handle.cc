// Handle syscalls: close, close_many, duplicate, replace. Closing a handle also cancels the
// waits made through it (they end with ZX_ERR_CANCELED, as in Zircon).
#include "kernel/gen/syscall_decls.h"
#include "kernel/syscalls/syscall_helpers.h"

namespace {
zx_status_t close_one(zx_handle_t h) {
  RefPtr<Dispatcher> obj;
  zx_status_t s = up()->handles().remove(h, &obj);
  if (s != ZX_OK) return s;
  obj->cancel_waits(&up()->handles(), h);
  return ZX_OK;
}
}  // namespace

zx_status_t sys_handle_close(zx_handle_t handle) {
  if (handle == ZX_HANDLE_INVALID) return ZX_OK;
  return close_one(handle);
}

zx_status_t sys_handle_close_many(UserInPtr<const zx_handle_t> handles, size_t num_handles) {
  // Every valid handle is closed even if some are not; the first error is reported.
  zx_status_t result = ZX_OK;
  for (size_t i = 0; i < num_handles; i++) {
    zx_handle_t h;
    zx_status_t s = copy_from_user_raw(&h, handles.addr() + i * sizeof(h), sizeof(h));
    if (s != ZX_OK) return s;
    if (h == ZX_HANDLE_INVALID) continue;
    s = close_one(h);
    if (s != ZX_OK && result == ZX_OK) result = s;
  }
  return result;
}

zx_status_t sys_handle_duplicate(zx_handle_t handle, zx_rights_t rights,
                                 UserOutPtr<zx_handle_t> out) {
  zx_handle_t h;
  zx_status_t s = up()->handles().duplicate(handle, rights, &h);
  if (s != ZX_OK) return s;
  s = out.copy_to_user(h);
  if (s != ZX_OK) up()->handles().remove(h);
  return s;
}

zx_status_t sys_handle_replace(zx_handle_t handle, zx_rights_t rights,
                               UserOutPtr<zx_handle_t> out) {
  zx_handle_t h;
  zx_status_t s = up()->handles().replace(handle, rights, &h);
  if (s != ZX_OK) return s;
  s = out.copy_to_user(h);
  if (s != ZX_OK) up()->handles().remove(h);
  return s;
}
