// ps: the running processes, with their memory: mapped, private and shared committed bytes, and
// what each makes the kernel hold for it (queued messages, packets and waits, charged against
// its budget: docs/objects/process.md).
#include <stdio.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/kernel_charges.h>
#include <zircon/syscalls/object.h>

int main() {
  zx_koid_t koids[128];
  size_t actual = 0, avail = 0;
  zx_status_t s = zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids, sizeof(koids),
                                     &actual, &avail);
  if (s != ZX_OK) {
    printf("ps: cannot list processes: %d\n", s);
    return 1;
  }
  printf("%6s %-20s %10s %10s %10s %10s\n", "KOID", "NAME", "MAPPED", "PRIVATE", "SHARED",
         "KERNEL");
  for (size_t i = 0; i < actual; i++) {
    zx_handle_t p;
    if (zx_object_get_child(zx_job_default(), koids[i], ZX_RIGHT_SAME_RIGHTS, &p) != ZX_OK)
      continue;  // ended meanwhile
    char name[ZX_MAX_NAME_LEN] = {};
    zx_object_get_property(p, ZX_PROP_NAME, name, sizeof(name));
    zx_info_task_stats_t st = {};
    zx_object_get_info(p, ZX_INFO_TASK_STATS, &st, sizeof(st), nullptr, nullptr);
    zx_info_kernel_charges_t kc = {};
    zx_object_get_info(p, ZX_INFO_PROCESS_KERNEL_CHARGES, &kc, sizeof(kc), nullptr, nullptr);
    printf("%6lu %-20s %9luK %9luK %9luK %9luK\n", (unsigned long)koids[i], name,
           (unsigned long)(st.mem_mapped_bytes / 1024),
           (unsigned long)(st.mem_private_bytes / 1024),
           (unsigned long)(st.mem_shared_bytes / 1024),
           (unsigned long)((kc.charged_bytes + 1023) / 1024));
    zx_handle_close(p);
  }
  if (avail > actual) printf("(%lu more)\n", (unsigned long)(avail - actual));
  return 0;
}
