// Object syscalls: get_info (a subset of topics), name property, signal, and waiting on
// signals of one or many objects. A wait registers an observer on each object and blocks on
// one wait queue of its own; any signal change that matches, a deadline, a closed handle
// (ZX_ERR_CANCELED) or a kill ends it.
#include "kernel/gen/syscall_decls.h"
#include "kernel/lib/string.h"
#include "kernel/object/job_dispatcher.h"
#include "kernel/object/pager_dispatcher.h"
#include "kernel/object/thread_dispatcher.h"
#include "kernel/object/vm_address_region_dispatcher.h"
#include "kernel/object/vm_object_dispatcher.h"
#include "kernel/sched.h"
#include "kernel/syscalls/syscall_helpers.h"
#include "kernel/wait_queue.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "mm/pmm.h"
#include "mm/reclaim_queue.h"

namespace {
// Topics, properties and records are the generated ABI (kernel/gen/abi.h, from
// kernel/abi.table): the same description as user/lib/include/zircon/syscalls/object.h.

// Copies one record out with Zircon's actual/avail convention.
template <typename T>
zx_status_t single_record(const T& rec, UserOutPtr<void> buffer, size_t buffer_size,
                          UserOutPtr<size_t> actual, UserOutPtr<size_t> avail) {
  size_t n = buffer_size >= sizeof(T) ? 1 : 0;
  if (n) {
    zx_status_t s = buffer.copy_to_user(&rec, sizeof(T));
    if (s != ZX_OK) return s;
  }
  size_t one = 1;
  if (!actual.is_null() && actual.copy_to_user(n) != ZX_OK) return ZX_ERR_INVALID_ARGS;
  if (!avail.is_null() && avail.copy_to_user(one) != ZX_OK) return ZX_ERR_INVALID_ARGS;
  return n ? ZX_OK : ZX_ERR_BUFFER_TOO_SMALL;
}
}  // namespace

