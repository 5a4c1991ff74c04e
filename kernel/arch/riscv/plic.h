// The platform-level interrupt controller: routes device interrupts (the UART, and the virtio
// slots that user-mode drivers own through interrupt objects) to the S-mode context of every
// hart; whichever hart claims an interrupt handles it.
#pragma once
#include <stdint.h>

namespace plic {
void init(uint64_t base_paddr, uint32_t ndev);
void init_hart(uint64_t hartid);  // threshold 0 for this hart's S context, enable registered irqs
void enable(uint32_t irq, void (*handler)());
// For interrupt objects: takes source irq for handler(ctx) if nobody has it (false otherwise,
// or if irq is not a source), leaving it masked; release() gives it back, masked.
bool claim(uint32_t irq, void (*handler)(void*), void* ctx);
void release(uint32_t irq);
bool is_source(uint32_t irq);  // 1..ndev on this board
// A masked source is not delivered (its priority is 0, the threshold); a level-triggered
// device keeps asking, and is heard once unmasked.
void mask(uint32_t irq);
void unmask(uint32_t irq);
void handle();  // claim, dispatch, complete until nothing is pending
}  // namespace plic
