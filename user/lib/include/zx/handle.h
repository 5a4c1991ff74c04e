// zx::handle: owns one handle and closes it when destroyed. Move-only.
#ifndef ZX_HANDLE_H_
#define ZX_HANDLE_H_

#include <zircon/syscalls.h>

namespace zx {

class handle {
 public:
  constexpr handle() = default;
  explicit handle(zx_handle_t value) : value_(value) {}
  handle(handle&& other) : value_(other.release()) {}
  handle& operator=(handle&& other) {
    if (this != &other) reset(other.release());
    return *this;
  }
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  ~handle() { reset(); }

  // Closes the current handle (if any) and owns `value` instead.
  void reset(zx_handle_t value = ZX_HANDLE_INVALID) {
    if (value_ != ZX_HANDLE_INVALID) zx_handle_close(value_);
    value_ = value;
  }
  // Gives up ownership without closing.
  zx_handle_t release() {
    zx_handle_t v = value_;
    value_ = ZX_HANDLE_INVALID;
    return v;
  }
  zx_handle_t get() const { return value_; }
  // For out-parameters: closes the current handle and returns where to store a new one.
  zx_handle_t* reset_and_get_address() {
    reset();
    return &value_;
  }
  bool is_valid() const { return value_ != ZX_HANDLE_INVALID; }
  explicit operator bool() const { return is_valid(); }

  zx_status_t duplicate(zx_rights_t rights, handle* out) const {
    zx_handle_t h = ZX_HANDLE_INVALID;
    zx_status_t s = zx_handle_duplicate(value_, rights, &h);
    out->reset(h);
    return s;
  }

 private:
  zx_handle_t value_ = ZX_HANDLE_INVALID;
};

}  // namespace zx

#endif  // ZX_HANDLE_H_
