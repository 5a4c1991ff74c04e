// Channel syscalls. Writing moves the handles out of the caller atomically from its point of
// view: all are checked first (valid, ZX_RIGHT_TRANSFER, not the channel itself, no
// duplicates), then all are taken. As in Zircon, the handles are consumed even when the write
// fails. zx_channel_call writes with a fresh transaction id and waits for the reply with it.
// A written message is charged to the writer's kernel budget until it is read or dropped
// (kernel/object/kernel_charges.h): past it the write fails with ZX_ERR_NO_RESOURCES.
#include "kernel/gen/syscall_decls.h"
#include "kernel/object/channel_dispatcher.h"
#include "kernel/syscalls/syscall_helpers.h"

namespace {
// take_message with handles (see below).
zx_status_t take_message_with_handles(ChannelDispatcher* ch, zx_handle_t self, uint64_t bytes,
                                      uint32_t num_bytes, uint64_t handles, uint32_t num_handles,
                                      MessagePacket** out) {
  *out = nullptr;
  HandleTable& ht = up()->handles();
  zx_handle_t values[ZX_CHANNEL_MAX_MSG_HANDLES];
  bool have_values = false;
  zx_status_t s = ZX_OK;
  if (num_handles > ZX_CHANNEL_MAX_MSG_HANDLES) {
    s = ZX_ERR_OUT_OF_RANGE;
  } else if (num_handles) {
    s = copy_from_user_raw(values, handles, num_handles * sizeof(zx_handle_t));
    have_values = s == ZX_OK;
  }
  if (s == ZX_OK && num_bytes > ZX_CHANNEL_MAX_MSG_BYTES) s = ZX_ERR_OUT_OF_RANGE;
  for (uint32_t i = 0; s == ZX_OK && i < num_handles; i++) {
    if (values[i] == self) {
      s = ZX_ERR_NOT_SUPPORTED;
      break;
    }
    // As Zircon (zx_channel_write's page): a handle named twice is a bad handle.
    for (uint32_t j = 0; j < i; j++)
      if (values[j] == values[i]) s = ZX_ERR_BAD_HANDLE;
    if (s == ZX_OK) s = ht.get(values[i], ZX_OBJ_TYPE_NONE, ZX_RIGHT_TRANSFER, nullptr);
  }
  MessagePacket* m = nullptr;
  if (s == ZX_OK) {
    m = ch ? ch->alloc_message(num_bytes, num_handles)
           : MessagePacket::create(num_bytes, num_handles);
    if (!m) s = ZX_ERR_NO_MEMORY;
  }
  if (s == ZX_OK && num_bytes) s = copy_from_user_raw(m->bytes, bytes, num_bytes);
  if (s != ZX_OK) {
    if (m) MessagePacket::destroy(m);  // it carries no handles yet
    for (uint32_t i = 0; have_values && i < num_handles; i++)
      if (values[i] != self) ht.remove(values[i]);
    return s;
  }
  for (uint32_t i = 0; i < num_handles; i++) {
    RefPtr<Dispatcher> obj;
    zx_rights_t rights;
    // Checked above; a concurrent close in another thread makes this one fail.
    if (ht.remove(values[i], &obj, &rights, /*transferring=*/true) == ZX_OK) {
      m->handles[m->num_handles].obj = move(obj);
      m->handles[m->num_handles].rights = rights;
      m->num_handles++;
    }
  }
  *out = m;
  return ZX_OK;
}

// Builds a message from user memory, taking the handles out of the caller's table. On failure
// every handle named is closed (except `self`, the channel written to) and *out is null. `ch`
// is the channel `self` names (null if it is not one), whose message blocks are used. Messages
// of bytes alone (most of them) take the inline path: the same checks and results as the
// general one with no handles, without its handle-value array and loops.
inline zx_status_t take_message(ChannelDispatcher* ch, zx_handle_t self, uint64_t bytes,
                                uint32_t num_bytes, uint64_t handles, uint32_t num_handles,
                                MessagePacket** out) {
  if (num_handles != 0)
    return take_message_with_handles(ch, self, bytes, num_bytes, handles, num_handles, out);
  *out = nullptr;
  if (num_bytes > ZX_CHANNEL_MAX_MSG_BYTES) return ZX_ERR_OUT_OF_RANGE;
  MessagePacket* m = ch ? ch->alloc_message(num_bytes, 0) : MessagePacket::create(num_bytes);
  if (!m) return ZX_ERR_NO_MEMORY;
  zx_status_t s = num_bytes ? copy_from_user_raw(m->bytes, bytes, num_bytes) : ZX_OK;
  if (s != ZX_OK) {
    MessagePacket::destroy(m);
    return s;
  }
  *out = m;
  return ZX_OK;
}

// Drops a message (closing its handles) made by take_message for `ch`, which may be null.
void drop_message(ChannelDispatcher* ch, MessagePacket* m) {
  if (!m) return;
  if (ch)
    ch->free_message(m);
  else
    MessagePacket::destroy(m);
}

// deliver_message with handles (see below).
zx_status_t deliver_message_with_handles(ChannelDispatcher* ch, MessagePacket* m, uint64_t bytes,
                                         uint64_t handles) {
  zx_handle_t values[ZX_CHANNEL_MAX_MSG_HANDLES];
  HandleTable& ht = up()->handles();
  uint32_t n = m->num_handles;
  for (uint32_t i = 0; i < n; i++) {
    if (ht.add(m->handles[i].obj, m->handles[i].rights, &values[i], /*transferred=*/true) !=
        ZX_OK) {
      values[i] = ZX_HANDLE_INVALID;
      continue;
    }
    m->handles[i].obj = nullptr;
  }
  zx_status_t s = ZX_OK;
  if (m->num_bytes) s = copy_to_user_raw(bytes, m->bytes, m->num_bytes);
  if (s == ZX_OK && n) s = copy_to_user_raw(handles, values, n * sizeof(zx_handle_t));
  ch->free_message(m);
  if (s != ZX_OK) {
    for (uint32_t i = 0; i < n; i++)
      if (values[i] != ZX_HANDLE_INVALID) ht.remove(values[i]);
    return ZX_ERR_INVALID_ARGS;
  }
  return ZX_OK;
}

// Hands a message received on `ch` to the caller: its handles go into the caller's table, its
// bytes and handle values to user memory; the message is consumed either way. Messages of bytes
// alone take the inline path (the general one's results, without its array and loops).
inline zx_status_t deliver_message(ChannelDispatcher* ch, MessagePacket* m, uint64_t bytes,
                                   uint64_t handles) {
  if (m->num_handles != 0) return deliver_message_with_handles(ch, m, bytes, handles);
  zx_status_t s = m->num_bytes ? copy_to_user_raw(bytes, m->bytes, m->num_bytes) : ZX_OK;
  ch->free_message(m);
  return s == ZX_OK ? ZX_OK : ZX_ERR_INVALID_ARGS;
}
}  // namespace

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
  RefPtr<ChannelDispatcher> ch;
  zx_status_t s = options != 0 ? ZX_ERR_INVALID_ARGS : get_object(handle, ZX_RIGHT_WRITE, &ch);
  MessagePacket* m = nullptr;
  // The handles are consumed even when the channel handle is bad (so check it alongside).
  zx_status_t ms =
      take_message(ch.get(), handle, bytes.addr(), num_bytes, handles.addr(), num_handles, &m);
  if (s == ZX_OK) s = ms;
  if (s == ZX_OK) s = m->charge();
  if (s != ZX_OK) {
    drop_message(ch.get(), m);
    return s;
  }
  s = ch->write(m);
  if (s != ZX_OK) ch->free_message(m);
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
  zx_status_t ds = deliver_message(ch.get(), m, bytes.addr(), handles.addr());
  return ds != ZX_OK ? ds : s;
}

