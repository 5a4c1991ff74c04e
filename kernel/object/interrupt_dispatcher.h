// Interrupt objects: a user-mode driver's end of one device interrupt (a PLIC source). The
// kernel does nothing with the device itself: when the source fires, the handler masks it and
// either queues a ZX_PKT_TYPE_INTERRUPT packet on the bound port or wakes the thread in
// zx_interrupt_wait; the source stays masked until the driver has dealt with the device and
// acknowledges (zx_interrupt_ack, or the next zx_interrupt_wait), so a level-triggered device
// cannot storm the hart meanwhile.
//
// States (as Zircon's): idle (armed, unmasked), triggered (fired, not yet taken by a waiter),
// need-ack (taken: packet queued or wait returned; masked), destroyed. The packet is storage in
// the object, so an interrupt can never be lost to a full port.
#pragma once
#include "kernel/mutex.h"
#include "kernel/object/dispatcher.h"
#include "kernel/object/port_dispatcher.h"
#include "kernel/spinlock.h"

class InterruptDispatcher : public Dispatcher {
 public:
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_INTERRUPT;
  zx_obj_type_t type() const override { return kType; }
  ~InterruptDispatcher() override;

  // Takes PLIC source `vector`: ZX_ERR_ALREADY_BOUND if the kernel or another interrupt object
  // has it, ZX_ERR_INVALID_ARGS if there is no such source.
  static zx_status_t create(uint32_t vector, RefPtr<InterruptDispatcher>* out);

  zx_status_t bind(RefPtr<PortDispatcher> port, uint64_t key);
  zx_status_t unbind(PortDispatcher* port);
  zx_status_t wait(int64_t* timestamp);
  zx_status_t ack();
  zx_status_t destroy();

 protected:
  void on_zero_handles() override;

 private:
  enum class State { kIdle, kTriggered, kNeedAck, kDestroyed };
  explicit InterruptDispatcher(uint32_t vector) : vector_(vector) {}
  static void irq(void* ctx);  // interrupt context

  const uint32_t vector_;
  SpinLock lock_{LockClass::kInterrupt};  // taken in interrupt context: a spinlock
  State state_ = State::kIdle;
  int64_t timestamp_ = 0;
  bool waiting_ = false;         // a thread is in wait()
  RefPtr<PortDispatcher> port_;  // set while bound
  PortPacket packet_;            // the one interrupt packet (kernel-owned)
  Event fired_{/*auto_reset=*/true};
  bool claimed_ = false;
};
