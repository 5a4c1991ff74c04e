// The base of every kernel object a handle can name (Zircon calls them dispatchers): a type, a
// kernel object id (koid) unique for the life of the system, a reference count shared by
// handles and internal users, a count of the handles naming it (an object learns when the last
// one closes: a channel's peer then sees PEER_CLOSED), and a set of signals that threads wait
// on through observers.
#pragma once
#include <stdint.h>

#include "kernel/gen/abi.h"
#include "kernel/lib/list.h"
#include "kernel/lib/ref_ptr.h"
#include "kernel/status.h"
#ifndef KERNEL_HOST_TEST
#include "kernel/lock_assert.h"
#include "kernel/sched.h"
#endif

class WaitQueue;

// A waiter's interest in an object's signals. The waiting thread owns it (on its stack) and
// links it to the object for the duration of the wait; everything here is under g_sched_lock.
struct SignalObserver {
  ListNode node;
  zx_signals_t mask = 0;
  WaitQueue* wq = nullptr;      // woken when a masked signal becomes active or on cancel
  const void* owner = nullptr;  // the handle table the wait came through (for cancel on close)
  uint32_t handle = 0;
  bool canceled = false;
  // An asynchronous wait (zx_object_wait_async) sets these: they run, with g_sched_lock held,
  // instead of waking `wq` — when a masked signal becomes active, when the handle it came through
  // is closed, and when the object goes away. They may unlink and free the observer.
  void (*on_signal)(SignalObserver* o, zx_signals_t current) = nullptr;
  void (*on_cancel)(SignalObserver* o) = nullptr;
};

// One step of object teardown queued on a thread's worklist (see Dispatcher, "Teardown").
struct TeardownNode {
  TeardownNode* next = nullptr;
  void (*run)(TeardownNode* n) = nullptr;
  void* owner = nullptr;
  uint32_t queued = 0;  // atomic: on some thread's worklist now
};

// Runs n->run(n) now if no teardown is running on this thread, else queues it to run when the
// running one has finished. Returns false, doing nothing, when the node is already on a worklist
// (the step will run from there).
bool teardown_submit(TeardownNode* n);

class Dispatcher : public RefCounted<Dispatcher> {
 public:
  virtual ~Dispatcher();
  virtual zx_obj_type_t type() const = 0;
  zx_koid_t koid() const { return koid_; }
  // The koid of the object's peer or owner, for ZX_INFO_HANDLE_BASIC (0 if none).
  virtual zx_koid_t related_koid() const { return 0; }

  // Handle counting (the handle table calls these).
  void increment_handle_count() { __atomic_fetch_add(&handle_count_, 1, __ATOMIC_RELAXED); }
  void decrement_handle_count() {
    if (__atomic_fetch_sub(&handle_count_, 1, __ATOMIC_ACQ_REL) == 1) zero_handles();
  }
  uint32_t handle_count() const { return __atomic_load_n(&handle_count_, __ATOMIC_RELAXED); }

  // Signals. Objects without signals of their own still carry the user signals.
  zx_signals_t signals() const;
  // With g_sched_lock held, no signal is raised meanwhile (clears may still happen: see
  // update_signals).
  zx_signals_t signals_locked() const {
#ifndef KERNEL_HOST_TEST
    assert_held(g_sched_lock);
#endif
    return __atomic_load_n(&signals_, __ATOMIC_RELAXED);
  }
  void update_signals(zx_signals_t clear, zx_signals_t set) {
    if (set == 0) {
      // Clearing alone wakes nobody, so it needs no g_sched_lock: an atomic AND orders it with
      // every other update (they are atomic too). A waiter that looked just before still saw
      // the signal, which is the same as having looked before the clear.
      __atomic_fetch_and(&signals_, ~clear, __ATOMIC_RELEASE);
      return;
    }
    raise_signals(clear, set);
  }
  // Which signals zx_object_signal may change on this object.
  virtual zx_signals_t user_settable_signals() const { return ZX_USER_SIGNAL_ALL; }

  // g_sched_lock held: observers.
  void add_observer_locked(SignalObserver* o);
  void remove_observer_locked(SignalObserver* o);
  // Teardown. Closing the last handle to an object, or dropping its last reference, can
  // close or drop others (a channel's queued messages hold handles to channels that hold
  // messages...), as deep as user space cared to build. So neither runs nested: the first one on
  // a thread runs at once, and each one it sets off is queued on that thread's worklist and run
  // after it, in a loop. The stack holds at most two teardown steps whatever the depth
  // (docs/architecture.md, "Recursion"). RefPtr calls this for the last reference.
  void on_last_reference();

  // Blocks the calling kernel thread until one of `mask` is active or the deadline passes.
  zx_status_t wait(zx_signals_t mask, uint64_t deadline, zx_signals_t* observed = nullptr);
  // Wakes every wait made through `handle` of `owner` with ZX_ERR_CANCELED (handle closed).
  void cancel_waits(const void* owner, uint32_t handle);
  // The object is going away: asynchronous waits still registered on it are cancelled.
  void release_observers();

 protected:
  Dispatcher();
  // The last handle went away (the object may live on through other references). It runs
  // from the teardown worklist, perhaps after other teardown steps of the same thread.
  virtual void on_zero_handles() {}

 private:
  void zero_handles();
  static void run_zero_handles(TeardownNode* n);
  static void run_delete(TeardownNode* n);

  // update_signals with signals to set: under g_sched_lock, waking the observers of raised ones.
  void raise_signals(zx_signals_t clear, zx_signals_t set);

  zx_koid_t koid_;
  uint32_t handle_count_ = 0;
  zx_signals_t signals_ = 0;  // atomic; raised only under g_sched_lock (see update_signals)
  List<SignalObserver, &SignalObserver::node> observers_;  // g_sched_lock
  TeardownNode zero_node_;    // on_zero_handles pending (holding a reference)
  TeardownNode delete_node_;  // the delete pending
};

// The next kernel object id (ids start at 1024 as in Zircon; 0 is ZX_KOID_INVALID).
zx_koid_t koid_generate();
