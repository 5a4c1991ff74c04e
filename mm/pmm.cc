// Buddy allocator for physical frames. Free blocks sit on per-arena, per-order lists. Every
// frame of a free block is marked Free, which makes double frees detectable, and the head of
// a free block records its order, which is how a freed block recognizes a free buddy: a Free
// page at the buddy index is always the head of a free block (a larger free block containing
// the buddy would also contain the block being freed).
#include "mm/pmm.h"

#include "kernel/lab.h"
#include "kernel/lock_assert.h"

Pmm g_pmm;

zx_status_t Pmm::add_arena(uint64_t base_paddr, uint64_t size, vm_page* pages) {
  uint64_t npages = size / PAGE_SIZE;
  if (pages == nullptr || npages == 0 || (base_paddr & (PAGE_SIZE - 1)) != 0 ||
      base_paddr + npages * PAGE_SIZE < base_paddr) {
    return ZX_ERR_INVALID_ARGS;
  }
  SpinLockGuard guard(lock_);
  if (num_arenas_ == kMaxArenas) return ZX_ERR_NO_RESOURCES;
  uint64_t end = base_paddr + npages * PAGE_SIZE;
  for (size_t i = 0; i < num_arenas_; i++) {
    const Arena& o = arenas_[i];
    if (base_paddr < o.base + o.npages * PAGE_SIZE && o.base < end) return ZX_ERR_ALREADY_EXISTS;
  }
  for (uint64_t i = 0; i < npages; i++) {
    vm_page* p = &pages[i];
    p->queue_node.prev = p->queue_node.next = nullptr;
    p->paddr = base_paddr + i * PAGE_SIZE;
    p->state = PageState::Reserved;
    p->order = 0;
    p->flags = 0;
    p->ref_count = 0;
    p->object_data = 0;
  }
  Arena& a = arenas_[num_arenas_++];
  a.base = base_paddr;
  a.npages = npages;
  a.pages = pages;
  total_pages_ += npages;
  state_count_[static_cast<size_t>(PageState::Reserved)] += npages;
  return ZX_OK;
}

