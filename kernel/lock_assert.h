// The precondition of every `*_locked` function, stated in code: its lock is held by the caller
// (for a Mutex, by the running thread; for a SpinLock, by the running hart). A function named
// for a lock it does not check documents a rule nobody enforces.
#pragma once
#include "kernel/panic.h"

#define assert_held(lock) assert((lock).held_by_me())
