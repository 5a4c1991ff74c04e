// Memory and string primitives. The kernel provides its own (GCC emits memcpy/memset calls
// even under -fno-builtin); host test builds use the C library's and only add kstrlcpy.
#pragma once
#include <stddef.h>

#ifdef KERNEL_HOST_TEST
#include <string.h>
#else
extern "C" {
void* memset(void* dst, int c, size_t n);
void* memcpy(void* __restrict dst, const void* __restrict src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
size_t strnlen(const char* s, size_t max);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
}
#endif

// BSD strlcpy under a kernel-specific name, since not every host libc has strlcpy: copies
// at most size-1 bytes, always NUL-terminates when size > 0, and returns strlen(src) so the
// caller can detect truncation (result >= size).
inline size_t kstrlcpy(char* dst, const char* src, size_t size) {
  size_t len = 0;
  while (src[len] != '\0') len++;
  if (size > 0) {
    size_t n = len < size - 1 ? len : size - 1;
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
    dst[n] = '\0';
  }
  return len;
}
