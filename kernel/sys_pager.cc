// Pager syscalls: a userspace process creates VMOs whose pages it supplies on request
// (pager/pager.h). The request side (faults becoming packets) is pager/page_source.h.
#include "kernel/gen/syscall_decls.h"
#include "kernel/object/port_dispatcher.h"
#include "kernel/object/vm_object_dispatcher.h"
#include "kernel/syscall_helpers.h"
#include "mm/page_alloc.h"
#include "pager/pager.h"

namespace {
constexpr uint32_t kVmoResizable = 1u << 1;  // ZX_VMO_RESIZABLE
constexpr uint32_t kPagerOpFail = 1;         // ZX_PAGER_OP_FAIL

bool page_aligned(uint64_t v) { return (v & (PAGE_SIZE - 1)) == 0; }

// The pager and the source of a VMO it serves, from two handles.
zx_status_t get_pager_vmo(zx_handle_t pager_h, zx_rights_t pager_rights, zx_handle_t vmo_h,
                          zx_rights_t vmo_rights, RefPtr<PagerDispatcher>* pager,
                          RefPtr<VmObjectDispatcher>* vmo, PagerSource** src) {
  zx_status_t s = get_object(pager_h, pager_rights, pager);
  if (s != ZX_OK) return s;
  s = get_object(vmo_h, vmo_rights, vmo);
  if (s != ZX_OK) return s;
  *src = (*pager)->source_of((*vmo)->vmo().get());
  return *src ? ZX_OK : ZX_ERR_INVALID_ARGS;
}

bool range_in(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}
}  // namespace

zx_status_t sys_pager_create(uint32_t options, UserOutPtr<zx_handle_t> out) {
  if (options != 0) return ZX_ERR_INVALID_ARGS;
  auto* p = new PagerDispatcher();
  if (!p) return ZX_ERR_NO_MEMORY;
  return make_handle(RefPtr<Dispatcher>(p), ZX_DEFAULT_PAGER_RIGHTS, out);
}

zx_status_t sys_pager_create_vmo(zx_handle_t pager_h, uint32_t options, zx_handle_t port_h,
                                 uint64_t key, uint64_t size, UserOutPtr<zx_handle_t> out) {
  RefPtr<PagerDispatcher> pager;
  zx_status_t s = get_object(pager_h, ZX_RIGHT_ATTACH_VMO, &pager);
  if (s != ZX_OK) return s;
  RefPtr<PortDispatcher> port;
  s = get_object(port_h, ZX_RIGHT_WRITE, &port);
  if (s != ZX_OK) return s;
  if (options & ~kVmoResizable) return ZX_ERR_NOT_SUPPORTED;  // no ZX_VMO_TRAP_DIRTY
  if (out.is_null() || !user_range_ok(out.addr(), sizeof(zx_handle_t))) return ZX_ERR_INVALID_ARGS;
  RefPtr<VmObject> vmo;
  s = pager->create_vmo(size, options & kVmoResizable ? VmObject::kResizable : 0,
                        static_cast<RefPtr<PortDispatcher>&&>(port), key, &vmo);
  if (s != ZX_OK) return s;
  auto* d = new VmObjectDispatcher(vmo);
  if (!d) return ZX_ERR_NO_MEMORY;  // the VMO goes away, detaching its source
  zx_rights_t rights = ZX_DEFAULT_VMO_RIGHTS | (options & kVmoResizable ? ZX_RIGHT_RESIZE : 0);
  return make_handle(RefPtr<Dispatcher>(d), rights, out);
}

zx_status_t sys_pager_detach_vmo(zx_handle_t pager_h, zx_handle_t vmo_h) {
  RefPtr<PagerDispatcher> pager;
  RefPtr<VmObjectDispatcher> vmo;
  PagerSource* src;
  zx_status_t s =
      get_pager_vmo(pager_h, ZX_RIGHT_ATTACH_VMO, vmo_h, ZX_RIGHT_WRITE, &pager, &vmo, &src);
  if (s != ZX_OK) return s;
  pager->detach(src);
  return ZX_OK;
}

zx_status_t sys_pager_supply_pages(zx_handle_t pager_h, zx_handle_t vmo_h, uint64_t offset,
                                   uint64_t length, zx_handle_t aux_h, uint64_t aux_offset) {
  RefPtr<PagerDispatcher> pager;
  RefPtr<VmObjectDispatcher> vmo;
  PagerSource* src;
  zx_status_t s = get_pager_vmo(pager_h, ZX_RIGHT_MANAGE_VMO, vmo_h, 0, &pager, &vmo, &src);
  if (s != ZX_OK) return s;
  RefPtr<VmObjectDispatcher> aux;
  s = get_object(aux_h, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &aux);
  if (s != ZX_OK) return s;
  if (!page_aligned(offset) || !page_aligned(length) || !page_aligned(aux_offset))
    return ZX_ERR_INVALID_ARGS;
  VmObject* dst = vmo->vmo().get();
  VmObject* from = aux->vmo().get();
  if (!range_in(offset, length, dst->size()) || !range_in(aux_offset, length, from->size()))
    return ZX_ERR_OUT_OF_RANGE;
  if (from == dst || from->is_paged()) return ZX_ERR_BAD_STATE;
  if (from->is_slice()) return ZX_ERR_NOT_SUPPORTED;
  if (!from->range_committed(aux_offset, length)) return ZX_ERR_BAD_STATE;

  // Page by page: a page the VMO already has (supplied twice) stays, and ours is freed.
  uint64_t moved = 0;
  for (; moved < length; moved += PAGE_SIZE) {
    vm_page* p = from->take_page(aux_offset + moved);
    if (!p) {
      s = ZX_ERR_BAD_STATE;  // decommitted under us, or no memory to unshare it
      break;
    }
    if (!dst->supply_page(offset + moved, p)) page_free(p);
  }
  if (moved) src->supplied(offset, moved);
  return s;
}

zx_status_t sys_pager_op_range(zx_handle_t pager_h, uint32_t op, zx_handle_t vmo_h, uint64_t offset,
                               uint64_t length, uint64_t data) {
  RefPtr<PagerDispatcher> pager;
  RefPtr<VmObjectDispatcher> vmo;
  PagerSource* src;
  zx_status_t s = get_pager_vmo(pager_h, ZX_RIGHT_MANAGE_VMO, vmo_h, 0, &pager, &vmo, &src);
  if (s != ZX_OK) return s;
  if (op != kPagerOpFail) return ZX_ERR_NOT_SUPPORTED;
  if (!page_aligned(offset) || !page_aligned(length)) return ZX_ERR_INVALID_ARGS;
  if (!range_in(offset, length, vmo->vmo()->size())) return ZX_ERR_OUT_OF_RANGE;
  auto err = static_cast<zx_status_t>(static_cast<int64_t>(data));
  if (static_cast<int64_t>(data) != err) return ZX_ERR_INVALID_ARGS;
  switch (err) {
    case ZX_ERR_IO:
    case ZX_ERR_IO_DATA_INTEGRITY:
    case ZX_ERR_BAD_STATE:
    case ZX_ERR_NO_SPACE:
    case ZX_ERR_BUFFER_TOO_SMALL:
      break;
    default:
      return ZX_ERR_INVALID_ARGS;
  }
  src->fail(offset, length, err);
  return ZX_OK;
}
