// DMA syscalls: IOMMUs, BTIs, pinning, and contiguous VMOs (kernel/object/bti_dispatcher.h).
// Every address a device may use comes from zx_bti_pin, so the pages behind it stay put.
#include "kernel/gen/syscall_decls.h"
#include "kernel/object/bti_dispatcher.h"
#include "kernel/object/resource_dispatcher.h"
#include "kernel/object/vm_object_dispatcher.h"
#include "kernel/syscalls/syscall_helpers.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/vm_object_physical.h"

namespace {
constexpr size_t kMaxPinPages = 1u << 16;  // 256 MiB per pin: bounds the kernel's address list

bool page_aligned(uint64_t v) { return (v & (PAGE_SIZE - 1)) == 0; }
}  // namespace

zx_status_t sys_iommu_create(zx_handle_t resource, uint32_t type, UserInPtr<const void> desc,
                             size_t desc_size, UserOutPtr<zx_handle_t> out) {
  RefPtr<ResourceDispatcher> rsrc;
  zx_status_t s = get_object(resource, ZX_RIGHT_WRITE, &rsrc);
  if (s != ZX_OK) return s;
  if (type != ZX_IOMMU_TYPE_DUMMY) return ZX_ERR_NOT_SUPPORTED;
  uint8_t dummy;  // zx_iommu_desc_dummy_t: one reserved byte
  if (desc_size != sizeof(dummy) || desc.is_null()) return ZX_ERR_INVALID_ARGS;
  if (desc.copy_from_user(&dummy, sizeof(dummy)) != ZX_OK) return ZX_ERR_INVALID_ARGS;
  auto* d = new IommuDispatcher();
  if (!d) return ZX_ERR_NO_MEMORY;
  return make_handle(adopt<Dispatcher>(d), ZX_DEFAULT_IOMMU_RIGHTS, out);
}

zx_status_t sys_bti_create(zx_handle_t iommu, uint32_t options, uint64_t bti_id,
                           UserOutPtr<zx_handle_t> out) {
  RefPtr<IommuDispatcher> io;
  zx_status_t s = get_object(iommu, 0, &io);
  if (s != ZX_OK) return s;
  if (options != 0) return ZX_ERR_INVALID_ARGS;
  auto* d = new BtiDispatcher(bti_id);
  if (!d) return ZX_ERR_NO_MEMORY;
  return make_handle(adopt<Dispatcher>(d), ZX_DEFAULT_BTI_RIGHTS, out);
}

zx_status_t sys_bti_pin(zx_handle_t handle, uint32_t options, zx_handle_t vmo_h, uint64_t offset,
                        uint64_t size, UserOutPtr<zx_paddr_t> addrs, size_t num_addrs,
                        UserOutPtr<zx_handle_t> pmt) {
  RefPtr<BtiDispatcher> bti;
  zx_status_t s = get_object(handle, ZX_RIGHT_MAP, &bti);
  if (s != ZX_OK) return s;
  zx_rights_t need = ZX_RIGHT_MAP | (options & ZX_BTI_PERM_READ ? ZX_RIGHT_READ : 0) |
                     (options & ZX_BTI_PERM_WRITE ? ZX_RIGHT_WRITE : 0);
  RefPtr<VmObjectDispatcher> vmo;
  s = get_object(vmo_h, need, &vmo);
  if (s != ZX_OK) return s;
  if (options & ~(ZX_BTI_PERM_READ | ZX_BTI_PERM_WRITE | ZX_BTI_PERM_EXECUTE | ZX_BTI_COMPRESS |
                  ZX_BTI_CONTIGUOUS))
    return ZX_ERR_INVALID_ARGS;
  if (options & ZX_BTI_PERM_EXECUTE) return ZX_ERR_INVALID_ARGS;  // no device runs our memory
  if (!(options & (ZX_BTI_PERM_READ | ZX_BTI_PERM_WRITE))) return ZX_ERR_INVALID_ARGS;
  if ((options & ZX_BTI_COMPRESS) && (options & ZX_BTI_CONTIGUOUS)) return ZX_ERR_INVALID_ARGS;
  if (!page_aligned(offset) || !page_aligned(size) || size == 0) return ZX_ERR_INVALID_ARGS;
  uint64_t pages = size / PAGE_SIZE;
  if (pages > kMaxPinPages) return ZX_ERR_INVALID_ARGS;
  bool contiguous = options & ZX_BTI_CONTIGUOUS;
  if (contiguous && !vmo->vmo()->is_contiguous()) return ZX_ERR_NOT_SUPPORTED;
  if (num_addrs != (contiguous ? 1 : pages)) return ZX_ERR_INVALID_ARGS;
  if (!user_range_ok(addrs.addr(), num_addrs * sizeof(zx_paddr_t)) || pmt.is_null() ||
      !user_range_ok(pmt.addr(), sizeof(zx_handle_t)))
    return ZX_ERR_INVALID_ARGS;
  auto* paddrs = static_cast<uint64_t*>(kmalloc(pages * sizeof(uint64_t)));
  if (!paddrs) return ZX_ERR_NO_MEMORY;
  RefPtr<PmtDispatcher> token;
  s = PmtDispatcher::create(vmo->vmo(), offset, size, paddrs, &token);
  if (s == ZX_OK) s = addrs.copy_to_user(paddrs, num_addrs * sizeof(zx_paddr_t));
  kfree(paddrs);
  if (s != ZX_OK) return s;  // the token goes away, unpinning
  return make_handle(RefPtr<Dispatcher>(move(token)), ZX_DEFAULT_PMT_RIGHTS, pmt);
}

