/* Compile-only check that a program written against the public Zircon API builds,
 * as C and as C++, freestanding. Never linked or run. Commands (from the repo root):
 *   riscv64-linux-gnu-gcc -std=c11 -ffreestanding -nostdlib -Wall -Wextra -Werror
 *       -fsyntax-only -Iuser/lib/include tests/userapi/compile_check.c
 *   g++ -std=c++20 -ffreestanding -Wall -Wextra -Werror -fsyntax-only -x c++
 *       -Iuser/lib/include tests/userapi/compile_check.c
 */

#include <zircon/process.h>
#include <zircon/syscalls.h>

// Layouts user code depends on (LP64), as in Zircon.
#define CHECK_SIZE(t, n) _Static_assert(sizeof(t) == (n), #t " has the wrong size")
#ifdef __cplusplus
#undef CHECK_SIZE
#define CHECK_SIZE(t, n) static_assert(sizeof(t) == (n), #t " has the wrong size")
#endif
CHECK_SIZE(zx_handle_t, 4);
CHECK_SIZE(zx_status_t, 4);
CHECK_SIZE(zx_time_t, 8);
CHECK_SIZE(zx_wait_item_t, 12);
CHECK_SIZE(zx_info_handle_basic_t, 32);
CHECK_SIZE(zx_info_process_t, 24);
CHECK_SIZE(zx_info_vmar_t, 16);

static const char kMsg[] = "hello from user space\n";

zx_status_t compile_check_main(void);

zx_status_t compile_check_main(void) {
  zx_status_t st = zx_debug_write(kMsg, sizeof(kMsg) - 1);
  if (st != ZX_OK) return st;

  zx_handle_t vmo = ZX_HANDLE_INVALID;
  st = zx_vmo_create(4096, ZX_VMO_RESIZABLE, &vmo);
  if (st != ZX_OK) return st;
  st = zx_object_set_property(vmo, ZX_PROP_NAME, "scratch", 7);
  if (st != ZX_OK) return st;

  zx_vaddr_t addr = 0;
  st = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_ALIGN_64KB,
                   0, vmo, 0, 4096, &addr);
  if (st != ZX_OK) return st;

  uint64_t size = 0;
  (void)zx_vmo_get_size(vmo, &size);

  zx_info_handle_basic_t basic;
  size_t actual = 0, avail = 0;
  st = zx_object_get_info(vmo, ZX_INFO_HANDLE_BASIC, &basic, sizeof(basic), &actual, &avail);
  if (st == ZX_OK && basic.type != ZX_OBJ_TYPE_VMO) return ZX_ERR_WRONG_TYPE;

  zx_info_process_t pinfo;
  (void)zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS, &pinfo, sizeof(pinfo), NULL, NULL);

  zx_info_maps_t maps[4];
  (void)zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, maps, sizeof(maps), &actual,
                           &avail);
  if (actual > 0 && maps[0].type == ZX_INFO_MAPS_TYPE_MAPPING &&
      (maps[0].u.mapping.mmu_flags & ZX_VM_PERM_EXECUTE))
    return ZX_ERR_BAD_STATE;

  zx_handle_t event = ZX_HANDLE_INVALID;
  (void)zx_event_create(0, &event);
  (void)zx_object_signal(event, 0, ZX_USER_SIGNAL_0 | ZX_EVENT_SIGNALED);
  zx_signals_t observed = 0;
  st = zx_object_wait_one(event, ZX_EVENT_SIGNALED, zx_deadline_after(ZX_MSEC(10)), &observed);
  zx_wait_item_t items[1] = {{event, ZX_EVENT_SIGNALED, 0}};
  (void)zx_object_wait_many(items, 1, ZX_TIME_INFINITE);

  zx_handle_t proc = ZX_HANDLE_INVALID, root_vmar = ZX_HANDLE_INVALID, thread = ZX_HANDLE_INVALID;
  (void)zx_process_create(zx_job_default(), "child", 5, 0, &proc, &root_vmar);
  (void)zx_thread_create(proc, "main", 4, 0, &thread);
  (void)zx_process_start(proc, thread, 0x10000, 0x20000, ZX_HANDLE_INVALID, 0);
  (void)zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL);

  zx_handle_t dup = ZX_HANDLE_INVALID;
  (void)zx_handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS, &dup);
  zx_handle_t handles[2] = {dup, event};
  (void)zx_handle_close_many(handles, 2);
  (void)zx_nanosleep(zx_clock_get_monotonic() + ZX_USEC(5));
  (void)zx_vmar_unmap(zx_vmar_root_self(), addr, 4096);
  (void)_zx_handle_close(vmo);
  if (st == ZX_ERR_TIMED_OUT) zx_thread_exit();
  zx_process_exit(0);
}
