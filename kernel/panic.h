// Stopping the kernel with a useful report: panic() and assert() print the message, the hart,
// the thread and a symbolized backtrace, then stop every hart.
#pragma once
#include <stdint.h>

[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#define assert(cond)                                                                \
  do {                                                                              \
    if (!(cond)) panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
  } while (0)

// Prints "  #n 0x... function+0xoff" lines walking frame pointers from fp (0 = here).
void print_backtrace(uint64_t fp, uint64_t pc);
// Finds the function containing addr; returns its name and sets *offset, or nullptr.
const char* symbolize(uint64_t addr, uint64_t* offset);
// Stops the other harts and powers off (tests) or parks (interactive).
[[noreturn]] void halt_system(bool failure);
// The reason text of the last kernel fault handled in a recoverable thread (for self tests).
extern volatile int g_panic_in_progress;
