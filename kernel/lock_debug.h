// Reports of lock misuse (taking a spinlock twice, releasing a lock one does not hold,
// blocking with a spinlock held, unlocking a mutex owned by another thread). A report prints
// the problem with a backtrace and counts it; the kernel goes on rather than hang.
#pragma once
#include <stdint.h>

void lock_misuse(const char* what, const char* lock_name);
extern volatile uint64_t g_lock_misuse_count;
