// User threads (see thread_dispatcher.h). The kernel thread behind a user thread keeps a
// reference to its dispatcher while it runs; its kernel stack holds the user trap frame at the
// very top, where trap.S saves user state on every trap.
#include "kernel/object/thread_dispatcher.h"

#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/trap.h"
#include "kernel/lib/string.h"
#include "kernel/lock_assert.h"
#include "kernel/sched.h"

ThreadDispatcher::ThreadDispatcher(RefPtr<ProcessDispatcher> process, const char* name)
    : process_(move(process)) {
  kstrlcpy(name_, name, sizeof(name_));
  link.thread = this;
}

zx_status_t ThreadDispatcher::create(RefPtr<ProcessDispatcher> process, const char* name,
                                     RefPtr<ThreadDispatcher>* out) {
  ProcessDispatcher* p = process.get();
  auto* t = new ThreadDispatcher(move(process), name);
  if (!t) return ZX_ERR_NO_MEMORY;
  RefPtr<ThreadDispatcher> ref = adopt(t);
  zx_status_t s = p->add_thread(t);
  if (s != ZX_OK) return s;
  *out = move(ref);
  return ZX_OK;
}

ThreadDispatcher::~ThreadDispatcher() {
  // A thread that never ran (or whose last handle closed first) leaves its process here.
  if (link.node.in_list()) process_->thread_exited(this);
}

zx_status_t ThreadDispatcher::start(uint64_t entry, uint64_t sp, uint64_t arg1, uint64_t arg2) {
  {
    MutexGuard g(process_->lock_);
    if (state_ != State::kInitial) return ZX_ERR_BAD_STATE;
    if (process_->state_ == ProcessDispatcher::State::kDying ||
        process_->state_ == ProcessDispatcher::State::kDead)
      return ZX_ERR_BAD_STATE;
    Thread* t = thread_create(name_, user_thread_main, this);
    if (!t) return ZX_ERR_NO_MEMORY;
    entry_ = entry;
    sp_ = sp;
    arg1_ = arg1;
    arg2_ = arg2;
    t->aspace = process_->aspace();
    t->user_thread = this;
    // The C stack starts below the user trap frame, which lives at the very top.
    t->ctx.sp = t->stack.top - sizeof(TrapFrame) - 16;
    thread_ = t;
    state_ = State::kRunning;
    if (process_->state_ == ProcessDispatcher::State::kInitial)
      process_->state_ = ProcessDispatcher::State::kRunning;
    add_ref();  // held by the running kernel thread
    thread_detach(t);
    thread_start(t);
  }
  update_signals(0, ZX_THREAD_RUNNING);
  return ZX_OK;
}

int ThreadDispatcher::user_thread_main(void* arg) {
  auto* td = static_cast<ThreadDispatcher*>(arg);
  Thread* t = thread_current();
  auto* f = reinterpret_cast<TrapFrame*>(t->stack.top - sizeof(TrapFrame));
  memset(f, 0, sizeof(*f));
  f->sepc = td->entry_;
  f->regs[2] = td->sp_;
  f->regs[10] = td->arg1_;
  f->regs[11] = td->arg2_;
  // sret to U-mode with interrupts on there; SUM off so the kernel never touches user memory
  // by accident.
  f->sstatus =
      (csr_read(sstatus) & ~(riscv::SSTATUS_SPP | riscv::SSTATUS_SIE | riscv::SSTATUS_SUM)) |
      riscv::SSTATUS_SPIE;
  riscv::irq_disable();
  if (t->kill_pending) exit_current();
  arch_enter_user(f);
}

void ThreadDispatcher::kill_locked() {
  assert_held(process_->lock_);
  if (state_ == State::kInitial) {
    state_ = State::kDead;
    process_->threads_.remove(&link);
    update_signals(0, ZX_THREAD_TERMINATED);
    return;
  }
  if (state_ == State::kRunning) thread_request_kill(thread_);
}

void ThreadDispatcher::kill() {
  bool finished = false;
  {
    MutexGuard g(process_->lock_);
    bool was_initial = state_ == State::kInitial;
    kill_locked();
    finished = was_initial && process_->threads_.empty() &&
               process_->state_ != ProcessDispatcher::State::kInitial && !process_->finishing_;
    if (finished) process_->finishing_ = true;
  }
  if (finished) process_->finish();
}

void ThreadDispatcher::exit_current() {
  Thread* t = thread_current();
  auto* td = static_cast<ThreadDispatcher*>(t->user_thread);
  riscv::irq_enable();
  // Off the process's address space before the process may tear it down.
  {
    SchedGuard g;
    t->aspace = nullptr;
    VmAspace::activate(nullptr);
  }
  td->state_ = State::kDead;
  td->update_signals(ZX_THREAD_RUNNING, ZX_THREAD_TERMINATED);
  td->process_->thread_exited(td);
  t->user_thread = nullptr;
  if (td->release()) delete td;  // the running thread's reference
  thread_exit(0);
}

// Every return towards user mode passes here: a killed thread leaves instead.
void user_return_check() {
  Thread* t = thread_current();
  if (t->kill_pending && t->user_thread) ThreadDispatcher::exit_current();
}
