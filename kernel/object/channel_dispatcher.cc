// Channels (see channel_dispatcher.h). Both endpoints share one spinlock, so a write and the
// peer's close cannot interleave: a message is either queued before the close (and dropped
// with the queue) or refused with ZX_ERR_PEER_CLOSED.
#include "kernel/object/channel_dispatcher.h"

#include "kernel/lab.h"
#include "mm/heap.h"

MessagePacket* MessagePacket::create(uint32_t num_bytes, uint32_t max_handles) {
  // Header, then the handle slots, then the bytes; small messages all get a small block.
  size_t payload = size_t{max_handles} * sizeof(MessageHandle) + num_bytes;
  size_t capacity = payload <= kMessageSmallCapacity ? kMessageSmallCapacity : payload;
  void* block = kmalloc(sizeof(MessagePacket) + capacity);
  if (!block) return nullptr;
  return init(block, static_cast<uint32_t>(capacity), num_bytes, max_handles);
}

void MessagePacket::destroy(MessagePacket* m) {
  m->close_handles();
  kfree(m);  // the header holds nothing to destroy
}

ChannelDispatcher::Shared::~Shared() { kfree(spare); }

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
    SpinLockGuard g(shared_->lock);
    peer = peer_;
    // Our callers will get no reply now; nor will the peer's, whose replies we would write.
    // As Zircon: ours lost the handle they called through (ZX_ERR_CANCELED), the peer's lost
    // their peer. (Only on_zero_handles finds callers of ours: each holds a reference.)
    while (ChannelCallWaiter* w = callers_.pop_front()) {
      w->status = ZX_ERR_CANCELED;
      w->done.signal();
    }
    if (peer) {
      while (ChannelCallWaiter* w = peer->callers_.pop_front()) {
        w->status = ZX_ERR_PEER_CLOSED;
        w->done.signal();
      }
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

namespace {
uint32_t txid_of(const MessagePacket* m) {
  if (m->num_bytes < 4) return 0;
  return m->bytes[0] | m->bytes[1] << 8 | m->bytes[2] << 16 |
         static_cast<uint32_t>(m->bytes[3]) << 24;
}
}  // namespace

zx_status_t ChannelDispatcher::write(MessagePacket* m) {
  SpinLockGuard g(shared_->lock);
  // LAB 6 SOLUTION BEGIN
  if (!peer_) return ZX_ERR_PEER_CLOSED;
  // A reply a caller on the other side is waiting for goes straight to it.
  uint32_t txid = txid_of(m);
  if (txid) {
    for (ChannelCallWaiter* w : peer_->callers_) {
      if (w->txid == txid && !w->reply) {
        peer_->callers_.remove(w);
        w->reply = m;
        w->done.signal();
        return ZX_OK;
      }
    }
  }
  if (peer_->queue_.size() >= kChannelMaxQueued) return ZX_ERR_SHOULD_WAIT;
  peer_->queue_.push_back(m);
  peer_->update_signals(0, ZX_CHANNEL_READABLE);
  return ZX_OK;
  // LAB 6 SOLUTION END
  // LAB 6 STUB BEGIN
  // (void)m;
  // (void)txid_of;
  // lab_todo(6, "ChannelDispatcher::write");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 6 STUB END
}

zx_status_t ChannelDispatcher::call(MessagePacket* m, uint64_t deadline, MessagePacket** reply) {
  ChannelCallWaiter w;
  w.txid = txid_of(m);
  zx_status_t early;
  {
    SpinLockGuard g(shared_->lock);
    early = !peer_                                      ? ZX_ERR_PEER_CLOSED
            : peer_->queue_.size() >= kChannelMaxQueued ? ZX_ERR_SHOULD_WAIT
                                                        : ZX_OK;
    if (early == ZX_OK) {
      callers_.push_back(&w);  // before the write, so no reply can slip past us
      peer_->queue_.push_back(m);
      peer_->update_signals(0, ZX_CHANNEL_READABLE);
    }
  }
  if (early != ZX_OK) {
    MessagePacket::destroy(m);  // outside the lock: its handles may be channel ends
    return early;
  }
  zx_status_t s = w.done.wait(deadline, /*interruptible=*/true);
  SpinLockGuard g(shared_->lock);
  if (w.node.in_list()) callers_.remove(&w);
  if (w.reply) {  // arrived, perhaps just as the wait ended
    *reply = w.reply;
    return ZX_OK;
  }
  return s == ZX_OK ? w.status : s;
}

zx_status_t ChannelDispatcher::read(uint32_t max_bytes, uint32_t max_handles, MessagePacket** out,
                                    uint32_t* need_bytes, uint32_t* need_handles) {
  SpinLockGuard g(shared_->lock);
  // LAB 6 SOLUTION BEGIN
  MessagePacket* m = queue_.front();
  if (!m) return peer_ ? ZX_ERR_SHOULD_WAIT : ZX_ERR_PEER_CLOSED;
  *need_bytes = m->num_bytes;
  *need_handles = m->num_handles;
  if (m->num_bytes > max_bytes || m->num_handles > max_handles) return ZX_ERR_BUFFER_TOO_SMALL;
  queue_.remove(m);
  if (queue_.empty()) update_signals(ZX_CHANNEL_READABLE, 0);
  *out = m;
  return ZX_OK;
  // LAB 6 SOLUTION END
  // LAB 6 STUB BEGIN
  // (void)max_bytes;
  // (void)max_handles;
  // (void)out;
  // *need_bytes = *need_handles = 0;
  // lab_todo(6, "ChannelDispatcher::read");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 6 STUB END
}
