// Kernel threads. A thread is a kernel stack, saved registers and scheduling state; later a
// user thread is a kernel thread that also has a user context. Threads are created stopped,
// started with thread_start(), and end with thread_exit(); someone either joins them (which
// frees them) or they are detached (the scheduler frees them after their last switch).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/riscv/asm.h"
#include "kernel/arch/riscv/cpu.h"
#include "kernel/lib/list.h"
#include "kernel/lock_order.h"
#include "kernel/status.h"
#include "kernel/timer.h"
#include "mm/kernel_stack.h"

class WaitQueue;
class VmAspace;

// Callee-saved registers at a switch (switch.S stores them at the CONTEXT_* offsets of asm.h).
struct Context {
  uint64_t ra, sp;
  uint64_t s[12];
};
static_assert(offsetof(Context, ra) == CONTEXT_RA);
static_assert(offsetof(Context, sp) == CONTEXT_SP);
static_assert(offsetof(Context, s) == CONTEXT_S0 && sizeof(Context::s[0]) == 8);
static_assert(sizeof(Context) == CONTEXT_SIZE);

enum class ThreadState : uint8_t { Initial, Ready, Running, Blocked, Dead };

constexpr int kNumPriorities = 32;
constexpr int kDefaultPriority = 16;
constexpr int kHighPriority = 24;
constexpr int kLowPriority = 8;
constexpr int kThreadExitFault = -1000;  // exit code of a thread killed by a kernel fault

using ThreadEntry = int (*)(void* arg);

struct Thread {
  Context ctx;
  uint32_t magic;
  int id;
  char name[32];
  ThreadState state;
  int priority;
  int cpu;       // hart it runs on, is queued on, or last ran on
  int affinity;  // -1: any hart; otherwise the only hart allowed
  bool idle;
  bool detached;
  bool fault_recoverable;  // a kernel fault kills this thread instead of the kernel (tests)
  ListNode queue_node;     // on a run queue or a wait queue
  ListNode all_node;       // on the list of all threads (the `threads` command)
  WaitQueue* blocked_on;
  zx_status_t wait_result;
  Timer wait_timer;
  KernelStack stack;
  ThreadEntry entry;
  void* arg;
  int exit_code;
  uint64_t slice_end;  // ns; preempted when passed and another thread is ready
  uint64_t switches;
  uint64_t runtime_ns;
  uint64_t last_start;
  VmAspace* aspace;   // the address space it runs on (null: kernel only); owned by its process
  void* user_thread;  // its ThreadDispatcher when it runs user code
  volatile bool kill_pending;  // asked to die: leave at the next return towards user mode
  bool interruptible;          // blocked in a wait that a kill may cut short
  // The object teardown running on this thread, if any (kernel/object/dispatcher.cc): nested
  // teardowns queue on it instead of recursing.
  void* teardown;
#if KERNEL_LOCK_CHECKS
  HeldLocks mutexes_held;  // for the lock-order checker (kernel/lock_order.h)
#endif
};

// Creates a stopped thread. Returns nullptr when memory runs out.
Thread* thread_create(const char* name, ThreadEntry entry, void* arg,
                      int priority = kDefaultPriority);
void thread_start(Thread* t);
// Waits for t to exit, stores its exit code and frees it.
zx_status_t thread_join(Thread* t, int* exit_code, uint64_t deadline = kInfiniteTime);
void thread_detach(Thread* t);
[[noreturn]] void thread_exit(int code);
// Inline: system calls ask for it several times each.
inline Thread* thread_current() { return this_cpu()->current; }
void thread_yield();
// Sleeps until the deadline (ns since boot).
void thread_sleep_until(uint64_t deadline);
void thread_sleep(uint64_t ns);
const char* thread_state_name(ThreadState s);
// Asks t to die: an interruptible wait it is blocked in ends with ZX_ERR_CANCELED, and it
// leaves when it next heads back to user mode.
void thread_request_kill(Thread* t);
// Calls fn for every thread (under the scheduler lock: fn must not block).
void thread_for_each(void (*fn)(Thread* t, void* ctx), void* ctx);
uint64_t thread_count();
// Frees detached threads that have died (called from the idle loop and thread_create).
void thread_reap_zombies();
// Boot: wraps the context running on a boot stack into a Thread record.
Thread* thread_adopt_boot_context(const char* name, uint64_t stack_limit, uint64_t stack_top,
                                  bool idle);
