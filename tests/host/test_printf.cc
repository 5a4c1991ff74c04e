// Tests for the printf engine (kernel/lib/printf.cc), mostly by comparison with the host libc,
// whose output is the C standard's, plus the cases where the kernel deliberately differs.
#include <doctest/doctest.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <string>

#include "kernel/lib/printf.h"

namespace {

// Formats with ksnprintf into a roomy buffer and checks the returned length agrees.
#define KFMT(...)                                           \
  ([&]() {                                                  \
    char kbuf_[512];                                        \
    int kn_ = ksnprintf(kbuf_, sizeof(kbuf_), __VA_ARGS__); \
    CHECK(kn_ == static_cast<int>(strlen(kbuf_)));          \
    return std::string(kbuf_);                              \
  }())

// Same format through libc, as the reference.
#define LFMT(...)                                \
  ([&]() {                                       \
    char lbuf_[512];                             \
    snprintf(lbuf_, sizeof(lbuf_), __VA_ARGS__); \
    return std::string(lbuf_);                   \
  }())

#define SAME(...) CHECK(KFMT(__VA_ARGS__) == LFMT(__VA_ARGS__))

struct Collect {
  std::string s;
};

void collect_putc(void* ctx, char c) { static_cast<Collect*>(ctx)->s.push_back(c); }

int format_to(Collect* c, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = kvformat(collect_putc, c, fmt, ap);
  va_end(ap);
  return n;
}

}  // namespace

TEST_CASE("printf: plain text and %%") {
  CHECK(KFMT("hello") == "hello");
  CHECK(KFMT("%s", "") == "");
  CHECK(KFMT("100%%") == "100%");
  CHECK(KFMT("%%d") == "%d");
}

TEST_CASE("printf: signed decimal") {
  SAME("%d", 0);
  SAME("%d", 42);
  SAME("%d", -42);
  SAME("%i", 123456);
  SAME("%d", INT_MAX);
  SAME("%d", INT_MIN);
  SAME("%ld", LONG_MIN);
  SAME("%lld", LLONG_MAX);
  SAME("%lld", static_cast<long long>(INT64_MIN));
  CHECK(KFMT("%lld", static_cast<long long>(INT64_MIN)) == "-9223372036854775808");
  SAME("%zd", static_cast<ssize_t>(-5));
  SAME("%hd", -1234);
  SAME("%hhd", -12);
  // Length modifiers truncate the promoted int, as C requires.
  SAME("%hd", 70000);
  SAME("%hhd", 300);
}

TEST_CASE("printf: unsigned, hex and octal") {
  SAME("%u", 0u);
  SAME("%u", UINT_MAX);
  SAME("%lu", ULONG_MAX);
  SAME("%llu", ULLONG_MAX);
  SAME("%zu", static_cast<size_t>(123456789));
  SAME("%x", 0xdeadbeefu);
  SAME("%X", 0xdeadbeefu);
  SAME("%llx", 0x0123456789abcdefull);
  SAME("%lx", 0xffffffffffffffffUL);
  SAME("%o", 8u);
  SAME("%o", 0u);
  SAME("%hx", 0x12345u);
  SAME("%hhx", 0x1ffu);
  SAME("%hhu", 256u);
}

TEST_CASE("printf: width, flags and precision") {
  SAME("[%5d]", 42);
  SAME("[%-5d]", 42);
  SAME("[%05d]", 42);
  SAME("[%05d]", -42);
  SAME("[%+d]", 42);
  SAME("[%+d]", -42);
  SAME("[% d]", 42);
  SAME("[% d]", -42);
  SAME("[%+05d]", 42);
  SAME("[% 05d]", 42);
  SAME("[%.3d]", 7);
  SAME("[%8.3d]", -7);
  SAME("[%.0d]", 0);
  SAME("[%5.0d]", 0);
  SAME("[%.0x]", 0u);
  SAME("[%#x]", 0xabcu);
  SAME("[%#X]", 0xabcu);
  SAME("[%#x]", 0u);
  SAME("[%#010x]", 0xabcu);
  SAME("[%#10x]", 0xabcu);
  SAME("[%-#10x]", 0xabcu);
  SAME("[%#o]", 8u);
  SAME("[%#o]", 0u);
  SAME("[%#.0o]", 0u);
  SAME("[%#5.3o]", 8u);
  SAME("[%016llx]", 0xabcdull);
  SAME("[%*d]", 6, 42);
  SAME("[%-*d]", 6, 42);
  SAME("[%*d]", -6, 42);  // Negative '*' width means left-justify.
  SAME("[%.*d]", 4, 42);
  SAME("[%.*d]", -1, 42);  // Negative '*' precision means none.
  SAME("[%*.*d]", 8, 4, -42);
  SAME("[%0*d]", 6, -42);
}

