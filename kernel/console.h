// The kernel console: formatted output to the UART from any context, and line input for the
// kernel shell. Output of one kprintf call is never interleaved with another hart's.
#pragma once
#include <stdarg.h>
#include <stddef.h>

int kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char* fmt, va_list ap);
void console_write(const char* s, size_t n);

// Input: the UART interrupt hands bytes to console_rx(); console_getc() blocks for one.
void console_rx(char c);
int console_getc();
// The same for a user thread's read: returns -1 if the thread is killed while waiting.
int console_getc_interruptible();
// Reads one edited line (backspace, Ctrl-U erase the line, Ctrl-C cancels it: returns -1).
int console_readline(const char* prompt, char* buf, size_t size);

// After a panic: output bypasses every lock and interrupt so the report always gets out.
void console_enter_panic_mode();
