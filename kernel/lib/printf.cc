// printf engine shared by the kernel console and host tests. Works on 64-bit magnitudes so
// that every integer conversion goes through a single padding/precision path.
#include "kernel/lib/printf.h"

#include <stdint.h>

namespace {

enum : unsigned {
  kLeft = 1u << 0,
  kZero = 1u << 1,
  kPlus = 1u << 2,
  kSpace = 1u << 3,
  kAlt = 1u << 4,
};

enum class Len { kNone, kHH, kH, kL, kLL, kZ, kJ, kT };

// Counts what it emits so kvformat can return the total even when the sink discards output.
struct Emitter {
  PutcFn out;
  void* ctx;
  int count;

  void put(char c) {
    out(ctx, c);
    count++;
  }
  void repeat(char c, int n) {
    for (; n > 0; n--) put(c);
  }
};

size_t bounded_strlen(const char* s, size_t max) {
  size_t n = 0;
  while (n < max && s[n] != '\0') n++;
  return n;
}

// Emits a converted number: prefix is the sign and/or radix marker, digits the magnitude.
void emit_number(Emitter& e, const char* prefix, int prefix_len, const char* digits, int ndigits,
                 unsigned flags, int width, int precision) {
  int zeros = precision > ndigits ? precision - ndigits : 0;
  int body = prefix_len + zeros + ndigits;
  int pad = width > body ? width - body : 0;
  // C ignores the '0' flag when a precision is given or when left-justifying.
  bool zero_pad = (flags & kZero) && !(flags & kLeft) && precision < 0;
  if (zero_pad) {
    zeros += pad;
    pad = 0;
  }
  if (!(flags & kLeft)) e.repeat(' ', pad);
  for (int i = 0; i < prefix_len; i++) e.put(prefix[i]);
  e.repeat('0', zeros);
  for (int i = 0; i < ndigits; i++) e.put(digits[i]);
  if (flags & kLeft) e.repeat(' ', pad);
}

// Writes the digits of v into the end of buf; returns the first digit.
char* to_digits(uint64_t v, unsigned base, bool upper, char* end) {
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char* p = end;
  do {
    *--p = set[v % base];
    v /= base;
  } while (v != 0);
  return p;
}

void emit_padded_string(Emitter& e, const char* s, size_t len, unsigned flags, int width) {
  int pad = width > static_cast<int>(len) ? width - static_cast<int>(len) : 0;
  if (!(flags & kLeft)) e.repeat(' ', pad);
  for (size_t i = 0; i < len; i++) e.put(s[i]);
  if (flags & kLeft) e.repeat(' ', pad);
}

struct Buffer {
  char* buf;
  size_t size;
  size_t pos;
};

void buffer_putc(void* ctx, char c) {
  auto* b = static_cast<Buffer*>(ctx);
  // Keep the last byte for the terminating NUL.
  if (b->pos + 1 < b->size) b->buf[b->pos] = c;
  b->pos++;
}

}  // namespace

