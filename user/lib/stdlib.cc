// exit, atexit, abort and number parsing.
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <zircon/syscalls.h>

namespace {

// With -fno-use-cxa-atexit, destructors of global objects are registered through atexit().
constexpr int kMaxAtexit = 32;
void (*g_atexit[kMaxAtexit])();
int g_natexit;

}  // namespace

extern "C" {

int atexit(void (*fn)()) {
  if (g_natexit == kMaxAtexit) return -1;
  g_atexit[g_natexit++] = fn;
  return 0;
}

void exit(int status) {
  while (g_natexit > 0) g_atexit[--g_natexit]();
  fflush_stdout();
  zx_process_exit(status);
}

void abort(void) {
  fflush_stdout();
  static const char kMsg[] = "abort()\n";
  zx_debug_write(kMsg, sizeof(kMsg) - 1);
  zx_process_exit(-1);
}

}  // extern "C"

namespace {

// Parses an optionally signed integer; returns the magnitude and reports the sign and whether
// the magnitude overflowed an unsigned long.
unsigned long parse(const char* s, char** end, int base, bool* neg, bool* overflow) {
  const char* p = s;
  while (isspace(*p)) p++;
  *neg = false;
  *overflow = false;
  if (*p == '+' || *p == '-') *neg = *p++ == '-';
  if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 32) == 'x' && isxdigit(p[2])) {
    p += 2;
    base = 16;
  } else if (base == 0) {
    base = p[0] == '0' ? 8 : 10;
  }
  unsigned long v = 0;
  bool any = false;
  for (;; p++) {
    int d;
    if (isdigit(*p)) {
      d = *p - '0';
    } else if (isalpha(*p)) {
      d = (*p | 32) - 'a' + 10;
    } else {
      break;
    }
    if (d >= base) break;
    any = true;
    auto ub = static_cast<unsigned long>(base), ud = static_cast<unsigned long>(d);
    if (v > (ULONG_MAX - ud) / ub) *overflow = true;
    v = v * ub + ud;
  }
  if (end != nullptr) *end = const_cast<char*>(any ? p : s);
  return v;
}

}  // namespace

extern "C" {

unsigned long strtoul(const char* s, char** end, int base) {
  bool neg, overflow;
  unsigned long v = parse(s, end, base, &neg, &overflow);
  if (overflow) return ULONG_MAX;
  return neg ? -v : v;
}

long strtol(const char* s, char** end, int base) {
  bool neg, overflow;
  unsigned long v = parse(s, end, base, &neg, &overflow);
  if (!neg)
    return overflow || v > static_cast<unsigned long>(LONG_MAX) ? LONG_MAX : static_cast<long>(v);
  if (overflow || v > static_cast<unsigned long>(LONG_MAX) + 1) return LONG_MIN;
  return static_cast<long>(-v);
}

int atoi(const char* s) { return static_cast<int>(strtol(s, nullptr, 10)); }

int abs(int v) { return v < 0 ? -v : v; }

}  // extern "C"
