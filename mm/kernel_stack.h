// Kernel stacks: 16 KiB mapped in the kernel stack region with an unmapped guard page below,
// so an overflow faults at a known address instead of corrupting memory.
#pragma once
#include <stdint.h>

#include "kernel/status.h"

struct KernelStack {
  uint64_t limit;  // lowest usable address
  uint64_t top;    // initial sp
  uint64_t paddr;  // the 2^2 contiguous frames behind it
  int slot;        // index in the stack region, -1 when not mapped there
  bool guarded;
};

zx_status_t kernel_stack_alloc(KernelStack* s);
void kernel_stack_free(KernelStack* s);
uint64_t kernel_stacks_in_use();
