// The kernel's address space: one Sv39 table whose upper half every address space shares.
// kernel_aspace_init() builds it (direct map of RAM and devices, the kernel image W^X) and
// switches to it; until then, and for good if the page-table code is not written yet (a lab 2
// handout), the kernel runs on the coarse boot table from entry.S.
#pragma once
#include <stdint.h>

#include "kernel/status.h"
#include "mm/page_table.h"

zx_status_t kernel_aspace_init(uint64_t phys_end);
void kernel_aspace_activate_hart();  // secondaries: switch to the kernel table
bool kernel_aspace_ready();
PageTable& kernel_page_table();
// Where page tables come from (the page allocator, through the direct map).
PageTableMemory* kernel_table_memory();

// Map or unmap kernel-only pages (the kernel stack region). Unmap flushes every hart's TLB.
zx_status_t kernel_map(uint64_t va, uint64_t pa, uint64_t len, uint32_t mmu_flags);
zx_status_t kernel_unmap(uint64_t va, uint64_t len);
