// Reference counting for kernel objects. An object that handles, mappings or other objects
// share derives from RefCounted<T>; RefPtr<T> holds one reference and drops it when it goes
// away. The last reference deletes the object (through its virtual destructor when it has one),
// or hands it to the object's on_last_reference() when it defines one (see RefPtr::destroy).
#pragma once
#include <stddef.h>
#include <stdint.h>

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
  // Takes a new reference to p.
  explicit RefPtr(T* p) : p_(p) {
    if (p_) p_->add_ref();
  }
  RefPtr(const RefPtr& o) : RefPtr(o.p_) {}
  template <typename U>
  RefPtr(const RefPtr<U>& o) : RefPtr(o.get()) {}
  RefPtr(RefPtr&& o) : p_(o.p_) { o.p_ = nullptr; }
  ~RefPtr() { reset(); }

  RefPtr& operator=(const RefPtr& o) {
    RefPtr tmp(o);
    swap(tmp);
    return *this;
  }
  RefPtr& operator=(RefPtr&& o) {
    RefPtr tmp(static_cast<RefPtr&&>(o));
    swap(tmp);
    return *this;
  }
  RefPtr& operator=(decltype(nullptr)) {
    reset();
    return *this;
  }

  // Wraps a reference the caller already holds (from try_add_ref) without taking another.
  static RefPtr take_existing(T* p) {
    RefPtr r;
    r.p_ = p;
    return r;
  }

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
  T* p_ = nullptr;
};

// Wraps a freshly allocated object (reference count 0) into its first RefPtr.
template <typename T>
RefPtr<T> adopt(T* p) {
  return RefPtr<T>(p);
}
