// VMAR syscalls. Options and rights are translated here into the VM layer's flags: the VMAR
// handle's rights and the VMO handle's rights both bound a mapping's permissions, and a mapping
// that is both writable and executable is refused (docs/syscalls/zx_vmar_map.md).
#include "kernel/gen/syscall_decls.h"
#include "kernel/object/vm_address_region_dispatcher.h"
#include "kernel/object/vm_object_dispatcher.h"
#include "kernel/syscalls/syscall_helpers.h"

namespace {
constexpr uint32_t kPermMask = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE;
constexpr uint32_t kCanMapMask =
    ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE | ZX_VM_CAN_MAP_SPECIFIC;
// ZX_VM_ALIGN_1KB (10) .. ZX_VM_ALIGN_4GB (32): the field needs six bits, as 32 does not fit
// in five.
constexpr uint32_t kAlignMask = 0x3fu << ZX_VM_ALIGN_BASE;

uint32_t perms_to_vm(uint32_t options) {
  return (options & ZX_VM_PERM_READ ? kVmRead : 0) | (options & ZX_VM_PERM_WRITE ? kVmWrite : 0) |
         (options & ZX_VM_PERM_EXECUTE ? kVmExecute : 0);
}

uint32_t can_map_to_vm(uint32_t options) {
  return (options & ZX_VM_CAN_MAP_READ ? kVmCanMapRead : 0) |
         (options & ZX_VM_CAN_MAP_WRITE ? kVmCanMapWrite : 0) |
         (options & ZX_VM_CAN_MAP_EXECUTE ? kVmCanMapExecute : 0) |
         (options & ZX_VM_CAN_MAP_SPECIFIC ? kVmCanMapSpecific : 0);
}

// The rights a handle needs for perms (ZX_VM_PERM_* bits).
zx_rights_t perm_rights(uint32_t options) {
  return (options & ZX_VM_PERM_READ ? ZX_RIGHT_READ : 0) |
         (options & ZX_VM_PERM_WRITE ? ZX_RIGHT_WRITE : 0) |
         (options & ZX_VM_PERM_EXECUTE ? ZX_RIGHT_EXECUTE : 0);
}

zx_status_t alignment(uint32_t options, uint64_t* align) {
  uint32_t a = (options & kAlignMask) >> ZX_VM_ALIGN_BASE;
  if (a == 0) {
    *align = 0;
    return ZX_OK;
  }
  if (a < 10 || a > 32) return ZX_ERR_INVALID_ARGS;
  *align = 1ull << a;
  return ZX_OK;
}

bool page_aligned(uint64_t x) { return (x & 4095) == 0; }
uint64_t round_up_page(uint64_t x) { return (x + 4095) & ~4095ull; }
}  // namespace

zx_status_t sys_vmar_allocate(zx_handle_t parent_vmar, zx_vm_option_t options, size_t offset,
                              size_t size, UserOutPtr<zx_handle_t> child_vmar,
                              UserOutPtr<zx_vaddr_t> child_addr) {
  if (options & ~(kCanMapMask | ZX_VM_SPECIFIC | ZX_VM_COMPACT | kAlignMask))
    return ZX_ERR_INVALID_ARGS;
  RefPtr<VmAddressRegionDispatcher> parent;
  zx_rights_t parent_rights;
  // Mapping rights a child may have: only those of the parent handle.
  zx_rights_t needed = (options & ZX_VM_CAN_MAP_READ ? ZX_RIGHT_READ : 0) |
                       (options & ZX_VM_CAN_MAP_WRITE ? ZX_RIGHT_WRITE : 0) |
                       (options & ZX_VM_CAN_MAP_EXECUTE ? ZX_RIGHT_EXECUTE : 0);
  zx_status_t s = get_object(parent_vmar, needed, &parent, &parent_rights);
  if (s != ZX_OK) return s;
  if (size == 0 || !page_aligned(size) || !page_aligned(offset)) return ZX_ERR_INVALID_ARGS;
  if (!(options & ZX_VM_SPECIFIC) && offset != 0) return ZX_ERR_INVALID_ARGS;
  uint64_t align;
  s = alignment(options, &align);
  if (s != ZX_OK) return s;
  RefPtr<VmAddressRegion> child;
  s = parent->vmar()->allocate(
      offset, size, can_map_to_vm(options) | (options & ZX_VM_SPECIFIC ? kVmSpecific : 0), align,
      &child);
  if (s != ZX_OK) return s;
  uint64_t base = child->base();
  auto* d = new VmAddressRegionDispatcher(child, false);
  if (!d) {
    child->destroy();
    return ZX_ERR_NO_MEMORY;
  }
  RefPtr<Dispatcher> ref = adopt<Dispatcher>(d);
  zx_rights_t rights =
      (ZX_DEFAULT_VMAR_RIGHTS & ~(ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE)) | needed;
  s = child_addr.copy_to_user(base);
  if (s == ZX_OK) s = make_handle(ref, rights, child_vmar);
  if (s != ZX_OK) child->destroy();
  return s;
}

