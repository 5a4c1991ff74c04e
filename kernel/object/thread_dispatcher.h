// A user thread: a kernel thread that runs in a process's address space and enters user mode
// at the entry point zx_thread_start / zx_process_start gave it. It ends by zx_thread_exit,
// by its process ending, or by a fatal exception; then ZX_THREAD_TERMINATED is signaled.
#pragma once
#include "kernel/object/dispatcher.h"
#include "kernel/object/process_dispatcher.h"
#include "kernel/thread.h"

struct TrapFrame;

class ThreadDispatcher : public Dispatcher {
 public:
  enum class State { kInitial, kRunning, kDead };

  static zx_status_t create(RefPtr<ProcessDispatcher> process, const char* name,
                            RefPtr<ThreadDispatcher>* out);
  ~ThreadDispatcher() override;
  static constexpr zx_obj_type_t kType = ZX_OBJ_TYPE_THREAD;
  zx_obj_type_t type() const override { return kType; }
  zx_koid_t related_koid() const override { return process_->koid(); }

  ProcessDispatcher* process() const { return process_.get(); }
  // Creates the kernel thread and enters user mode at entry with sp, a0 = arg1, a1 = arg2.
  zx_status_t start(uint64_t entry, uint64_t sp, uint64_t arg1, uint64_t arg2);
  // Asks the thread to end (it leaves at its next return towards user mode).
  void kill();
  // The same with the process lock held (ProcessDispatcher::kill).
  void kill_locked();
  State state() const { return state_; }
  const char* name() const { return name_; }

  // The user thread running on this hart (null for kernel threads).
  static ThreadDispatcher* current() {
    Thread* t = thread_current();
    return t ? static_cast<ThreadDispatcher*>(t->user_thread) : nullptr;
  }
  // Called by the running user thread itself: end it (never returns).
  [[noreturn]] static void exit_current();

  ProcessThreadLink link;

 private:
  ThreadDispatcher(RefPtr<ProcessDispatcher> process, const char* name);
  static int user_thread_main(void* arg);

  RefPtr<ProcessDispatcher> process_;
  Thread* thread_ = nullptr;
  volatile State state_ = State::kInitial;
  uint64_t entry_ = 0, sp_ = 0, arg1_ = 0, arg2_ = 0;
  char name_[ZX_MAX_NAME_LEN] = {};
};

// What the architecture's trap code calls on the way to and from user mode:
// An exception the process cannot survive (not a system call, not a resolvable page fault):
// report it and kill the process (user_exception.cc).
[[noreturn]] void user_fatal_exception(TrapFrame* tf);
// Every return towards user mode passes here: a killed thread leaves instead.
void user_return_check();
