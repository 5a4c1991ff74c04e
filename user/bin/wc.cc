// wc: counts lines, words and bytes of each file, printed as coreutils wc prints them: right-
// aligned in columns as wide as the total byte count of all the files, then the name, and a
// "total" line when there are several files. A word is a run of bytes between whitespace that
// holds at least one printable character (coreutils' rule in the C locale: control bytes
// neither start nor end a word).
#include <ctype.h>
#include <fsutil.h>

namespace {

struct Counts {
  uint64_t lines = 0, words = 0, bytes = 0;
};

char g_buf[16384];

zx_status_t count(const char* path, Counts* c) {
  bool in_word = false;
  return fsutil::read_chunks(path, g_buf, sizeof(g_buf), [&](const char* bytes, size_t n) {
    c->bytes += n;
    for (size_t i = 0; i < n; i++) {
      unsigned char b = static_cast<unsigned char>(bytes[i]);
      if (b == '\n') c->lines++;
      if (isspace(b)) {
        in_word = false;
      } else if (isprint(b) && !in_word) {
        in_word = true;
        c->words++;
      }
    }
  });
}

int digits(uint64_t v) {
  int n = 1;
  for (; v >= 10; v /= 10) n++;
  return n;
}

void print(const Counts& c, int width, const char* name) {
  printf("%*lu %*lu %*lu %s\n", width, static_cast<unsigned long>(c.lines), width,
         static_cast<unsigned long>(c.words), width, static_cast<unsigned long>(c.bytes), name);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    printf("usage: wc FILE...\n");
    return 2;
  }
  // Column width from the sizes before counting, as coreutils does (so output can stream).
  uint64_t size_sum = 0;
  for (int i = 1; i < argc; i++) {
    fs_stat_t st;
    if (fs_stat(argv[i], &st) == ZX_OK && fsutil::is_reg(st.mode)) size_sum += st.size;
  }
  int width = digits(size_sum);
  int status = 0;
  Counts total;
  for (int i = 1; i < argc; i++) {
    Counts c;
    zx_status_t s = count(argv[i], &c);
    if (s != ZX_OK) {
      fsutil::error("wc", argv[i], s);
      status = 1;
      continue;
    }
    print(c, width, argv[i]);
    total.lines += c.lines;
    total.words += c.words;
    total.bytes += c.bytes;
  }
  if (argc > 2) print(total, width, "total");
  return status;
}
