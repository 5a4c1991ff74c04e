// A process's handle table: the map from the 32-bit handle values userspace holds to a
// reference on a kernel object plus the rights that handle grants.
//
// Zircon's rules for values: never 0 (ZX_HANDLE_INVALID), the two low bits always set
// (ZX_HANDLE_FIXED_BITS_MASK), not a guessable index, and a closed value is not handed out
// again soon. Here each value encodes a slot index and that slot's generation, scrambled by a
// bijection keyed on a per-table secret:
//   value = (scramble(index | generation << 16) << 2) | 3
// A slot's generation advances every time its handle is closed or replaced, so a stale value
// decodes to the right slot but the wrong generation and is rejected. Freed slots are reused
// oldest-first, so a given value can come back only after that slot has been recycled 2^14
// times. A random value names a live handle with probability count() / 2^30.
//
// Locking: one spinlock guards the table. Object references are never dropped while it is held,
// because the last reference runs the object's destructor, which may take other locks.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/ref_ptr.h"
#include "kernel/object/dispatcher.h"
#include "kernel/object/rights.h"
#include "kernel/spinlock.h"
#include "kernel/status.h"

class HandleTable {
 public:
  // The per-process handle limit (Zircon's default policy is in the same range); beyond it
  // add() fails with ZX_ERR_NO_RESOURCES rather than letting one process eat the kernel heap.
  static constexpr uint32_t kMaxHandles = 1u << 16;

  // `secret` should be random per process so handle values differ between processes.
  // `max_handles` (clamped to kMaxHandles) lets tests reach the limit quickly.
  explicit HandleTable(uint64_t secret, uint32_t max_handles = kMaxHandles);
  ~HandleTable();
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // Installs a new handle to `obj` (non-null). ZX_ERR_NO_RESOURCES when the table is at its
  // limit, ZX_ERR_NO_MEMORY when the slot array cannot grow.
  // `transferred`: the handle moves in from a message and is already counted by its object.
  zx_status_t add(RefPtr<Dispatcher> obj, zx_rights_t rights, zx_handle_t* out,
                  bool transferred = false);

  // Looks `h` up and checks it in Zircon's order: ZX_ERR_BAD_HANDLE (not a live value), then
  // ZX_ERR_WRONG_TYPE (expected_type is not ZX_OBJ_TYPE_NONE and differs), then
  // ZX_ERR_ACCESS_DENIED (some of required_rights missing). `obj` and `rights` may be null.
  zx_status_t get(zx_handle_t h, zx_obj_type_t expected_type, zx_rights_t required_rights,
                  RefPtr<Dispatcher>* obj, zx_rights_t* rights = nullptr) const;

  // Closes `h`, or takes its reference out (for transfer through a channel) when `obj` is set.
  // `transferring`: the handle leaves for a message and stays counted by its object.
  zx_status_t remove(zx_handle_t h, RefPtr<Dispatcher>* obj = nullptr,
                     zx_rights_t* rights = nullptr, bool transferring = false);

  // A second handle to the same object. The source needs ZX_RIGHT_DUPLICATE
  // (ZX_ERR_ACCESS_DENIED); `rights` is ZX_RIGHT_SAME_RIGHTS or a subset of the source's rights
  // (ZX_ERR_INVALID_ARGS otherwise, as zx_handle_duplicate documents).
  zx_status_t duplicate(zx_handle_t h, zx_rights_t rights, zx_handle_t* out);

  // Swaps `h` for a new value with `rights` (same subset rule, no right needed). As with
  // zx_handle_replace, a valid `h` is invalidated even when the rights are refused. Cannot run
  // out of memory: the new value reuses h's slot under the next generation.
  zx_status_t replace(zx_handle_t h, zx_rights_t rights, zx_handle_t* out);

  size_t count() const;

  // Calls fn(zx_handle_t, Dispatcher*, zx_rights_t) for every live handle, under the table
  // lock: fn must not block, call back into this table, or keep the pointer past the call
  // without taking a reference.
  template <typename F>
  void for_each(F fn) const {
    SpinLockGuard guard(lock_);
    for (uint32_t i = 0; i < capacity_; i++) {
      const Slot& s = slots_[i];
      if (s.obj) fn(value_for(i, s.gen), s.obj.get(), s.rights);
    }
  }

  // Closes every handle (process death). Callers stop new add()s first; a handle added
  // concurrently may survive.
  void close_all();

 private:
  struct Slot {
    RefPtr<Dispatcher> obj;  // null while the slot is free
    zx_rights_t rights = 0;
    uint32_t next_free = 0;  // free-list link, meaningful only while free
    uint16_t gen = 0;
    // obj->type(), cached when the handle is made (an object's type never changes), so that
    // get() checks it without a virtual call. Fits in the padding: the slot stays 24 bytes.
    zx_obj_type_t type = ZX_OBJ_TYPE_NONE;
  };

  static constexpr uint32_t kIndexBits = 16;
  static constexpr uint32_t kGenBits = 14;  // 16 + 14 = the 30 bits above the fixed bits
  static constexpr uint32_t kGenMask = (1u << kGenBits) - 1;
  static constexpr uint32_t kPayloadMask = (1u << 30) - 1;
  static constexpr uint32_t kNoSlot = 0xffffffffu;
  static constexpr uint32_t kInitialCapacity = 16;

  zx_handle_t value_for(uint32_t index, uint16_t gen) const;
  // The live slot `h` names, or kNoSlot.
  uint32_t index_locked(zx_handle_t h) const;
  void free_slot_locked(uint32_t index);

  // The keyed bijection on 30-bit payloads (see the top of the file) and its inverse.
  uint32_t k_in_, k_out_, mul1_, mul1_inv_, mul2_, mul2_inv_;

  mutable SpinLock lock_{LockClass::kHandleTable};
  Slot* slots_ = nullptr;
  uint32_t capacity_ = 0;
  uint32_t max_;
  uint32_t count_ = 0;
  uint32_t free_head_ = kNoSlot;  // freed slots queue at the tail and are reused from the head
  uint32_t free_tail_ = kNoSlot;
};