zx_status_t sys_vmar_map(zx_handle_t handle, zx_vm_option_t options, size_t vmar_offset,
                         zx_handle_t vmo, uint64_t vmo_offset, size_t len,
                         UserOutPtr<zx_vaddr_t> mapped_addr) {
  if (options & ~(kPermMask | ZX_VM_SPECIFIC | ZX_VM_SPECIFIC_OVERWRITE | ZX_VM_MAP_RANGE |
                  ZX_VM_ALLOW_FAULTS | kAlignMask | ZX_VM_COMPACT))
    return ZX_ERR_INVALID_ARGS;
  RefPtr<VmAddressRegionDispatcher> vmar;
  zx_status_t s = get_object(handle, perm_rights(options), &vmar);
  if (s != ZX_OK) return s;
  RefPtr<VmObjectDispatcher> v;
  zx_rights_t vmo_rights;
  s = get_object(vmo, ZX_RIGHT_MAP | perm_rights(options), &v, &vmo_rights);
  if (s != ZX_OK) return s;
  if (options & ZX_VM_SPECIFIC_OVERWRITE) return ZX_ERR_NOT_SUPPORTED;
  if ((options & ZX_VM_PERM_WRITE) && (options & ZX_VM_PERM_EXECUTE))
    return ZX_ERR_ACCESS_DENIED;  // W^X
  if ((options & ZX_VM_PERM_WRITE) && !(options & ZX_VM_PERM_READ)) return ZX_ERR_INVALID_ARGS;
  if (len == 0 || !page_aligned(vmo_offset) || !page_aligned(vmar_offset))
    return ZX_ERR_INVALID_ARGS;
  if (!(options & ZX_VM_SPECIFIC) && vmar_offset != 0) return ZX_ERR_INVALID_ARGS;
  len = round_up_page(len);
  if (len == 0) return ZX_ERR_INVALID_ARGS;  // wrapped
  uint64_t align;
  s = alignment(options, &align);
  if (s != ZX_OK) return s;
  RefPtr<VmMapping> m;
  s = vmar->vmar()->map(vmar_offset, len, v->vmo(), vmo_offset,
                        perms_to_vm(options) | (options & ZX_VM_SPECIFIC ? kVmSpecific : 0), align,
                        &m);
  if (s != ZX_OK) return s;
  // protect() may later go up to what the VMO handle allowed, never beyond (and never W+X).
  uint32_t max = (vmo_rights & ZX_RIGHT_READ ? kVmRead : 0) |
                 (vmo_rights & ZX_RIGHT_WRITE ? kVmWrite : 0) |
                 (vmo_rights & ZX_RIGHT_EXECUTE ? kVmExecute : 0);
  m->set_max_perms(max);
  if (options & ZX_VM_MAP_RANGE) {
    s = vmar->vmar()->op_range(VmAddressRegion::VmOp::kCommit, m->base(), len);
    if (s == ZX_OK) s = vmar->vmar()->op_range(VmAddressRegion::VmOp::kMapRange, m->base(), len);
    if (s == ZX_ERR_ACCESS_DENIED)
      s = vmar->vmar()->op_range(VmAddressRegion::VmOp::kMapRange, m->base(), len);
    if (s != ZX_OK && s != ZX_ERR_OUT_OF_RANGE) {
      vmar->vmar()->unmap(m->base(), len);
      return s;
    }
  }
  s = mapped_addr.copy_to_user(m->base());
  if (s != ZX_OK) vmar->vmar()->unmap(m->base(), len);
  return s;
}

