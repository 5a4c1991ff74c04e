// Time syscalls: the monotonic clock (ns since boot), deadlines, and sleeping until one.
#include "kernel/gen/syscall_decls.h"
#include "kernel/sched.h"
#include "kernel/syscalls/syscall_helpers.h"
#include "kernel/timer.h"
#include "kernel/wait_queue.h"

zx_time_t sys_clock_get_monotonic() { return static_cast<zx_time_t>(current_time()); }

zx_time_t sys_deadline_after(zx_duration_t nanoseconds) {
  zx_time_t now = static_cast<zx_time_t>(current_time());
  if (nanoseconds > 0 && now > ZX_TIME_INFINITE - nanoseconds) return ZX_TIME_INFINITE;
  return now + nanoseconds;
}

zx_status_t sys_nanosleep(zx_time_t deadline) {
  uint64_t d = to_deadline(deadline);
  WaitQueue wq;  // nobody wakes it: the deadline (or a kill) does
  SchedGuard g;
  while (current_time() < d) {
    zx_status_t s = wq.block(d, /*interruptible=*/true);
    if (s == ZX_ERR_CANCELED) break;
  }
  return ZX_OK;
}
