// Floods: more messages, packets and observers than the kernel lets one process hold. Each
// attack fills one kind of object to its per-object limit (Zircon's: 3500 messages at a channel
// endpoint, 4096 user packets and 16384 waits at a port), then many such objects until the
// process's kernel budget refuses more (ZX_ERR_NO_RESOURCES, docs/objects/process.md), checks
// the status it got, that another process still starts and runs meanwhile, and that draining
// and closing gives every byte back (ZX_INFO_PROCESS_KERNEL_CHARGES here; the kernel's leak
// check after run=hostile for the heap).
#ifndef USER_BIN_HOSTILE_FLOODS_H_
#define USER_BIN_HOSTILE_FLOODS_H_

#include <launch.h>
#include <testing.h>
#include <zircon/processargs.h>
#include <zircon/syscalls/port.h>

#include "counts.h"

namespace hostile {

// The per-object limits the attacks expect (the kernel's, which are Zircon's).
constexpr int kChannelLimit = 3500;
constexpr int kPortPacketLimit = 4096;
constexpr int kPortWaitLimit = 16384;
// Far more objects than a budget allows: the floods stop at the budget, not at these.
constexpr int kMaxFloodObjects = 64;

inline zx_info_kernel_charges_t my_charges() {
  zx_info_kernel_charges_t c{};
  zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_KERNEL_CHARGES, &c, sizeof(c), nullptr,
                     nullptr);
  return c;
}

// This process's charges once whatever earlier attacks left dying has been torn down: they only
// fall, so poll until they are zero or two minutes have passed (far beyond any honest teardown; the
// caller's check then fails with the figure).
inline zx_info_kernel_charges_t settled_charges() {
  zx_info_kernel_charges_t c = my_charges();
  zx_time_t deadline = zx_deadline_after(ZX_SEC(120));
  while (c.charged_bytes != 0 && zx_clock_get_monotonic() < deadline) {
    zx_nanosleep(zx_deadline_after(ZX_MSEC(10)));
    c = my_charges();
  }
  return c;
}

// Another process starts, runs and exits cleanly. Starting it writes its bootstrap message
// from this process, so it needs a little of this process's budget.
inline zx_status_t other_process_runs() {
  const char* argv[] = {"true"};
  int64_t code = -1;
  zx_info_process_t info;
  zx_status_t s = testing::run("true", 1, argv, &code, &info);
  if (s != ZX_OK) return s;
  return code == 0 ? ZX_OK : ZX_ERR_INTERNAL;
}

// A process started before a flood (echosrv, serving *ch) that must still be alive and serving
// when the flood is at its limit: then closing *ch ends it, and it must exit 0.
struct Witness {
  zx_handle_t ch = ZX_HANDLE_INVALID;
  zx_handle_t proc = ZX_HANDLE_INVALID;
};

inline zx_status_t witness_start(Witness* w) {
  zx_handle_t theirs;
  zx_status_t s = zx_channel_create(0, &w->ch, &theirs);
  if (s != ZX_OK) return s;
  const char* argv[] = {"echosrv"};
  uint32_t info = PA_HND(PA_USER0, 0);
  s = launch("echosrv", 1, argv, &theirs, &info, 1, &w->proc);
  if (s != ZX_OK) return s;
  // One round trip: it runs (its reply is charged to it, not to us).
  uint32_t v = 0x5eed, r = 0, nb, nh;
  s = zx_channel_write(w->ch, 0, &v, sizeof(v), nullptr, 0);
  if (s == ZX_OK)
    s = zx_object_wait_one(w->ch, ZX_CHANNEL_READABLE, zx_deadline_after(ZX_SEC(10)), nullptr);
  if (s == ZX_OK) s = zx_channel_read(w->ch, 0, &r, nullptr, sizeof(r), 0, &nb, &nh);
  return s == ZX_OK && r == v ? ZX_OK : ZX_ERR_INTERNAL;
}