TEST_CASE("printf: strings and characters") {
  SAME("[%s]", "abc");
  SAME("[%6s]", "abc");
  SAME("[%-6s]", "abc");
  SAME("[%.2s]", "abcdef");
  SAME("[%6.2s]", "abcdef");
  SAME("[%-6.2s]", "abcdef");
  SAME("[%.*s]", 3, "abcdef");
  SAME("[%.10s]", "abc");
  SAME("[%c]", 'x');
  SAME("[%3c]", 'x');
  SAME("[%-3c]", 'x');
  SAME("%c%c%c", 'a', 'b', 'c');
  const char* volatile null_str = nullptr;  // volatile: keep GCC from flagging the deliberate null
  CHECK(KFMT("[%s]", null_str) == "[(null)]");
  CHECK(KFMT("[%8s]", null_str) == "[  (null)]");

  // %.Ns must not read past N bytes of an unterminated array.
  char unterminated[3] = {'x', 'y', 'z'};
  CHECK(KFMT("%.3s", unterminated) == "xyz");
}

TEST_CASE("printf: pointers") {
  CHECK(KFMT("%p", reinterpret_cast<void*>(0x1234)) == "0x1234");
  CHECK(KFMT("%p", reinterpret_cast<void*>(0xffffffc000001000ull)) == "0xffffffc000001000");
  CHECK(KFMT("%p", nullptr) == "0x0");
  CHECK(KFMT("[%10p]", reinterpret_cast<void*>(0xabc)) == "[     0xabc]");
  CHECK(KFMT("[%-10p]", reinterpret_cast<void*>(0xabc)) == "[0xabc     ]");
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
TEST_CASE("printf: flag combinations C defines but GCC warns about") {
  SAME("[%-05d]", 42);  // '-' overrides '0'.
  SAME("[%08.3d]", 7);  // A precision disables '0' padding.
  SAME("[%+ d]", 42);   // '+' overrides ' '.
}

TEST_CASE("printf: unknown conversions are printed literally") {
  CHECK(KFMT("%q") == "%q");
  CHECK(KFMT("a%qb") == "a%qb");
  CHECK(KFMT("%-5q") == "%-5q");
  CHECK(KFMT("%lq") == "%lq");
  CHECK(KFMT("%d %q %d", 1, 2) == "1 %q 2");
  CHECK(KFMT("trailing %") == "trailing %");
  CHECK(KFMT("trailing %5") == "trailing %5");
}
#pragma GCC diagnostic pop

TEST_CASE("printf: ksnprintf truncation and return value") {
  char buf[8];
  memset(buf, 'X', sizeof(buf));
  CHECK(ksnprintf(buf, sizeof(buf), "%s", "hello world") == 11);
  CHECK(std::string(buf) == "hello w");

  memset(buf, 'X', sizeof(buf));
  CHECK(ksnprintf(buf, sizeof(buf), "%d", 1234567) == 7);
  CHECK(std::string(buf) == "1234567");

  memset(buf, 'X', sizeof(buf));
  CHECK(ksnprintf(buf, sizeof(buf), "%d", 12345678) == 8);
  CHECK(std::string(buf) == "1234567");

  memset(buf, 'X', sizeof(buf));
  CHECK(ksnprintf(buf, 1, "abc") == 3);
  CHECK(buf[0] == '\0');
  CHECK(buf[1] == 'X');

  // size 0: nothing written, not even the NUL, and the buffer may be null.
  memset(buf, 'X', sizeof(buf));
  CHECK(ksnprintf(buf, 0, "abc") == 3);
  CHECK(buf[0] == 'X');
  CHECK(ksnprintf(nullptr, 0, "%d-%s", 42, "xyz") == 6);

  const char* empty = "";
  CHECK(ksnprintf(buf, sizeof(buf), empty, 0) == 0);
  CHECK(buf[0] == '\0');

  // Nothing beyond size is touched.
  char guard[16];
  memset(guard, 'G', sizeof(guard));
  ksnprintf(guard, 4, "%s", "abcdefgh");
  CHECK(std::string(guard, 4) == std::string("abc\0", 4));
  for (size_t i = 4; i < sizeof(guard); i++) CHECK(guard[i] == 'G');
}

TEST_CASE("printf: kvformat counts what it emits") {
  Collect c;
  int n = format_to(&c, "%s=%08x%c", "key", 0xbeefu, '!');
  CHECK(c.s == "key=0000beef!");
  CHECK(n == static_cast<int>(c.s.size()));
}

TEST_CASE("printf: many arguments of mixed widths") {
  SAME("%d %ld %lld %zu %x %s %c %u %hhd %hu", -1, -2L, -3LL, static_cast<size_t>(4), 5u, "six",
       '7', 8u, static_cast<signed char>(-9), static_cast<unsigned short>(10));
}