zx_status_t sys_object_get_info(zx_handle_t handle, uint32_t topic, UserOutPtr<void> buffer,
                                size_t buffer_size, UserOutPtr<size_t> actual,
                                UserOutPtr<size_t> avail) {
  RefPtr<Dispatcher> obj;
  zx_rights_t rights;
  switch (topic) {
    case ZX_INFO_HANDLE_VALID:
      return up()->handles().get(handle, ZX_OBJ_TYPE_NONE, 0, nullptr);
    case ZX_INFO_HANDLE_BASIC: {
      zx_status_t s = up()->handles().get(handle, ZX_OBJ_TYPE_NONE, 0, &obj, &rights);
      if (s != ZX_OK) return s;
      zx_info_handle_basic_t info{};
      info.koid = obj->koid();
      info.rights = rights;
      info.type = obj->type();
      info.related_koid = obj->related_koid();
      return single_record(info, buffer, buffer_size, actual, avail);
    }
    case ZX_INFO_PROCESS: {
      RefPtr<ProcessDispatcher> p;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &p);
      if (s != ZX_OK) return s;
      zx_info_process_t info{};
      ProcessDispatcher::State st = p->state();
      if (st != ProcessDispatcher::State::kInitial) info.flags |= ZX_INFO_PROCESS_FLAG_STARTED;
      if (st == ProcessDispatcher::State::kDead) {
        info.flags |= ZX_INFO_PROCESS_FLAG_EXITED;
        info.return_code = p->return_code();
      }
      return single_record(info, buffer, buffer_size, actual, avail);
    }
    case ZX_INFO_JOB_PROCESSES: {
      RefPtr<JobDispatcher> job;
      zx_status_t s = get_object(handle, ZX_RIGHT_ENUMERATE, &job);
      if (s != ZX_OK) return s;
      // Collect under the registry lock, copy out after it.
      constexpr size_t kMax = 256;
      struct Koids {
        zx_koid_t v[kMax];
        size_t n = 0, total = 0;
      };
      auto* k = new Koids();
      if (!k) return ZX_ERR_NO_MEMORY;
      ProcessDispatcher::for_each(
          [](ProcessDispatcher* p, void* ctx) {
            auto* k = static_cast<Koids*>(ctx);
            if (p->state_unlocked() == ProcessDispatcher::State::kDead) return;
            k->total++;
            if (k->n < kMax) k->v[k->n++] = p->koid();
          },
          k);
      size_t room = buffer_size / sizeof(zx_koid_t);
      size_t n = k->n < room ? k->n : room;
      s = n ? buffer.copy_to_user(k->v, n * sizeof(zx_koid_t)) : ZX_OK;
      size_t total = k->total;
      delete k;
      if (s != ZX_OK) return s;
      if (!actual.is_null() && actual.copy_to_user(n) != ZX_OK) return ZX_ERR_INVALID_ARGS;
      if (!avail.is_null() && avail.copy_to_user(total) != ZX_OK) return ZX_ERR_INVALID_ARGS;
      return ZX_OK;
    }
    case ZX_INFO_TASK_STATS: {
      RefPtr<ProcessDispatcher> p;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &p);
      if (s != ZX_OK) return s;
      VmAspace::Stats st = p->aspace()->stats();
      zx_info_task_stats_t info{st.mapped_bytes, st.private_bytes, st.shared_bytes,
                                st.scaled_shared_bytes};
      return single_record(info, buffer, buffer_size, actual, avail);
    }
    case ZX_INFO_PROCESS_KERNEL_CHARGES: {
      // An extension (kernel/object/kernel_charges.h): what the process makes the kernel hold.
      RefPtr<ProcessDispatcher> p;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &p);
      if (s != ZX_OK) return s;
      return single_record(p->account()->info(), buffer, buffer_size, actual, avail);
    }
    case ZX_INFO_PAGER_PAGES: {
      // On a pager: its VMOs' pages and its budget. On the root job: every pager's, summed.
      RefPtr<Dispatcher> d;
      zx_status_t s = up()->handles().get(handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_INSPECT, &d);
      if (s != ZX_OK) return s;
      ReclaimCounts c;
      if (d->type() == ZX_OBJ_TYPE_PAGER) {
        c = static_cast<PagerDispatcher*>(d.get())->reclaim()->counts();
      } else if (d->type() == ZX_OBJ_TYPE_JOB) {
        c = ReclaimQueue::totals();
      } else {
        return ZX_ERR_WRONG_TYPE;
      }
      zx_info_pager_pages_t info{c.resident * 4096, c.dirty * 4096, c.evictable * 4096, c.evicted,
                                 c.budget};
      return single_record(info, buffer, buffer_size, actual, avail);
    }
    case ZX_INFO_KMEM_STATS: {
      // Zircon wants the root resource; here the root job answers (docs/objects/job.md).
      RefPtr<JobDispatcher> job;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &job);
      if (s != ZX_OK) return s;
      HeapStats h = g_heap.stats();
      zx_info_kmem_stats_t info{};
      info.total_bytes = g_pmm.total_pages() * 4096;
      info.free_bytes = page_alloc_free_pages() * 4096;
      info.wired_bytes = (g_pmm.count(PageState::Reserved) + g_pmm.count(PageState::Wired) +
                          g_pmm.count(PageState::KernelStack)) *
                         4096;
      info.total_heap_bytes = (h.slab_pages + h.large_pages) * 4096;
      info.free_heap_bytes =
          info.total_heap_bytes > h.bytes_in_use ? info.total_heap_bytes - h.bytes_in_use : 0;
      info.vmo_bytes = g_pmm.count(PageState::Object) * 4096;
      info.mmu_overhead_bytes = g_pmm.count(PageState::PageTable) * 4096;
      uint64_t used = info.total_bytes - info.free_bytes;
      uint64_t known =
          info.wired_bytes + info.total_heap_bytes + info.vmo_bytes + info.mmu_overhead_bytes;
      info.other_bytes = used > known ? used - known : 0;
      return single_record(info, buffer, buffer_size, actual, avail);
    }
    case ZX_INFO_VMAR: {
      RefPtr<VmAddressRegionDispatcher> v;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &v);
      if (s != ZX_OK) return s;
      zx_info_vmar_t info{v->vmar()->base(), v->vmar()->size()};
      return single_record(info, buffer, buffer_size, actual, avail);
    }
    case ZX_INFO_VMO: {
      RefPtr<VmObjectDispatcher> v;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &v, &rights);
      if (s != ZX_OK) return s;
      zx_info_vmo_t info{};
      info.koid = v->koid();
      v->vmo()->get_name(info.name, sizeof(info.name));
      info.size_bytes = v->vmo()->size();
      info.flags = ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE |
                   (v->vmo()->resizable() ? ZX_INFO_VMO_RESIZABLE : 0) |
                   (v->vmo()->is_paged() ? ZX_INFO_VMO_PAGER_BACKED : 0);
      info.committed_bytes = v->vmo()->committed_pages() * 4096;
      info.populated_bytes = info.committed_bytes;
      info.committed_private_bytes = info.committed_bytes;
      info.populated_private_bytes = info.committed_bytes;
      info.committed_scaled_bytes = info.committed_bytes;
      info.populated_scaled_bytes = info.committed_bytes;
      info.handle_rights = rights;
      info.cache_policy = ZX_CACHE_POLICY_CACHED;
      info.share_count = 1;
      return single_record(info, buffer, buffer_size, actual, avail);
    }
  }
  // Validate the handle first so a bad handle is reported as such whatever the topic.
  zx_status_t s = up()->handles().get(handle, ZX_OBJ_TYPE_NONE, 0, nullptr);
  return s != ZX_OK ? s : ZX_ERR_NOT_SUPPORTED;
}

