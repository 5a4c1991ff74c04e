// Minimal stdio: formatted output to the debug console (zx_debug_write), line-buffered.
// Conversions: %d %i %u %x %X %o %p %s %c %%, length modifiers hh h l ll z j t, flags
// - 0 + space #, width and precision (including *).
#ifndef _STDIO_H
#define _STDIO_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EOF (-1)

int printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char* fmt, va_list ap);
int snprintf(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap);
int puts(const char* s);  // s and a newline
int putchar(int c);
int fflush_stdout(void);  // writes out a partial line (there is no FILE)

#ifdef __cplusplus
}
#endif

#endif  // _STDIO_H
