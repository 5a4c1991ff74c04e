// Kernel implementations of the C memory/string functions. Host builds use libc's instead,
// so this file is empty there.
#include "kernel/lib/string.h"

#ifndef KERNEL_HOST_TEST

#include <stdint.h>

// GCC recognises byte loops as memset/memcpy idioms and would turn these functions into
// calls to themselves; this attribute keeps the loops as written.
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

namespace {

constexpr size_t kWord = sizeof(uint64_t);

bool word_aligned(const void* a, const void* b) {
  return ((reinterpret_cast<uintptr_t>(a) | reinterpret_cast<uintptr_t>(b)) & (kWord - 1)) == 0;
}

}  // namespace

extern "C" {

NO_LIBCALLS void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto b = static_cast<unsigned char>(c);
  // Word stores matter here: page zeroing is memset's main job.
  if (word_aligned(d, d) && n >= kWord) {
    uint64_t w = b * 0x0101010101010101ull;
    auto* dw = reinterpret_cast<uint64_t*>(d);
    // Eight words a turn: a page is 64 turns, and the loop overhead stops dominating.
    for (; n >= 8 * kWord; n -= 8 * kWord, dw += 8) {
      dw[0] = w;
      dw[1] = w;
      dw[2] = w;
      dw[3] = w;
      dw[4] = w;
      dw[5] = w;
      dw[6] = w;
      dw[7] = w;
    }
    for (; n >= kWord; n -= kWord) *dw++ = w;
    d = reinterpret_cast<unsigned char*>(dw);
  }
  while (n-- > 0) *d++ = b;
  return dst;
}

NO_LIBCALLS void* memcpy(void* __restrict dst, const void* __restrict src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  // Only use word copies when both sides are aligned: rv64 misaligned accesses may trap.
  if (word_aligned(d, s)) {
    auto* dw = reinterpret_cast<uint64_t*>(d);
    auto* sw = reinterpret_cast<const uint64_t*>(s);
    for (; n >= 4 * kWord; n -= 4 * kWord, dw += 4, sw += 4) {
      uint64_t a = sw[0], b2 = sw[1], c2 = sw[2], d2 = sw[3];
      dw[0] = a;
      dw[1] = b2;
      dw[2] = c2;
      dw[3] = d2;
    }
    for (; n >= kWord; n -= kWord) *dw++ = *sw++;
    d = reinterpret_cast<unsigned char*>(dw);
    s = reinterpret_cast<const unsigned char*>(sw);
  }
  while (n-- > 0) *d++ = *s++;
  return dst;
}

NO_LIBCALLS void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) {
    // No harmful overlap going forward.
    while (n-- > 0) *d++ = *s++;
  } else {
    // dst overlaps the tail of src: copy backwards so src bytes are read before overwritten.
    d += n;
    s += n;
    while (n-- > 0) *--d = *--s;
  }
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  auto* x = static_cast<const unsigned char*>(a);
  auto* y = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; i++) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') n++;
  return n;
}

size_t strnlen(const char* s, size_t max) {
  size_t n = 0;
  while (n < max && s[n] != '\0') n++;
  return n;
}

int strcmp(const char* a, const char* b) {
  auto* x = reinterpret_cast<const unsigned char*>(a);
  auto* y = reinterpret_cast<const unsigned char*>(b);
  while (*x != '\0' && *x == *y) {
    x++;
    y++;
  }
  return *x < *y ? -1 : *x > *y ? 1 : 0;
}

int strncmp(const char* a, const char* b, size_t n) {
  auto* x = reinterpret_cast<const unsigned char*>(a);
  auto* y = reinterpret_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; i++) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    if (x[i] == '\0') return 0;
  }
  return 0;
}

}  // extern "C"

#endif  // !KERNEL_HOST_TEST
