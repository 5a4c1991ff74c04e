// The root job (see job_dispatcher.h): made on first use, alive for the life of the kernel.
#include "kernel/object/job_dispatcher.h"

#include "kernel/spinlock.h"

RefPtr<JobDispatcher> JobDispatcher::root() {
  static SpinLock lock(LockClass::kRootJob);
  static JobDispatcher* job = nullptr;
  SpinLockGuard g(lock);
  if (!job) {
    job = new JobDispatcher();
    if (job) job->add_ref();  // the kernel's own reference: never released
  }
  return RefPtr<JobDispatcher>(job);
}
