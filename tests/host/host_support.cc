// Host stand-ins for the kernel hooks that code under test calls.
#include <stdio.h>

#include "kernel/lab.h"

void lab_todo(int lab, const char* what) {
  // Like the kernel's: loud enough to notice, but not a flood when a stub sits in a loop.
  static int reports = 0;
  if (reports >= 10) return;
  reports++;
  fprintf(stderr, "lab %d: %s is not implemented yet\n", lab, what);
}
