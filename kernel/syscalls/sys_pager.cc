// Pager syscalls: a userspace process creates VMOs whose pages it supplies on request
// (kernel/object/pager_dispatcher.h). Only argument checks and handle lookups live here: moving
// pages, waking waiters, dirty tracking and writeback are the VMO's (mm/vm_object.h), which tells
// its own page source (docs/pager.md).
#include "kernel/gen/syscall_decls.h"
#include "kernel/object/pager_dispatcher.h"
#include "kernel/object/port_dispatcher.h"
#include "kernel/object/vm_object_dispatcher.h"
#include "kernel/syscalls/syscall_helpers.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"

namespace {
constexpr uint64_t kMaxRangesPerQuery = 64;  // bounds the kernel buffer of one query
constexpr uint64_t kDirtyRangeBytes = sizeof(zx_vmo_dirty_range_t);

bool page_aligned(uint64_t v) { return (v & (PAGE_SIZE - 1)) == 0; }

// The pager and a VMO it serves, from two handles.
zx_status_t get_pager_vmo(zx_handle_t pager_h, zx_rights_t pager_rights, zx_handle_t vmo_h,
                          zx_rights_t vmo_rights, RefPtr<PagerDispatcher>* pager,
                          RefPtr<VmObjectDispatcher>* vmo) {
  zx_status_t s = get_object(pager_h, pager_rights, pager);
  if (s != ZX_OK) return s;
  s = get_object(vmo_h, vmo_rights, vmo);
  if (s != ZX_OK) return s;
  return (*pager)->serves((*vmo)->vmo().get()) ? ZX_OK : ZX_ERR_INVALID_ARGS;
}

bool range_in(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}
}  // namespace

zx_status_t sys_pager_create(uint32_t options, UserOutPtr<zx_handle_t> out) {
  if (options != 0) return ZX_ERR_INVALID_ARGS;
  auto* p = new PagerDispatcher();
  if (!p) return ZX_ERR_NO_MEMORY;
  return make_handle(adopt<Dispatcher>(p), ZX_DEFAULT_PAGER_RIGHTS, out);
}

zx_status_t sys_pager_create_vmo(zx_handle_t pager_h, uint32_t options, zx_handle_t port_h,
                                 uint64_t key, uint64_t size, UserOutPtr<zx_handle_t> out) {
  RefPtr<PagerDispatcher> pager;
  zx_status_t s = get_object(pager_h, ZX_RIGHT_ATTACH_VMO, &pager);
  if (s != ZX_OK) return s;
  RefPtr<PortDispatcher> port;
  s = get_object(port_h, ZX_RIGHT_WRITE, &port);
  if (s != ZX_OK) return s;
  if (options & ~(ZX_VMO_RESIZABLE | ZX_VMO_TRAP_DIRTY)) return ZX_ERR_INVALID_ARGS;
  if (out.is_null() || !user_range_ok(out.addr(), sizeof(zx_handle_t))) return ZX_ERR_INVALID_ARGS;
  RefPtr<VmObject> vmo;
  uint32_t vmo_options = (options & ZX_VMO_RESIZABLE ? VmObject::kResizable : 0) |
                         (options & ZX_VMO_TRAP_DIRTY ? VmObject::kTrapDirty : 0);
  s = pager->create_vmo(size, vmo_options, move(port), key, &vmo);
  if (s != ZX_OK) return s;
  auto* d = new VmObjectDispatcher(vmo);
  if (!d) return ZX_ERR_NO_MEMORY;  // the VMO goes away, detaching its source
  zx_rights_t rights = ZX_DEFAULT_VMO_RIGHTS | (options & ZX_VMO_RESIZABLE ? ZX_RIGHT_RESIZE : 0);
  return make_handle(adopt<Dispatcher>(d), rights, out);
}

zx_status_t sys_pager_detach_vmo(zx_handle_t pager_h, zx_handle_t vmo_h) {
  RefPtr<PagerDispatcher> pager;
  RefPtr<VmObjectDispatcher> vmo;
  // As Zircon: detaching both un-attaches (ATTACH_VMO) and changes how the VMO's pages are
  // managed from now on (MANAGE_VMO).
  zx_status_t s = get_pager_vmo(pager_h, ZX_RIGHT_ATTACH_VMO | ZX_RIGHT_MANAGE_VMO, vmo_h,
                                ZX_RIGHT_WRITE, &pager, &vmo);
  if (s != ZX_OK) return s;
  vmo->vmo()->detach_source();
  return ZX_OK;
}

zx_status_t sys_pager_supply_pages(zx_handle_t pager_h, zx_handle_t vmo_h, uint64_t offset,
                                   uint64_t length, zx_handle_t aux_h, uint64_t aux_offset) {
  RefPtr<PagerDispatcher> pager;
  RefPtr<VmObjectDispatcher> vmo;
  // Supplying changes the VMO's contents: its handle must allow writing, as Zircon requires.
  zx_status_t s = get_pager_vmo(pager_h, ZX_RIGHT_MANAGE_VMO, vmo_h, ZX_RIGHT_WRITE, &pager, &vmo);
  if (s != ZX_OK) return s;
  RefPtr<VmObjectDispatcher> aux;
  s = get_object(aux_h, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &aux);
  if (s != ZX_OK) return s;
  VmObject* dst = vmo->vmo().get();
  VmObject* from = aux->vmo().get();
  // A detached VMO takes no more pages from its pager (as Zircon): its absent pages fail.
  if (dst->source_detached()) return ZX_ERR_BAD_STATE;
  if (!page_aligned(offset) || !page_aligned(length) || !page_aligned(aux_offset))
    return ZX_ERR_INVALID_ARGS;
  if (!range_in(offset, length, dst->size()) || !range_in(aux_offset, length, from->size()))
    return ZX_ERR_OUT_OF_RANGE;
  if (from == dst || from->is_paged()) return ZX_ERR_BAD_STATE;
  if (from->is_slice()) return ZX_ERR_NOT_SUPPORTED;
  return dst->supply_pages(offset, length, from, aux_offset);
}

