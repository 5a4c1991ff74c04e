// The kernel's printf engine: one formatter (kvformat) that feeds characters to a sink, so the
// console, the log buffer and ksnprintf all share the same, host-testable code.
#pragma once
#include <stdarg.h>
#include <stddef.h>

// Receives each produced character; ctx is whatever the caller passed to kvformat.
using PutcFn = void (*)(void* ctx, char c);

// Formats fmt with the C printf conversions %d %i %u %x %X %o %p %s %c %%, the length
// modifiers hh h l ll z j t, the flags - 0 + space #, and width/precision (including *).
// Unknown conversions are printed literally. Returns the number of characters produced.
int kvformat(PutcFn out, void* ctx, const char* fmt, va_list ap);

// C snprintf semantics: writes at most size-1 characters plus a NUL (when size > 0) and
// returns the length the full output would have had.
int kvsnprintf(char* buf, size_t size, const char* fmt, va_list ap);
int ksnprintf(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
