// Object signals and the observers that wait on them (see dispatcher.h). Raising a signal and
// everything about observers happen under g_sched_lock, the lock that also guards wait queues,
// so a raise and the wakeup of its waiters are one atomic step: a waiter can never check, miss
// a raise, and then sleep. Clearing wakes nobody, so it is a lock-free atomic AND; for that,
// every write of the signal word is atomic.
#include "kernel/lock_assert.h"
#include "kernel/object/dispatcher.h"
#include "kernel/sched.h"
#include "kernel/wait_queue.h"

zx_signals_t Dispatcher::signals() const { return __atomic_load_n(&signals_, __ATOMIC_ACQUIRE); }

void Dispatcher::raise_signals(zx_signals_t clear, zx_signals_t set) {
  SchedGuard g;
  __atomic_fetch_and(&signals_, ~clear, __ATOMIC_RELAXED);
  zx_signals_t before = __atomic_fetch_or(&signals_, set, __ATOMIC_RELEASE);
  zx_signals_t raised = set & ~before;
  if (!raised) return;
  zx_signals_t now = signals_locked();
  for (SignalObserver* o = observers_.front(); o;) {
    SignalObserver* next = observers_.next(o);  // on_signal may unlink o
    if (o->mask & raised) {
      if (o->on_signal)
        o->on_signal(o, now);
      else
        o->wq->wake_all(ZX_OK);
    }
    o = next;
  }
}

void Dispatcher::add_observer_locked(SignalObserver* o) {
  assert_held(g_sched_lock);
  observers_.push_back(o);
}

void Dispatcher::remove_observer_locked(SignalObserver* o) {
  assert_held(g_sched_lock);
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
  while (!(signals_locked() & mask)) {
    s = wq.block(deadline);
    if (s != ZX_OK) break;
  }
  zx_signals_t now = signals_locked();
  if (observed) *observed = now;
  remove_observer_locked(&o);
  return (now & mask) ? ZX_OK : s;
}
