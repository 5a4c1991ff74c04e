// Interrupt syscalls: a user-mode driver owns one device interrupt (a PLIC source) through an
// interrupt object (kernel/object/interrupt_dispatcher.h); the root resource is the right to
// create one.
#include "kernel/gen/syscall_decls.h"
#include "kernel/object/interrupt_dispatcher.h"
#include "kernel/object/port_dispatcher.h"
#include "kernel/object/resource_dispatcher.h"
#include "kernel/syscalls/syscall_helpers.h"

zx_status_t sys_interrupt_create(zx_handle_t src_obj, uint32_t src_num, uint32_t options,
                                 UserOutPtr<zx_handle_t> out_handle) {
  RefPtr<ResourceDispatcher> rsrc;
  zx_status_t s = get_object(src_obj, ZX_RIGHT_WRITE, &rsrc);
  if (s != ZX_OK) return s;
  if (options & (ZX_INTERRUPT_VIRTUAL | ZX_INTERRUPT_REMAP_IRQ)) return ZX_ERR_NOT_SUPPORTED;
  if (options & ~ZX_INTERRUPT_MODE_MASK) return ZX_ERR_INVALID_ARGS;
  uint32_t mode = options & ZX_INTERRUPT_MODE_MASK;
  if (mode != 0 && mode != ZX_INTERRUPT_MODE_LEVEL_HIGH)
    return ZX_ERR_NOT_SUPPORTED;  // PLIC: level only
  if (out_handle.is_null() || !user_range_ok(out_handle.addr(), sizeof(zx_handle_t)))
    return ZX_ERR_INVALID_ARGS;
  RefPtr<InterruptDispatcher> irq;
  s = InterruptDispatcher::create(src_num, &irq);
  if (s != ZX_OK) return s;
  return make_handle(RefPtr<Dispatcher>(move(irq)), ZX_DEFAULT_INTERRUPT_RIGHTS, out_handle);
}

zx_status_t sys_interrupt_bind(zx_handle_t handle, zx_handle_t port_handle, uint64_t key,
                               uint32_t options) {
  RefPtr<InterruptDispatcher> irq;
  zx_status_t s = get_object(handle, ZX_RIGHT_READ, &irq);
  if (s != ZX_OK) return s;
  RefPtr<PortDispatcher> port;
  s = get_object(port_handle, ZX_RIGHT_WRITE, &port);
  if (s != ZX_OK) return s;
  if (options != ZX_INTERRUPT_BIND && options != ZX_INTERRUPT_UNBIND) return ZX_ERR_INVALID_ARGS;
  if (!port->binds_interrupts()) return ZX_ERR_WRONG_TYPE;
  if (options == ZX_INTERRUPT_UNBIND) return irq->unbind(port.get());
  return irq->bind(move(port), key);
}

zx_status_t sys_interrupt_wait(zx_handle_t handle, UserOutPtr<zx_time_t> out_timestamp) {
  RefPtr<InterruptDispatcher> irq;
  zx_status_t s = get_object(handle, ZX_RIGHT_WAIT, &irq);
  if (s != ZX_OK) return s;
  if (!out_timestamp.is_null() && !user_range_ok(out_timestamp.addr(), sizeof(zx_time_t)))
    return ZX_ERR_INVALID_ARGS;
  int64_t ts = 0;
  s = irq->wait(&ts);
  if (s != ZX_OK) return s;
  if (out_timestamp.is_null()) return ZX_OK;
  return out_timestamp.copy_to_user(static_cast<zx_time_t>(ts));
}

zx_status_t sys_interrupt_ack(zx_handle_t handle) {
  RefPtr<InterruptDispatcher> irq;
  zx_status_t s = get_object(handle, ZX_RIGHT_WRITE, &irq);
  if (s != ZX_OK) return s;
  return irq->ack();
}

zx_status_t sys_interrupt_destroy(zx_handle_t handle) {
  RefPtr<InterruptDispatcher> irq;
  zx_status_t s = get_object(handle, 0, &irq);
  if (s != ZX_OK) return s;
  return irq->destroy();
}
