// Mutex and Event (see mutex.h), both built on wait queues under g_sched_lock.
#include "kernel/mutex.h"

#include "kernel/lock_debug.h"
#include "kernel/sched.h"

void Mutex::lock() {
  SchedGuard g;
  Thread* me = thread_current();
  if (owner_ == me) {
    lock_misuse("mutex locked twice by the same thread (would deadlock)", name_);
    return;
  }
  if (owner_ == nullptr) {
    owner_ = me;
    return;
  }
  // unlock() makes us the owner before waking us.
  while (owner_ != me) {
    if (waiters_.block(kInfiniteTime) == ZX_ERR_NOT_SUPPORTED) break;
  }
}

void Mutex::unlock() {
  SchedGuard g;
  if (owner_ != thread_current()) {
    lock_misuse(owner_ ? "mutex unlocked by a thread that does not own it"
                       : "mutex unlocked while not locked",
                name_);
    return;
  }
  Thread* next = waiters_.wake_one(ZX_OK);
  owner_ = next;
}

bool Mutex::held_by_me() const { return owner_ == thread_current(); }

zx_status_t Event::wait(uint64_t deadline, bool interruptible) {
  SchedGuard g;
  while (!signaled_) {
    zx_status_t s = waiters_.block(deadline, interruptible);
    if (s != ZX_OK) return s;
    if (auto_reset_) return ZX_OK;  // the signal was handed to us alone
  }
  if (auto_reset_) signaled_ = false;
  return ZX_OK;
}

void Event::signal() {
  SchedGuard g;
  if (auto_reset_) {
    if (!waiters_.wake_one(ZX_OK)) signaled_ = true;
    return;
  }
  signaled_ = true;
  waiters_.wake_all(ZX_OK);
}

void Event::unsignal() {
  SchedGuard g;
  signaled_ = false;
}
