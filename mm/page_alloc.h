// Where the kernel gets physical pages. Normally from the buddy allocator (g_pmm). Until it
// works — on a lab 1 handout — from the boot allocator, which hands out pages from the free
// ranges in order and never takes them back, so the rest of the kernel still boots.
#pragma once
#include <stdint.h>

#include "mm/vm_page.h"

struct MemRange {
  uint64_t base;
  uint64_t size;
};

// ram: the memory ranges; reserved: what must never be handed out (firmware, device tree,
// the kernel image). Builds the vm_page arrays and gives every free frame to g_pmm.
void page_alloc_init(const MemRange* ram, int nram, const MemRange* reserved, int nreserved);

vm_page* page_alloc(PageState state);
vm_page* page_alloc_contig(unsigned order, PageState state);  // 2^order frames
void page_free(vm_page* page);
void page_free_contig(vm_page* head, unsigned order);
// The same, addressed through the direct map.
void* page_alloc_kva(unsigned order, PageState state);
void page_free_kva(void* va, unsigned order);

bool page_alloc_using_boot_allocator();
uint64_t page_alloc_free_pages();
uint64_t page_alloc_total_pages();
