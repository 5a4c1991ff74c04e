// Host stand-ins for the kernel hooks that code under test calls.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/lab.h"
#include "kernel/panic.h"

void lab_todo(int lab, const char* what) {
  // Like the kernel's: loud enough to notice, but not a flood when a stub sits in a loop.
  static int reports = 0;
  if (reports >= 10) return;
  reports++;
  fprintf(stderr, "lab %d: %s is not implemented yet\n", lab, what);
}

// RefPtr's adoption checks and assert_held report here: print and abort the test run.
void panic(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "panic: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  abort();
}
