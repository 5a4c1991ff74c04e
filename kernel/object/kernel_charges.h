// Per-process accounting of kernel memory that a process makes the kernel hold for it and
// that it could otherwise grow without end: channel messages it wrote and nobody has read,
// user packets it queued on ports, asynchronous waits it armed. Each such object carries a
// Charge against its creator's account; the charge is given back when the object goes (read,
// dropped with a closed channel or port, cancelled), whichever process that happens in. Past
// the budget the call that would add more fails with ZX_ERR_NO_RESOURCES, so one process
// cannot take the kernel heap from everyone else (docs/objects/process.md).
//
// The account is its own small object, not the process: a queued message must not keep a
// dead process's object alive, only the counters it will give its bytes back to.
#pragma once
#include <stdint.h>

#include "kernel/gen/abi.h"
#include "kernel/lib/ref_ptr.h"
#include "kernel/status.h"

class KernelAccount : public RefCounted<KernelAccount> {
 public:
  // 8 MiB: far above what any program of this system keeps queued (a server's replies are a
  // few hundred bytes each; 3500 queued small messages are under 0.5 MiB), far below the
  // smallest machine's heap.
  static constexpr uint64_t kBudgetBytes = 8u << 20;
  enum Kind : uint8_t { kMessage, kPacket, kObserver, kKinds };

  // Takes `bytes` from the budget for one object of `kind`; false (and nothing taken) if that
  // would exceed it.
  bool charge(Kind kind, uint64_t bytes) {
    uint64_t cur = __atomic_load_n(&bytes_, __ATOMIC_RELAXED);
    do {
      if (bytes > kBudgetBytes - cur) {
        __atomic_fetch_add(&refused_, 1, __ATOMIC_RELAXED);
        return false;
      }
    } while (!__atomic_compare_exchange_n(&bytes_, &cur, cur + bytes, true, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    __atomic_fetch_add(&count_[kind], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&kind_bytes_[kind], bytes, __ATOMIC_RELAXED);
    return true;
  }
  void uncharge(Kind kind, uint64_t bytes) {
    __atomic_fetch_sub(&count_[kind], 1, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&kind_bytes_[kind], bytes, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&bytes_, bytes, __ATOMIC_RELAXED);
  }
  // A snapshot for ZX_INFO_PROCESS_KERNEL_CHARGES (the counters move independently).
  zx_info_kernel_charges_t info() const {
    zx_info_kernel_charges_t r{};
    r.charged_bytes = __atomic_load_n(&bytes_, __ATOMIC_RELAXED);
    r.budget_bytes = kBudgetBytes;
    r.messages = __atomic_load_n(&count_[kMessage], __ATOMIC_RELAXED);
    r.message_bytes = __atomic_load_n(&kind_bytes_[kMessage], __ATOMIC_RELAXED);
    r.packets = __atomic_load_n(&count_[kPacket], __ATOMIC_RELAXED);
    r.observers = __atomic_load_n(&count_[kObserver], __ATOMIC_RELAXED);
    r.refused = __atomic_load_n(&refused_, __ATOMIC_RELAXED);
    return r;
  }

  // The running thread's process's account; null for kernel threads (never charged).
  static KernelAccount* current();

 private:
  uint64_t bytes_ = 0;
  uint64_t count_[kKinds] = {};
  uint64_t kind_bytes_[kKinds] = {};
  uint64_t refused_ = 0;
};

// One object's charge: held by the object, given back when it is released or destroyed.
class Charge {
 public:
  Charge() = default;
  Charge(const Charge&) = delete;
  Charge& operator=(const Charge&) = delete;
  ~Charge() { release(); }

  // Charges the running process (nothing for a kernel thread): ZX_ERR_NO_RESOURCES past its
  // budget. The object must not be charged already.
  zx_status_t take(KernelAccount::Kind kind, uint32_t bytes) {
    KernelAccount* a = KernelAccount::current();
    if (!a) return ZX_OK;
    if (!a->charge(kind, bytes)) return ZX_ERR_NO_RESOURCES;
    account_ = RefPtr<KernelAccount>(a);
    bytes_ = bytes;
    kind_ = kind;
    return ZX_OK;
  }
  void release() {
    if (!account_) return;
    account_->uncharge(kind_, bytes_);
    account_ = nullptr;  // perhaps the account's last reference (its process is gone)
  }

 private:
  RefPtr<KernelAccount> account_;
  uint32_t bytes_ = 0;
  KernelAccount::Kind kind_ = KernelAccount::kMessage;
};
