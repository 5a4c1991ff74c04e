// Where a pager-backed VM object's pages come from: all the VM layer knows of pagers
// (docs/architecture.md, "The page-fault path", steps 3-5). When a fault, read or write finds a
// page absent (or, in a VMO that traps dirtying, a clean page it wants to write), the object asks
// its page source with the object locked (begin_wait), drops the lock, and waits (finish_wait);
// then it looks again. The waiting thread owns the wait's storage (a PageWaitSlot on its stack), so
// nothing is allocated on the fault path and a thread that gives up (killed) withdraws only itself.
// The implementation is pager/page_source.h.
#pragma once
#include <stdint.h>

#include "kernel/lib/ref_ptr.h"
#include "kernel/status.h"

// Room for the source's per-wait state (a page request and an event), owned by the waiter.
struct PageWaitSlot {
  alignas(16) unsigned char storage[256];
};

// What a waiter needs: the page's content (READ), or leave to write a clean page (DIRTY).
enum class PageRequestType : uint8_t { kRead = 0, kDirty = 1 };

class PageSource : public RefCounted<PageSource> {
 public:
  virtual ~PageSource() = default;
  // Object locked: [offset, offset+len) is needed. Returns ZX_ERR_SHOULD_WAIT when the caller
  // must drop the object's lock and call finish_wait, ZX_OK when nothing is missing any more
  // (look again), or an error (the source is detached: ZX_ERR_BAD_STATE).
  virtual zx_status_t begin_wait(PageRequestType type, uint64_t offset, uint64_t len,
                                 PageWaitSlot* slot) = 0;
  // Object unlocked: blocks until the request completes. ZX_OK means look again; otherwise the
  // pager failed the range (its status), the source was detached, or the thread was killed.
  virtual zx_status_t finish_wait(PageWaitSlot* slot) = 0;
  // Object locked: its size became new_size (requests past it fail with ZX_ERR_OUT_OF_RANGE).
  virtual void on_resize(uint64_t new_size) = 0;
  // The object is going away: no more requests (the pager is told COMPLETE).
  virtual void on_object_destroyed() = 0;
};

// A wait a page fault armed under the address-space lock and finishes after dropping it
// (VmAspace::page_fault), so a thread waiting for its pager never blocks the rest of its process.
struct PageWait {
  PageWaitSlot slot;
  RefPtr<PageSource> source;  // set when armed; keeps the source alive while we wait
};
