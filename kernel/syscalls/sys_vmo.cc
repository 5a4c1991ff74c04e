// VMO syscalls. Children: snapshots share pages copy-on-write, slices are windows on their
// parent (mm/vm_object.h, docs/syscalls/zx_vmo_create_child.md).
#include "kernel/gen/syscall_decls.h"
#include "kernel/object/vm_object_dispatcher.h"
#include "kernel/syscalls/syscall_helpers.h"
#include "mm/reclaim_queue.h"

namespace {}  // namespace

zx_status_t sys_vmo_create(uint64_t size, uint32_t options, UserOutPtr<zx_handle_t> out) {
  if (options & ~ZX_VMO_RESIZABLE) return ZX_ERR_INVALID_ARGS;
  RefPtr<VmObject> vmo;
  zx_status_t s =
      VmObject::create(size, options & ZX_VMO_RESIZABLE ? VmObject::kResizable : 0, &vmo);
  if (s != ZX_OK) return s;
  auto* d = new VmObjectDispatcher(vmo);
  if (!d) return ZX_ERR_NO_MEMORY;
  zx_rights_t rights = ZX_DEFAULT_VMO_RIGHTS | (options & ZX_VMO_RESIZABLE ? ZX_RIGHT_RESIZE : 0);
  return make_handle(adopt<Dispatcher>(d), rights, out);
}

// Runs an operation that may allocate pages; when it runs out of memory while clean pager pages
// could be evicted, evicts them and runs it again (reads and writes are idempotent).
namespace {
template <typename Op>
zx_status_t retry_after_reclaim(Op op) {
  for (;;) {
    zx_status_t s = op();
    if (s != ZX_ERR_NO_MEMORY || ReclaimQueue::reclaim_now() == 0) return s;
  }
}
}  // namespace

zx_status_t sys_vmo_read(zx_handle_t handle, UserOutPtr<void> buffer, uint64_t offset,
                         size_t buffer_size) {
  RefPtr<VmObjectDispatcher> v;
  zx_status_t s = get_object(handle, ZX_RIGHT_READ, &v);
  if (s != ZX_OK) return s;
  if (!user_range_ok(buffer.addr(), buffer_size)) return ZX_ERR_INVALID_ARGS;
  return retry_after_reclaim([&] { return v->vmo()->read_user(buffer, offset, buffer_size); });
}

zx_status_t sys_vmo_write(zx_handle_t handle, UserInPtr<const void> buffer, uint64_t offset,
                          size_t buffer_size) {
  RefPtr<VmObjectDispatcher> v;
  zx_status_t s = get_object(handle, ZX_RIGHT_WRITE, &v);
  if (s != ZX_OK) return s;
  if (!user_range_ok(buffer.addr(), buffer_size)) return ZX_ERR_INVALID_ARGS;
  return retry_after_reclaim([&] { return v->vmo()->write_user(buffer, offset, buffer_size); });
}

zx_status_t sys_vmo_get_size(zx_handle_t handle, UserOutPtr<uint64_t> size) {
  RefPtr<VmObjectDispatcher> v;
  zx_status_t s = get_object(handle, 0, &v);
  if (s != ZX_OK) return s;
  return size.copy_to_user(v->vmo()->size());
}

zx_status_t sys_vmo_set_size(zx_handle_t handle, uint64_t size) {
  RefPtr<VmObjectDispatcher> v;
  zx_rights_t rights;
  zx_status_t s = get_object(handle, ZX_RIGHT_WRITE, &v, &rights);
  if (s != ZX_OK) return s;
  // A fixed-size object says so; a resizable one also needs ZX_RIGHT_RESIZE on the handle.
  if (!v->vmo()->resizable()) return ZX_ERR_UNAVAILABLE;
  if (!(rights & ZX_RIGHT_RESIZE)) return ZX_ERR_ACCESS_DENIED;
  return v->vmo()->resize(size);
}

zx_status_t sys_vmo_op_range(zx_handle_t handle, uint32_t op, uint64_t offset, uint64_t size,
                             UserInOutPtr<void>, size_t) {
  RefPtr<VmObjectDispatcher> v;
  zx_rights_t rights;
  zx_status_t s = get_object(handle, 0, &v, &rights);
  if (s != ZX_OK) return s;
  const RefPtr<VmObject>& vmo = v->vmo();
  switch (op) {
    case ZX_VMO_OP_COMMIT:
    case ZX_VMO_OP_DECOMMIT:
    case ZX_VMO_OP_ZERO:
      if (!(rights & ZX_RIGHT_WRITE)) return ZX_ERR_ACCESS_DENIED;
      if (op == ZX_VMO_OP_COMMIT) return vmo->commit(offset, size);
      if (op == ZX_VMO_OP_DECOMMIT) return vmo->decommit(offset, size);
      return vmo->zero(offset, size);
    case ZX_VMO_OP_CACHE_SYNC:
    case ZX_VMO_OP_CACHE_INVALIDATE:
    case ZX_VMO_OP_CACHE_CLEAN:
    case ZX_VMO_OP_CACHE_CLEAN_INVALIDATE:
      // QEMU's harts are coherent: nothing to do but check the rights and the range. As
      // Zircon: invalidating may lose data, so it needs WRITE; the others READ.
      if (!(rights & (op == ZX_VMO_OP_CACHE_INVALIDATE ? ZX_RIGHT_WRITE : ZX_RIGHT_READ)))
        return ZX_ERR_ACCESS_DENIED;
      if (size == 0) return ZX_ERR_INVALID_ARGS;
      if (offset > vmo->size() || size > vmo->size() - offset) return ZX_ERR_OUT_OF_RANGE;
      return ZX_OK;
    case ZX_VMO_OP_DONT_NEED:
    case ZX_VMO_OP_ALWAYS_NEED:
    case ZX_VMO_OP_PREFETCH:
      // Eviction hints: they matter for pager-backed objects, whose clean pages the kernel
      // may evict (mm/reclaim_queue.h); for other objects they only check their arguments.
      // PREFETCH reads the range in, so it needs READ; the hints either right.
      if (!(rights & (op == ZX_VMO_OP_PREFETCH ? ZX_RIGHT_READ : ZX_RIGHT_READ | ZX_RIGHT_WRITE)))
        return ZX_ERR_ACCESS_DENIED;
      if (offset > vmo->size() || size > vmo->size() - offset) return ZX_ERR_OUT_OF_RANGE;
      if (!vmo->is_paged()) return ZX_OK;
      if (op == ZX_VMO_OP_PREFETCH) return vmo->commit(offset, size);
      return vmo->hint_range(offset, size, op == ZX_VMO_OP_ALWAYS_NEED);
    case ZX_VMO_OP_LOCK:
    case ZX_VMO_OP_UNLOCK:
    case ZX_VMO_OP_TRY_LOCK:
      return ZX_ERR_NOT_SUPPORTED;
  }
  return ZX_ERR_INVALID_ARGS;
}