void Pmm::free_range(uint64_t paddr, uint64_t size) {
  // Only whole frames inside the range: a partial frame may hold something the caller keeps.
  uint64_t start = (paddr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  uint64_t end = paddr + size < paddr ? ~0ull : paddr + size;
  end &= ~(PAGE_SIZE - 1);
  if (start < paddr || start >= end) return;

  SpinLockGuard guard(lock_);
  for (size_t ai = 0; ai < num_arenas_; ai++) {
    Arena& a = arenas_[ai];
    uint64_t a_end = a.base + a.npages * PAGE_SIZE;
    if (end <= a.base || start >= a_end) continue;
    uint64_t i = (start > a.base ? start - a.base : 0) / PAGE_SIZE;
    uint64_t last = ((end < a_end ? end : a_end) - a.base) / PAGE_SIZE;
    // Hand over the largest aligned blocks that fit, so boot does not merge frame by frame.
    while (i < last) {
      if (a.pages[i].state != PageState::Reserved) {
        i++;
        continue;
      }
      unsigned max_order = 0;
      while (max_order < kMaxOrder && (i & ((2ull << max_order) - 1)) == 0 &&
             i + (2ull << max_order) <= last) {
        max_order++;
      }
      uint64_t run = 1;
      while (run < (1ull << max_order) && a.pages[i + run].state == PageState::Reserved) run++;
      unsigned order = 0;
      while ((2ull << order) <= run) order++;
      if (insert_free_block_locked(a, i, order) != ZX_OK) return;
      set_state_locked(&a.pages[i], 1ull << order, PageState::Free);
      i += 1ull << order;
    }
  }
}

vm_page* Pmm::alloc_pages(unsigned order, PageState state) {
  if (order > kMaxOrder || state == PageState::Free) return nullptr;
  SpinLockGuard guard(lock_);
  vm_page* head = nullptr;
  // LAB 1 SOLUTION BEGIN
  // Take the smallest free block that is large enough, from the first arena that has one.
  for (size_t ai = 0; ai < num_arenas_ && head == nullptr; ai++) {
    Arena& a = arenas_[ai];
    unsigned k = order;
    while (k <= kMaxOrder && a.free[k].empty()) k++;
    if (k > kMaxOrder) continue;
    vm_page* block = a.free[k].pop_front();
    // Split it in halves until it has the requested size; each upper half becomes a free block
    // one order down (it is already marked Free, only its head needs the order).
    while (k > order) {
      k--;
      push_free_locked(a, block + (1ull << k), k);
    }
    head = block;
  }
  if (head == nullptr) return nullptr;
  // LAB 1 SOLUTION END
  // LAB 1 STUB BEGIN
  // lab_todo(1, "pmm: buddy allocation (Pmm::alloc_pages)");
  // return nullptr;
  // LAB 1 STUB END
  set_state_locked(head, 1ull << order, state);
  for (uint64_t i = 0; i < (1ull << order); i++) head[i].ref_count = 0;
  head->ref_count = 1;
  head->order = static_cast<uint8_t>(order);
  return head;
}

zx_status_t Pmm::free_pages(vm_page* head, unsigned order) {
  if (head == nullptr || order > kMaxOrder) return ZX_ERR_INVALID_ARGS;
  SpinLockGuard guard(lock_);
  Arena* a = arena_of(head);
  if (a == nullptr) return ZX_ERR_INVALID_ARGS;
  uint64_t index = static_cast<uint64_t>(head - a->pages);
  uint64_t n = 1ull << order;
  if ((index & (n - 1)) != 0 || index + n > a->npages) return ZX_ERR_INVALID_ARGS;
  for (uint64_t i = 0; i < n; i++) {
    if (head[i].state == PageState::Free) return ZX_ERR_BAD_STATE;
  }
  zx_status_t status = insert_free_block_locked(*a, index, order);
  if (status != ZX_OK) return status;
  set_state_locked(head, n, PageState::Free);
  for (uint64_t i = 0; i < n; i++) head[i].ref_count = 0;
  return ZX_OK;
}

// Puts the block of 2^order frames at `index` on the free lists, merged with every free buddy.
// The block's own frames are not Free yet; the caller marks them once this succeeds.
zx_status_t Pmm::insert_free_block_locked(Arena& a, uint64_t index, unsigned order) {
  assert_held(lock_);
  // LAB 1 SOLUTION BEGIN
  while (order < kMaxOrder) {
    uint64_t buddy = index ^ (1ull << order);
    // A buddy that would stick out of the arena can never be free as a whole.
    if (buddy + (1ull << order) > a.npages) break;
    vm_page* b = &a.pages[buddy];
    if (b->state != PageState::Free || b->order != order) break;
    a.free[order].remove(b);
    // The merged block starts at the lower of the two halves.
    index &= ~(1ull << order);
    order++;
  }
  push_free_locked(a, &a.pages[index], order);
  return ZX_OK;
  // LAB 1 SOLUTION END
  // LAB 1 STUB BEGIN
  // lab_todo(1, "pmm: buddy merge (Pmm::insert_free_block_locked)");
  // (void)a;
  // (void)index;
  // (void)order;
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 1 STUB END
}

void Pmm::push_free_locked(Arena& a, vm_page* head, unsigned order) {
  assert_held(lock_);
  head->order = static_cast<uint8_t>(order);
  // LIFO: the most recently freed block is the most likely to still be in the cache.
  a.free[order].push_front(head);
}

void Pmm::set_state_locked(vm_page* first, uint64_t n, PageState state) {
  assert_held(lock_);
  for (uint64_t i = 0; i < n; i++) {
    state_count_[static_cast<size_t>(first[i].state)]--;
    first[i].state = state;
  }
  state_count_[static_cast<size_t>(state)] += n;
}

Pmm::Arena* Pmm::arena_of(const vm_page* page) {
  for (size_t i = 0; i < num_arenas_; i++) {
    Arena& a = arenas_[i];
    if (page >= a.pages && page < a.pages + a.npages) return &a;
  }
  return nullptr;
}

bool Pmm::overlaps_ram(uint64_t paddr, uint64_t size) const {
  for (size_t i = 0; i < num_arenas_; i++) {
    const Arena& a = arenas_[i];
    uint64_t end = a.base + a.npages * PAGE_SIZE;
    if (paddr < end && a.base < paddr + size) return true;
  }
  return false;
}

vm_page* Pmm::paddr_to_page(uint64_t paddr) {
  SpinLockGuard guard(lock_);
  for (size_t i = 0; i < num_arenas_; i++) {
    Arena& a = arenas_[i];
    if (paddr >= a.base && paddr - a.base < a.npages * PAGE_SIZE) {
      return &a.pages[(paddr - a.base) / PAGE_SIZE];
    }
  }
  return nullptr;
}

uint64_t Pmm::total_pages() const {
  SpinLockGuard guard(lock_);
  return total_pages_;
}

uint64_t Pmm::free_pages_count() const { return count(PageState::Free); }

uint64_t Pmm::used_pages() const {
  SpinLockGuard guard(lock_);
  return total_pages_ - state_count_[static_cast<size_t>(PageState::Free)];
}

uint64_t Pmm::count(PageState state) const {
  size_t s = static_cast<size_t>(state);
  if (s >= kNumPageStates) return 0;
  SpinLockGuard guard(lock_);
  return state_count_[s];
}

uint64_t Pmm::free_blocks(unsigned order) const {
  if (order > kMaxOrder) return 0;
  SpinLockGuard guard(lock_);
  uint64_t n = 0;
  for (size_t i = 0; i < num_arenas_; i++) n += arenas_[i].free[order].size();
  return n;
}
