// The per-frame record of physical memory. Every 4 KiB frame of every arena has one vm_page,
// so the record is kept small (a 256 MiB machine has 65536 of them) and its fields are reused
// by whoever owns the frame: the buddy allocator while it is free, later the page queues and
// VM objects.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/list.h"

constexpr uint64_t PAGE_SIZE = 4096;
constexpr unsigned PAGE_SHIFT = 12;

// Who owns a frame. Statistics are kept per state, so a leak shows up as a count that grows.
enum class PageState : uint8_t {
  Free,         // on a buddy free list (head or inside a free block)
  Reserved,     // never handed out: firmware, kernel image, boot allocations, holes
  Wired,        // allocated for a fixed kernel use that has no more specific state
  Heap,         // slab or large-allocation page of the kernel heap
  PageTable,    // an MMU translation table
  Object,       // backs a VM object (lab code later)
  KernelStack,  // a thread's kernel stack
};
constexpr size_t kNumPageStates = 7;

class VmObject;

// vm_page::flags of a page owned by a pager-backed VM object (mm/vm_object.cc,
// mm/reclaim_queue.h). Clean is neither of the first two.
constexpr uint16_t kPageDirty = 1;          // written since supplied
constexpr uint16_t kPageAwaitingClean = 2;  // being written back (ZX_PAGER_OP_WRITEBACK_BEGIN)
constexpr uint16_t kPageAlwaysNeed = 4;     // ZX_VMO_OP_ALWAYS_NEED: never evicted
constexpr uint16_t kPageReferenced = 8;     // touched since the reclaim queue last looked

struct vm_page {
  // Links the page into exactly one list at a time: a buddy free list while Free, later a page
  // queue or a VM object's page list.
  ListNode queue_node;
  uint64_t paddr;
  PageState state;
  // Buddy order of the block this page heads; only meaningful on the head of a free block (and,
  // for debugging, on the head of an allocated block).
  uint8_t order;
  uint16_t flags;
  uint32_t ref_count;
  // Room for the owner of the page (for example a VM object's offset) without growing the record.
  uint64_t object_data;
  // The VM object holding the page, for pages on a reclaim queue (eviction starts from the page).
  VmObject* owner;
};
// An object page's flags change only under its object's lock (the reclaim queue asks the
// object to clear the referenced bit, VmObject::evict_page), so plain accesses suffice.
inline uint16_t page_flags(const vm_page* p) { return p->flags; }
inline void page_set_flags(vm_page* p, uint16_t set, uint16_t clear) {
  p->flags = static_cast<uint16_t>((p->flags & ~clear) | set);
}

static_assert(sizeof(vm_page) <= 48, "vm_page is per frame: keep it small");
