// The handle table: slot bookkeeping, value scrambling and the handle syscalls' rights rules.
// See handle_table.h for the value format and the locking rule.
#include "kernel/object/handle_table.h"

#include "kernel/lab.h"
#include "kernel/lock_assert.h"

namespace {

template <typename T>
T&& move_from(T& v) {
  return static_cast<T&&>(v);
}

// splitmix64: spreads whatever entropy the secret has over all the key words, so even a
// low-entropy secret does not leave parts of the scramble as the identity.
uint64_t mix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The inverse of odd `m` modulo 2^32 by Newton's iteration (each step doubles the correct
// low bits; 3 correct bits to start, 5 steps reach 32+).
uint32_t odd_inverse(uint32_t m) {
  uint32_t x = m;
  for (int i = 0; i < 5; i++) x *= 2u - m * x;
  return x;
}

constexpr uint32_t kPayload = (1u << 30) - 1;

// An xorshift by at least half the width is its own inverse on 30-bit values.
uint32_t xorshift15(uint32_t x) { return x ^ (x >> 15); }

}  // namespace

HandleTable::HandleTable(uint64_t secret, uint32_t max_handles)
    : max_(max_handles < kMaxHandles ? max_handles : kMaxHandles) {
  uint64_t state = secret;
  uint64_t a = mix64(state), b = mix64(state);
  k_in_ = static_cast<uint32_t>(a) & kPayload;
  k_out_ = static_cast<uint32_t>(a >> 32) & kPayload;
  // Multiplying by an odd number is a bijection modulo 2^30 (and modulo 2^32, whose inverse
  // also inverts it modulo 2^30), mixing low bits upward; a plain XOR would leave the distance
  // between two handles' slots visible in their values.
  mul1_ = static_cast<uint32_t>(b) | 1u;
  mul2_ = static_cast<uint32_t>(b >> 32) | 1u;
  mul1_inv_ = odd_inverse(mul1_);
  mul2_inv_ = odd_inverse(mul2_);
}

HandleTable::~HandleTable() {
  close_all();
  delete[] slots_;
}

zx_handle_t HandleTable::value_for(uint32_t index, uint16_t gen) const {
  uint32_t p = index | (static_cast<uint32_t>(gen) << kIndexBits);
  p = ((p ^ k_in_) * mul1_) & kPayloadMask;
  p = (xorshift15(p) * mul2_) & kPayloadMask;
  p ^= k_out_;
  return (p << 2) | ZX_HANDLE_FIXED_BITS_MASK;
}

// Inline into every lookup: it is a few arithmetic instructions, and as a call it made get() save
// and restore most of the registers around it.
__attribute__((always_inline)) inline uint32_t HandleTable::index_locked(zx_handle_t h) const {
  assert_held(lock_);
  if ((h & ZX_HANDLE_FIXED_BITS_MASK) != ZX_HANDLE_FIXED_BITS_MASK) return kNoSlot;
  uint32_t p = (h >> 2) ^ k_out_;
  p = xorshift15((p * mul2_inv_) & kPayloadMask);
  p = ((p * mul1_inv_) & kPayloadMask) ^ k_in_;
  // LAB 4 SOLUTION BEGIN
  uint32_t index = p & ((1u << kIndexBits) - 1);
  uint32_t gen = p >> kIndexBits;
  if (index >= capacity_) return kNoSlot;
  const Slot& s = slots_[index];
  if (!s.obj || s.gen != gen) return kNoSlot;
  return index;
  // LAB 4 SOLUTION END
  // LAB 4 STUB BEGIN
  // (void)p;
  // lab_todo(4, "HandleTable::index_locked (from a handle value to a live slot)");
  // return kNoSlot;
  // LAB 4 STUB END
}

// The caller has already moved the reference out of the slot.
void HandleTable::free_slot_locked(uint32_t index) {
  assert_held(lock_);
  Slot& s = slots_[index];
  s.rights = 0;
  s.gen = static_cast<uint16_t>((s.gen + 1) & kGenMask);
  s.next_free = kNoSlot;
  if (free_tail_ == kNoSlot) {
    free_head_ = index;
  } else {
    slots_[free_tail_].next_free = index;
  }
  free_tail_ = index;
  count_--;
}