zx_status_t sys_object_get_property(zx_handle_t handle, uint32_t property, UserOutPtr<void> value,
                                    size_t value_size) {
  RefPtr<Dispatcher> obj;
  zx_status_t s = up()->handles().get(handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_GET_PROPERTY, &obj);
  if (s != ZX_OK) return s;
  if (property != ZX_PROP_NAME) return ZX_ERR_NOT_SUPPORTED;
  if (value_size < ZX_MAX_NAME_LEN) return ZX_ERR_BUFFER_TOO_SMALL;
  char name[ZX_MAX_NAME_LEN] = {};
  switch (obj->type()) {
    case ZX_OBJ_TYPE_PROCESS:
      static_cast<ProcessDispatcher*>(obj.get())->get_name(name, sizeof(name));
      break;
    case ZX_OBJ_TYPE_THREAD:
      kstrlcpy(name, static_cast<ThreadDispatcher*>(obj.get())->name(), sizeof(name));
      break;
    case ZX_OBJ_TYPE_VMO:
      static_cast<VmObjectDispatcher*>(obj.get())->vmo()->get_name(name, sizeof(name));
      break;
    default:
      return ZX_ERR_NOT_SUPPORTED;
  }
  return value.copy_to_user(name, ZX_MAX_NAME_LEN);
}