// While the flood holds this process at its limits: the witness is still there (not
// terminated), ends when its channel closes, and exits 0; a process started now by us is
// refused for our budget only.
inline zx_status_t witness_finish(Witness* w) {
  zx_signals_t seen = 0;
  zx_object_wait_one(w->proc, ZX_PROCESS_TERMINATED, 0, &seen);
  if (seen & ZX_PROCESS_TERMINATED) return ZX_ERR_BAD_STATE;
  zx_handle_close(w->ch);
  int64_t code = -1;
  zx_status_t s = wait_process(w->proc, &code);
  zx_handle_close(w->proc);
  if (s != ZX_OK) return s;
  return code == 0 ? ZX_OK : ZX_ERR_INTERNAL;
}

// Messages: one channel to its limit (small messages, each carrying an event handle), then big
// messages into more channels until the budget refuses; then drain one, close the rest.
inline void test_floods_channel_messages() {
  g_counts.attacks++;
  // Messages this process wrote into structures that earlier attacks' killed processes held
  // stay charged to it until the kernel has torn those processes down, which it does without
  // waiting for us (deep_structures.mass_kill_deep_holders): let that finish first.
  zx_info_kernel_charges_t before = settled_charges();
  CHECK_EQ(before.charged_bytes, 0u);
  CHECK_EQ(before.budget_bytes, 8u << 20);
  Witness w;
  CHECK_OK(witness_start(&w));
  zx_handle_t a, b;
  CHECK_OK(zx_channel_create(0, &a, &b));
  int n = 0;
  zx_status_t s;
  for (;;) {
    zx_handle_t e;
    CHECK_OK(zx_event_create(0, &e));
    s = zx_channel_write(a, 0, &n, sizeof(n), &e, 1);
    if (s != ZX_OK) break;
    n++;
    g_counts.messages++;
    CHECK(n <= kChannelLimit);
  }
  CHECK_EQ(s, ZX_ERR_SHOULD_WAIT);  // the channel is full (the event went with the failed write)
  CHECK_EQ(n, kChannelLimit);
  CHECK_EQ(my_charges().messages, static_cast<uint64_t>(kChannelLimit));
  CHECK_OK(other_process_runs());

  // Big messages, a channel at a time, until the budget says no.
  static uint8_t big[65536];
  zx_handle_t ends[kMaxFloodObjects][2];
  int channels = 0, big_written = 0;
  s = ZX_OK;
  while (s == ZX_OK && channels < kMaxFloodObjects) {
    CHECK_OK(zx_channel_create(0, &ends[channels][0], &ends[channels][1]));
    channels++;
    for (int i = 0; i < 64 && s == ZX_OK; i++) {
      s = zx_channel_write(ends[channels - 1][0], 0, big, sizeof(big), nullptr, 0);
      if (s == ZX_OK) {
        big_written++;
        g_counts.messages++;
      }
    }
  }
  CHECK_EQ(s, ZX_ERR_NO_RESOURCES);
  zx_info_kernel_charges_t full = my_charges();
  CHECK(full.charged_bytes <= full.budget_bytes);
  CHECK(full.charged_bytes > full.budget_bytes - sizeof(big) - 4096);  // refused only at the end
  CHECK(full.refused > before.refused);
  CHECK(big_written > 100);  // 8 MiB of 64 KiB messages
  // This process is refused; everyone else is not, and it can still do everything else.
  CHECK_OK(witness_finish(&w));
  zx_handle_t e;
  CHECK_OK(zx_event_create(0, &e));
  CHECK_OK(zx_handle_close(e));

  // Reading gives the budget back: one big message read makes room for one more.
  uint32_t nb, nh;
  CHECK_OK(zx_channel_read(ends[0][1], 0, big, nullptr, sizeof(big), 0, &nb, &nh));
  CHECK_EQ(nb, sizeof(big));
  CHECK_OK(zx_channel_write(ends[0][0], 0, big, sizeof(big), nullptr, 0));
  // A process started now writes its bootstrap from our budget: after a read there is room.
  CHECK_OK(zx_channel_read(ends[0][1], 0, big, nullptr, sizeof(big), 0, &nb, &nh));
  CHECK_OK(other_process_runs());
  // Drain the first channel completely (its handles come back, and are closed).
  uint32_t drained = 0;
  zx_handle_t got;
  while (zx_channel_read(b, 0, big, &got, sizeof(big), 1, &nb, &nh) == ZX_OK) {
    CHECK_EQ(nh, 1u);
    CHECK_OK(zx_handle_close(got));
    drained++;
  }
  CHECK_EQ(drained, static_cast<uint32_t>(kChannelLimit));
  CHECK_EQ(my_charges().messages, static_cast<uint64_t>(big_written - 1));
  // Closing drops the rest.
  CHECK_OK(zx_handle_close(a));
  CHECK_OK(zx_handle_close(b));
  for (int i = 0; i < channels; i++) {
    CHECK_OK(zx_handle_close(ends[i][0]));
    CHECK_OK(zx_handle_close(ends[i][1]));
  }
  zx_info_kernel_charges_t after = my_charges();
  CHECK_EQ(after.charged_bytes, 0u);
  CHECK_EQ(after.messages, 0u);
  CHECK_EQ(after.message_bytes, 0u);
}

