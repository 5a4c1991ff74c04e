// The kernel's virtual address map (Sv39). The lower half (0 .. 256 GiB) is left for user
// address spaces; the kernel lives in the upper half, shared by every address space:
//
//   0xFFFFFFC000000000  direct map of physical memory (PA 0 .. 64 GiB), RW, never executable
//   0xFFFFFFD000000000  kernel stacks, 4 KiB pages each with an unmapped guard page below
//   0xFFFFFFFF80000000  the kernel image (linked at +0x200000), text RX, rodata R, data RW
#pragma once
#include <stdint.h>

constexpr uint64_t kPhysMapBase = 0xFFFFFFC000000000ull;
constexpr uint64_t kPhysMapSize = 64ull << 30;
constexpr uint64_t kKernelStackBase = 0xFFFFFFD000000000ull;
constexpr uint64_t kKernelStackRegionSize = 1ull << 30;
constexpr uint64_t kKernelVBase = 0xFFFFFFFF80000000ull;  // maps the 1 GiB holding the image
constexpr uint64_t kKernelStackSize = 16 * 1024;

// Physical address of the gigabyte the kernel was loaded in (set by entry.S).
extern "C" uint64_t g_kernel_phys_base;

inline void* phys_to_virt(uint64_t pa) { return reinterpret_cast<void*>(pa + kPhysMapBase); }
inline uint64_t virt_to_phys(const void* va) {
  uint64_t v = reinterpret_cast<uint64_t>(va);
  if (v >= kKernelVBase) return v - kKernelVBase + g_kernel_phys_base;
  return v - kPhysMapBase;
}