zx_status_t sys_object_set_property(zx_handle_t handle, uint32_t property,
                                    UserInPtr<const void> value, size_t value_size) {
  RefPtr<Dispatcher> obj;
  if (property == ZX_PROP_PAGER_PAGE_BUDGET) {
    // The pager's owner sets it: the right that lets it supply pages lets it bound them.
    RefPtr<PagerDispatcher> pager;
    zx_status_t s = get_object(handle, ZX_RIGHT_MANAGE_VMO, &pager);
    if (s != ZX_OK) return s;
    uint64_t pages;
    if (value_size < sizeof(pages)) return ZX_ERR_BUFFER_TOO_SMALL;
    s = value.copy_from_user(&pages, sizeof(pages));
    if (s != ZX_OK) return s;
    pager->reclaim()->set_budget(pages);
    return ZX_OK;
  }
  zx_status_t s = up()->handles().get(handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_SET_PROPERTY, &obj);
  if (s != ZX_OK) return s;
  if (property != ZX_PROP_NAME) return ZX_ERR_NOT_SUPPORTED;
  char name[ZX_MAX_NAME_LEN] = {};
  size_t n = value_size < ZX_MAX_NAME_LEN - 1 ? value_size : ZX_MAX_NAME_LEN - 1;
  s = value.copy_from_user(name, n);
  if (s != ZX_OK) return s;
  switch (obj->type()) {
    case ZX_OBJ_TYPE_PROCESS:
      static_cast<ProcessDispatcher*>(obj.get())->set_name(name);
      return ZX_OK;
    case ZX_OBJ_TYPE_VMO:
      static_cast<VmObjectDispatcher*>(obj.get())->vmo()->set_name(name);
      return ZX_OK;
    default:
      return ZX_ERR_NOT_SUPPORTED;
  }
}

zx_status_t sys_object_signal(zx_handle_t handle, uint32_t clear_mask, uint32_t set_mask) {
  RefPtr<Dispatcher> obj;
  zx_status_t s = up()->handles().get(handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_SIGNAL, &obj);
  if (s != ZX_OK) return s;
  zx_signals_t allowed = obj->user_settable_signals();
  if ((clear_mask | set_mask) & ~allowed) return ZX_ERR_INVALID_ARGS;
  obj->update_signals(clear_mask, set_mask);
  return ZX_OK;
}

namespace {

// Waits until one of the objects has one of its item's signals, the deadline passes, a
// handle is closed (canceled) or the thread is killed. Fills pending[] at the end.
zx_status_t wait_objects(RefPtr<Dispatcher>* objs, SignalObserver* obs, size_t n, uint64_t deadline,
                         zx_signals_t* pending) {
  WaitQueue wq;
  zx_status_t result = ZX_OK;
  SchedGuard g;
  for (size_t i = 0; i < n; i++) {
    obs[i].wq = &wq;
    objs[i]->add_observer_locked(&obs[i]);
  }
  for (;;) {
    bool done = false, canceled = false;
    for (size_t i = 0; i < n; i++) {
      pending[i] = objs[i]->signals_locked();
      if (pending[i] & obs[i].mask) done = true;
      if (obs[i].canceled) canceled = true;
    }
    if (canceled) {
      result = ZX_ERR_CANCELED;
      break;
    }
    if (done) break;
    zx_status_t s = wq.block(deadline, /*interruptible=*/true);
    if (s == ZX_ERR_TIMED_OUT || s == ZX_ERR_CANCELED) {
      for (size_t i = 0; i < n; i++) pending[i] = objs[i]->signals_locked();
      result = s;
      break;
    }
  }
  for (size_t i = 0; i < n; i++) objs[i]->remove_observer_locked(&obs[i]);
  return result;
}

// wait_objects for one object (zx_object_wait_one, the common case): the same steps without the
// loops over items, and without registering the observer at all when a signal is already there.
zx_status_t wait_object(Dispatcher* obj, SignalObserver* ob, uint64_t deadline,
                        zx_signals_t* pending) {
  WaitQueue wq;
  ob->wq = &wq;
  SchedGuard g;
  zx_signals_t now = obj->signals_locked();
  if (now & ob->mask) {
    *pending = now;
    return ZX_OK;
  }
  zx_status_t result = ZX_OK;
  obj->add_observer_locked(ob);
  for (;;) {
    // The same order of outcomes as wait_objects: the wait's own end, then a closed handle.
    zx_status_t s = wq.block(deadline, /*interruptible=*/true);
    now = obj->signals_locked();
    if (s == ZX_ERR_TIMED_OUT || s == ZX_ERR_CANCELED) {
      result = s;
      break;
    }
    if (ob->canceled) {
      result = ZX_ERR_CANCELED;
      break;
    }
    if (now & ob->mask) break;
  }
  obj->remove_observer_locked(ob);
  *pending = now;
  return result;
}
}  // namespace

