// zx_event_create.
#include "kernel/gen/syscall_decls.h"
#include "kernel/object/event_dispatcher.h"
#include "kernel/syscalls/syscall_helpers.h"

zx_status_t sys_event_create(uint32_t options, UserOutPtr<zx_handle_t> out) {
  if (options != 0) return ZX_ERR_INVALID_ARGS;
  auto* e = new EventDispatcher();
  if (!e) return ZX_ERR_NO_MEMORY;
  return make_handle(adopt<Dispatcher>(e), ZX_DEFAULT_EVENT_RIGHTS, out);
}
