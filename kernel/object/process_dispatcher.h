// A process: a handle table, an address space with its root VMAR, and threads. It starts when
// its first thread starts and ends when its last thread ends (after zx_process_exit, a kill, or
// a fatal exception); then its handles are closed, its memory released, and ZX_PROCESS_TERMINATED
// is signaled. Its return code is what the first exit or kill said.
#pragma once
#include "kernel/lib/list.h"
#include "kernel/mutex.h"
#include "kernel/object/dispatcher.h"
#include "kernel/object/handle_table.h"
#include "kernel/object/kernel_charges.h"
#include "mm/vm_aspace.h"

class ThreadDispatcher;

// A thread's entry on its process's list (ThreadDispatcher embeds one).
struct ProcessThreadLink {
  ListNode node;
  ThreadDispatcher* thread = nullptr;
};

class ProcessDispatcher : public Dispatcher {
 public:
  enum class State { kInitial, kRunning, kDying, kDead };

  static zx_status_t create(const char* name, RefPtr<ProcessDispatcher>* out);
  ~ProcessDispatcher() override;
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_PROCESS;
  zx_obj_type_t type() const override { return kType; }

  HandleTable& handles() { return handles_; }
  // What this process makes the kernel hold (kernel/object/kernel_charges.h).
  KernelAccount* account() const { return account_.get(); }
  VmAspace* aspace() const { return aspace_.get(); }
  State state() const;
  // The state without taking the process lock (a snapshot, for lists walked under a spinlock).
  State state_unlocked() const { return __atomic_load_n(&state_, __ATOMIC_ACQUIRE); }
  int64_t return_code() const;
  void get_name(char* out, size_t size) const;
  void set_name(const char* name);
  uint64_t thread_count() const;

  // Threads join while the process is not dying (ZX_ERR_BAD_STATE otherwise).
  zx_status_t add_thread(ThreadDispatcher* t);
  void thread_exited(ThreadDispatcher* t);
  // The first thread started: the process runs.
  void mark_running();
  // zx_process_exit / zx_task_kill / fatal exception: every thread is told to leave.
  void kill(int64_t return_code);

  // The process of the running thread (null for kernel threads).
  static ProcessDispatcher* current();
  // Every process not yet destroyed, for `ps` and `mem` (fn must not block).
  static void for_each(void (*fn)(ProcessDispatcher* p, void* ctx), void* ctx);
  static uint64_t live_count();

 private:
  ProcessDispatcher();
  void finish();  // last thread gone: release everything

  mutable Mutex lock_{LockClass::kProcess};
  HandleTable handles_;
  RefPtr<VmAspace> aspace_;
  RefPtr<KernelAccount> account_;                              // set by create(), never changed
  List<ProcessThreadLink, &ProcessThreadLink::node> threads_;  // lock_
  State state_ = State::kInitial;                              // lock_
  int64_t return_code_ = 0;
  bool return_code_set_ = false;
  bool finishing_ = false;  // lock_: the last thread is gone and finish() runs (or ran)
  char name_[ZX_MAX_NAME_LEN] = {};
  ListNode all_node_;  // on the list of all processes
  friend struct ProcessRegistry;
  friend class ThreadDispatcher;
};
