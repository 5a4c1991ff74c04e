// Object signals and the observers that wait on them (see dispatcher.h). All of it lives under
// g_sched_lock, the lock that also guards wait queues, so a signal change and the wakeup of
// its waiters are one atomic step: a waiter can never check, miss a change, and then sleep.
#include "kernel/object/dispatcher.h"
#include "kernel/sched.h"
#include "kernel/wait_queue.h"

zx_signals_t Dispatcher::signals() const {
  SchedGuard g;
  return signals_;
}

void Dispatcher::update_signals(zx_signals_t clear, zx_signals_t set) {
  SchedGuard g;
  zx_signals_t before = signals_;
  signals_ = (signals_ & ~clear) | set;
  zx_signals_t raised = signals_ & ~before;
  if (!raised) return;
  for (SignalObserver* o = observers_.front(); o;) {
    SignalObserver* next = observers_.next(o);  // on_signal may unlink o
    if (o->mask & raised) {
      if (o->on_signal)
        o->on_signal(o, signals_);
      else
        o->wq->wake_all(ZX_OK);
    }
    o = next;
  }
}

void Dispatcher::add_observer_locked(SignalObserver* o) { observers_.push_back(o); }

void Dispatcher::remove_observer_locked(SignalObserver* o) {
  if (o->node.in_list()) observers_.remove(o);
}

void Dispatcher::cancel_waits(const void* owner, uint32_t handle) {
  SchedGuard g;
  for (SignalObserver* o = observers_.front(); o;) {
    SignalObserver* next = observers_.next(o);  // on_cancel may unlink o
    if (o->owner == owner && o->handle == handle) {
      o->canceled = true;
      if (o->on_cancel)
        o->on_cancel(o);
      else
        o->wq->wake_all(ZX_OK);
    }
    o = next;
  }
}

void Dispatcher::release_observers() {
  SchedGuard g;
  // Only asynchronous waits can be left: a thread waiting holds a reference to the object.
  while (SignalObserver* o = observers_.front()) {
    if (o->on_cancel)
      o->on_cancel(o);
    else
      observers_.remove(o);
  }
}

zx_status_t Dispatcher::wait(zx_signals_t mask, uint64_t deadline, zx_signals_t* observed) {
  WaitQueue wq;
  SignalObserver o;
  o.mask = mask;
  o.wq = &wq;
  SchedGuard g;
  add_observer_locked(&o);
  zx_status_t s = ZX_OK;
  while (!(signals_ & mask)) {
    s = wq.block(deadline);
    if (s != ZX_OK) break;
  }
  if (observed) *observed = signals_;
  remove_observer_locked(&o);
  return (signals_ & mask) ? ZX_OK : s;
}
