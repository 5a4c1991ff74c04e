// Channel syscalls. Writing moves the handles out of the caller atomically from its point of
// view: all are checked first (valid, ZX_RIGHT_TRANSFER, not the channel itself, no
// duplicates), then all are taken. As in Zircon, the handles are consumed even when the write
// fails.
#include "kernel/gen/syscall_decls.h"
#include "kernel/object/channel_dispatcher.h"
#include "kernel/syscall_helpers.h"

zx_status_t sys_channel_create(uint32_t options, UserOutPtr<zx_handle_t> out0,
                               UserOutPtr<zx_handle_t> out1) {
  if (options != 0) return ZX_ERR_INVALID_ARGS;
  RefPtr<ChannelDispatcher> a, b;
  zx_status_t s = ChannelDispatcher::create(&a, &b);
  if (s != ZX_OK) return s;
  HandleTable& ht = up()->handles();
  zx_handle_t ha, hb;
  s = ht.add(RefPtr<Dispatcher>(a), ZX_DEFAULT_CHANNEL_RIGHTS, &ha);
  if (s != ZX_OK) return s;
  s = ht.add(RefPtr<Dispatcher>(b), ZX_DEFAULT_CHANNEL_RIGHTS, &hb);
  if (s != ZX_OK) {
    ht.remove(ha);
    return s;
  }
  if (out0.copy_to_user(ha) != ZX_OK || out1.copy_to_user(hb) != ZX_OK) {
    ht.remove(ha);
    ht.remove(hb);
    return ZX_ERR_INVALID_ARGS;
  }
  return ZX_OK;
}

zx_status_t sys_channel_write(zx_handle_t handle, uint32_t options, UserInPtr<const void> bytes,
                              uint32_t num_bytes, UserInPtr<const zx_handle_t> handles,
                              uint32_t num_handles) {
  HandleTable& ht = up()->handles();
  zx_handle_t values[kChannelMaxHandles];
  bool have_values = false;
  zx_status_t s = ZX_OK;
  if (num_handles > kChannelMaxHandles) {
    s = ZX_ERR_OUT_OF_RANGE;
  } else if (num_handles) {
    s = handles.copy_from_user(values, num_handles * sizeof(zx_handle_t));
    have_values = s == ZX_OK;
  }
  RefPtr<ChannelDispatcher> ch;
  if (s == ZX_OK && options != 0) s = ZX_ERR_INVALID_ARGS;
  if (s == ZX_OK && num_bytes > kChannelMaxBytes) s = ZX_ERR_OUT_OF_RANGE;
  if (s == ZX_OK) s = get_object(handle, ZX_RIGHT_WRITE, &ch);
  for (uint32_t i = 0; s == ZX_OK && i < num_handles; i++) {
    if (values[i] == handle) {
      s = ZX_ERR_NOT_SUPPORTED;
      break;
    }
    for (uint32_t j = 0; j < i; j++)
      if (values[j] == values[i]) s = ZX_ERR_INVALID_ARGS;
    if (s == ZX_OK) s = ht.get(values[i], ZX_OBJ_TYPE_NONE, ZX_RIGHT_TRANSFER, nullptr);
  }
  MessagePacket* m = nullptr;
  if (s == ZX_OK) {
    m = MessagePacket::create(num_bytes);
    if (!m) s = ZX_ERR_NO_MEMORY;
  }
  if (s == ZX_OK && num_bytes) s = bytes.copy_from_user(m->bytes, num_bytes);
  if (s != ZX_OK) {
    if (m) MessagePacket::destroy(m);
    // Consumed anyway: close every handle that was named (the channel itself excepted).
    for (uint32_t i = 0; have_values && i < num_handles; i++)
      if (values[i] != handle) ht.remove(values[i]);
    return s;
  }
  for (uint32_t i = 0; i < num_handles; i++) {
    RefPtr<Dispatcher> obj;
    zx_rights_t rights;
    // Checked above; a concurrent close in another thread makes this one fail.
    if (ht.remove(values[i], &obj, &rights, /*transferring=*/true) == ZX_OK) {
      m->handles[m->num_handles].obj = static_cast<RefPtr<Dispatcher>&&>(obj);
      m->handles[m->num_handles].rights = rights;
      m->num_handles++;
    }
  }
  s = ch->write(m);
  if (s != ZX_OK) MessagePacket::destroy(m);
  return s;
}

zx_status_t sys_channel_read(zx_handle_t handle, uint32_t options, UserOutPtr<void> bytes,
                             UserOutPtr<zx_handle_t> handles, uint32_t num_bytes,
                             uint32_t num_handles, UserOutPtr<uint32_t> actual_bytes,
                             UserOutPtr<uint32_t> actual_handles) {
  if (options != 0) return ZX_ERR_INVALID_ARGS;
  RefPtr<ChannelDispatcher> ch;
  zx_status_t s = get_object(handle, ZX_RIGHT_READ, &ch);
  if (s != ZX_OK) return s;
  // Check the output pointers before taking a message off the queue.
  if (!user_range_ok(bytes.addr(), num_bytes) ||
      !user_range_ok(handles.addr(), uint64_t{num_handles} * sizeof(zx_handle_t)))
    return ZX_ERR_INVALID_ARGS;
  MessagePacket* m = nullptr;
  uint32_t need_bytes = 0, need_handles = 0;
  s = ch->read(num_bytes, num_handles, &m, &need_bytes, &need_handles);
  if (s == ZX_OK || s == ZX_ERR_BUFFER_TOO_SMALL) {
    if (!actual_bytes.is_null() && actual_bytes.copy_to_user(need_bytes) != ZX_OK)
      s = s == ZX_OK ? ZX_ERR_INVALID_ARGS : s;
    if (!actual_handles.is_null() && actual_handles.copy_to_user(need_handles) != ZX_OK)
      s = s == ZX_OK ? ZX_ERR_INVALID_ARGS : s;
  }
  if (!m) return s;
  // The message is ours now: its handles go into our table, even if copying out fails.
  zx_handle_t values[kChannelMaxHandles];
  HandleTable& ht = up()->handles();
  for (uint32_t i = 0; i < m->num_handles; i++) {
    if (ht.add(m->handles[i].obj, m->handles[i].rights, &values[i], /*transferred=*/true) !=
        ZX_OK) {
      values[i] = ZX_HANDLE_INVALID;
      continue;
    }
    m->handles[i].obj = nullptr;
  }
  zx_status_t cs = ZX_OK;
  if (m->num_bytes) cs = bytes.copy_to_user(m->bytes, m->num_bytes);
  if (cs == ZX_OK && m->num_handles)
    cs = handles.copy_to_user(values, m->num_handles * sizeof(zx_handle_t));
  MessagePacket::destroy(m);
  if (cs != ZX_OK) {
    for (uint32_t i = 0; i < need_handles; i++)
      if (values[i] != ZX_HANDLE_INVALID) ht.remove(values[i]);
    return ZX_ERR_INVALID_ARGS;
  }
  return s;
}
