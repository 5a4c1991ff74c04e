// echosrv: answers every message on the channel it is given (PA_USER0) with the same bytes, until
// the other end closes. ubench measures channel round trips against it.
//
// Messages are read into room for the largest a channel carries, so an oversized one (or one
// with handles, which are closed, not echoed) cannot stay stuck at the head of the queue.
#include <zircon/processargs.h>
#include <zircon/syscalls.h>

namespace {
uint8_t g_buf[65536];
zx_handle_t g_handles[64];
}  // namespace

int main() {
  zx_handle_t ch = zx_take_startup_handle(PA_HND(PA_USER0, 0));
  if (ch == ZX_HANDLE_INVALID) return 2;
  for (;;) {
    zx_signals_t seen = 0;
    zx_object_wait_one(ch, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE, &seen);
    uint32_t n = 0, nh = 0;
    zx_status_t s = zx_channel_read(ch, 0, g_buf, g_handles, sizeof(g_buf), 64, &n, &nh);
    if (s == ZX_ERR_PEER_CLOSED) return 0;
    if (s == ZX_ERR_SHOULD_WAIT) continue;
    if (s != ZX_OK) return 1;  // only a kernel with larger limits than Zircon's gets here
    for (uint32_t i = 0; i < nh && i < 64; i++) zx_handle_close(g_handles[i]);
    if (zx_channel_write(ch, 0, g_buf, n, nullptr, 0) != ZX_OK) return 0;
  }
}
