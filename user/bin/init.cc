// init: the first process. It runs the shell, and when the shell exits reports its exit code
// and starts a new one.
#include <launch.h>
#include <stdio.h>
#include <zircon/syscalls.h>

int main(int, char**) {
  printf("init: starting sh\n");
  for (;;) {
    const char* argv[] = {"sh"};
    zx_handle_t proc;
    zx_status_t s = launch("sh", 1, argv, nullptr, nullptr, 0, &proc);
    if (s != ZX_OK) {
      printf("init: cannot launch sh: %d\n", s);
      zx_nanosleep(zx_deadline_after(ZX_SEC(1)));  // do not spin if sh is missing or broken
      continue;
    }
    int64_t code = 0;
    s = wait_process(proc, &code);
    zx_handle_close(proc);
    if (s != ZX_OK) {
      printf("init: waiting for sh failed: %d\n", s);
      return 1;
    }
    printf("init: sh exited with %ld; restarting it\n", static_cast<long>(code));
  }
}
