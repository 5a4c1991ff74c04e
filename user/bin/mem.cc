// mem: physical memory in use and free, pager-backed pages (resident, dirty, evictable,
// evicted), then each process's committed memory and what it makes the kernel hold (queued
// channel messages, port packets, waits) against its budget.
#include <stdio.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/object.h>

int main() {
  zx_info_kmem_stats_t k = {};
  zx_status_t s =
      zx_object_get_info(zx_job_default(), ZX_INFO_KMEM_STATS, &k, sizeof(k), nullptr, nullptr);
  if (s != ZX_OK) {
    printf("mem: %d\n", s);
    return 1;
  }
  printf("memory: %lu pages total, %lu free\n", (unsigned long)(k.total_bytes / 4096),
         (unsigned long)(k.free_bytes / 4096));
  printf("  vmo %luK  heap %luK (%luK free)  page tables %luK  wired %luK  other %luK\n",
         (unsigned long)(k.vmo_bytes / 1024), (unsigned long)(k.total_heap_bytes / 1024),
         (unsigned long)(k.free_heap_bytes / 1024), (unsigned long)(k.mmu_overhead_bytes / 1024),
         (unsigned long)(k.wired_bytes / 1024), (unsigned long)(k.other_bytes / 1024));
  // Pager-backed memory (an extension of this kernel: docs/pager.md, "Eviction").
  zx_info_pager_pages_t pg = {};
  if (zx_object_get_info(zx_job_default(), ZX_INFO_PAGER_PAGES, &pg, sizeof(pg), nullptr,
                         nullptr) == ZX_OK) {
    printf("  pager-backed: %lu pages resident (%lu dirty, %lu evictable), %lu evicted so far\n",
           (unsigned long)(pg.resident_bytes / 4096), (unsigned long)(pg.dirty_bytes / 4096),
           (unsigned long)(pg.evictable_bytes / 4096), (unsigned long)pg.evicted_pages);
  }
  zx_koid_t koids[128];
  size_t actual = 0;
  if (zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &actual,
                         nullptr) != ZX_OK)
    return 1;
  for (size_t i = 0; i < actual; i++) {
    zx_handle_t p;
    if (zx_object_get_child(zx_job_default(), koids[i], ZX_RIGHT_SAME_RIGHTS, &p) != ZX_OK)
      continue;
    char name[ZX_MAX_NAME_LEN] = {};
    zx_object_get_property(p, ZX_PROP_NAME, name, sizeof(name));
    zx_info_task_stats_t st = {};
    zx_object_get_info(p, ZX_INFO_TASK_STATS, &st, sizeof(st), nullptr, nullptr);
    zx_info_kernel_charges_t kc = {};
    zx_object_get_info(p, ZX_INFO_PROCESS_KERNEL_CHARGES, &kc, sizeof(kc), nullptr, nullptr);
    printf(
        "  %-20s %lu committed pages; kernel holds %luK of %luK (%lu messages, %lu packets, "
        "%lu waits)\n",
        name, (unsigned long)((st.mem_private_bytes + st.mem_shared_bytes) / 4096),
        (unsigned long)((kc.charged_bytes + 1023) / 1024), (unsigned long)(kc.budget_bytes / 1024),
        (unsigned long)kc.messages, (unsigned long)kc.packets, (unsigned long)kc.observers);
    zx_handle_close(p);
  }
  return 0;
}
