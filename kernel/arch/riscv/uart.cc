// 16550 UART. Output goes through a small ring drained by the THR-empty interrupt; input bytes
// are handed to the console (console_rx) from the receive interrupt.
#include "kernel/arch/riscv/uart.h"

#include "kernel/arch/riscv/memlayout.h"
#include "kernel/console.h"
#include "kernel/lock_assert.h"
#include "kernel/spinlock.h"

namespace uart {
namespace {
enum : uint32_t { RBR = 0, THR = 0, IER = 1, FCR = 2, IIR = 2, LCR = 3, MCR = 4, LSR = 5 };
enum : uint8_t { LSR_DR = 1, LSR_THRE = 1 << 5, IER_RX = 1, IER_TX = 2 };

volatile uint8_t* g_regs = nullptr;
SpinLock g_tx_lock(LockClass::kUartTx);
constexpr uint32_t kTxSize = 1024;
char g_tx[kTxSize];
uint32_t g_tx_head = 0, g_tx_tail = 0;  // protected by g_tx_lock
bool g_irqs = false;

uint8_t rd(uint32_t r) { return g_regs[r]; }
void wr(uint32_t r, uint8_t v) { g_regs[r] = v; }

// With g_tx_lock held: moves queued bytes into the transmitter while it has room.
void drain_locked() {
  assert_held(g_tx_lock);
  while (g_tx_head != g_tx_tail && (rd(LSR) & LSR_THRE)) {
    wr(THR, static_cast<uint8_t>(g_tx[g_tx_tail % kTxSize]));
    g_tx_tail++;
  }
  wr(IER, IER_RX | (g_tx_head != g_tx_tail ? IER_TX : 0));
}
}  // namespace

void init(uint64_t base_paddr) {
  g_regs = static_cast<volatile uint8_t*>(phys_to_virt(base_paddr));
  wr(IER, 0);
  wr(LCR, 0x80);  // divisor latch: QEMU ignores the rate, real 16550s need one
  wr(0, 0x01);
  wr(1, 0x00);
  wr(LCR, 0x03);  // 8N1
  wr(FCR, 0x01);  // enable the FIFOs, keeping anything typed before boot got here
  wr(MCR, 0x0b);  // OUT2 routes the interrupt line
}

void enable_irqs() {
  SpinLockGuard g(g_tx_lock);
  g_irqs = true;
  wr(IER, IER_RX);
}

void putc_poll(char c) {
  if (!g_regs) return;
  while (!(rd(LSR) & LSR_THRE)) {
  }
  wr(THR, static_cast<uint8_t>(c));
}

int getc_poll() {
  if (!g_regs || !(rd(LSR) & LSR_DR)) return -1;
  return rd(RBR);
}

void write(const char* s, uint64_t n) {
  SpinLockGuard g(g_tx_lock);
  for (uint64_t i = 0; i < n; i++) {
    if (!g_irqs) {
      putc_poll(s[i]);
      continue;
    }
    if (g_tx_head - g_tx_tail == kTxSize) {
      // Full: push one byte out by polling rather than drop output or wait for an interrupt.
      while (!(rd(LSR) & LSR_THRE)) {
      }
      wr(THR, static_cast<uint8_t>(g_tx[g_tx_tail % kTxSize]));
      g_tx_tail++;
    }
    g_tx[g_tx_head % kTxSize] = s[i];
    g_tx_head++;
  }
  if (g_irqs) drain_locked();
}

void irq() {
  while (rd(LSR) & LSR_DR) console_rx(static_cast<char>(rd(RBR)));
  SpinLockGuard g(g_tx_lock);
  drain_locked();
}

}  // namespace uart
