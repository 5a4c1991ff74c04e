// The root resource (see resource_dispatcher.h).
#include "kernel/object/resource_dispatcher.h"

#include "kernel/spinlock.h"

RefPtr<ResourceDispatcher> ResourceDispatcher::root() {
  static SpinLock lock(LockClass::kRootResource);
  static ResourceDispatcher* root = nullptr;
  ResourceDispatcher* r;
  {
    SpinLockGuard g(lock);
    r = root;
  }
  if (!r) {
    // Made outside the lock (allocation may not happen under a spinlock); a racing second
    // maker throws its copy away.
    auto* made = new ResourceDispatcher();
    if (!made) return nullptr;
    made->add_ref();  // the kernel's own reference: the root never goes away
    SpinLockGuard g(lock);
    if (!root) {
      root = made;
      made = nullptr;
    }
    r = root;
    if (made && made->release()) delete made;
  }
  return RefPtr<ResourceDispatcher>(r);
}
