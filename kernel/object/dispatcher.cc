// Kernel object ids and object teardown. A koid names an object for its whole life and is never
// reused, so a plain counter suffices; it starts at 1024 as in Zircon, leaving small values free
// for reserved ids (0 is ZX_KOID_INVALID). Teardown runs through a per-thread worklist so that
// chains of objects whose destruction destroys the next one never nest on the stack.
#include "kernel/object/dispatcher.h"

#ifndef KERNEL_HOST_TEST
#include "kernel/arch/riscv/csr.h"
#include "kernel/thread.h"
#endif

namespace {

zx_koid_t g_next_koid = ZX_KOID_FIRST;

}  // namespace

// Relaxed is enough: callers need distinct ids, not an ordering with other memory.
zx_koid_t koid_generate() { return __atomic_fetch_add(&g_next_koid, 1, __ATOMIC_RELAXED); }

Dispatcher::Dispatcher() : koid_(koid_generate()) {}

Dispatcher::~Dispatcher() { release_observers(); }

namespace {

// The worklist of the teardown running on a thread. It lives on the stack of the outermost
// teardown_submit of that thread; Thread::teardown points at it meanwhile.
struct Worklist {
  TeardownNode* head = nullptr;
  TeardownNode* tail = nullptr;
};

#ifdef KERNEL_HOST_TEST
thread_local void* g_host_teardown = nullptr;
void** teardown_slot() { return &g_host_teardown; }
struct IrqOff {
  IrqOff() {}
};
#else
// Null before the first thread exists (early boot): teardown then simply runs nested.
void** teardown_slot() {
  Thread* t = thread_current();
  return t ? &t->teardown : nullptr;
}
// The list is only ever touched by its own thread, but an interrupt handler dropping a
// reference on that thread's hart would queue on it too: keep interrupts out of the updates.
struct IrqOff {
  bool was = riscv::irq_save();
  ~IrqOff() { riscv::irq_restore(was); }
};
#endif

}  // namespace

bool teardown_submit(TeardownNode* n) {
  if (__atomic_exchange_n(&n->queued, 1u, __ATOMIC_ACQ_REL)) return false;
  void** slot = teardown_slot();
  {
    [[maybe_unused]] IrqOff irq;
    if (slot && *slot) {
      auto* w = static_cast<Worklist*>(*slot);
      n->next = nullptr;
      if (w->tail)
        w->tail->next = n;
      else
        w->head = n;
      w->tail = n;
      return true;
    }
  }
  // Outermost: run this step, then everything it and its successors queue, in order.
  Worklist w;
  if (slot) *slot = &w;
  for (TeardownNode* cur = n; cur;) {
    __atomic_store_n(&cur->queued, 0u, __ATOMIC_RELEASE);
    cur->run(cur);  // may free the node's owner
    [[maybe_unused]] IrqOff irq;
    cur = w.head;
    if (cur) {
      w.head = cur->next;
      if (!w.head) w.tail = nullptr;
    }
  }
  if (slot) *slot = nullptr;
  return true;
}

void Dispatcher::zero_handles() {
  // The queued step holds a reference, so the object outlives the wait for its turn.
  add_ref();
  zero_node_.run = &Dispatcher::run_zero_handles;
  zero_node_.owner = this;
  if (teardown_submit(&zero_node_)) return;
  // Already queued (the count went back up from zero and down again before the queued step
  // ran): that step will see zero handles and run; one run is what on_zero_handles expects.
  RefPtr<Dispatcher>::take_existing(this);
}

void Dispatcher::run_zero_handles(TeardownNode* n) {
  auto* d = static_cast<Dispatcher*>(n->owner);
  RefPtr<Dispatcher> ref = RefPtr<Dispatcher>::take_existing(d);
  if (d->handle_count() == 0) d->on_zero_handles();
}

void Dispatcher::on_last_reference() {
  delete_node_.run = &Dispatcher::run_delete;
  delete_node_.owner = this;
  // An object dies once, so its delete step can be on no other worklist.
  teardown_submit(&delete_node_);
}

void Dispatcher::run_delete(TeardownNode* n) { delete static_cast<Dispatcher*>(n->owner); }

#ifdef KERNEL_HOST_TEST
// Host tests have no waiting (kernel/object/signals.cc is kernel-only).
void Dispatcher::release_observers() {}
#endif
