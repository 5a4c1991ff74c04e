// Number parsing for command lines and boot arguments; builds in the kernel and host tests.
#pragma once
#include <stdint.h>

// Parses all of s as an unsigned number in base 2..36. Base 0 picks 16 for a "0x"/"0X"
// prefix and 10 otherwise; base 16 also accepts the prefix. Returns false, leaving *out
// untouched, for an empty string, a stray character or a value that does not fit 64 bits.
bool kstrtou64(const char* s, int base, uint64_t* out);
