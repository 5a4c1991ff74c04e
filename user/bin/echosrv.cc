// echosrv: answers every message on the channel it is given (PA_USER0) with the same bytes, until
// the other end closes. ubench measures channel round trips against it.
#include <zircon/processargs.h>
#include <zircon/syscalls.h>

int main() {
  zx_handle_t ch = zx_take_startup_handle(PA_HND(PA_USER0, 0));
  if (ch == ZX_HANDLE_INVALID) return 2;
  for (;;) {
    zx_signals_t seen = 0;
    zx_object_wait_one(ch, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE, &seen);
    uint8_t buf[256];
    uint32_t n = 0, nh = 0;
    zx_status_t s = zx_channel_read(ch, 0, buf, nullptr, sizeof(buf), 0, &n, &nh);
    if (s == ZX_ERR_PEER_CLOSED) return 0;
    if (s != ZX_OK) return 1;
    if (zx_channel_write(ch, 0, buf, n, nullptr, 0) != ZX_OK) return 0;
  }
}
