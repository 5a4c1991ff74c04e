// The string functions kernel/lib/string.cc (also linked in) does not provide.
#include <stdlib.h>
#include <string.h>

extern "C" {

void* memchr(const void* s, int c, size_t n) {
  auto* p = static_cast<const unsigned char*>(s);
  for (size_t i = 0; i < n; i++) {
    if (p[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(p + i);
  }
  return nullptr;
}

char* strchr(const char* s, int c) {
  for (;; s++) {
    if (*s == static_cast<char>(c)) return const_cast<char*>(s);
    if (*s == '\0') return nullptr;
  }
}

char* strrchr(const char* s, int c) {
  const char* last = nullptr;
  for (;; s++) {
    if (*s == static_cast<char>(c)) last = s;
    if (*s == '\0') return const_cast<char*>(last);
  }
}

char* strcpy(char* __restrict dst, const char* __restrict src) {
  char* d = dst;
  while ((*d++ = *src++) != '\0') {
  }
  return dst;
}

char* strncpy(char* __restrict dst, const char* __restrict src, size_t n) {
  size_t i = 0;
  for (; i < n && src[i] != '\0'; i++) dst[i] = src[i];
  for (; i < n; i++) dst[i] = '\0';
  return dst;
}

char* strcat(char* __restrict dst, const char* __restrict src) {
  strcpy(dst + strlen(dst), src);
  return dst;
}

size_t strlcpy(char* __restrict dst, const char* __restrict src, size_t size) {
  size_t len = strlen(src);
  if (size > 0) {
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
  }
  return len;
}

char* strdup(const char* s) {
  size_t n = strlen(s) + 1;
  auto* d = static_cast<char*>(malloc(n));
  if (d != nullptr) memcpy(d, s, n);
  return d;
}

char* strstr(const char* haystack, const char* needle) {
  size_t n = strlen(needle);
  for (; *haystack != '\0'; haystack++) {
    if (strncmp(haystack, needle, n) == 0) return const_cast<char*>(haystack);
  }
  return n == 0 ? const_cast<char*>(haystack) : nullptr;
}

}  // extern "C"