zx_status_t sys_channel_call(zx_handle_t handle, uint32_t options, zx_time_t deadline,
                             UserInPtr<const zx_channel_call_args_t> args,
                             UserOutPtr<uint32_t> actual_bytes,
                             UserOutPtr<uint32_t> actual_handles) {
  zx_channel_call_args_t a;
  zx_status_t s = args.copy_from_user(&a, sizeof(a));
  if (s != ZX_OK) return s;
  RefPtr<ChannelDispatcher> ch;
  s = options != 0 ? ZX_ERR_INVALID_ARGS : get_object(handle, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &ch);
  if (s == ZX_OK && a.wr_num_bytes < sizeof(uint32_t)) s = ZX_ERR_INVALID_ARGS;
  if (s == ZX_OK &&
      (!user_range_ok(a.rd_bytes, a.rd_num_bytes) ||
       !user_range_ok(a.rd_handles, uint64_t{a.rd_num_handles} * sizeof(zx_handle_t))))
    s = ZX_ERR_INVALID_ARGS;
  MessagePacket* m = nullptr;
  zx_status_t ms = take_message(ch.get(), handle, a.wr_bytes, a.wr_num_bytes, a.wr_handles,
                                a.wr_num_handles, &m);
  if (s == ZX_OK) s = ms;
  if (s == ZX_OK) s = m->charge();
  if (s != ZX_OK) {
    drop_message(ch.get(), m);
    return s;
  }
  // Kernel-made transaction ids have the top bit set (as Zircon's), never 0.
  static uint32_t next_txid = 0;
  uint32_t txid = 0x80000000u | (__atomic_add_fetch(&next_txid, 1, __ATOMIC_RELAXED) & 0x7fffffffu);
  for (int i = 0; i < 4; i++) m->bytes[i] = static_cast<uint8_t>(txid >> (8 * i));
  MessagePacket* reply = nullptr;
  s = ch->call(m, to_deadline(deadline), &reply);
  if (s != ZX_OK) return s;  // call() took the message either way
  uint32_t nb = reply->num_bytes, nh = reply->num_handles;
  if (!actual_bytes.is_null() && actual_bytes.copy_to_user(nb) != ZX_OK) s = ZX_ERR_INVALID_ARGS;
  if (!actual_handles.is_null() && actual_handles.copy_to_user(nh) != ZX_OK)
    s = ZX_ERR_INVALID_ARGS;
  if (s == ZX_OK && (nb > a.rd_num_bytes || nh > a.rd_num_handles)) s = ZX_ERR_BUFFER_TOO_SMALL;
  if (s != ZX_OK) {
    ch->free_message(reply);  // the reply is discarded (its handles closed)
    return s;
  }
  return deliver_message(ch.get(), reply, a.rd_bytes, a.rd_handles);
}