zx_status_t sys_pmt_unpin(zx_handle_t handle) {
  RefPtr<PmtDispatcher> pmt;
  zx_status_t s = get_object(handle, 0, &pmt);
  if (s != ZX_OK) return s;
  pmt->unpin_by_call();
  // As Zircon: the handle is consumed.
  return up()->handles().remove(handle, nullptr);
}

zx_status_t sys_vmo_create_contiguous(zx_handle_t bti_h, size_t size, uint32_t alignment_log2,
                                      UserOutPtr<zx_handle_t> out) {
  RefPtr<BtiDispatcher> bti;
  zx_status_t s = get_object(bti_h, ZX_RIGHT_MAP, &bti);
  if (s != ZX_OK) return s;
  if (out.is_null() || !user_range_ok(out.addr(), sizeof(zx_handle_t))) return ZX_ERR_INVALID_ARGS;
  RefPtr<VmObject> vmo;
  s = VmObject::create_contiguous(size, alignment_log2, &vmo);
  if (s != ZX_OK) return s;
  auto* d = new VmObjectDispatcher(vmo);
  if (!d) return ZX_ERR_NO_MEMORY;
  return make_handle(adopt<Dispatcher>(d), ZX_DEFAULT_VMO_RIGHTS, out);
}

zx_status_t sys_vmo_create_physical(zx_handle_t resource, zx_paddr_t paddr, size_t size,
                                    UserOutPtr<zx_handle_t> out) {
  RefPtr<ResourceDispatcher> rsrc;
  zx_status_t s = get_object(resource, ZX_RIGHT_WRITE, &rsrc);
  if (s != ZX_OK) return s;
  if (!page_aligned(paddr) || !page_aligned(size) || size == 0 || paddr + size < paddr)
    return ZX_ERR_INVALID_ARGS;
  // Device registers only: a mapping of RAM would reach pages the kernel owns.
  if (g_pmm.overlaps_ram(paddr, size)) return ZX_ERR_INVALID_ARGS;
  if (out.is_null() || !user_range_ok(out.addr(), sizeof(zx_handle_t))) return ZX_ERR_INVALID_ARGS;
  RefPtr<VmObject> vmo;
  s = VmObjectPhysical::create(paddr, size, &vmo);
  if (s != ZX_OK) return s;
  auto* d = new VmObjectDispatcher(vmo);
  if (!d) return ZX_ERR_NO_MEMORY;
  // No ZX_RIGHT_READ/WRITE through the object: registers are reached by mapping them.
  return make_handle(adopt<Dispatcher>(d), ZX_DEFAULT_VMO_RIGHTS, out);
}
