// Port syscalls and zx_object_wait_async.
#include "kernel/gen/syscall_decls.h"
#include "kernel/object/port_dispatcher.h"
#include "kernel/syscalls/syscall_helpers.h"

zx_status_t sys_port_create(uint32_t options, UserOutPtr<zx_handle_t> out) {
  if (options & ~ZX_PORT_BIND_TO_INTERRUPT) return ZX_ERR_INVALID_ARGS;
  auto* p = new PortDispatcher(options & ZX_PORT_BIND_TO_INTERRUPT);
  if (!p) return ZX_ERR_NO_MEMORY;
  return make_handle(adopt<Dispatcher>(p), ZX_DEFAULT_PORT_RIGHTS, out);
}

zx_status_t sys_port_queue(zx_handle_t handle, UserInPtr<const zx_port_packet_t> packet) {
  RefPtr<PortDispatcher> port;
  zx_status_t s = get_object(handle, ZX_RIGHT_WRITE, &port);
  if (s != ZX_OK) return s;
  zx_port_packet_t p;
  s = packet.copy_from_user(&p, sizeof(p));
  if (s != ZX_OK) return s;
  return port->queue_user(p);
}

zx_status_t sys_port_wait(zx_handle_t handle, zx_time_t deadline,
                          UserOutPtr<zx_port_packet_t> packet) {
  RefPtr<PortDispatcher> port;
  zx_status_t s = get_object(handle, ZX_RIGHT_READ, &port);
  if (s != ZX_OK) return s;
  if (!user_range_ok(packet.addr(), sizeof(zx_port_packet_t)) || packet.is_null())
    return ZX_ERR_INVALID_ARGS;
  zx_port_packet_t p;
  s = port->wait(to_deadline(deadline), &p);
  if (s != ZX_OK) return s;
  return packet.copy_to_user(&p, sizeof(p));
}

zx_status_t sys_port_cancel(zx_handle_t handle, zx_handle_t source, uint64_t key) {
  RefPtr<PortDispatcher> port;
  zx_status_t s = get_object(handle, ZX_RIGHT_WRITE, &port);
  if (s != ZX_OK) return s;
  RefPtr<Dispatcher> obj;
  s = up()->handles().get(source, ZX_OBJ_TYPE_NONE, 0, &obj);
  if (s != ZX_OK) return s;
  return port->cancel(obj.get(), key);
}

zx_status_t sys_object_wait_async(zx_handle_t handle, zx_handle_t port_handle, uint64_t key,
                                  zx_signals_t signals, uint32_t options) {
  RefPtr<Dispatcher> obj;
  zx_status_t s = up()->handles().get(handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_WAIT, &obj);
  if (s != ZX_OK) return s;
  RefPtr<PortDispatcher> port;
  s = get_object(port_handle, ZX_RIGHT_WRITE, &port);
  if (s != ZX_OK) return s;
  return port->wait_async(obj.get(), &up()->handles(), handle, key, signals, options);
}
