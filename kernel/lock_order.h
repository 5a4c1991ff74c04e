// The kernel's lock order as a table (docs/architecture.md, "Locking order"): every lock belongs
// to a class, and a class's rank is its place in the list below, outermost first. With
// KERNEL_LOCK_CHECKS on (the default build, which `make test` runs; `make bench` builds without),
// taking a lock whose rank is not above every lock the taker already holds is reported as a
// LOCK MISUSE. Mutexes are tracked per thread (they may sleep and wake on another hart),
// spinlocks per hart (interrupts are off while one is held, so the hart is the holder).
//
// Two locks of one class may nest only when the code sanctions it at the inner acquisition
// (SpinLockGuard(l, kLockNested), MutexGuard(m, kLockNested)), where it also says what fixes their
// order: a parent VMO's lock before its child's, the channel collector's pair locks under
// "channel_gc".
#pragma once
#include <stdint.h>

#ifndef KERNEL_LOCK_CHECKS
#define KERNEL_LOCK_CHECKS 1
#endif

// Outermost first. Every mutex ranks below every spinlock: a mutex may sleep, so it is never
// taken under a spinlock.
#define KERNEL_LOCK_CLASSES(X)                                                                 \
  /* --- mutexes --- */                                                                        \
  X(kPortClients, "port_clients")     /* a port's clients; on_port_closed runs under it */     \
  X(kProcess, "process")              /* a process's thread list and state */                  \
  X(kPager, "pager")                  /* a pager's list of sources */                          \
  X(kAspace, "aspace")                /* an address space's regions */                         \
  X(kVmo, "vmo")                      /* a VMO's pages; parent before slice (nested) */        \
  X(kPageSource, "page_source")       /* a pager VMO's request tracker */                      \
  X(kReclaimQueues, "reclaim_queues") /* the list of all reclaim queues */                     \
  X(kReclaim, "reclaim")              /* one pager's queue of clean pages */                   \
  /* --- spinlocks --- */                                                                      \
  X(kChannelGc, "channel_gc") /* the channel cycle collector, before any pair lock */          \
  X(kChannel, "channel")      /* a channel pair; nested only under channel_gc */               \
  X(kProcesses, "processes")  /* the registry of all processes */                              \
  X(kRootJob, "root_job")                                                                      \
  X(kRootResource, "root_resource")                                                            \
  X(kHandleTable, "handle_table")                                                              \
  X(kInterrupt, "interrupt") /* an interrupt object; taken in interrupt context */             \
  X(kKstackSlots, "kstack_slots")                                                              \
  X(kAspacePt, "aspace_pt") /* a user page table */                                            \
  X(kKernelPt, "kernel_pt")                                                                    \
  X(kPlicClaims, "plic_claims")                                                                \
  X(kSched, "sched")            /* g_sched_lock: signals, wait queues, run queues */           \
  X(kTimerQueue, "timer_queue") /* a hart's timers; under sched when a wait arms a deadline */ \
  X(kHeap, "heap")              /* under sched: a port allocates the packets it queues */      \
  X(kBootAlloc, "boot_alloc")                                                                  \
  X(kPmm, "pmm")                                                                               \
  X(kUartTx, "uart_tx") /* console output: printing works under any lock */

enum class LockClass : uint8_t {
  kUnranked = 0,  // not checked (locks made for a test's own use)
#define KERNEL_LOCK_CLASS_ENUM(id, name) id,
  KERNEL_LOCK_CLASSES(KERNEL_LOCK_CLASS_ENUM)
#undef KERNEL_LOCK_CLASS_ENUM
      kCount
};

inline constexpr const char* kLockClassNames[] = {"unranked",
#define KERNEL_LOCK_CLASS_NAME(id, name) name,
                                                  KERNEL_LOCK_CLASSES(KERNEL_LOCK_CLASS_NAME)
#undef KERNEL_LOCK_CLASS_NAME
};
static_assert(sizeof(kLockClassNames) / sizeof(kLockClassNames[0]) ==
              static_cast<int>(LockClass::kCount));

constexpr const char* lock_class_name(LockClass c) { return kLockClassNames[static_cast<int>(c)]; }
constexpr int lock_rank(LockClass c) { return static_cast<int>(c); }

// Said at the inner one of two acquisitions of the same class whose order the code fixes.
enum LockNested { kLockNested };

// The locks one holder (a thread for mutexes, a hart for spinlocks) holds, by class, in the
// order taken. Nested acquisitions of one class share an entry (the channel collector holds
// one pair lock per channel it visits).
struct HeldLocks {
  static constexpr int kMax = 12;
  uint8_t depth;
  uint8_t overflow;  // acquisitions past kMax, not tracked
  LockClass cls[kMax];
  uint16_t count[kMax];
};

#if KERNEL_LOCK_CHECKS
// Checks the order and records the acquisition; reports through lock_misuse.
void lock_order_acquire(HeldLocks& h, LockClass c, bool nested, const char* name);
// Records a release (of the latest acquisition of that class).
void lock_order_release(HeldLocks& h, LockClass c);
// Records an acquisition that cannot wait (try-lock) without checking the order.
void lock_order_note(HeldLocks& h, LockClass c);
#endif
