// stdout on the debug console: characters collect in a line buffer that goes out with one
// zx_debug_write per line (or when full). Formatting is the kernel's engine, kernel/lib/printf.cc.
#include <stdio.h>
#include <zircon/syscalls.h>

#include "kernel/lib/printf.h"

namespace {

char g_line[256];
size_t g_len;

void flush() {
  if (g_len > 0) zx_debug_write(g_line, g_len);
  g_len = 0;
}

void put(char c) {
  g_line[g_len++] = c;
  if (c == '\n' || g_len == sizeof(g_line)) flush();
}

void sink(void*, char c) { put(c); }

}  // namespace

extern "C" {

int fflush_stdout(void) {
  flush();
  return 0;
}

int putchar(int c) {
  put(static_cast<char>(c));
  return static_cast<unsigned char>(c);
}

int puts(const char* s) {
  while (*s != '\0') put(*s++);
  put('\n');
  return 0;
}

int vprintf(const char* fmt, va_list ap) { return kvformat(sink, nullptr, fmt, ap); }

int printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vprintf(fmt, ap);
  va_end(ap);
  return n;
}

int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
  return kvsnprintf(buf, size, fmt, ap);
}

int snprintf(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

}  // extern "C"
