// Channels (see channel_dispatcher.h). Both endpoints share one spinlock, so a write and the
// peer's close cannot interleave: a message is either queued before the close (and dropped
// with the queue) or refused with ZX_ERR_PEER_CLOSED.
#include "kernel/object/channel_dispatcher.h"

#include "kernel/lab.h"
#include "kernel/lock_assert.h"
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
  RefPtr<Shared> sref = adopt(shared);
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
  *a = adopt(x);
  *b = adopt(y);
  x->update_signals(0, ZX_CHANNEL_WRITABLE);
  y->update_signals(0, ZX_CHANNEL_WRITABLE);
  return ZX_OK;
}

ChannelDispatcher::~ChannelDispatcher() { disconnect(); }

void ChannelDispatcher::drain_locked(List<MessagePacket, &MessagePacket::node>* out) {
  assert_held(shared_->lock);
  while (MessagePacket* m = queue_.pop_front()) out->push_back(m);
}

void ChannelDispatcher::disconnect() {
  List<MessagePacket, &MessagePacket::node> dropped;
  ChannelDispatcher* peer;
  RefPtr<ChannelDispatcher> suspect;  // the peer, if it may now be unreachable
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
      // With its writer gone, the peer's queue is all it will ever hold. If that holds handles,
      // a cycle may have just lost its last way in (see collect); a dying peer is torn down
      // anyway (try_add_ref fails).
      for (MessagePacket* m : peer->queue_) {
        if (m->num_handles && peer->try_add_ref()) {
          suspect = RefPtr<ChannelDispatcher>::take_existing(peer);
          break;
        }
      }
    }
    drain_locked(&dropped);
  }
  // Messages (and the handles in them) are dropped without the channel lock: closing a handle
  // to another channel endpoint takes that channel's lock.
  while (MessagePacket* m = dropped.pop_front()) MessagePacket::destroy(m);
  if (suspect) suspect->schedule_collect();
}

// ---- Cycles ------------------------------------------------------------------------------------
// A handle queued in a channel is reachable only through that channel's reader. So an endpoint
// can become unreachable while its handle still exists: queued in its own queue after its peer
// closed, or two endpoints queued in each other, or any longer ring. Zircon leaks these; here the
// collector finds them and drops their queues, which closes the handles and frees everything.
//
// When an endpoint's peer closes (the only moment such a structure can lose its last way in:
// a channel endpoint has exactly one handle, since channels lack ZX_RIGHT_DUPLICATE, and a write
// cannot be the last step because the writer still holds the peer), collect() runs from that
// endpoint, as a trial deletion over what it can reach:
//  1. Visit every endpoint reachable from it through peers and the handles in queued messages,
//     counting for each how many of its handles lie in the visited queues ("internal").
//  2. An endpoint with more references than internal handles (plus the collector's own) is held
//     from outside: a handle table, a message in flight, a syscall in progress, an observer.
//     It is live, and so is everything reachable from it, and the peer of anything live (its
//     holder could write to or read from the pair, and would see PEER_CLOSED if we dropped it).
//  3. The rest are garbage: no thread holds them, and the only handles to them lie in queues
//     only garbage can read. Their queues are dropped.
// The pass keeps every visited pair's lock from the moment it visits the pair to the end, so
// what it judges is one consistent state: no message enters or leaves a visited queue and no
// visited endpoint is disconnected meanwhile, and a reference it counts as outside cannot move
// inside. (Nobody else ever holds two pair locks, and passes take g_gc_lock first, so holding
// many cannot deadlock.) A pass visits at most kGcBudget endpoints and looks at most at
// kGcScanBudget queued messages and handles: it runs with interrupts off, and every close of a
// writer whose reader holds handles starts one, so its cost per close must be bounded whatever
// user space built (a queue alone can hold 4096 messages of 64 handles). An unreachable
// structure that a pass cannot see whole is left alone, as Zircon leaves every one
// (docs/objects/channel.md).
namespace {
constexpr uint32_t kGcBudget = 1024;
constexpr uint32_t kGcScanBudget = 1u << 16;
SpinLock g_gc_lock{LockClass::kChannelGc};  // taken before any channel lock, never after
uint64_t g_gc_pass;                         // g_gc_lock
}  // namespace

void ChannelDispatcher::schedule_collect() {
  // The queued step holds a reference (dropped by run_collect).
  add_ref();
  gc_node_.run = &ChannelDispatcher::run_collect;
  gc_node_.owner = this;
  if (!teardown_submit(&gc_node_)) RefPtr<ChannelDispatcher>::take_existing(this);  // queued
}

