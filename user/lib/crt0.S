// Process entry. The launcher (user/lib/launch.cc or the kernel's userboot) starts the first
// thread here with a0 = the bootstrap channel handle, a1 = 0 and sp = the top of a mapped,
// 16-byte aligned stack; no other register is meaningful (docs/userspace.md).

    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    li fp, 0            // ends frame-pointer backtraces here
    li ra, 0
    andi sp, sp, -16    // the ABI's stack alignment, in case a launcher got it wrong
    call __libc_start   // a0 (the bootstrap handle) passes straight through; never returns
    unimp
    .size _start, .-_start