// User packets: one port to its limit, then more ports until the budget refuses; drain one,
// close the rest.
inline void test_floods_port_packets() {
  g_counts.attacks++;
  Witness w;
  CHECK_OK(witness_start(&w));
  zx_handle_t ports[kMaxFloodObjects];
  int nports = 0;
  zx_port_packet_t pk{};
  pk.type = ZX_PKT_TYPE_USER;
  zx_status_t s = ZX_OK;
  int first = 0, total = 0;
  while (s == ZX_OK && nports < kMaxFloodObjects) {
    CHECK_OK(zx_port_create(0, &ports[nports]));
    nports++;
    int here = 0;
    for (;;) {
      pk.key = static_cast<uint64_t>(total);
      s = zx_port_queue(ports[nports - 1], &pk);
      if (s != ZX_OK) break;
      here++;
      total++;
      g_counts.packets++;
      CHECK(here <= kPortPacketLimit);
    }
    if (nports == 1) first = here;
    if (s == ZX_ERR_SHOULD_WAIT) {
      CHECK_EQ(here, kPortPacketLimit);  // this port is full; on to the next
      s = ZX_OK;
    }
  }
  CHECK_EQ(first, kPortPacketLimit);
  CHECK_EQ(s, ZX_ERR_NO_RESOURCES);
  zx_info_kernel_charges_t full = my_charges();
  CHECK_EQ(full.packets, static_cast<uint64_t>(total));
  CHECK(full.charged_bytes <= full.budget_bytes);
  CHECK_OK(witness_finish(&w));
  // The first port drains in order, and each packet read gives its bytes back.
  zx_port_packet_t out;
  for (int i = 0; i < kPortPacketLimit; i++) {
    CHECK_OK(zx_port_wait(ports[0], 0, &out));
    CHECK_EQ(out.type, ZX_PKT_TYPE_USER);
    CHECK_EQ(out.key, static_cast<uint64_t>(i));
  }
  CHECK_EQ(zx_port_wait(ports[0], 0, &out), ZX_ERR_TIMED_OUT);
  CHECK_EQ(my_charges().packets, static_cast<uint64_t>(total - kPortPacketLimit));
  CHECK_OK(zx_port_queue(ports[0], &pk));  // room again
  CHECK_OK(other_process_runs());
  for (int i = 0; i < nports; i++) CHECK_OK(zx_handle_close(ports[i]));
  zx_info_kernel_charges_t after = my_charges();
  CHECK_EQ(after.charged_bytes, 0u);
  CHECK_EQ(after.packets, 0u);
}

