// Reference counting for kernel objects. An object that handles, mappings or other objects
// share derives from RefCounted<T>; RefPtr<T> holds one reference and drops it when it goes
// away. The last reference deletes the object (through its virtual destructor when it has one),
// or hands it to the object's on_last_reference() when it defines one (see RefPtr::destroy).
//
// Two ways in, kept apart so that a mistake shows at once: adopt(new T) makes the first
// reference to a fresh object (its count must be 0), and RefPtr(p) takes one more reference to
// an object someone already holds (its count must not be 0). Adopting a shared object, or
// wrapping a fresh one as if shared, panics instead of leaking or freeing early (checked with
// the lock checks, KERNEL_LOCK_CHECKS: every build but `make bench`'s).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/lock_order.h"  // KERNEL_LOCK_CHECKS
#include "kernel/panic.h"

template <typename T>
class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;

  void add_ref() const { __atomic_fetch_add(&ref_count_, 1, __ATOMIC_RELAXED); }
  // Takes a reference unless the count already reached zero (the object is being destroyed):
  // for finding objects through a list that does not own them.
  bool try_add_ref() const {
    uint32_t c = __atomic_load_n(&ref_count_, __ATOMIC_RELAXED);
    while (c != 0) {
      if (__atomic_compare_exchange_n(&ref_count_, &c, c + 1, true, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED))
        return true;
    }
    return false;
  }
  // Returns true when this was the last reference (the caller deletes the object).
  bool release() const { return __atomic_fetch_sub(&ref_count_, 1, __ATOMIC_ACQ_REL) == 1; }
  uint32_t ref_count() const { return __atomic_load_n(&ref_count_, __ATOMIC_RELAXED); }

 protected:
  ~RefCounted() = default;

 private:
  mutable uint32_t ref_count_ = 0;
};

template <typename T>
class RefPtr {
 public:
  constexpr RefPtr() = default;
  constexpr RefPtr(decltype(nullptr)) {}
  // Takes one more reference to p, which someone already holds (for a fresh object: adopt).
  explicit RefPtr(T* p) : p_(p) {
    if (p_) {
#if KERNEL_LOCK_CHECKS
      if (p_->ref_count() == 0) panic("RefPtr(p) of an object nobody holds: adopt it");
#endif
      p_->add_ref();
    }
  }
  RefPtr(const RefPtr& o) : p_(o.p_) {
    if (p_) p_->add_ref();
  }
  template <typename U>
  RefPtr(const RefPtr<U>& o) : p_(o.get()) {
    if (p_) p_->add_ref();
  }
  RefPtr(RefPtr&& o) : p_(o.p_) { o.p_ = nullptr; }
  template <typename U>
  RefPtr(RefPtr<U>&& o) : p_(o.leak()) {}
  ~RefPtr() { reset(); }

  RefPtr& operator=(const RefPtr& o) {
    RefPtr tmp(o);
    swap(tmp);
    return *this;
  }
  RefPtr& operator=(RefPtr&& o) {
    RefPtr tmp(o.leak(), kTakeExisting);
    swap(tmp);
    return *this;
  }
  RefPtr& operator=(decltype(nullptr)) {
    reset();
    return *this;
  }

  // Wraps a reference the caller already holds (from try_add_ref) without taking another.
  static RefPtr take_existing(T* p) { return RefPtr(p, kTakeExisting); }

  // Gives up the reference without dropping it; the caller owns it (see take_existing).
  [[nodiscard]] T* leak() {
    T* p = p_;
    p_ = nullptr;
    return p;
  }

  void reset() {
    T* p = p_;
    p_ = nullptr;
    if (p && p->release()) destroy(p);
  }
  void swap(RefPtr& o) {
    T* t = p_;
    p_ = o.p_;
    o.p_ = t;
  }
  // The last reference is gone. A type whose destruction can drop the last reference to
  // another object of its kind, and so on without end (a message holding a channel holding
  // messages...), provides on_last_reference() to defer the delete to a worklist instead of
  // nesting one destructor per link (kernel/object/dispatcher.h).
  static void destroy(T* p) {
    if constexpr (requires { p->on_last_reference(); })
      p->on_last_reference();
    else
      delete p;
  }

  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  bool operator==(const RefPtr& o) const { return p_ == o.p_; }
  bool operator!=(const RefPtr& o) const { return p_ != o.p_; }

 private:
  template <typename U>
  friend RefPtr<U> adopt(U* p);
  enum TakeExisting { kTakeExisting };
  RefPtr(T* p, TakeExisting) : p_(p) {}

  T* p_ = nullptr;
};

// Wraps a freshly allocated object (reference count 0) into its first RefPtr. Null stays null
// (an allocation that failed), so `auto r = adopt(new T); if (!r) ...` works.
template <typename T>
RefPtr<T> adopt(T* p) {
  if (p) {
#if KERNEL_LOCK_CHECKS
    if (p->ref_count() != 0) panic("adopt() of an object already held: use RefPtr(p)");
#endif
    p->add_ref();
  }
  return RefPtr<T>(p, RefPtr<T>::kTakeExisting);
}

// Hands a RefPtr's reference on (the source becomes null): `*out = move(ref)`.
template <typename T>
constexpr RefPtr<T>&& move(RefPtr<T>& p) {
  return static_cast<RefPtr<T>&&>(p);
}