int kvformat(PutcFn out, void* ctx, const char* fmt, va_list ap) {
  Emitter e{out, ctx, 0};
  const char* p = fmt;
  while (*p != '\0') {
    if (*p != '%') {
      e.put(*p++);
      continue;
    }
    const char* spec_start = p++;

    unsigned flags = 0;
    for (;; p++) {
      if (*p == '-') {
        flags |= kLeft;
      } else if (*p == '0') {
        flags |= kZero;
      } else if (*p == '+') {
        flags |= kPlus;
      } else if (*p == ' ') {
        flags |= kSpace;
      } else if (*p == '#') {
        flags |= kAlt;
      } else {
        break;
      }
    }

    int width = 0;
    if (*p == '*') {
      p++;
      width = va_arg(ap, int);
      if (width < 0) {
        // A negative '*' width means left-justify, per C.
        flags |= kLeft;
        width = width == INT32_MIN ? INT32_MAX : -width;
      }
    } else {
      while (*p >= '0' && *p <= '9') {
        if (width < 100000000) width = width * 10 + (*p - '0');
        p++;
      }
    }

    int precision = -1;
    if (*p == '.') {
      p++;
      if (*p == '*') {
        p++;
        precision = va_arg(ap, int);
        if (precision < 0) precision = -1;  // Negative means "no precision", per C.
      } else {
        precision = 0;
        while (*p >= '0' && *p <= '9') {
          if (precision < 100000000) precision = precision * 10 + (*p - '0');
          p++;
        }
      }
    }

    Len len = Len::kNone;
    if (*p == 'h') {
      p++;
      len = Len::kH;
      if (*p == 'h') {
        p++;
        len = Len::kHH;
      }
    } else if (*p == 'l') {
      p++;
      len = Len::kL;
      if (*p == 'l') {
        p++;
        len = Len::kLL;
      }
    } else if (*p == 'z') {
      p++;
      len = Len::kZ;
    } else if (*p == 'j') {
      p++;
      len = Len::kJ;
    } else if (*p == 't') {
      p++;
      len = Len::kT;
    }

    char conv = *p;
    if (conv == '\0') {
      // A truncated specification at the end of the string: show what was there.
      for (const char* q = spec_start; q < p; q++) e.put(*q);
      break;
    }
    p++;

    char digits[24];
    char* const dend = digits + sizeof(digits);
    switch (conv) {
      case 'd':
      case 'i': {
        int64_t v;
        switch (len) {
          case Len::kHH:
            v = static_cast<signed char>(va_arg(ap, int));
            break;
          case Len::kH:
            v = static_cast<short>(va_arg(ap, int));
            break;
          case Len::kL:
            v = va_arg(ap, long);
            break;
          case Len::kLL:
            v = va_arg(ap, long long);
            break;
          case Len::kZ:
            v = va_arg(ap, ptrdiff_t);  // The signed type of size_t's width.
            break;
          case Len::kJ:
            v = va_arg(ap, intmax_t);
            break;
          case Len::kT:
            v = va_arg(ap, ptrdiff_t);
            break;
          default:
            v = va_arg(ap, int);
            break;
        }
        // Negate in unsigned arithmetic so INT64_MIN has a representable magnitude.
        uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        char sign[1];
        int nsign = 0;
        if (v < 0) {
          sign[nsign++] = '-';
        } else if (flags & kPlus) {
          sign[nsign++] = '+';
        } else if (flags & kSpace) {
          sign[nsign++] = ' ';
        }
        char* first = dend;
        if (!(mag == 0 && precision == 0)) first = to_digits(mag, 10, false, dend);
        emit_number(e, sign, nsign, first, static_cast<int>(dend - first), flags, width, precision);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        uint64_t v;
        switch (len) {
          case Len::kHH:
            v = static_cast<unsigned char>(va_arg(ap, unsigned));
            break;
          case Len::kH:
            v = static_cast<unsigned short>(va_arg(ap, unsigned));
            break;
          case Len::kL:
            v = va_arg(ap, unsigned long);
            break;
          case Len::kLL:
            v = va_arg(ap, unsigned long long);
            break;
          case Len::kZ:
            v = va_arg(ap, size_t);
            break;
          case Len::kJ:
            v = va_arg(ap, uintmax_t);
            break;
          case Len::kT:
            v = static_cast<uint64_t>(va_arg(ap, ptrdiff_t));
            break;
          default:
            v = va_arg(ap, unsigned);
            break;
        }
        unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
        char* first = dend;
        if (!(v == 0 && precision == 0)) first = to_digits(v, base, conv == 'X', dend);
        int ndigits = static_cast<int>(dend - first);
        const char* prefix = "";
        int nprefix = 0;
        if ((flags & kAlt) && base == 16 && v != 0) {
          prefix = conv == 'X' ? "0X" : "0x";
          nprefix = 2;
        }
        if ((flags & kAlt) && base == 8 && (ndigits == 0 || first[0] != '0')) {
          // '#' for octal only guarantees a leading zero, which the precision can provide.
          if (precision <= ndigits) precision = ndigits + 1;
        }
        emit_number(e, prefix, nprefix, first, ndigits, flags, width, precision);
        break;
      }
      case 'p': {
        auto v = reinterpret_cast<uintptr_t>(va_arg(ap, void*));
        char* first = to_digits(v, 16, false, dend);
        emit_number(e, "0x", 2, first, static_cast<int>(dend - first), flags, width, precision);
        break;
      }
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (s == nullptr) s = "(null)";
        size_t n = bounded_strlen(s, precision >= 0 ? static_cast<size_t>(precision) : SIZE_MAX);
        emit_padded_string(e, s, n, flags, width);
        break;
      }
      case 'c': {
        char c = static_cast<char>(va_arg(ap, int));
        emit_padded_string(e, &c, 1, flags, width);
        break;
      }
      case '%':
        e.put('%');
        break;
      default:
        // Print unknown specifications verbatim so mistakes are visible in the output.
        for (const char* q = spec_start; q < p; q++) e.put(*q);
        break;
    }
  }
  return e.count;
}

int kvsnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
  Buffer b{buf, size, 0};
  int n = kvformat(buffer_putc, &b, fmt, ap);
  if (size > 0) buf[b.pos < size ? b.pos : size - 1] = '\0';
  return n;
}

int ksnprintf(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = kvsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
