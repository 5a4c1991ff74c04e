// Ports (see port_dispatcher.h).
#include "kernel/object/port_dispatcher.h"

#include "kernel/lab.h"
#include "kernel/lock_assert.h"
#include "kernel/sched.h"
#include "kernel/timer.h"
#include "mm/heap.h"

PortDispatcher::~PortDispatcher() {
  SchedGuard g;
  drain_locked();
}

void PortDispatcher::on_zero_handles() {
  // Nobody can read this port any more: stop every wait that would send to it, and tell the
  // kernel clients (their waiters must not sleep for an answer that cannot come).
  {
    SchedGuard g;
    closed_ = true;
    drain_locked();
  }
  MutexGuard g(clients_lock_);
  clients_closed_ = true;
  for (PortClient* c : clients_) c->on_port_closed();
}

bool PortDispatcher::add_client(PortClient* c) {
  MutexGuard g(clients_lock_);
  if (clients_closed_) return false;
  clients_.push_back(c);
  return true;
}

void PortDispatcher::remove_client(PortClient* c) {
  MutexGuard g(clients_lock_);
  if (c->port_client_node.in_list()) clients_.remove(c);
}

void PortDispatcher::drain_locked() {
  assert_held(g_sched_lock);
  while (PortObserver* po = observers_.front()) free_observer_locked(po);
  while (PortPacket* p = queue_.pop_front()) {
    if (p->owner == PortPacket::Owner::kUser) delete p;  // kernel packets stay their owners'
  }
  user_packets_ = 0;
}

void PortDispatcher::free_observer_locked(PortObserver* po) {
  assert_held(g_sched_lock);
  if (po->obs.node.in_list()) po->target->remove_observer_locked(&po->obs);
  if (po->packet.node.in_list()) queue_.remove(&po->packet);
  observers_.remove(po);
  delete po;
}

void PortDispatcher::queue_kernel(PortPacket* p) {
  SchedGuard g;
  if (p->node.in_list() || closed_) return;
  queue_.push_back(p);
  waiters_.wake_one(ZX_OK);
}

void PortDispatcher::withdraw_kernel(PortPacket* p) {
  SchedGuard g;
  if (p->node.in_list()) queue_.remove(p);
}

size_t PortDispatcher::queued() const {
  SchedGuard g;
  return queue_.size();
}

zx_status_t PortDispatcher::queue_user(const zx_port_packet_t& p) {
  auto* pk = new PortPacket();
  if (!pk) return ZX_ERR_NO_MEMORY;
  if (pk->charge.take(KernelAccount::kPacket, sizeof(PortPacket)) != ZX_OK) {
    delete pk;
    return ZX_ERR_NO_RESOURCES;
  }
  pk->owner = PortPacket::Owner::kUser;
  pk->packet = p;
  pk->packet.type = ZX_PKT_TYPE_USER;
  SchedGuard g;
  if (user_packets_ >= kMaxUserPackets || closed_) {
    delete pk;
    return ZX_ERR_SHOULD_WAIT;
  }
  user_packets_++;
  queue_.push_back(pk);
  waiters_.wake_one(ZX_OK);
  return ZX_OK;
}

zx_status_t PortDispatcher::wait(uint64_t deadline, zx_port_packet_t* out) {
  PortPacket* user = nullptr;
  {
    SchedGuard g;
    // LAB 6 SOLUTION BEGIN
    while (queue_.empty()) {
      zx_status_t s = waiters_.block(deadline, /*interruptible=*/true);
      if (s != ZX_OK) return s;
    }
    PortPacket* p = queue_.pop_front();
    *out = p->packet;
    if (p->owner == PortPacket::Owner::kUser) {
      user_packets_--;
      user = p;
    } else if (p->owner == PortPacket::Owner::kObserver) {
      // A fired wait is done once its packet is read.
      auto* po = reinterpret_cast<PortObserver*>(reinterpret_cast<char*>(p) -
                                                 __builtin_offsetof(PortObserver, packet));
      free_observer_locked(po);
    }
    // LAB 6 SOLUTION END
    // LAB 6 STUB BEGIN
    // (void)deadline;
    // (void)out;
    // lab_todo(6, "PortDispatcher::wait");
    // return ZX_ERR_NOT_SUPPORTED;
    // LAB 6 STUB END
  }
  delete user;
  return ZX_OK;
}

void PortDispatcher::fire(SignalObserver* o, zx_signals_t current) {
  auto* po = reinterpret_cast<PortObserver*>(o);
  // LAB 6 SOLUTION BEGIN
  if (po->fired) return;
  po->fired = true;
  zx_port_packet_t& pk = po->packet.packet;
  pk.type = ZX_PKT_TYPE_SIGNAL_ONE;
  pk.status = ZX_OK;
  pk.signal.trigger = o->mask;
  pk.signal.observed = current;
  pk.signal.count = 1;
  pk.signal.timestamp = (po->options & ZX_WAIT_ASYNC_TIMESTAMP) ? current_time() : 0;
  po->port->queue_.push_back(&po->packet);
  po->port->waiters_.wake_one(ZX_OK);
  // LAB 6 SOLUTION END
  // LAB 6 STUB BEGIN
  // (void)po;
  // (void)current;
  // lab_todo(6, "PortDispatcher::fire (queue an asynchronous wait's packet)");
  // LAB 6 STUB END
}

void PortDispatcher::cancel_observer(SignalObserver* o) {
  auto* po = reinterpret_cast<PortObserver*>(o);
  po->port->free_observer_locked(po);
}

zx_status_t PortDispatcher::wait_async(Dispatcher* target, const void* owner, uint32_t handle,
                                       uint64_t key, zx_signals_t signals, uint32_t options) {
  if (options & ~(ZX_WAIT_ASYNC_TIMESTAMP | ZX_WAIT_ASYNC_EDGE)) return ZX_ERR_INVALID_ARGS;
  auto* po = new PortObserver();
  if (!po) return ZX_ERR_NO_MEMORY;
  if (po->charge.take(KernelAccount::kObserver, sizeof(PortObserver)) != ZX_OK) {
    delete po;
    return ZX_ERR_NO_RESOURCES;
  }
  po->obs.mask = signals;
  po->obs.owner = owner;
  po->obs.handle = handle;
  po->obs.on_signal = fire;
  po->obs.on_cancel = cancel_observer;
  po->port = this;
  po->target = target;
  po->options = options;
  po->packet.packet.key = key;
  SchedGuard g;
  if (closed_ || observers_.size() >= kMaxObservers) {
    zx_status_t s = closed_ ? ZX_ERR_BAD_STATE : ZX_ERR_SHOULD_WAIT;
    delete po;
    return s;
  }
  observers_.push_back(po);
  target->add_observer_locked(&po->obs);
  // Level triggered unless asked otherwise: a signal already active fires at once.
  zx_signals_t now = target->signals_locked();
  if (!(options & ZX_WAIT_ASYNC_EDGE) && (now & signals)) fire(&po->obs, now);
  return ZX_OK;
}

zx_status_t PortDispatcher::cancel(Dispatcher* target, uint64_t key) {
  SchedGuard g;
  bool any = false;
  for (PortObserver* po = observers_.front(); po;) {
    PortObserver* next = observers_.next(po);
    if (po->target == target && po->packet.packet.key == key) {
      free_observer_locked(po);
      any = true;
    }
    po = next;
  }
  return any ? ZX_OK : ZX_ERR_NOT_FOUND;
}
