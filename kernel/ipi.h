// Inter-processor interrupts, sent through the SBI: ask another hart to reschedule, to flush
// its TLB (shootdown), or to stop (panic).
#pragma once
#include <stdint.h>

enum IpiKind : uint32_t { kIpiResched = 1, kIpiTlb = 2, kIpiStop = 4 };

void ipi_send(int cpu, IpiKind kind);
void ipi_handle();  // the software-interrupt handler
void ipi_stop_other_harts();

// Flushes [va, va+len) (len 0 = everything) from the TLBs of every online hart, this one
// included, and returns once all have done it. May be called with interrupts disabled.
void tlb_shootdown(uint64_t va, uint64_t len);
// The same for a user address space's range: only harts whose satp holds `aspace` (see
// Cpu::active_aspace) are asked. The caller has already changed the page table.
void tlb_shootdown_aspace(const void* aspace, uint64_t va, uint64_t len);
extern volatile uint64_t g_tlb_shootdowns_handled;  // remote flushes done, for tests