zx_status_t sys_object_wait_one(zx_handle_t handle, zx_signals_t signals, zx_time_t deadline,
                                UserOutPtr<zx_signals_t> observed) {
  HandleTable& ht = up()->handles();
  RefPtr<Dispatcher> obj;
  zx_status_t s = ht.get(handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_WAIT, &obj);
  if (s != ZX_OK) return s;
  SignalObserver ob;
  ob.mask = signals;
  ob.owner = &ht;
  ob.handle = handle;
  zx_signals_t pending = 0;
  s = wait_object(obj.get(), &ob, to_deadline(deadline), &pending);
  if (!observed.is_null() && observed.copy_to_user(pending) != ZX_OK) return ZX_ERR_INVALID_ARGS;
  return s;
}

zx_status_t sys_object_wait_many(UserInOutPtr<zx_wait_item_t> items, size_t num_items,
                                 zx_time_t deadline) {
  if (num_items > ZX_WAIT_MANY_MAX_ITEMS) return ZX_ERR_OUT_OF_RANGE;
  if (num_items == 0) {
    // Zircon: with nothing to wait for, this is a sleep.
    return sys_nanosleep(deadline) == ZX_OK ? ZX_ERR_TIMED_OUT : ZX_ERR_CANCELED;
  }
  zx_wait_item_t local[ZX_WAIT_MANY_MAX_ITEMS];
  zx_status_t s = items.copy_from_user(local, num_items * sizeof(zx_wait_item_t));
  if (s != ZX_OK) return s;
  RefPtr<Dispatcher> objs[ZX_WAIT_MANY_MAX_ITEMS];
  SignalObserver obs[ZX_WAIT_MANY_MAX_ITEMS];
  zx_signals_t pending[ZX_WAIT_MANY_MAX_ITEMS];
  for (size_t i = 0; i < num_items; i++) {
    s = up()->handles().get(local[i].handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_WAIT, &objs[i]);
    if (s != ZX_OK) return s;
    obs[i].mask = local[i].waitfor;
    obs[i].owner = &up()->handles();
    obs[i].handle = local[i].handle;
  }
  s = wait_objects(objs, obs, num_items, to_deadline(deadline), pending);
  for (size_t i = 0; i < num_items; i++) local[i].pending = pending[i];
  if (items.copy_to_user(local, num_items * sizeof(zx_wait_item_t)) != ZX_OK)
    return ZX_ERR_INVALID_ARGS;
  return s;
}

zx_status_t sys_object_get_child(zx_handle_t handle, uint64_t koid, zx_rights_t rights,
                                 UserOutPtr<zx_handle_t> out) {
  RefPtr<JobDispatcher> job;
  zx_status_t s = get_object(handle, ZX_RIGHT_ENUMERATE, &job);
  if (s != ZX_OK) return s;
  if (rights != ZX_RIGHT_SAME_RIGHTS && (rights & ~ZX_DEFAULT_PROCESS_RIGHTS))
    return ZX_ERR_ACCESS_DENIED;
  struct Find {
    uint64_t koid;
    RefPtr<ProcessDispatcher> found;
  } f{koid, nullptr};
  ProcessDispatcher::for_each(
      [](ProcessDispatcher* p, void* ctx) {
        auto* f = static_cast<Find*>(ctx);
        // A process whose last reference is going away may still be listed: skip it.
        if (p->koid() == f->koid && p->try_add_ref())
          f->found = RefPtr<ProcessDispatcher>::take_existing(p);
      },
      &f);
  if (!f.found || f.found->state() == ProcessDispatcher::State::kDead) return ZX_ERR_NOT_FOUND;
  return make_handle(RefPtr<Dispatcher>(f.found),
                     rights == ZX_RIGHT_SAME_RIGHTS ? ZX_DEFAULT_PROCESS_RIGHTS : rights, out);
}
