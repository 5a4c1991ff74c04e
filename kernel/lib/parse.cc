// Number parsing shared by the kernel and host tests (no libc, so no strtoull).
#include "kernel/lib/parse.h"

namespace {

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

}  // namespace

bool kstrtou64(const char* s, int base, uint64_t* out) {
  if (s == nullptr || out == nullptr) return false;
  bool has_hex_prefix = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (base == 0) base = has_hex_prefix ? 16 : 10;
  if (base < 2 || base > 36) return false;
  if (base == 16 && has_hex_prefix) s += 2;
  if (*s == '\0') return false;

  uint64_t v = 0;
  const uint64_t b = static_cast<uint64_t>(base);
  for (; *s != '\0'; s++) {
    int d = digit_value(*s);
    if (d >= base) return false;
    if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / b) return false;
    v = v * b + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}
