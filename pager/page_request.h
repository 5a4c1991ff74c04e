// A page request: what one waiting thread needs from its VMO's page source, [offset, offset +
// length) of one kind (READ: the pages are absent; DIRTY: clean pages it wants to write). The
// thread owns the request (on its stack, in a PageWaitSlot), so the fault path allocates
// nothing and a thread that gives up withdraws only its own request. The page source's tracker
// (request_tracker.h) joins overlapping requests into the ranges it asks the provider for.
#pragma once
#include <stdint.h>

#include "kernel/lib/avl_tree.h"
#include "kernel/lib/list.h"
#include "kernel/status.h"

// What a faulting thread owns while it waits for pages [offset, offset + length).
struct PageRequest {
  uint64_t offset = 0;         // byte offset in the VMO, page aligned
  uint64_t length = 0;         // bytes, a multiple of PAGE_SIZE (shrink() may trim it)
  zx_status_t status = ZX_OK;  // valid once done
  bool done = false;           // set (with status) just before on_complete runs
  void* waiter = nullptr;      // the kernel's cookie, e.g. the thread to wake; never touched

  // Tracker-private links. A request is in at most one tracker at a time.
  AvlNode tree_node;    // in the tracker's waiter tree while pending
  ListNode batch_node;  // on a tracker-local list while being collected or completed
  uint64_t seq = 0;     // tie-breaker so that equal offsets are distinct keys
  bool in_tracker = false;

  uint64_t end() const { return offset + length; }
};