zx_status_t HandleTable::add(RefPtr<Dispatcher> obj, zx_rights_t rights, zx_handle_t* out,
                             bool transferred) {
  if (!obj || out == nullptr) return ZX_ERR_INVALID_ARGS;
  // A transferred handle was counted when it was made and never stopped existing.
  if (!transferred) obj->increment_handle_count();
  Dispatcher* counted = obj.get();
  zx_obj_type_t type = obj->type();
  for (;;) {
    uint32_t seen_capacity = 0, new_capacity = 0;
    bool full = false;
    {
      SpinLockGuard guard(lock_);
      if (free_head_ != kNoSlot) {
        uint32_t index = free_head_;
        Slot& s = slots_[index];
        free_head_ = s.next_free;
        if (free_head_ == kNoSlot) free_tail_ = kNoSlot;
        s.obj = move_from(obj);
        s.rights = rights;
        s.type = type;
        count_++;
        *out = value_for(index, s.gen);
        return ZX_OK;
      }
      if (capacity_ >= max_) {
        full = true;
      } else {
        seen_capacity = capacity_;
        new_capacity = capacity_ == 0 ? kInitialCapacity : capacity_ * 2;
        if (new_capacity > max_) new_capacity = max_;
      }
    }
    if (full) {
      if (!transferred) counted->decrement_handle_count();
      return ZX_ERR_NO_RESOURCES;
    }

    // Allocate with the lock dropped (the heap may be slow or take its own locks), then
    // install the array only if nobody grew the table meanwhile; otherwise just retry.
    Slot* fresh = new Slot[new_capacity];
    if (fresh == nullptr) {
      if (!transferred) counted->decrement_handle_count();
      return ZX_ERR_NO_MEMORY;
    }
    Slot* old = nullptr;
    {
      SpinLockGuard guard(lock_);
      if (capacity_ == seen_capacity) {
        for (uint32_t i = 0; i < capacity_; i++) {
          fresh[i].obj = move_from(slots_[i].obj);
          fresh[i].rights = slots_[i].rights;
          fresh[i].next_free = slots_[i].next_free;
          fresh[i].gen = slots_[i].gen;
          fresh[i].type = slots_[i].type;
        }
        // Growth happens only with the free list empty, so the new slots become the whole list.
        for (uint32_t i = capacity_; i < new_capacity; i++) {
          fresh[i].next_free = i + 1 < new_capacity ? i + 1 : kNoSlot;
        }
        free_head_ = capacity_;
        free_tail_ = new_capacity - 1;
        old = slots_;
        slots_ = fresh;
        capacity_ = new_capacity;
        fresh = nullptr;
      }
    }
    // `old` holds only moved-from (null) references, so freeing it drops nothing.
    delete[] old;
    delete[] fresh;
  }
}

namespace {
// Out of line, so that get()'s common path makes no calls (and needs no register spills).
[[gnu::noinline, gnu::cold]] void drop_reference(Dispatcher* d) {
  RefPtr<Dispatcher> dropped = RefPtr<Dispatcher>::take_existing(d);
}
}  // namespace

zx_status_t HandleTable::get(zx_handle_t h, zx_obj_type_t expected_type,
                             zx_rights_t required_rights, RefPtr<Dispatcher>* obj,
                             zx_rights_t* rights) const {
  Dispatcher* found = nullptr;  // a reference taken under the lock, handed to *obj after it
  zx_rights_t found_rights;
  {
    SpinLockGuard guard(lock_);
    uint32_t index = index_locked(h);
    if (index == kNoSlot) return ZX_ERR_BAD_HANDLE;
    const Slot& s = slots_[index];
    // LAB 4 SOLUTION BEGIN
    if (expected_type != ZX_OBJ_TYPE_NONE && s.type != expected_type) {
      return ZX_ERR_WRONG_TYPE;
    }
    if ((s.rights & required_rights) != required_rights) return ZX_ERR_ACCESS_DENIED;
    // LAB 4 SOLUTION END
    // LAB 4 STUB BEGIN
    // (void)expected_type;
    // (void)required_rights;
    // lab_todo(4, "HandleTable::get type and rights checks");
    // return ZX_ERR_NOT_SUPPORTED;
    // LAB 4 STUB END
    if (obj != nullptr) {
      found = s.obj.get();
      found->add_ref();
    }
    found_rights = s.rights;
  }
  if (obj != nullptr) {
    // The caller's previous *obj (normally none) is dropped after unlocking.
    if (Dispatcher* old = obj->leak()) drop_reference(old);
    *obj = RefPtr<Dispatcher>::take_existing(found);
  }
  if (rights != nullptr) *rights = found_rights;
  return ZX_OK;
}

