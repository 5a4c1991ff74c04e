// VMAR operations (see vm_address_region.h). Children are owned by their parent's tree: a
// region gets a reference when inserted and loses it when removed.
#include "mm/vm_address_region.h"

#include "kernel/lab.h"
#include "kernel/lock_assert.h"
#include "mm/vm_aspace.h"

namespace {
bool page_aligned(uint64_t x) { return (x & (PAGE_SIZE - 1)) == 0; }
}  // namespace

VmAddressRegion::VmAddressRegion(VmAspace* aspace, VmAddressRegion* parent, uint64_t base,
                                 uint64_t size, uint32_t flags)
    : VmRegion(aspace, parent, base, size, flags, false) {
  children_.init(base, size);
}

VmAddressRegion::~VmAddressRegion() = default;

#if KERNEL_LOCK_CHECKS
void VmAddressRegion::assert_aspace_locked() const { assert_held(aspace_->lock()); }
#endif

zx_status_t VmAddressRegion::place_locked(uint64_t offset, uint64_t size, uint32_t flags,
                                          uint64_t align, uint64_t* base) {
  assert_held(aspace_->lock());
  if (size == 0 || !page_aligned(size) || !page_aligned(offset)) return ZX_ERR_INVALID_ARGS;
  if (align < PAGE_SIZE) align = PAGE_SIZE;
  if (size > this->size()) return ZX_ERR_NO_RESOURCES;
  if (flags & kVmSpecific) {
    if (!(flags_ & kVmCanMapSpecific)) return ZX_ERR_ACCESS_DENIED;
    if (offset > this->size() || size > this->size() - offset) return ZX_ERR_INVALID_ARGS;
    if (children_.first_overlapping(this->base() + offset, this->base() + offset + size))
      return ZX_ERR_ALREADY_EXISTS;
    *base = this->base() + offset;
    return ZX_OK;
  }
  // ASLR: start the search for a gap at a random page of the range.
  uint64_t hint = this->base() + (aspace_->random_u64() % (this->size() / PAGE_SIZE)) * PAGE_SIZE;
  return children_.find_gap(size, align, hint, base);
}

zx_status_t VmAddressRegion::allocate(uint64_t offset, uint64_t size, uint32_t flags,
                                      uint64_t align, RefPtr<VmAddressRegion>* out) {
  MutexGuard g(aspace_->lock());
  if (destroyed_) return ZX_ERR_BAD_STATE;
  // A child can only have the mapping rights its parent has.
  if ((flags & kVmCanMapMask & ~kVmCanMapSpecific) & ~flags_) return ZX_ERR_ACCESS_DENIED;
  uint64_t base;
  zx_status_t s = place_locked(offset, size, flags, align, &base);
  if (s != ZX_OK) return s;
  auto* child = new VmAddressRegion(aspace_, this, base, size, flags & kVmCanMapMask);
  if (!child) return ZX_ERR_NO_MEMORY;
  s = children_.insert(&child->node_);
  if (s != ZX_OK) {
    delete child;
    return s;
  }
  child->add_ref();  // the tree's reference
  *out = RefPtr<VmAddressRegion>(child);
  return ZX_OK;
}

zx_status_t VmAddressRegion::map(uint64_t offset, uint64_t size, RefPtr<VmObject> vmo,
                                 uint64_t vmo_offset, uint32_t flags, uint64_t align,
                                 RefPtr<VmMapping>* out) {
  if (!vmo) return ZX_ERR_INVALID_ARGS;
  if (!page_aligned(vmo_offset) || vmo_offset + size < vmo_offset) return ZX_ERR_INVALID_ARGS;
  uint32_t perms = flags & kVmPermMask;
  if ((perms & kVmWrite) && !(perms & kVmRead)) return ZX_ERR_INVALID_ARGS;
  if (!allows(perms)) return ZX_ERR_ACCESS_DENIED;
  MutexGuard g(aspace_->lock());
  if (destroyed_) return ZX_ERR_BAD_STATE;
  uint64_t base;
  zx_status_t s = place_locked(offset, size, flags, align, &base);
  if (s != ZX_OK) return s;
  VmObject* object = vmo.get();
  auto* m = new VmMapping(aspace_, this, base, size, perms, move(vmo), vmo_offset);
  if (!m) return ZX_ERR_NO_MEMORY;
  s = children_.insert(&m->node_);
  if (s != ZX_OK) {
    delete m;
    return s;
  }
  m->add_ref();
  object->add_mapping(&m->link_);
  *out = RefPtr<VmMapping>(m);
  return ZX_OK;
}

VmMapping* VmAddressRegion::find_mapping_locked(uint64_t va) {
  assert_held(aspace_->lock());
  VmAddressRegion* r = this;
  for (;;) {
    VmRegion* child = VmRegion::from_node(r->children_.find_containing(va));
    if (!child) return nullptr;
    if (child->is_mapping()) return static_cast<VmMapping*>(child);
    r = static_cast<VmAddressRegion*>(child);
  }
}

