// The 16550 UART on QEMU virt: polled output for early boot and panics, interrupt-driven
// output and input once the PLIC is up.
#pragma once
#include <stdint.h>

namespace uart {
void init(uint64_t base_paddr);
void enable_irqs();
void putc_poll(char c);
int getc_poll();  // -1 when nothing is waiting
// Queues output; the THR-empty interrupt drains it. Falls back to polling when the queue is
// full or interrupts are off, so output is never lost.
void write(const char* s, uint64_t n);
void irq();  // the PLIC handler: drains output, hands each input byte to console_rx()
}  // namespace uart