zx_status_t sys_vmo_create_child(zx_handle_t handle, uint32_t options, uint64_t offset,
                                 uint64_t size, UserOutPtr<zx_handle_t> out) {
  RefPtr<VmObjectDispatcher> v;
  zx_rights_t rights;
  zx_status_t s = get_object(handle, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ, &v, &rights);
  if (s != ZX_OK) return s;
  if (options & (ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_SNAPSHOT_MODIFIED))
    return ZX_ERR_NOT_SUPPORTED;
  uint32_t kind = options & (ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_SLICE |
                             ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE);
  if ((kind != ZX_VMO_CHILD_SNAPSHOT && kind != ZX_VMO_CHILD_SLICE &&
       kind != ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE) ||
      (options &
       ~(ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE |
         ZX_VMO_CHILD_RESIZABLE | ZX_VMO_CHILD_NO_WRITE)))
    return ZX_ERR_INVALID_ARGS;
  if (kind == ZX_VMO_CHILD_SLICE && (options & ZX_VMO_CHILD_RESIZABLE)) return ZX_ERR_INVALID_ARGS;
  RefPtr<VmObject> child;
  if (kind == ZX_VMO_CHILD_SLICE) {
    s = v->vmo()->create_slice(offset, size, &child);
  } else {
    // Both snapshot kinds get full snapshot semantics (the stronger of the two), except that
    // a pager-backed VMO only has at-least-on-write children, as in Zircon.
    s = v->vmo()->create_snapshot(offset, size,
                                  options & ZX_VMO_CHILD_RESIZABLE ? VmObject::kResizable : 0,
                                  kind == ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, &child);
  }
  if (s != ZX_OK) return s;
  auto* d = new VmObjectDispatcher(child);
  if (!d) return ZX_ERR_NO_MEMORY;
  // The child's handle: the parent handle's rights; a snapshot is the caller's own copy, so
  // it is writable unless NO_WRITE says otherwise; RESIZE only for a resizable child.
  zx_rights_t child_rights = rights & ~ZX_RIGHT_RESIZE;
  if (kind != ZX_VMO_CHILD_SLICE) child_rights |= ZX_RIGHT_WRITE;
  if (options & ZX_VMO_CHILD_NO_WRITE) child_rights &= ~ZX_RIGHT_WRITE;
  if (options & ZX_VMO_CHILD_RESIZABLE) child_rights |= ZX_RIGHT_RESIZE;
  return make_handle(adopt<Dispatcher>(d), child_rights, out);
}

zx_status_t sys_vmo_replace_as_executable(zx_handle_t handle, zx_handle_t vmex,
                                          UserOutPtr<zx_handle_t> out) {
  // Resources have no kinds here (docs/objects/resource.md): a resource handle stands for
  // ZX_RSRC_SYSTEM_VMEX_BASE, and none is accepted too; anything else is the wrong type.
  if (vmex != ZX_HANDLE_INVALID) {
    zx_status_t s = up()->handles().get(vmex, ZX_OBJ_TYPE_RESOURCE, 0, nullptr);
    if (s != ZX_OK) {
      up()->handles().remove(handle);  // consumed even on failure, as in Zircon
      return s;
    }
  }
  RefPtr<Dispatcher> obj;
  zx_rights_t rights;
  zx_status_t s = up()->handles().remove(handle, &obj, &rights, /*transferring=*/true);
  if (s != ZX_OK) return s;
  if (obj->type() != ZX_OBJ_TYPE_VMO) {
    obj->decrement_handle_count();
    return ZX_ERR_WRONG_TYPE;
  }
  zx_handle_t h;
  s = up()->handles().add(obj, rights | ZX_RIGHT_EXECUTE, &h, /*transferred=*/true);
  if (s != ZX_OK) {
    obj->decrement_handle_count();
    return s;
  }
  s = out.copy_to_user(h);
  if (s != ZX_OK) up()->handles().remove(h);
  return s;
}
