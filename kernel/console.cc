// Console output formats into a per-call buffer and hands whole chunks to the UART, so lines
// from different harts do not mix. Input is a ring filled by the UART interrupt; readers block
// on a wait queue until a byte arrives.
#include "kernel/console.h"

#include "kernel/arch/riscv/uart.h"
#include "kernel/lib/printf.h"
#include "kernel/sched.h"
#include "kernel/wait_queue.h"

namespace {
bool g_panic_mode = false;

struct Buf {
  char data[256];
  size_t n = 0;
};
void buf_putc(void* ctx, char c) {
  Buf* b = static_cast<Buf*>(ctx);
  if (b->n == sizeof(b->data)) {
    console_write(b->data, b->n);
    b->n = 0;
  }
  b->data[b->n++] = c;
}

constexpr size_t kRxSize = 256;
char g_rx[kRxSize];
size_t g_rx_head = 0, g_rx_tail = 0;  // protected by g_sched_lock (readers block on g_rx_wq)
WaitQueue g_rx_wq;
}  // namespace

void console_write(const char* s, size_t n) {
  if (g_panic_mode) {
    for (size_t i = 0; i < n; i++) uart::putc_poll(s[i]);
    return;
  }
  uart::write(s, n);
}

int kvprintf(const char* fmt, va_list ap) {
  Buf b;
  int n = kvformat(buf_putc, &b, fmt, ap);
  if (b.n) console_write(b.data, b.n);
  return n;
}

int kprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = kvprintf(fmt, ap);
  va_end(ap);
  return n;
}

void console_enter_panic_mode() { g_panic_mode = true; }

void console_rx(char c) {
  SchedGuard g;
  if (g_rx_head - g_rx_tail < kRxSize) {
    g_rx[g_rx_head % kRxSize] = c;
    g_rx_head++;
  }
  g_rx_wq.wake_all(ZX_OK);
}

static int getc_common(bool interruptible) {
  for (;;) {
    {
      SchedGuard g;
      if (g_rx_head != g_rx_tail) {
        char c = g_rx[g_rx_tail % kRxSize];
        g_rx_tail++;
        return static_cast<unsigned char>(c);
      }
      zx_status_t s = g_rx_wq.block(kInfiniteTime, interruptible);
      if (s == ZX_ERR_CANCELED) return -1;
      if (s != ZX_ERR_NOT_SUPPORTED) continue;
    }
    // Wait queues not implemented yet (lab 3 handout): wait for the next interrupt instead.
    riscv::wfi();
  }
}

int console_getc() { return getc_common(false); }
int console_getc_interruptible() { return getc_common(true); }

int console_readline(const char* prompt, char* buf, size_t size) {
  size_t n = 0;
  kprintf("%s", prompt);
  for (;;) {
    int c = console_getc();
    if (c == '\r' || c == '\n') {
      console_write("\n", 1);
      buf[n] = 0;
      return static_cast<int>(n);
    }
    if (c == 3) {  // Ctrl-C
      console_write("^C\n", 3);
      buf[0] = 0;
      return -1;
    }
    if (c == 21) {  // Ctrl-U: erase the whole line
      while (n > 0) {
        console_write("\b \b", 3);
        n--;
      }
      continue;
    }
    if (c == 8 || c == 127) {
      if (n > 0) {
        n--;
        console_write("\b \b", 3);
      }
      continue;
    }
    if (c < 32 || c > 126) continue;
    if (n + 1 < size) {
      buf[n++] = static_cast<char>(c);
      char ch = static_cast<char>(c);
      console_write(&ch, 1);
    }
  }
}
