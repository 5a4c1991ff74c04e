// The syscall layer's entry point, as the architecture's trap code reaches it.
#pragma once

struct TrapFrame;

// trap.S calls this instead of trap_handler for an ecall from user mode: it runs the call
// numbered in t0 with the arguments in a0..a7 and leaves the result in the frame's a0.
extern "C" void syscall_entry(TrapFrame* tf);
