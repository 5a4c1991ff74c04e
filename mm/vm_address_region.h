// A VMAR: a range of an address space in which child VMARs and mappings are placed, at a
// chosen offset (ZX_VM_SPECIFIC) or at a randomized free spot (ASLR). See vm_mapping.h for
// locking. Every operation takes the address space's mutex.
#pragma once
#include "mm/vm_mapping.h"

class VmAddressRegion : public VmRegion {
 public:
  VmAddressRegion(VmAspace* aspace, VmAddressRegion* parent, uint64_t base, uint64_t size,
                  uint32_t flags);
  ~VmAddressRegion() override;

  // Child VMAR of `size` at `offset` from our base (kVmSpecific) or at a random free spot.
  zx_status_t allocate(uint64_t offset, uint64_t size, uint32_t flags, uint64_t align,
                       RefPtr<VmAddressRegion>* out);
  // Maps [vmo_offset, vmo_offset+size) of vmo. flags: permissions | kVmSpecific.
  zx_status_t map(uint64_t offset, uint64_t size, RefPtr<VmObject> vmo, uint64_t vmo_offset,
                  uint32_t flags, uint64_t align, RefPtr<VmMapping>* out);
  // `op_children` below says whether the caller's handle has ZX_RIGHT_OP_CHILDREN: without it,
  // an operation whose range reaches into a child VMAR is refused with ZX_ERR_INVALID_ARGS
  // (as Zircon), so that a handle without the right cannot touch what sub-VMARs hold.
  //
  // Removes mappings in [addr, addr+len) (splitting mappings cut in the middle). Child VMARs
  // must lie wholly inside the range or outside it (ZX_ERR_INVALID_ARGS otherwise).
  zx_status_t unmap(uint64_t addr, uint64_t len, bool op_children = true);
  // Changes permissions of every mapping in [addr, addr+len), splitting at the edges. The whole
  // range must be mapped (ZX_ERR_NOT_FOUND otherwise) and allowed (ZX_ERR_ACCESS_DENIED).
  zx_status_t protect(uint64_t addr, uint64_t len, uint32_t perms, bool op_children = true);
  // Destroys this VMAR and everything in it; the range becomes free in the parent.
  zx_status_t destroy();
  // Applies op to the objects mapped over [addr, addr+len), which must be all mapped.
  enum class VmOp { kCommit, kDecommit, kZero, kMapRange };
  zx_status_t op_range(VmOp op, uint64_t addr, uint64_t len, bool op_children = true);

  // Aspace lock held: the mapping containing va, searching nested VMARs.
  VmMapping* find_mapping_locked(uint64_t va);
  // Panics unless the running thread holds the address space's lock (lock_assert.h).
  void assert_aspace_locked() const;
  size_t child_count() const { return children_.size(); }
  // Aspace lock held: fn(VmMapping*) for every mapping in this VMAR and its nested VMARs, in
  // address order. Iterative (parent links, no stack per level): nesting depth is the user's.
  template <typename F>
  void for_each_mapping_locked(F fn) {
#if KERNEL_LOCK_CHECKS
    assert_aspace_locked();
#endif
    VmAddressRegion* r = this;
    RegionNode* n = children_.first();
    for (;;) {
      if (!n) {
        if (r == this) return;
        VmAddressRegion* p = r->parent_;
        n = p->children_.next(&r->node_);
        r = p;
        continue;
      }
      VmRegion* c = VmRegion::from_node(n);
      if (c->is_mapping()) {
        fn(static_cast<VmMapping*>(c));
        n = r->children_.next(n);
      } else {
        r = static_cast<VmAddressRegion*>(c);
        n = r->children_.first();
      }
    }
  }

 private:
  friend class VmAspace;
  zx_status_t place_locked(uint64_t offset, uint64_t size, uint32_t flags, uint64_t align,
                           uint64_t* base);
  zx_status_t destroy_locked();
  zx_status_t unmap_locked(uint64_t addr, uint64_t len);
  // Splits the mapping so that a boundary falls at va; returns the part starting at va.
  zx_status_t split_mapping_locked(VmMapping* m, uint64_t va, VmMapping** right);
  // Splits m where [start, end) cuts it; returns the piece inside the range.
  zx_status_t isolate_locked(VmMapping* m, uint64_t start, uint64_t end, VmMapping** out);
  // Whether this VMAR's CAN_MAP rights allow mapping with `perms`.
  bool allows(uint32_t perms) const;
  // Aspace lock held: whether a child VMAR overlaps [addr, end).
  bool has_subregion_locked(uint64_t addr, uint64_t end);

  RegionTree children_;
};
