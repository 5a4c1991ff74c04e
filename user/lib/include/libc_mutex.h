// A mutex for the C library's own shared state (the heap, the filesystem client's descriptors)
// in programs that run several threads.
//
// Uncontended, lock and unlock are one atomic add each. A thread that finds the mutex held
// blocks in zx_port_wait on the mutex's port, and the unlocker queues one packet there: a port's
// queue counts, so a wake-up that comes before its waiter is not lost, and no thread spins. The
// port is made on first contention and kept for the life of the process.
#ifndef LIBC_MUTEX_H_
#define LIBC_MUTEX_H_

#include <stdint.h>
#include <zircon/types.h>

__BEGIN_CDECLS

typedef struct libc_mutex {
  int32_t count;     // holders plus waiters
  zx_handle_t port;  // ZX_HANDLE_INVALID until first needed
} libc_mutex_t;

#define LIBC_MUTEX_INIT \
  { 0, ZX_HANDLE_INVALID }

void libc_mutex_lock(libc_mutex_t* m);
void libc_mutex_unlock(libc_mutex_t* m);

__END_CDECLS

#ifdef __cplusplus
// Holds a libc_mutex for a scope.
class LibcMutexGuard {
 public:
  explicit LibcMutexGuard(libc_mutex_t* m) : m_(m) { libc_mutex_lock(m_); }
  ~LibcMutexGuard() { libc_mutex_unlock(m_); }
  LibcMutexGuard(const LibcMutexGuard&) = delete;
  LibcMutexGuard& operator=(const LibcMutexGuard&) = delete;

 private:
  libc_mutex_t* m_;
};
#endif

#endif  // LIBC_MUTEX_H_