zx_status_t VmAddressRegion::split_mapping_locked(VmMapping* m, uint64_t va, VmMapping** right) {
  assert_held(aspace_->lock());
  // [base, va) stays in m; [va, end) becomes a new mapping of the same object.
  uint64_t left_size = va - m->base();
  auto* r = new VmMapping(aspace_, this, va, m->size() - left_size, m->flags_, m->vmo_,
                          m->object_offset_ + left_size);
  if (!r) return ZX_ERR_NO_MEMORY;
  r->max_perms_ = m->max_perms_;
  MutexGuard g(m->vmo_->lock());
  children_.remove(&m->node_);
  m->node_.size = left_size;
  children_.insert(&m->node_);
  children_.insert(&r->node_);
  r->add_ref();
  m->vmo_->add_mapping_locked(&r->link_);
  *right = r;
  return ZX_OK;
}

zx_status_t VmAddressRegion::isolate_locked(VmMapping* m, uint64_t start, uint64_t end,
                                            VmMapping** out) {
  assert_held(aspace_->lock());
  // LAB 5 SOLUTION BEGIN
  if (m->base() < start) {
    zx_status_t s = split_mapping_locked(m, start, &m);
    if (s != ZX_OK) return s;
  }
  if (m->end() > end) {
    VmMapping* right;
    zx_status_t s = split_mapping_locked(m, end, &right);
    if (s != ZX_OK) return s;
  }
  *out = m;
  return ZX_OK;
  // LAB 5 SOLUTION END
  // LAB 5 STUB BEGIN
  // (void)m;
  // (void)start;
  // (void)end;
  // (void)out;
  // lab_todo(5, "VmAddressRegion::isolate_locked (splitting mappings at a range's edges)");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 5 STUB END
}

bool VmAddressRegion::allows(uint32_t perms) const {
  return !(((perms & kVmRead) && !(flags_ & kVmCanMapRead)) ||
           ((perms & kVmWrite) && !(flags_ & kVmCanMapWrite)) ||
           ((perms & kVmExecute) && !(flags_ & kVmCanMapExecute)));
}

bool VmAddressRegion::has_subregion_locked(uint64_t addr, uint64_t end) {
  assert_held(aspace_->lock());
  for (RegionNode* n = children_.first_overlapping(addr, end); n && n->base < end;
       n = children_.next(n)) {
    if (!VmRegion::from_node(n)->is_mapping()) return true;
  }
  return false;
}

zx_status_t VmAddressRegion::unmap_locked(uint64_t addr, uint64_t len) {
  assert_held(aspace_->lock());
  uint64_t end = addr + len;
  // First make sure no child VMAR is cut in two: then nothing fails half way.
  for (RegionNode* n = children_.first_overlapping(addr, end); n && n->base < end;
       n = children_.next(n)) {
    VmRegion* r = VmRegion::from_node(n);
    if (!r->is_mapping() && (r->base() < addr || r->end() > end)) return ZX_ERR_INVALID_ARGS;
  }
  for (;;) {
    VmRegion* r = VmRegion::from_node(children_.first_overlapping(addr, end));
    if (!r) return ZX_OK;
    if (!r->is_mapping()) {
      zx_status_t s = static_cast<VmAddressRegion*>(r)->destroy_locked();
      if (s != ZX_OK) return s;
      continue;
    }
    VmMapping* m;
    zx_status_t s = isolate_locked(static_cast<VmMapping*>(r), addr, end, &m);
    if (s != ZX_OK) return s;
    m->destroy_locked();
    children_.remove(&m->node_);
    m->parent_ = nullptr;
    if (m->release()) delete m;
  }
}

zx_status_t VmAddressRegion::unmap(uint64_t addr, uint64_t len, bool op_children) {
  if (!page_aligned(addr) || len == 0) return ZX_ERR_INVALID_ARGS;
  len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  MutexGuard g(aspace_->lock());
  if (destroyed_) return ZX_ERR_BAD_STATE;
  if (addr < base() || addr > end() || len > end() - addr) return ZX_ERR_INVALID_ARGS;
  if (!children_.first_overlapping(addr, addr + len)) return ZX_ERR_NOT_FOUND;  // as Zircon
  if (!op_children && has_subregion_locked(addr, addr + len)) return ZX_ERR_INVALID_ARGS;
  return unmap_locked(addr, len);
}

