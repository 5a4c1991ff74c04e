// Channels (see channel_dispatcher.h). Both endpoints share one mutex, so a write and the
// peer's close cannot interleave: a message is either queued before the close (and dropped
// with the queue) or refused with ZX_ERR_PEER_CLOSED.
#include "kernel/object/channel_dispatcher.h"

#include "mm/heap.h"

MessagePacket* MessagePacket::create(uint32_t num_bytes) {
  auto* m = new MessagePacket();
  if (!m) return nullptr;
  if (num_bytes) {
    m->bytes = static_cast<uint8_t*>(kmalloc(num_bytes));
    if (!m->bytes) {
      delete m;
      return nullptr;
    }
  }
  m->num_bytes = num_bytes;
  return m;
}

void MessagePacket::destroy(MessagePacket* m) {
  for (uint32_t i = 0; i < m->num_handles; i++) {
    if (m->handles[i].obj) m->handles[i].obj->decrement_handle_count();
    m->handles[i].obj = nullptr;
  }
  kfree(m->bytes);
  delete m;
}

zx_status_t ChannelDispatcher::create(RefPtr<ChannelDispatcher>* a, RefPtr<ChannelDispatcher>* b) {
  auto* shared = new Shared();
  if (!shared) return ZX_ERR_NO_MEMORY;
  RefPtr<Shared> sref(shared);
  auto* x = new ChannelDispatcher(sref);
  auto* y = new ChannelDispatcher(sref);
  if (!x || !y) {
    delete x;
    delete y;
    return ZX_ERR_NO_MEMORY;
  }
  x->peer_ = y;
  y->peer_ = x;
  x->peer_koid_ = y->koid();
  y->peer_koid_ = x->koid();
  *a = RefPtr<ChannelDispatcher>(x);
  *b = RefPtr<ChannelDispatcher>(y);
  x->update_signals(0, ZX_CHANNEL_WRITABLE);
  y->update_signals(0, ZX_CHANNEL_WRITABLE);
  return ZX_OK;
}

ChannelDispatcher::~ChannelDispatcher() { disconnect(); }

void ChannelDispatcher::drain_locked(List<MessagePacket, &MessagePacket::node>* out) {
  while (MessagePacket* m = queue_.pop_front()) out->push_back(m);
}

void ChannelDispatcher::disconnect() {
  List<MessagePacket, &MessagePacket::node> dropped;
  ChannelDispatcher* peer;
  {
    MutexGuard g(shared_->lock);
    peer = peer_;
    if (peer) {
      peer->peer_ = nullptr;
      peer_ = nullptr;
      // Signal under the lock: the peer cannot be destroyed while we hold it.
      peer->update_signals(ZX_CHANNEL_WRITABLE, ZX_CHANNEL_PEER_CLOSED);
    }
    drain_locked(&dropped);
  }
  // Messages (and the handles in them) are dropped without the channel lock: closing a handle
  // to another channel endpoint takes that channel's lock.
  while (MessagePacket* m = dropped.pop_front()) MessagePacket::destroy(m);
}

void ChannelDispatcher::on_zero_handles() { disconnect(); }

zx_status_t ChannelDispatcher::write(MessagePacket* m) {
  MutexGuard g(shared_->lock);
  if (!peer_) return ZX_ERR_PEER_CLOSED;
  if (peer_->queue_.size() >= kChannelMaxQueued) return ZX_ERR_SHOULD_WAIT;
  peer_->queue_.push_back(m);
  peer_->update_signals(0, ZX_CHANNEL_READABLE);
  return ZX_OK;
}

zx_status_t ChannelDispatcher::read(uint32_t max_bytes, uint32_t max_handles, MessagePacket** out,
                                    uint32_t* need_bytes, uint32_t* need_handles) {
  MutexGuard g(shared_->lock);
  MessagePacket* m = queue_.front();
  if (!m) return peer_ ? ZX_ERR_SHOULD_WAIT : ZX_ERR_PEER_CLOSED;
  *need_bytes = m->num_bytes;
  *need_handles = m->num_handles;
  if (m->num_bytes > max_bytes || m->num_handles > max_handles) return ZX_ERR_BUFFER_TOO_SMALL;
  queue_.remove(m);
  if (queue_.empty()) update_signals(ZX_CHANNEL_READABLE, 0);
  *out = m;
  return ZX_OK;
}
