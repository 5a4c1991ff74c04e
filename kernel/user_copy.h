// Copying to and from user memory. Syscalls receive user pointers as UserInPtr / UserOutPtr /
// UserInOutPtr (never as raw pointers), and the only way to use one is copy_from_user /
// copy_to_user, which check that the whole range is in the user half and return
// ZX_ERR_INVALID_ARGS for a bad pointer instead of faulting the kernel.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/status.h"

// User addresses live below this (Sv39's lower half).
constexpr uint64_t kUserTop = 1ull << 38;

// True when [addr, addr+len) is a non-wrapping range entirely in the user half.
inline bool user_range_ok(uint64_t addr, uint64_t len) {
  return addr < kUserTop && len <= kUserTop - addr;
}

zx_status_t copy_from_user_raw(void* dst, uint64_t user_src, size_t len);
zx_status_t copy_to_user_raw(uint64_t user_dst, const void* src, size_t len);

template <typename T>
class UserPtrBase {
 public:
  explicit UserPtrBase(uint64_t addr) : addr_(addr) {}
  uint64_t addr() const { return addr_; }
  bool is_null() const { return addr_ == 0; }

 protected:
  uint64_t addr_;
};

template <typename T>
class UserInPtr : public UserPtrBase<T> {
 public:
  explicit UserInPtr(uint64_t addr) : UserPtrBase<T>(addr) {}
  zx_status_t copy_from_user(void* dst, size_t bytes) const {
    return copy_from_user_raw(dst, this->addr_, bytes);
  }
  template <typename U = T>
  zx_status_t copy_from_user(U* dst) const {
    return copy_from_user_raw(dst, this->addr_, sizeof(U));
  }
};

template <typename T>
class UserOutPtr : public UserPtrBase<T> {
 public:
  explicit UserOutPtr(uint64_t addr) : UserPtrBase<T>(addr) {}
  zx_status_t copy_to_user(const void* src, size_t bytes) const {
    return copy_to_user_raw(this->addr_, src, bytes);
  }
  template <typename U = T>
  zx_status_t copy_to_user(const U& value) const {
    return copy_to_user_raw(this->addr_, &value, sizeof(U));
  }
};

template <typename T>
class UserInOutPtr : public UserPtrBase<T> {
 public:
  explicit UserInOutPtr(uint64_t addr) : UserPtrBase<T>(addr) {}
  zx_status_t copy_from_user(void* dst, size_t bytes) const {
    return copy_from_user_raw(dst, this->addr_, bytes);
  }
  zx_status_t copy_to_user(const void* src, size_t bytes) const {
    return copy_to_user_raw(this->addr_, src, bytes);
  }
};