zx_status_t VmAddressRegion::protect(uint64_t addr, uint64_t len, uint32_t perms,
                                     bool op_children) {
  if (!page_aligned(addr) || len == 0) return ZX_ERR_INVALID_ARGS;
  if ((perms & kVmWrite) && !(perms & kVmRead)) return ZX_ERR_INVALID_ARGS;
  len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  MutexGuard g(aspace_->lock());
  if (destroyed_) return ZX_ERR_BAD_STATE;
  if (addr < base() || addr > end() || len > end() - addr) return ZX_ERR_INVALID_ARGS;
  uint64_t end_addr = addr + len;
  if (!op_children && has_subregion_locked(addr, end_addr)) return ZX_ERR_INVALID_ARGS;
  // Every page must be mapped, directly in this VMAR, and the parent must allow the rights.
  uint64_t covered = addr;
  for (RegionNode* n = children_.first_overlapping(addr, end_addr); n && n->base < end_addr;
       n = children_.next(n)) {
    VmRegion* r = VmRegion::from_node(n);
    if (!r->is_mapping() || r->base() > covered) return ZX_ERR_NOT_FOUND;
    if (perms & ~static_cast<VmMapping*>(r)->max_perms_) return ZX_ERR_ACCESS_DENIED;
    covered = r->end();
  }
  if (covered < end_addr) return ZX_ERR_NOT_FOUND;
  if (!allows(perms)) return ZX_ERR_ACCESS_DENIED;
  for (RegionNode* n = children_.first_overlapping(addr, end_addr); n && n->base < end_addr;) {
    VmMapping* m;
    zx_status_t s =
        isolate_locked(static_cast<VmMapping*>(VmRegion::from_node(n)), addr, end_addr, &m);
    if (s != ZX_OK) return s;
    {
      MutexGuard vg(m->vmo_->lock());
      m->flags_ = perms;
      // Write permission is the page's business as much as the mapping's (a page shared
      // copy-on-write, or a clean pager page, must stay read-only), and only a fault looks at
      // the page: translations lose write here and the next store faults (mmu_flags).
      aspace_->pt_protect(m->base(), m->size(), m->mmu_flags(false));
    }
    n = children_.next(&m->node_);
  }
  return ZX_OK;
}

zx_status_t VmAddressRegion::destroy_locked() {
  assert_held(aspace_->lock());
  if (destroyed_) return ZX_OK;
  // Post-order over the subtree without recursion: user space can nest VMARs as deep as it
  // likes, and one kernel frame per level would overflow the kernel stack (docs/architecture.md,
  // "Recursion"). Descend into the first child VMAR; destroy mappings in place; when a VMAR is
  // empty, unlink it and go back up through its parent pointer. The extra state is the parent_
  // links the tree already keeps, so the walk needs no allocation and cannot fail.
  VmAddressRegion* cur = this;
  for (;;) {
    if (RegionNode* n = cur->children_.first()) {
      VmRegion* r = VmRegion::from_node(n);
      if (!r->is_mapping()) {
        cur = static_cast<VmAddressRegion*>(r);
        continue;
      }
      static_cast<VmMapping*>(r)->destroy_locked();
      cur->children_.remove(n);
      r->parent_ = nullptr;
      if (r->release()) delete r;
      continue;
    }
    cur->destroyed_ = true;
    VmAddressRegion* p = cur->parent_;
    // A VMAR in its parent's tree holds the tree's reference; `this` is kept alive by our
    // caller, and each ancestor on the way up by its own parent's tree, so p outlives cur.
    if (p) {
      cur->parent_ = nullptr;
      p->children_.remove(&cur->node_);
    }
    bool done = cur == this;
    if (p && cur->release()) delete cur;
    if (done) return ZX_OK;
    cur = p;
  }
}

zx_status_t VmAddressRegion::destroy() {
  MutexGuard g(aspace_->lock());
  // Keep ourselves alive across removal from the parent.
  RefPtr<VmAddressRegion> self(this);
  return destroy_locked();
}

zx_status_t VmAddressRegion::op_range(VmOp op, uint64_t addr, uint64_t len, bool op_children) {
  if (!page_aligned(addr) || len == 0) return ZX_ERR_INVALID_ARGS;
  len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  MutexGuard g(aspace_->lock());
  if (destroyed_) return ZX_ERR_BAD_STATE;
  if (addr < base() || addr > end() || len > end() - addr) return ZX_ERR_OUT_OF_RANGE;
  uint64_t end_addr = addr + len;
  if (!op_children && has_subregion_locked(addr, end_addr)) return ZX_ERR_INVALID_ARGS;
  // The whole range must be mapped (directly here or in nested VMARs).
  for (uint64_t va = addr; va < end_addr;) {
    VmMapping* m = find_mapping_locked(va);
    if (!m) return ZX_ERR_BAD_STATE;
    if (op != VmOp::kMapRange && !(m->flags() & kVmWrite)) return ZX_ERR_ACCESS_DENIED;
    va = m->end();
  }
  for (uint64_t va = addr; va < end_addr;) {
    VmMapping* m = find_mapping_locked(va);
    uint64_t stop = m->end() < end_addr ? m->end() : end_addr;
    uint64_t off = m->object_offset() + (va - m->base());
    zx_status_t s = ZX_OK;
    switch (op) {
      case VmOp::kCommit:
        s = m->vmo()->commit(off, stop - va);
        break;
      case VmOp::kDecommit:
        s = m->vmo()->decommit(off, stop - va);
        break;
      case VmOp::kZero:
        s = m->vmo()->zero(off, stop - va);
        break;
      case VmOp::kMapRange:
        s = m->map_range(va - m->base(), stop - va, false);
        break;
    }
    if (s != ZX_OK) return s;
    va = stop;
  }
  return ZX_OK;
}
