// Interrupt objects (see interrupt_dispatcher.h).
#include "kernel/object/interrupt_dispatcher.h"

#include "kernel/arch/riscv/plic.h"
#include "kernel/timer.h"

zx_status_t InterruptDispatcher::create(uint32_t vector, RefPtr<InterruptDispatcher>* out) {
  auto* d = new InterruptDispatcher(vector);
  if (!d) return ZX_ERR_NO_MEMORY;
  RefPtr<InterruptDispatcher> ref = adopt(d);
  d->packet_.owner = PortPacket::Owner::kKernel;
  if (!plic::is_source(vector)) return ZX_ERR_INVALID_ARGS;
  if (!plic::claim(vector, irq, d)) return ZX_ERR_ALREADY_BOUND;
  d->claimed_ = true;
  plic::unmask(vector);
  *out = move(ref);
  return ZX_OK;
}

InterruptDispatcher::~InterruptDispatcher() {
  destroy();
  if (claimed_) plic::release(vector_);
}

void InterruptDispatcher::on_zero_handles() { destroy(); }

void InterruptDispatcher::irq(void* ctx) {
  auto* self = static_cast<InterruptDispatcher*>(ctx);
  // Quiet until acknowledged: the driver talks to the device first.
  plic::mask(self->vector_);
  bool wake = false;
  {
    SpinLockGuard g(self->lock_);
    if (self->state_ != State::kIdle) return;
    self->timestamp_ = static_cast<int64_t>(current_time());
    if (self->port_) {
      zx_port_packet_t& p = self->packet_.packet;
      p.type = ZX_PKT_TYPE_INTERRUPT;
      p.status = ZX_OK;
      p.interrupt.timestamp = self->timestamp_;
      self->state_ = State::kNeedAck;
      self->port_->queue_kernel(&self->packet_);
    } else {
      self->state_ = State::kTriggered;
      wake = true;
    }
  }
  if (wake) self->fired_.signal();
}

zx_status_t InterruptDispatcher::bind(RefPtr<PortDispatcher> port, uint64_t key) {
  SpinLockGuard g(lock_);
  if (state_ == State::kDestroyed) return ZX_ERR_CANCELED;
  if (port_) return ZX_ERR_ALREADY_BOUND;
  if (waiting_) return ZX_ERR_BAD_STATE;  // a thread is in zx_interrupt_wait
  port_ = move(port);
  packet_.packet = zx_port_packet_t{};
  packet_.packet.key = key;
  if (state_ == State::kTriggered) {
    // It fired before anyone listened: deliver it now.
    packet_.packet.type = ZX_PKT_TYPE_INTERRUPT;
    packet_.packet.interrupt.timestamp = timestamp_;
    state_ = State::kNeedAck;
    port_->queue_kernel(&packet_);
  }
  return ZX_OK;
}

zx_status_t InterruptDispatcher::unbind(PortDispatcher* port) {
  RefPtr<PortDispatcher> old;
  {
    SpinLockGuard g(lock_);
    if (state_ == State::kDestroyed) return ZX_ERR_CANCELED;
    if (!port_ || port_.get() != port) return ZX_ERR_NOT_FOUND;
    port_->withdraw_kernel(&packet_);
    old = move(port_);
    if (state_ == State::kNeedAck) {
      state_ = State::kIdle;
      plic::unmask(vector_);
    }
  }
  return ZX_OK;  // `old` is released here, outside the spinlock
}

zx_status_t InterruptDispatcher::ack() {
  SpinLockGuard g(lock_);
  if (state_ == State::kDestroyed) return ZX_ERR_CANCELED;
  if (!port_) return ZX_ERR_BAD_STATE;  // only bound interrupts are acknowledged
  if (state_ == State::kNeedAck) {
    port_->withdraw_kernel(&packet_);  // an unread packet is stale once acknowledged
    state_ = State::kIdle;
    plic::unmask(vector_);
  }
  return ZX_OK;
}

zx_status_t InterruptDispatcher::wait(int64_t* timestamp) {
  {
    SpinLockGuard g(lock_);
    if (state_ == State::kDestroyed) return ZX_ERR_CANCELED;
    if (port_) return ZX_ERR_BAD_STATE;
    if (waiting_) return ZX_ERR_BAD_STATE;  // one waiter at a time
    waiting_ = true;
    // Waiting again acknowledges the interrupt the last wait returned.
    if (state_ == State::kNeedAck) {
      state_ = State::kIdle;
      plic::unmask(vector_);
    }
  }
  for (;;) {
    zx_status_t s = fired_.wait(kInfiniteTime, /*interruptible=*/true);
    SpinLockGuard g(lock_);
    if (state_ == State::kDestroyed) s = ZX_ERR_CANCELED;
    if (s == ZX_OK && state_ != State::kTriggered) continue;  // a stale wake
    waiting_ = false;
    if (s != ZX_OK) return s;
    state_ = State::kNeedAck;
    *timestamp = timestamp_;
    return ZX_OK;
  }
}

zx_status_t InterruptDispatcher::destroy() {
  RefPtr<PortDispatcher> old;
  {
    SpinLockGuard g(lock_);
    if (state_ == State::kDestroyed) return ZX_ERR_CANCELED;
    state_ = State::kDestroyed;
    if (claimed_) plic::mask(vector_);
    if (port_) {
      port_->withdraw_kernel(&packet_);
      old = move(port_);
    }
  }
  fired_.signal();  // a waiter wakes and sees kDestroyed
  return ZX_OK;
}