zx_status_t sys_vmar_unmap(zx_handle_t handle, zx_vaddr_t addr, size_t len) {
  RefPtr<VmAddressRegionDispatcher> vmar;
  zx_rights_t rights;
  zx_status_t s = get_object(handle, 0, &vmar, &rights);
  if (s != ZX_OK) return s;
  if (!page_aligned(addr) || len == 0) return ZX_ERR_INVALID_ARGS;
  return vmar->vmar()->unmap(addr, round_up_page(len), rights & ZX_RIGHT_OP_CHILDREN);
}

zx_status_t sys_vmar_protect(zx_handle_t handle, zx_vm_option_t options, zx_vaddr_t addr,
                             size_t len) {
  if (options & ~kPermMask) return ZX_ERR_INVALID_ARGS;
  RefPtr<VmAddressRegionDispatcher> vmar;
  zx_rights_t rights;
  zx_status_t s = get_object(handle, perm_rights(options), &vmar, &rights);
  if (s != ZX_OK) return s;
  if ((options & ZX_VM_PERM_WRITE) && (options & ZX_VM_PERM_EXECUTE)) return ZX_ERR_ACCESS_DENIED;
  if (!page_aligned(addr) || len == 0) return ZX_ERR_INVALID_ARGS;
  return vmar->vmar()->protect(addr, round_up_page(len), perms_to_vm(options),
                               rights & ZX_RIGHT_OP_CHILDREN);
}

zx_status_t sys_vmar_destroy(zx_handle_t handle) {
  RefPtr<VmAddressRegionDispatcher> vmar;
  zx_status_t s = get_object(handle, ZX_RIGHT_OP_CHILDREN, &vmar);
  if (s != ZX_OK) return s;
  if (vmar->is_root()) return ZX_ERR_NOT_SUPPORTED;
  if (vmar->vmar()->destroyed()) return ZX_ERR_BAD_STATE;
  return vmar->vmar()->destroy();
}

zx_status_t sys_vmar_op_range(zx_handle_t handle, uint32_t op, zx_vaddr_t address, size_t size,
                              UserInOutPtr<void> buffer, size_t buffer_size) {
  RefPtr<VmAddressRegionDispatcher> vmar;
  zx_rights_t rights;
  zx_status_t s = get_object(handle, 0, &vmar, &rights);
  if (s != ZX_OK) return s;
  if (!buffer.is_null() || buffer_size != 0) return ZX_ERR_INVALID_ARGS;
  VmAddressRegion::VmOp vop;
  switch (op) {
    case 1:
      vop = VmAddressRegion::VmOp::kCommit;
      break;  // ZX_VMAR_OP_COMMIT
    case 2:
      vop = VmAddressRegion::VmOp::kDecommit;
      break;  // ZX_VMAR_OP_DECOMMIT
    case 3:
      vop = VmAddressRegion::VmOp::kMapRange;
      break;  // ZX_VMAR_OP_MAP_RANGE
    case 10:
      vop = VmAddressRegion::VmOp::kZero;
      break;  // ZX_VMAR_OP_ZERO
    case 12:
    case 13:
    case 14:
      return ZX_ERR_NOT_SUPPORTED;  // DONT_NEED, ALWAYS_NEED, PREFETCH
    default:
      return ZX_ERR_INVALID_ARGS;
  }
  zx_rights_t need = vop == VmAddressRegion::VmOp::kMapRange ? ZX_RIGHT_READ : ZX_RIGHT_WRITE;
  if (!(rights & need)) return ZX_ERR_ACCESS_DENIED;
  return vmar->vmar()->op_range(vop, address, size, rights & ZX_RIGHT_OP_CHILDREN);
}
