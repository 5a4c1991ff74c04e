// Spinlocks that disable interrupts. A spinlock protects state touched from interrupt handlers
// or other harts for a few instructions; anything longer, or anything that may block, uses a
// Mutex. Debug checks report (a LOCK MISUSE line with a backtrace, counted for tests) and carry
// on instead of hanging: taking a lock this hart already holds, releasing a lock another hart
// holds, taking one with interrupts on, and blocking while holding a spinlock (checked in
// WaitQueue::block).
#pragma once
#include <stdint.h>

#ifdef KERNEL_HOST_TEST
// Host tests run single-threaded; the lock only checks pairing.
class SpinLock {
 public:
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
  ~SpinLockGuard() { l_.release(); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& l_;
};
#else
#include "kernel/arch/riscv/cpu.h"
#include "kernel/arch/riscv/csr.h"

class SpinLock {
 public:
  explicit constexpr SpinLock(const char* name = "spinlock") : name_(name) {}
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  // Interrupts must already be disabled (use SpinLockGuard unless you know they are).
  // The uncontended, correctly used case is inline (a few instructions: system calls take a
  // handful of locks each); anything else, including every misuse report, is out of line.
  void acquire() {
    Cpu* c = this_cpu();
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
    owner_ = -1;
    c->spinlocks_held--;
    __atomic_store_n(&locked_, 0, __ATOMIC_RELEASE);
  }
  bool try_acquire();
  bool held_by_me() const;
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
};

// Disables interrupts, takes the lock, and undoes both at the end of the scope.
class SpinLockGuard {
 public:
  explicit SpinLockGuard(SpinLock& l) : l_(l), irq_(riscv::irq_save()) { l_.acquire(); }
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
