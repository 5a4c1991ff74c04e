// sleep MS: sleeps for MS milliseconds.
#include <stdio.h>
#include <stdlib.h>
#include <zircon/syscalls.h>

int main(int argc, char** argv) {
  char* end;
  long ms = argc == 2 ? strtol(argv[1], &end, 10) : -1;
  if (argc != 2 || *end != '\0' || ms < 0) {
    printf("usage: sleep MILLISECONDS\n");
    return 2;
  }
  zx_nanosleep(zx_deadline_after(ZX_MSEC(ms)));
  return 0;
}