void ChannelDispatcher::run_collect(TeardownNode* n) {
  RefPtr<ChannelDispatcher> self =
      RefPtr<ChannelDispatcher>::take_existing(static_cast<ChannelDispatcher*>(n->owner));
  self->collect();
}

void ChannelDispatcher::collect() {
  List<MessagePacket, &MessagePacket::node> dropped;
  {
    SpinLockGuard gc(g_gc_lock);
    uint64_t pass = ++g_gc_pass;
    uint32_t visited = 0;
    ChannelDispatcher* tail = nullptr;
    // Each visited endpoint holds one reference of ours, so none can go away during the pass.
    auto visit = [&](ChannelDispatcher* x, bool internal) {
      if (x->gc_pass_ != pass) {
        // Past the budget (or for a peer already dying) the endpoint is not visited: handles
        // in its queue then count as held from outside, which keeps their endpoints live.
        if (visited >= kGcBudget || !x->try_add_ref()) return;
        visited++;
        x->gc_pass_ = pass;
        x->gc_internal_ = 0;
        x->gc_live_ = false;
        x->gc_next_ = nullptr;
        if (tail) tail->gc_next_ = x;
        tail = x;
      }
      if (internal) x->gc_internal_++;
    };
    // Every queued message and handle looked at costs one step of kGcScanBudget; a pass that
    // runs out has not seen everything, so it judges nothing (over: drop no queue).
    uint32_t steps = 0;
    bool over = false;
    auto for_each_queued_channel = [&](ChannelDispatcher* e, auto fn) {
      for (MessagePacket* m : e->queue_) {
        steps += 1 + m->num_handles;
        if (steps > kGcScanBudget) {
          over = true;
          return;
        }
        for (uint32_t i = 0; i < m->num_handles; i++) {
          Dispatcher* d = m->handles[i].obj.get();
          if (d && d->type() == ZX_OBJ_TYPE_CHANNEL) fn(static_cast<ChannelDispatcher*>(d));
        }
      }
    };
    // 1. Visit, locking each pair on first sight (both ends share its lock; interrupts are
    // already off under g_gc_lock). An endpoint's queue and peer are read under its lock, and a
    // handle found in a locked queue keeps its endpoint referenced.
    visit(this, false);
    for (ChannelDispatcher* e = this; e && !over; e = e->gc_next_) {
      if (e->shared_->gc_pass != pass) {
        e->shared_->lock.acquire(/*nested=*/true);  // many pairs, only under g_gc_lock
        e->shared_->gc_pass = pass;
      }
      if (e->peer_) visit(e->peer_, false);
      for_each_queued_channel(e, [&](ChannelDispatcher* x) { visit(x, true); });
    }
    // 2. Roots: references beyond the internal handles, our own one and run_collect's.
    ChannelDispatcher* live = nullptr;
    for (ChannelDispatcher* e = this; e; e = e->gc_next_) {
      uint32_t expected = e->gc_internal_ + 1 + (e == this ? 1 : 0);
      if (e->ref_count() > expected) {
        e->gc_live_ = true;
        e->gc_live_next_ = live;
        live = e;
      }
    }
    // Liveness spreads to peers and to what live queues hold.
    while (ChannelDispatcher* l = over ? nullptr : live) {
      live = l->gc_live_next_;
      auto mark = [&](ChannelDispatcher* x) {
        if (x->gc_pass_ == pass && !x->gc_live_) {
          x->gc_live_ = true;
          x->gc_live_next_ = live;
          live = x;
        }
      };
      if (l->peer_) mark(l->peer_);
      for_each_queued_channel(l, mark);
    }
    // 3. Drop the garbage's queues, unlock, and let our references go (the deletes they may
    // cause are queued teardown steps: collect runs as one, so none runs here).
    for (ChannelDispatcher* e = over ? nullptr : this; e;) {
      ChannelDispatcher* next = e->gc_next_;
      if (!e->gc_live_) {
        e->drain_locked(&dropped);
        e->update_signals(ZX_CHANNEL_READABLE, 0);
      }
      e = next;
    }
    for (ChannelDispatcher* e = this; e;) {
      ChannelDispatcher* next = e->gc_next_;
      if (e->shared_->gc_pass == pass) {
        e->shared_->gc_pass = 0;
        e->shared_->lock.release();
      }
      RefPtr<ChannelDispatcher>::take_existing(e);
      e = next;
    }
  }
  // The garbage's handles are closed outside every lock, as a disconnect does.
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
