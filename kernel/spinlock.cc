// Spinlock with misuse checks (see spinlock.h). Test-and-test-and-set: waiters spin reading,
// so a contended lock does not bounce its cache line on every iteration.
#include "kernel/spinlock.h"

#include "kernel/lock_debug.h"

void SpinLock::acquire_slow() {
  Cpu* c = this_cpu();
  if (riscv::irqs_enabled()) lock_misuse("spinlock taken with interrupts enabled", name_);
  if (locked_ && owner_ == c->num) {
    lock_misuse("spinlock taken twice by the same hart (would deadlock)", name_);
    return;
  }
  while (__atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE)) {
    while (__atomic_load_n(&locked_, __ATOMIC_RELAXED)) riscv::pause();
  }
  owner_ = c->num;
  c->spinlocks_held++;
}

bool SpinLock::try_acquire() {
  if (__atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE)) return false;
  owner_ = this_cpu_num();
#if KERNEL_LOCK_CHECKS
  // A try cannot wait, so it cannot deadlock: no order check, but what it holds counts.
  if (class_ != LockClass::kUnranked) lock_order_note(g_spinlocks_held[owner_], class_);
#endif
  this_cpu()->spinlocks_held++;
  return true;
}

void SpinLock::release_misuse() {
  lock_misuse("spinlock released by a hart that does not hold it", name_);
}