zx_status_t sys_pager_op_range(zx_handle_t pager_h, uint32_t op, zx_handle_t vmo_h, uint64_t offset,
                               uint64_t length, uint64_t data) {
  RefPtr<PagerDispatcher> pager;
  RefPtr<VmObjectDispatcher> vmo;
  zx_status_t s = get_pager_vmo(pager_h, ZX_RIGHT_MANAGE_VMO, vmo_h, ZX_RIGHT_WRITE, &pager, &vmo);
  if (s != ZX_OK) return s;
  if (op < ZX_PAGER_OP_FAIL || op > ZX_PAGER_OP_WRITEBACK_END) return ZX_ERR_NOT_SUPPORTED;
  if (!page_aligned(offset) || !page_aligned(length)) return ZX_ERR_INVALID_ARGS;
  VmObject* v = vmo->vmo().get();
  if (!range_in(offset, length, v->size())) return ZX_ERR_OUT_OF_RANGE;
  switch (op) {
    case ZX_PAGER_OP_FAIL: {
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
      v->fail_pages(offset, length, err);
      return ZX_OK;
    }
    case ZX_PAGER_OP_DIRTY:
      if (data != 0) return ZX_ERR_INVALID_ARGS;
      return v->dirty_range(offset, length);
    case ZX_PAGER_OP_WRITEBACK_BEGIN:
      if (data != 0 && data != ZX_VMO_DIRTY_RANGE_IS_ZERO) return ZX_ERR_INVALID_ARGS;
      v->writeback_begin(offset, length);
      return ZX_OK;
    default:  // ZX_PAGER_OP_WRITEBACK_END
      if (data != 0) return ZX_ERR_INVALID_ARGS;
      v->writeback_end(offset, length);
      return ZX_OK;
  }
}

zx_status_t sys_pager_query_dirty_ranges(zx_handle_t pager_h, zx_handle_t vmo_h, uint64_t offset,
                                         uint64_t length, UserOutPtr<void> buffer,
                                         size_t buffer_size, UserOutPtr<size_t> actual,
                                         UserOutPtr<size_t> avail) {
  RefPtr<PagerDispatcher> pager;
  RefPtr<VmObjectDispatcher> vmo;
  zx_status_t s = get_pager_vmo(pager_h, ZX_RIGHT_MANAGE_VMO, vmo_h, ZX_RIGHT_READ, &pager, &vmo);
  if (s != ZX_OK) return s;
  VmObject* v = vmo->vmo().get();
  // As Zircon: the range need not be page-aligned; it is widened to whole pages.
  uint64_t start = offset & ~(PAGE_SIZE - 1);
  if (length > ~0ull - offset) return ZX_ERR_OUT_OF_RANGE;
  uint64_t end = (offset + length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  if (end < offset + length || end > v->size()) return ZX_ERR_OUT_OF_RANGE;
  if (!user_range_ok(buffer.addr(), buffer_size)) return ZX_ERR_INVALID_ARGS;
  uint64_t max = buffer_size / kDirtyRangeBytes;
  if (max > kMaxRangesPerQuery) max = kMaxRangesPerQuery;
  uint64_t(*runs)[2] = nullptr;
  if (max) {
    runs = static_cast<uint64_t(*)[2]>(kmalloc(max * sizeof(uint64_t[2])));
    if (!runs) return ZX_ERR_NO_MEMORY;
  }
  uint64_t written = 0;
  uint64_t total = v->dirty_runs(start, end - start, runs, max, &written);
  for (uint64_t i = 0; i < written && s == ZX_OK; i++) {
    uint64_t r[3] = {runs[i][0], runs[i][1], 0};  // zx_vmo_dirty_range_t
    s = copy_to_user_raw(buffer.addr() + i * sizeof(r), &r, sizeof(r));
  }
  kfree(runs);
  if (s != ZX_OK) return s;
  size_t n = written, all = total;
  if (!actual.is_null() && (s = actual.copy_to_user(n)) != ZX_OK) return s;
  if (!avail.is_null() && (s = avail.copy_to_user(all)) != ZX_OK) return s;
  return ZX_OK;
}

zx_status_t sys_pager_query_vmo_stats(zx_handle_t pager_h, zx_handle_t vmo_h, uint32_t options,
                                      UserOutPtr<void> buffer, size_t buffer_size) {
  RefPtr<PagerDispatcher> pager;
  RefPtr<VmObjectDispatcher> vmo;
  zx_status_t s = get_pager_vmo(pager_h, ZX_RIGHT_MANAGE_VMO, vmo_h, ZX_RIGHT_READ, &pager, &vmo);
  if (s != ZX_OK) return s;
  if (options & ~ZX_PAGER_RESET_VMO_STATS) return ZX_ERR_INVALID_ARGS;
  if (buffer_size < sizeof(uint32_t) || !user_range_ok(buffer.addr(), buffer_size))
    return ZX_ERR_INVALID_ARGS;
  uint32_t stats = vmo->vmo()->modified(options & ZX_PAGER_RESET_VMO_STATS)
                       ? ZX_PAGER_VMO_STATS_MODIFIED
                       : 0;  // zx_pager_vmo_stats_t
  return copy_to_user_raw(buffer.addr(), &stats, sizeof(stats));
}
