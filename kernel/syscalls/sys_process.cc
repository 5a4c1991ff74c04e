// Process and thread syscalls. A process is created empty (an address space with its root
// VMAR); zx_process_start starts its first thread and moves one handle (arg1) into it, which is
// how a new process learns anything at all (the launcher sends the rest over that channel).
// There is one job, the root job: `job` must be a handle to it (with ZX_RIGHT_MANAGE_PROCESS)
// or ZX_HANDLE_INVALID (docs/syscalls/zx_process_create.md).
#include "kernel/gen/syscall_decls.h"
#include "kernel/lib/string.h"
#include "kernel/object/job_dispatcher.h"
#include "kernel/object/thread_dispatcher.h"
#include "kernel/object/vm_address_region_dispatcher.h"
#include "kernel/syscalls/syscall_helpers.h"

namespace {
zx_status_t copy_name(UserInPtr<const char> name, size_t name_size, char* out, size_t out_size) {
  size_t n = name_size < out_size - 1 ? name_size : out_size - 1;
  zx_status_t s = name.copy_from_user(out, n);
  if (s != ZX_OK) return s;
  out[n] = 0;
  return ZX_OK;
}

bool user_entry_ok(uint64_t pc, uint64_t sp) {
  return pc >= VmAspace::kUserBase && pc < kUserTop && sp <= kUserTop && (pc & 1) == 0;
}
}  // namespace

zx_status_t sys_process_create(zx_handle_t job, UserInPtr<const char> name, size_t name_size,
                               uint32_t options, UserOutPtr<zx_handle_t> proc_handle,
                               UserOutPtr<zx_handle_t> vmar_handle) {
  if (options != 0) return ZX_ERR_INVALID_ARGS;
  // The one job: processes made with ZX_HANDLE_INVALID join it too (docs/objects/job.md).
  if (job != ZX_HANDLE_INVALID) {
    RefPtr<JobDispatcher> j;
    zx_status_t s = get_object(job, ZX_RIGHT_MANAGE_PROCESS, &j);
    if (s != ZX_OK) return s;
  }
  char pname[ZX_MAX_NAME_LEN];
  zx_status_t s = copy_name(name, name_size, pname, sizeof(pname));
  if (s != ZX_OK) return s;
  RefPtr<ProcessDispatcher> proc;
  s = ProcessDispatcher::create(pname, &proc);
  if (s != ZX_OK) return s;
  auto* vmar = new VmAddressRegionDispatcher(proc->aspace()->root(), /*is_root=*/true);
  if (!vmar) return ZX_ERR_NO_MEMORY;
  RefPtr<Dispatcher> vref = adopt<Dispatcher>(vmar);
  zx_handle_t ph;
  s = up()->handles().add(RefPtr<Dispatcher>(proc), ZX_DEFAULT_PROCESS_RIGHTS, &ph);
  if (s != ZX_OK) return s;
  s = proc_handle.copy_to_user(ph);
  if (s == ZX_OK) s = make_handle(vref, kRootVmarRights, vmar_handle);
  if (s != ZX_OK) {
    up()->handles().remove(ph);
    proc->kill(ZX_TASK_RETCODE_SYSCALL_KILL);
  }
  return s;
}

zx_status_t sys_thread_create(zx_handle_t process, UserInPtr<const char> name, size_t name_size,
                              uint32_t options, UserOutPtr<zx_handle_t> out) {
  if (options != 0) return ZX_ERR_INVALID_ARGS;
  RefPtr<ProcessDispatcher> proc;
  zx_status_t s = get_object(process, ZX_RIGHT_MANAGE_THREAD, &proc);
  if (s != ZX_OK) return s;
  char tname[ZX_MAX_NAME_LEN];
  s = copy_name(name, name_size, tname, sizeof(tname));
  if (s != ZX_OK) return s;
  RefPtr<ThreadDispatcher> t;
  s = ThreadDispatcher::create(proc, tname, &t);
  if (s != ZX_OK) return s;
  return make_handle(RefPtr<Dispatcher>(move(t)), ZX_DEFAULT_THREAD_RIGHTS, out);
}

zx_status_t sys_process_start(zx_handle_t handle, zx_handle_t thread, zx_vaddr_t entry,
                              zx_vaddr_t stack, zx_handle_t arg1, uintptr_t arg2) {
  RefPtr<ProcessDispatcher> proc;
  RefPtr<ThreadDispatcher> t;
  zx_status_t s = get_object(handle, ZX_RIGHT_WRITE, &proc);
  if (s == ZX_OK) s = get_object(thread, ZX_RIGHT_WRITE, &t);
  // arg1 always moves out of the caller, as in Zircon, even when the start fails.
  RefPtr<Dispatcher> arg;
  zx_rights_t arg_rights = 0;
  zx_status_t as = ZX_OK;
  if (arg1 != ZX_HANDLE_INVALID)
    as = up()->handles().remove(arg1, &arg, &arg_rights, /*transferring=*/true);
  if (s == ZX_OK) s = as;
  if (s == ZX_OK && arg && !(arg_rights & ZX_RIGHT_TRANSFER)) s = ZX_ERR_ACCESS_DENIED;
  if (s == ZX_OK && t->process() != proc.get()) s = ZX_ERR_ACCESS_DENIED;
  if (s == ZX_OK && proc->state() != ProcessDispatcher::State::kInitial) s = ZX_ERR_BAD_STATE;
  if (s == ZX_OK && !user_entry_ok(entry, stack)) s = ZX_ERR_INVALID_ARGS;
  zx_handle_t child_arg = ZX_HANDLE_INVALID;
  if (s == ZX_OK && arg) {
    s = proc->handles().add(arg, arg_rights, &child_arg, /*transferred=*/true);
    if (s == ZX_OK) arg = nullptr;  // now owned by the child's table
  }
  if (s == ZX_OK) s = t->start(entry, stack, child_arg, arg2);
  if (arg) arg->decrement_handle_count();  // not delivered: the handle is closed
  return s;
}

zx_status_t sys_thread_start(zx_handle_t handle, zx_vaddr_t thread_entry, zx_vaddr_t stack,
                             uintptr_t arg1, uintptr_t arg2) {
  RefPtr<ThreadDispatcher> t;
  zx_status_t s = get_object(handle, ZX_RIGHT_MANAGE_THREAD, &t);
  if (s != ZX_OK) return s;
  if (!user_entry_ok(thread_entry, stack)) return ZX_ERR_INVALID_ARGS;
  if (t->process()->state() == ProcessDispatcher::State::kInitial) return ZX_ERR_BAD_STATE;
  return t->start(thread_entry, stack, arg1, arg2);
}

void sys_process_exit(int64_t retcode) {
  // The other threads leave at their next return towards user mode; this one leaves now.
  up()->kill(retcode);
  ThreadDispatcher::exit_current();
}

void sys_thread_exit() { ThreadDispatcher::exit_current(); }

zx_status_t sys_task_kill(zx_handle_t handle) {
  RefPtr<Dispatcher> obj;
  zx_status_t s = up()->handles().get(handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_DESTROY, &obj);
  if (s != ZX_OK) return s;
  switch (obj->type()) {
    case ZX_OBJ_TYPE_PROCESS:
      static_cast<ProcessDispatcher*>(obj.get())->kill(ZX_TASK_RETCODE_SYSCALL_KILL);
      return ZX_OK;
    case ZX_OBJ_TYPE_THREAD:
      static_cast<ThreadDispatcher*>(obj.get())->kill();
      return ZX_OK;
    default:
      return ZX_ERR_WRONG_TYPE;
  }
}
