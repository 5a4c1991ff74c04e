// kill KOID: ends a process (its return code becomes ZX_TASK_RETCODE_SYSCALL_KILL).
#include <stdio.h>
#include <stdlib.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    printf("usage: kill KOID   (ps lists them)\n");
    return 2;
  }
  zx_koid_t koid = strtol(argv[1], nullptr, 10);
  zx_handle_t p;
  zx_status_t s = zx_object_get_child(zx_job_default(), koid, ZX_RIGHT_SAME_RIGHTS, &p);
  if (s != ZX_OK) {
    printf("kill: no process %lu (%d)\n", (unsigned long)koid, s);
    return 1;
  }
  s = zx_task_kill(p);
  zx_handle_close(p);
  if (s != ZX_OK) {
    printf("kill: %d\n", s);
    return 1;
  }
  return 0;
}
