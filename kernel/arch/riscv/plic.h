// The platform-level interrupt controller: routes device interrupts (the UART, later virtio)
// to the S-mode context of every hart; whichever hart claims an interrupt handles it.
#pragma once
#include <stdint.h>

namespace plic {
void init(uint64_t base_paddr, uint32_t ndev);
void init_hart(uint64_t hartid);  // threshold 0 for this hart's S context, enable registered irqs
void enable(uint32_t irq, void (*handler)());
void handle();  // claim, dispatch, complete until nothing is pending
}  // namespace plic