zx_status_t HandleTable::remove(zx_handle_t h, RefPtr<Dispatcher>* obj, zx_rights_t* rights,
                                bool transferring) {
  RefPtr<Dispatcher> taken;  // dropped (or handed over) after the lock is released
  zx_rights_t taken_rights;
  {
    SpinLockGuard guard(lock_);
    uint32_t index = index_locked(h);
    if (index == kNoSlot) return ZX_ERR_BAD_HANDLE;
    taken = move_from(slots_[index].obj);
    taken_rights = slots_[index].rights;
    free_slot_locked(index);
  }
  if (!transferring) taken->decrement_handle_count();
  if (obj != nullptr) *obj = move_from(taken);
  if (rights != nullptr) *rights = taken_rights;
  return ZX_OK;
}

zx_status_t HandleTable::duplicate(zx_handle_t h, zx_rights_t rights, zx_handle_t* out) {
  if (out == nullptr) return ZX_ERR_INVALID_ARGS;
  RefPtr<Dispatcher> obj;
  zx_rights_t new_rights;
  {
    SpinLockGuard guard(lock_);
    uint32_t index = index_locked(h);
    if (index == kNoSlot) return ZX_ERR_BAD_HANDLE;
    const Slot& s = slots_[index];
    // LAB 4 SOLUTION BEGIN
    if ((s.rights & ZX_RIGHT_DUPLICATE) == 0) return ZX_ERR_ACCESS_DENIED;
    if (rights == ZX_RIGHT_SAME_RIGHTS) {
      new_rights = s.rights;
    } else if ((rights & ~s.rights) != 0) {
      return ZX_ERR_INVALID_ARGS;
    } else {
      new_rights = rights;
    }
    // LAB 4 SOLUTION END
    // LAB 4 STUB BEGIN
    // (void)s;
    // (void)rights;
    // new_rights = 0;
    // lab_todo(4, "HandleTable::duplicate rights rules");
    // return ZX_ERR_NOT_SUPPORTED;
    // LAB 4 STUB END
    obj = s.obj;
  }
  // If h is closed between the two steps the duplicate still names the object h named,
  // which is what a duplicate made just before the close would have done.
  return add(move_from(obj), new_rights, out);
}

zx_status_t HandleTable::replace(zx_handle_t h, zx_rights_t rights, zx_handle_t* out) {
  if (out == nullptr) return ZX_ERR_INVALID_ARGS;
  RefPtr<Dispatcher> dropped;  // only set when the rights are refused and h is closed
  {
    SpinLockGuard guard(lock_);
    uint32_t index = index_locked(h);
    if (index == kNoSlot) return ZX_ERR_BAD_HANDLE;
    Slot& s = slots_[index];
    if (rights != ZX_RIGHT_SAME_RIGHTS && (rights & ~s.rights) != 0) {
      dropped = move_from(s.obj);
      free_slot_locked(index);
    } else {
      if (rights != ZX_RIGHT_SAME_RIGHTS) s.rights = rights;
      s.gen = static_cast<uint16_t>((s.gen + 1) & kGenMask);
      *out = value_for(index, s.gen);
      return ZX_OK;
    }
  }
  dropped->decrement_handle_count();
  return ZX_ERR_INVALID_ARGS;
}

size_t HandleTable::count() const {
  SpinLockGuard guard(lock_);
  return count_;
}

void HandleTable::close_all() {
  // One handle per lock hold, so each reference is dropped with the lock released.
  for (uint32_t i = 0;; i++) {
    RefPtr<Dispatcher> victim;
    {
      SpinLockGuard guard(lock_);
      if (i >= capacity_) break;
      if (!slots_[i].obj) continue;
      victim = move_from(slots_[i].obj);
      free_slot_locked(i);
    }
    victim->decrement_handle_count();
  }
}
