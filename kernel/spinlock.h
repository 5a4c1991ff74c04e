// Spinlocks that disable interrupts. A spinlock protects state touched from interrupt handlers
// or other harts for a few instructions; anything longer, or anything that may block, uses a
// Mutex. Debug checks report (a LOCK MISUSE line with a backtrace, counted for tests) and carry
// on instead of hanging: taking a lock this hart already holds, releasing a lock another hart
// holds, taking one with interrupts on, and blocking while holding a spinlock (checked in
// WaitQueue::block). Every lock has a class (kernel/lock_order.h) whose rank orders it against
// the others; with KERNEL_LOCK_CHECKS the order is checked on every acquisition.
#pragma once
#include <stdint.h>

#include "kernel/lock_order.h"

#ifdef KERNEL_HOST_TEST
// Host tests run single-threaded; the lock only checks pairing.
class SpinLock {
 public:
  explicit constexpr SpinLock(LockClass c) : name_(lock_class_name(c)) {}
  explicit constexpr SpinLock(const char* name = "spinlock") : name_(name) {}
  void acquire() { held_ = true; }
  void release() { held_ = false; }
  bool held_by_me() const { return held_; }
  const char* name() const { return name_; }

 private:
  const char* name_;
  bool held_ = false;
};
class SpinLockGuard {
 public:
  explicit SpinLockGuard(SpinLock& l) : l_(l) { l_.acquire(); }
  SpinLockGuard(SpinLock& l, LockNested) : l_(l) { l_.acquire(); }
  ~SpinLockGuard() { l_.release(); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& l_;
};
#else
#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"

#if KERNEL_LOCK_CHECKS
// The spinlocks each hart holds, by class (lock_debug.cc).
extern HeldLocks g_spinlocks_held[kMaxCpus];
#endif

class SpinLock {
 public:
#if KERNEL_LOCK_CHECKS
  explicit constexpr SpinLock(LockClass c) : name_(lock_class_name(c)), class_(c) {}
#else
  explicit constexpr SpinLock(LockClass c) : name_(lock_class_name(c)) {}
#endif
  // Unranked: a lock the order checker ignores (tests' own locks).
  explicit constexpr SpinLock(const char* name = "spinlock") : name_(name) {}
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  // Interrupts must already be disabled (use SpinLockGuard unless you know they are).
  // The uncontended, correctly used case is inline (a few instructions: system calls take a
  // handful of locks each); anything else, including every misuse report, is out of line.
  // `nested`: the caller holds another lock of this class and the code fixes their order
  // (lock_order.h).
  void acquire(bool nested = false) {
    Cpu* c = this_cpu();
#if KERNEL_LOCK_CHECKS
    if (class_ != LockClass::kUnranked)
      lock_order_acquire(g_spinlocks_held[c->num], class_, nested, name_);
#else
    (void)nested;
#endif
    if (__builtin_expect(riscv::irqs_enabled() || (locked_ && owner_ == c->num) ||
                             __atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE),
                         0)) {
      acquire_slow();
      return;
    }
    owner_ = c->num;
    c->spinlocks_held++;
  }
  void release() {
    Cpu* c = this_cpu();
    if (__builtin_expect(!locked_ || owner_ != c->num, 0)) {
      release_misuse();
      return;
    }
#if KERNEL_LOCK_CHECKS
    if (class_ != LockClass::kUnranked) lock_order_release(g_spinlocks_held[c->num], class_);
#endif
    owner_ = -1;
    c->spinlocks_held--;
    __atomic_store_n(&locked_, 0, __ATOMIC_RELEASE);
  }
  bool try_acquire();
  // Inline: every *_locked function asserts it (kernel/lock_assert.h). The owner is only ever
  // this hart's number while this hart holds the lock, so a stale read cannot say yes wrongly.
  bool held_by_me() const { return locked_ && owner_ == this_cpu_num(); }
  const char* name() const { return name_; }

 private:
  // The checks and the spinning of acquire(), for when the inline attempt did not simply succeed.
  // Cold: the compiler then keeps the fast path's values in scratch registers instead of
  // saving callee-saved ones in every function that takes a lock.
  [[gnu::cold]] void acquire_slow();
  [[gnu::cold]] void release_misuse();

  const char* name_;
  volatile uint32_t locked_ = 0;
  volatile int owner_ = -1;  // logical cpu number, for the debug checks
#if KERNEL_LOCK_CHECKS
  LockClass class_ = LockClass::kUnranked;
#endif
};

// Disables interrupts, takes the lock, and undoes both at the end of the scope.
class SpinLockGuard {
 public:
  explicit SpinLockGuard(SpinLock& l) : l_(l), irq_(riscv::irq_save()) { l_.acquire(); }
  // The inner of two locks of one class, in an order the code fixes (lock_order.h).
  SpinLockGuard(SpinLock& l, LockNested) : l_(l), irq_(riscv::irq_save()) { l_.acquire(true); }
  ~SpinLockGuard() {
    l_.release();
    riscv::irq_restore(irq_);
  }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& l_;
  bool irq_;
};
#endif
