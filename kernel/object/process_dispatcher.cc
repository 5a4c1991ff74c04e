// Processes (see process_dispatcher.h).
#include "kernel/object/process_dispatcher.h"

#include "kernel/arch/riscv/csr.h"
#include "kernel/lib/string.h"
#include "kernel/object/thread_dispatcher.h"
#include "kernel/spinlock.h"

struct ProcessRegistry {
  static SpinLock lock;
  static List<ProcessDispatcher, &ProcessDispatcher::all_node_> all;
  static uint64_t count;
};
SpinLock ProcessRegistry::lock(LockClass::kProcesses);
List<ProcessDispatcher, &ProcessDispatcher::all_node_> ProcessRegistry::all;
uint64_t ProcessRegistry::count = 0;

namespace {
// A per-process secret for handle values: not guessable from outside, different every time.
uint64_t handle_secret(zx_koid_t koid) {
  uint64_t x = riscv::rdtime() ^ (koid * 0x9e3779b97f4a7c15ull) ^ riscv::rdinstret();
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 29;
  return x;
}
}  // namespace

ProcessDispatcher::ProcessDispatcher() : handles_(handle_secret(koid())) {}

zx_status_t ProcessDispatcher::create(const char* name, RefPtr<ProcessDispatcher>* out) {
  auto* p = new ProcessDispatcher();
  if (!p) return ZX_ERR_NO_MEMORY;
  RefPtr<ProcessDispatcher> ref = adopt(p);
  kstrlcpy(p->name_, name, sizeof(p->name_));
  auto* account = new KernelAccount();
  if (!account) return ZX_ERR_NO_MEMORY;
  p->account_ = adopt(account);
  zx_status_t s = VmAspace::create(name, &p->aspace_);
  if (s != ZX_OK) return s;
  {
    SpinLockGuard g(ProcessRegistry::lock);
    ProcessRegistry::all.push_back(p);
    ProcessRegistry::count++;
  }
  *out = move(ref);
  return ZX_OK;
}

ProcessDispatcher::~ProcessDispatcher() {
  {
    SpinLockGuard g(ProcessRegistry::lock);
    if (all_node_.in_list()) {
      ProcessRegistry::all.remove(this);
      ProcessRegistry::count--;
    }
  }
  handles_.close_all();
  if (aspace_) aspace_->destroy();
}

ProcessDispatcher::State ProcessDispatcher::state() const {
  MutexGuard g(lock_);
  return state_;
}

int64_t ProcessDispatcher::return_code() const {
  MutexGuard g(lock_);
  return return_code_;
}

void ProcessDispatcher::get_name(char* out, size_t size) const {
  MutexGuard g(lock_);
  kstrlcpy(out, name_, size);
}

void ProcessDispatcher::set_name(const char* name) {
  MutexGuard g(lock_);
  kstrlcpy(name_, name, sizeof(name_));
}

uint64_t ProcessDispatcher::thread_count() const {
  MutexGuard g(lock_);
  return threads_.size();
}

zx_status_t ProcessDispatcher::add_thread(ThreadDispatcher* t) {
  MutexGuard g(lock_);
  if (state_ == State::kDying || state_ == State::kDead || finishing_) return ZX_ERR_BAD_STATE;
  threads_.push_back(&t->link);
  return ZX_OK;
}

void ProcessDispatcher::mark_running() {
  MutexGuard g(lock_);
  if (state_ == State::kInitial) state_ = State::kRunning;
}

void ProcessDispatcher::thread_exited(ThreadDispatcher* t) {
  bool last = false;
  {
    MutexGuard g(lock_);
    if (t->link.node.in_list()) threads_.remove(&t->link);
    if (threads_.empty() && state_ != State::kInitial && !finishing_) {
      finishing_ = true;
      last = true;
    }
  }
  if (last) finish();
}

void ProcessDispatcher::kill(int64_t code) {
  bool finish_now = false;
  {
    MutexGuard g(lock_);
    if (!return_code_set_) {
      return_code_ = code;
      return_code_set_ = true;
    }
    if (finishing_) return;
    state_ = State::kDying;
    // kill_locked() takes threads that never started off the list: step past each first.
    for (ProcessThreadLink* l = threads_.front(); l;) {
      ProcessThreadLink* next = threads_.next(l);
      l->thread->kill_locked();
      l = next;
    }
    if (threads_.empty()) {
      finishing_ = true;
      finish_now = true;
    }
  }
  if (finish_now) finish();
}

void ProcessDispatcher::finish() {
  // Handles first (they may keep objects alive that hold mappings), then memory.
  handles_.close_all();
  aspace_->destroy();
  {
    MutexGuard g(lock_);
    state_ = State::kDead;
  }
  // Dead before the signal: whoever wakes on it sees the final state and return code.
  update_signals(0, ZX_PROCESS_TERMINATED);
}

ProcessDispatcher* ProcessDispatcher::current() {
  ThreadDispatcher* t = ThreadDispatcher::current();
  return t ? t->process() : nullptr;
}

KernelAccount* KernelAccount::current() {
  ProcessDispatcher* p = ProcessDispatcher::current();
  return p ? p->account() : nullptr;
}

void ProcessDispatcher::for_each(void (*fn)(ProcessDispatcher* p, void* ctx), void* ctx) {
  SpinLockGuard g(ProcessRegistry::lock);
  for (ProcessDispatcher* p : ProcessRegistry::all) fn(p, ctx);
}

uint64_t ProcessDispatcher::live_count() {
  SpinLockGuard g(ProcessRegistry::lock);
  return ProcessRegistry::count;
}
