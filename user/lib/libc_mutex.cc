// The C library's mutex: an atomic count, and a port to sleep on when it is contended.
#include <libc_mutex.h>
#include <stdlib.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/port.h>

namespace {

// The mutex's port, made by whichever thread needs it first (a waiter or an unlocker); a
// thread that loses the race to install its port closes it.
zx_handle_t port_of(libc_mutex_t* m) {
  zx_handle_t p = __atomic_load_n(&m->port, __ATOMIC_ACQUIRE);
  if (p != ZX_HANDLE_INVALID) return p;
  zx_handle_t mine;
  if (zx_port_create(0, &mine) != ZX_OK) abort();  // out of memory or handles: nothing to do
  zx_handle_t expected = ZX_HANDLE_INVALID;
  if (__atomic_compare_exchange_n(&m->port, &expected, mine, false, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE))
    return mine;
  zx_handle_close(mine);
  return expected;
}

}  // namespace

extern "C" void libc_mutex_lock(libc_mutex_t* m) {
  if (__atomic_fetch_add(&m->count, 1, __ATOMIC_ACQUIRE) == 0) return;
  zx_port_packet_t packet;
  if (zx_port_wait(port_of(m), ZX_TIME_INFINITE, &packet) != ZX_OK) abort();
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
}

extern "C" void libc_mutex_unlock(libc_mutex_t* m) {
  if (__atomic_fetch_sub(&m->count, 1, __ATOMIC_RELEASE) == 1) return;
  // Someone is waiting (or about to): hand the mutex over with one packet.
  zx_port_packet_t packet{};
  packet.type = ZX_PKT_TYPE_USER;
  if (zx_port_queue(port_of(m), &packet) != ZX_OK) abort();
}
