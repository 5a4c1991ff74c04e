// Object syscalls: get_info (a subset of topics), name property, signal, and waiting on
// signals of one or many objects. A wait registers an observer on each object and blocks on
// one wait queue of its own; any signal change that matches, a deadline, a closed handle
// (ZX_ERR_CANCELED) or a kill ends it.
#include "kernel/gen/syscall_decls.h"
#include "kernel/lib/string.h"
#include "kernel/object/job_dispatcher.h"
#include "kernel/object/thread_dispatcher.h"
#include "kernel/object/vm_address_region_dispatcher.h"
#include "kernel/object/vm_object_dispatcher.h"
#include "kernel/sched.h"
#include "kernel/syscall_helpers.h"
#include "kernel/wait_queue.h"
#include "mm/heap.h"
#include "mm/page_alloc.h"
#include "mm/pmm.h"
#include "mm/reclaim_queue.h"
#include "kernel/object/pager_dispatcher.h"

namespace {
// Info topics, Zircon's numbers: (version << 28) | topic.
constexpr uint32_t kInfoHandleValid = 1;
constexpr uint32_t kInfoHandleBasic = 2;
constexpr uint32_t kInfoProcess = 3u | (1u << 28);
constexpr uint32_t kInfoVmar = 7;
constexpr uint32_t kInfoJobProcesses = 9;
constexpr uint32_t kInfoTaskStats = 12;
constexpr uint32_t kInfoKmemStats = 17;
constexpr uint32_t kInfoVmo = 23u | (3u << 28);
constexpr uint32_t kPropName = 3;
// Extensions of this kernel (user/lib/include/zircon/syscalls/object.h says so too).
constexpr uint32_t kInfoPagerPages = 0x8001;
constexpr uint32_t kPropPagerPageBudget = 0x8001;

// ZX_INFO_PAGER_PAGES: zx_info_pager_pages_t.
struct InfoPagerPages {
  uint64_t resident_bytes;
  uint64_t dirty_bytes;
  uint64_t evictable_bytes;
  uint64_t evicted_pages;
  uint64_t budget_pages;
};
constexpr size_t kMaxNameLen = 32;

struct InfoHandleBasic {
  zx_koid_t koid;
  zx_rights_t rights;
  zx_obj_type_t type;
  zx_koid_t related_koid;
  uint32_t reserved;
  uint8_t padding1[4];
};
static_assert(sizeof(InfoHandleBasic) == 32);

struct InfoProcess {
  int64_t return_code;
  int64_t start_time;
  uint32_t flags;
  uint8_t padding1[4];
};
static_assert(sizeof(InfoProcess) == 24);

struct InfoTaskStats {
  uint64_t mem_mapped_bytes;
  uint64_t mem_private_bytes;
  uint64_t mem_shared_bytes;
  uint64_t mem_scaled_shared_bytes;
};

struct InfoKmemStats {
  uint64_t total_bytes;
  uint64_t free_bytes;
  uint64_t wired_bytes;
  uint64_t total_heap_bytes;
  uint64_t free_heap_bytes;
  uint64_t vmo_bytes;
  uint64_t mmu_overhead_bytes;
  uint64_t ipc_bytes;
  uint64_t other_bytes;
};

struct InfoVmar {
  uint64_t base;
  uint64_t len;
};

struct InfoVmo {
  zx_koid_t koid;
  char name[kMaxNameLen];
  uint64_t size_bytes;
  zx_koid_t parent_koid;
  uint64_t num_children;
  uint64_t num_mappings;
  uint64_t share_count;
  uint32_t flags;
  uint8_t padding1[4];
  uint64_t committed_bytes;
  zx_rights_t handle_rights;
  uint32_t cache_policy;
  uint64_t metadata_bytes;
  uint64_t committed_change_events;
  uint64_t populated_bytes;
  uint64_t committed_private_bytes;
  uint64_t populated_private_bytes;
  uint64_t committed_scaled_bytes;
  uint64_t populated_scaled_bytes;
  uint64_t committed_fractional_scaled_bytes;
  uint64_t populated_fractional_scaled_bytes;
};

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
    case kInfoHandleValid:
      return up()->handles().get(handle, ZX_OBJ_TYPE_NONE, 0, nullptr);
    case kInfoHandleBasic: {
      zx_status_t s = up()->handles().get(handle, ZX_OBJ_TYPE_NONE, 0, &obj, &rights);
      if (s != ZX_OK) return s;
      InfoHandleBasic info{};
      info.koid = obj->koid();
      info.rights = rights;
      info.type = obj->type();
      info.related_koid = obj->related_koid();
      return single_record(info, buffer, buffer_size, actual, avail);
    }
    case kInfoProcess: {
      RefPtr<ProcessDispatcher> p;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &p);
      if (s != ZX_OK) return s;
      InfoProcess info{};
      ProcessDispatcher::State st = p->state();
      if (st != ProcessDispatcher::State::kInitial) info.flags |= 1u;  // STARTED
      if (st == ProcessDispatcher::State::kDead) {
        info.flags |= 2u;  // EXITED
        info.return_code = p->return_code();
      }
      return single_record(info, buffer, buffer_size, actual, avail);
    }
    case kInfoJobProcesses: {
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
    case kInfoTaskStats: {
      RefPtr<ProcessDispatcher> p;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &p);
      if (s != ZX_OK) return s;
      VmAspace::Stats st = p->aspace()->stats();
      InfoTaskStats info{st.mapped_bytes, st.private_bytes, st.shared_bytes,
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
    case kInfoPagerPages: {
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
      InfoPagerPages info{c.resident * 4096, c.dirty * 4096, c.evictable * 4096, c.evicted,
                          c.budget};
      return single_record(info, buffer, buffer_size, actual, avail);
    }
    case kInfoKmemStats: {
      // Zircon wants the root resource; here the root job answers (docs/objects/job.md).
      RefPtr<JobDispatcher> job;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &job);
      if (s != ZX_OK) return s;
      HeapStats h = g_heap.stats();
      InfoKmemStats info{};
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
    case kInfoVmar: {
      RefPtr<VmAddressRegionDispatcher> v;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &v);
      if (s != ZX_OK) return s;
      InfoVmar info{v->vmar()->base(), v->vmar()->size()};
      return single_record(info, buffer, buffer_size, actual, avail);
    }
    case kInfoVmo: {
      RefPtr<VmObjectDispatcher> v;
      zx_status_t s = get_object(handle, ZX_RIGHT_INSPECT, &v, &rights);
      if (s != ZX_OK) return s;
      InfoVmo info{};
      info.koid = v->koid();
      v->vmo()->get_name(info.name, sizeof(info.name));
      info.size_bytes = v->vmo()->size();
      info.flags = 1u /* PAGED */ | (1u << 3) /* VIA_HANDLE */ |
                   (v->vmo()->resizable() ? (1u << 1) : 0) |
                   (v->vmo()->is_paged() ? (1u << 5) /* PAGER_BACKED */ : 0);
      info.committed_bytes = v->vmo()->committed_pages() * 4096;
      info.populated_bytes = info.committed_bytes;
      info.committed_private_bytes = info.committed_bytes;
      info.populated_private_bytes = info.committed_bytes;
      info.committed_scaled_bytes = info.committed_bytes;
      info.populated_scaled_bytes = info.committed_bytes;
      info.handle_rights = rights;
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
  if (property != kPropName) return ZX_ERR_NOT_SUPPORTED;
  if (value_size < kMaxNameLen) return ZX_ERR_BUFFER_TOO_SMALL;
  char name[kMaxNameLen] = {};
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
  return value.copy_to_user(name, kMaxNameLen);
}

zx_status_t sys_object_set_property(zx_handle_t handle, uint32_t property,
                                    UserInPtr<const void> value, size_t value_size) {
  RefPtr<Dispatcher> obj;
  if (property == kPropPagerPageBudget) {
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
  if (property != kPropName) return ZX_ERR_NOT_SUPPORTED;
  char name[kMaxNameLen] = {};
  size_t n = value_size < kMaxNameLen - 1 ? value_size : kMaxNameLen - 1;
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
constexpr size_t kWaitManyMax = 64;  // ZX_WAIT_MANY_MAX_ITEMS

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
  if (num_items > kWaitManyMax) return ZX_ERR_OUT_OF_RANGE;
  if (num_items == 0) {
    // Zircon: with nothing to wait for, this is a sleep.
    return sys_nanosleep(deadline) == ZX_OK ? ZX_ERR_TIMED_OUT : ZX_ERR_CANCELED;
  }
  zx_wait_item_t local[kWaitManyMax];
  zx_status_t s = items.copy_from_user(local, num_items * sizeof(zx_wait_item_t));
  if (s != ZX_OK) return s;
  RefPtr<Dispatcher> objs[kWaitManyMax];
  SignalObserver obs[kWaitManyMax];
  zx_signals_t pending[kWaitManyMax];
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
