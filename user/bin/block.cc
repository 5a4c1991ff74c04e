// block: waits forever on a fresh event that nobody signals. usertests launches it to have a
// child that is blocked in the kernel, then kills it with zx_task_kill.
#include <stdio.h>
#include <zircon/syscalls.h>

int main(int, char**) {
  zx_handle_t e;
  zx_status_t s = zx_event_create(0, &e);
  if (s != ZX_OK) {
    printf("block: zx_event_create: %d\n", s);
    return 1;
  }
  zx_signals_t observed = 0;
  s = zx_object_wait_one(e, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, &observed);
  // Not reached unless the wait is broken: nothing can signal the event.
  printf("block: wait returned %d (observed 0x%x)\n", s, observed);
  zx_handle_close(e);
  return 2;
}