// Asynchronous waits: one port to its limit of waits on one event, then more ports until the
// budget refuses; then the event fires them all, one port is drained, the others closed.
inline void test_floods_wait_async() {
  g_counts.attacks++;
  Witness w;
  CHECK_OK(witness_start(&w));
  zx_handle_t ev;
  CHECK_OK(zx_event_create(0, &ev));
  zx_handle_t ports[kMaxFloodObjects];
  int nports = 0, first = 0, total = 0;
  zx_status_t s = ZX_OK;
  while (s == ZX_OK && nports < kMaxFloodObjects) {
    CHECK_OK(zx_port_create(0, &ports[nports]));
    nports++;
    int here = 0;
    for (;;) {
      s = zx_object_wait_async(ev, ports[nports - 1], static_cast<uint64_t>(here), ZX_USER_SIGNAL_0,
                               0);
      if (s != ZX_OK) break;
      here++;
      total++;
      g_counts.packets++;
      CHECK(here <= kPortWaitLimit);
    }
    if (nports == 1) first = here;
    if (s == ZX_ERR_SHOULD_WAIT) {
      CHECK_EQ(here, kPortWaitLimit);
      s = ZX_OK;
    }
  }
  CHECK_EQ(first, kPortWaitLimit);
  CHECK_EQ(s, ZX_ERR_NO_RESOURCES);
  CHECK_EQ(my_charges().observers, static_cast<uint64_t>(total));
  CHECK_OK(witness_finish(&w));
  // Every wait fires (their packets were allocated with them: nothing more is needed).
  CHECK_OK(zx_object_signal(ev, 0, ZX_USER_SIGNAL_0));
  zx_port_packet_t out;
  for (int i = 0; i < kPortWaitLimit; i++) {
    CHECK_OK(zx_port_wait(ports[0], 0, &out));
    CHECK_EQ(out.type, ZX_PKT_TYPE_SIGNAL_ONE);
  }
  CHECK_EQ(zx_port_wait(ports[0], 0, &out), ZX_ERR_TIMED_OUT);
  CHECK_EQ(my_charges().observers, static_cast<uint64_t>(total - kPortWaitLimit));
  // Room again on the drained port.
  CHECK_OK(zx_object_wait_async(ev, ports[0], 1, ZX_USER_SIGNAL_1, 0));
  CHECK_OK(other_process_runs());
  for (int i = 0; i < nports; i++) CHECK_OK(zx_handle_close(ports[i]));
  CHECK_OK(zx_handle_close(ev));
  zx_info_kernel_charges_t after = my_charges();
  CHECK_EQ(after.charged_bytes, 0u);
  CHECK_EQ(after.observers, 0u);
}

// Memory: every free page of the machine committed to one VMO. A copy into a user buffer whose
// page cannot be had then fails with ZX_ERR_NO_MEMORY, which says what happened, not
// ZX_ERR_INVALID_ARGS (the buffer is a good one); the kernel serves again once the memory is back.
inline void test_floods_memory() {
  g_counts.attacks++;
  // Everything the copy needs besides the destination page exists before memory runs out.
  zx_handle_t src, dst, hog;
  CHECK_OK(zx_vmo_create(4096, 0, &src));
  CHECK_OK(zx_vmo_write(src, "data", 0, 4));
  CHECK_OK(zx_vmo_create(4096, 0, &dst));
  zx_vaddr_t addr;
  CHECK_OK(
      zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, dst, 0, 4096, &addr));
  constexpr uint64_t kHuge = 1ull << 36;  // more than any machine the tests boot
  CHECK_OK(zx_vmo_create(kHuge, 0, &hog));
  uint64_t held = testing::commit_until_refused(hog, kHuge);
  CHECK(held > (8u << 20));
  g_counts.structures += held / 4096;
  // A page freed meanwhile (the kernel's own) lets one copy through: take it and try again.
  zx_status_t s = ZX_OK;
  for (int i = 0; i < 16 && s == ZX_OK; i++) {
    testing::commit_until_refused(hog, kHuge);
    s = zx_vmo_read(src, reinterpret_cast<void*>(addr), 0, 4);
    if (s == ZX_OK) zx_vmo_op_range(dst, ZX_VMO_OP_DECOMMIT, 0, 4096, nullptr, 0);
  }
  CHECK_EQ(s, ZX_ERR_NO_MEMORY);
  CHECK_OK(zx_handle_close(hog));
  CHECK_OK(zx_vmo_read(src, reinterpret_cast<void*>(addr), 0, 4));
  CHECK(memcmp(reinterpret_cast<void*>(addr), "data", 4) == 0);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, 4096));
  CHECK_OK(zx_handle_close(dst));
  CHECK_OK(zx_handle_close(src));
  zx_handle_t e;
  CHECK_OK(zx_event_create(0, &e));
  CHECK_OK(zx_handle_close(e));
}

inline const testing::Test kFloodTests[] = {
    {"floods.channel_messages", test_floods_channel_messages},
    {"floods.port_packets", test_floods_port_packets},
    {"floods.wait_async", test_floods_wait_async},
    {"floods.memory", test_floods_memory},
};

}  // namespace hostile

#endif  // USER_BIN_HOSTILE_FLOODS_H_
