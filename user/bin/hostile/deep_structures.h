// Structures deeper than any kernel stack: nested VMARs, channels queued in channels, copy-on-write
// and slice chains, and handle cycles through channels. Each is built to kDepth links (a kernel
// that spent even 100 bytes of stack per link would need ~1 MiB; kernel stacks are a few pages),
// torn down every way user space can (destroy, close in either order, process death), and
// followed by a check that the kernel still serves. The cycles are unreachable once built, so
// only the kernel's collector can free them: run=hostile's closing leak check proves it did.
#ifndef USER_BIN_HOSTILE_DEEP_STRUCTURES_H_
#define USER_BIN_HOSTILE_DEEP_STRUCTURES_H_

#include <launch.h>
#include <testing.h>
#include <zircon/process.h>
#include <zircon/processargs.h>
#include <zircon/syscalls.h>

#include "counts.h"

namespace hostile {

constexpr int kDepth = 10000;

// The kernel still serves: a VMO mapped, written and read back through a fresh mapping, a
// channel round trip, and a child process started and reaped.
inline bool kernel_serves() {
  zx_handle_t vmo, a, b;
  zx_vaddr_t addr;
  if (zx_vmo_create(testing::kPage, 0, &vmo) != ZX_OK) return false;
  bool ok = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0,
                        testing::kPage, &addr) == ZX_OK;
  if (ok) {
    *reinterpret_cast<volatile uint32_t*>(addr) = 0x5eed;
    ok = *reinterpret_cast<volatile uint32_t*>(addr) == 0x5eed;
    zx_vmar_unmap(zx_vmar_root_self(), addr, testing::kPage);
  }
  zx_handle_close(vmo);
  if (!ok || zx_channel_create(0, &a, &b) != ZX_OK) return false;
  uint32_t v = 42, got = 0, n = 0;
  ok = zx_channel_write(a, 0, &v, sizeof(v), nullptr, 0) == ZX_OK &&
       zx_channel_read(b, 0, &got, nullptr, sizeof(got), 0, &n, nullptr) == ZX_OK && got == 42;
  zx_handle_close(a);
  zx_handle_close(b);
  if (!ok) return false;
  const char* argv[] = {"true"};
  zx_handle_t proc;
  int64_t code = -1;
  if (launch("true", 1, argv, nullptr, nullptr, 0, &proc) != ZX_OK) return false;
  ok = wait_process(proc, &code) == ZX_OK && code == 0;
  zx_handle_close(proc);
  return ok;
}

// kDepth VMARs, each the only child of the one before, the innermost with a mapping in it.
// Handles to the intermediate ones are closed as we go: the tree alone keeps them. Returns the
// outermost (its handle) or ZX_HANDLE_INVALID.
inline zx_handle_t build_vmar_nest(zx_handle_t root) {
  const zx_vm_option_t opts = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE;
  zx_handle_t outer, cur;
  zx_vaddr_t addr;
  if (zx_vmar_allocate(root, opts, 0, 4 * testing::kPage, &outer, &addr) != ZX_OK)
    return ZX_HANDLE_INVALID;
  g_counts.structures++;
  cur = outer;
  for (int i = 1; i < kDepth; i++) {
    zx_handle_t next;
    if (zx_vmar_allocate(cur, opts, 0, 4 * testing::kPage, &next, &addr) != ZX_OK) break;
    g_counts.structures++;
    if (cur != outer) zx_handle_close(cur);
    cur = next;
  }
  zx_handle_t vmo;
  if (zx_vmo_create(testing::kPage, 0, &vmo) == ZX_OK) {
    zx_vaddr_t m;
    zx_vmar_map(cur, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, testing::kPage, &m);
    zx_handle_close(vmo);
  }
  if (cur != outer) zx_handle_close(cur);
  return outer;
}

// The nest destroyed from the top: afterwards the outermost handle names a destroyed VMAR.
inline void test_vmar_nest_destroy() {
  g_counts.attacks++;
  zx_handle_t outer = build_vmar_nest(zx_vmar_root_self());
  CHECK(outer != ZX_HANDLE_INVALID);
  // The root's statistics walk every nested VMAR too.
  zx_info_task_stats_t st;
  CHECK_OK(
      zx_object_get_info(zx_process_self(), ZX_INFO_TASK_STATS, &st, sizeof(st), nullptr, nullptr));
  CHECK_OK(zx_vmar_destroy(outer));
  zx_handle_t child;
  zx_vaddr_t addr;
  CHECK_EQ(zx_vmar_allocate(outer, ZX_VM_CAN_MAP_READ, 0, testing::kPage, &child, &addr),
           ZX_ERR_BAD_STATE);
  CHECK_OK(zx_handle_close(outer));
  CHECK(kernel_serves());
}

// The same nest, removed by unmapping the range that holds it from the parent.
inline void test_vmar_nest_unmap() {
  g_counts.attacks++;
  zx_handle_t outer = build_vmar_nest(zx_vmar_root_self());
  CHECK(outer != ZX_HANDLE_INVALID);
  zx_info_vmar_t info;
  CHECK_OK(zx_object_get_info(outer, ZX_INFO_VMAR, &info, sizeof(info), nullptr, nullptr));
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), info.base, info.len));
  CHECK_OK(zx_handle_close(outer));
  CHECK(kernel_serves());
}

// Nests left for process death: built in a new process's root VMAR (the process never runs),
// one process killed and one just dropped, so both the kill and the last-handle paths tear an
// address space with kDepth nested VMARs down.
inline void test_vmar_nest_process_death() {
  g_counts.attacks++;
  for (int kill = 0; kill < 2; kill++) {
    zx_handle_t proc, vmar;
    const char name[] = "deep-vmars";
    CHECK_OK(zx_process_create(zx_job_default(), name, sizeof(name) - 1, 0, &proc, &vmar));
    zx_handle_t outer = build_vmar_nest(vmar);
    CHECK(outer != ZX_HANDLE_INVALID);
    CHECK_OK(zx_handle_close(outer));
    CHECK_OK(zx_handle_close(vmar));
    if (kill) CHECK_OK(zx_task_kill(proc));
    CHECK_OK(zx_handle_close(proc));
  }
  CHECK(kernel_serves());
}

// kDepth channel pairs, each pair's two ends written into the next pair; the last pair is what
// user space keeps. Closing it drops a message that closes a pair that drops a message...
// `first_end_first` picks which end of the last pair is closed first.
inline void channel_nest(bool first_end_first) {
  zx_handle_t a, b;
  CHECK_OK(zx_channel_create(0, &a, &b));
  g_counts.structures += 2;
  for (int i = 1; i < kDepth; i++) {
    zx_handle_t c, d;
    CHECK_OK(zx_channel_create(0, &c, &d));
    g_counts.structures += 2;
    zx_handle_t both[2] = {a, b};
    uint32_t level = static_cast<uint32_t>(i);
    CHECK_OK(zx_channel_write(c, 0, &level, sizeof(level), both, 2));
    g_counts.messages++;
    a = c;
    b = d;
  }
  CHECK_OK(zx_handle_close(first_end_first ? a : b));
  CHECK_OK(zx_handle_close(first_end_first ? b : a));
  CHECK(kernel_serves());
}

inline void test_channel_nest_close_writer() {
  g_counts.attacks++;
  channel_nest(true);
}

inline void test_channel_nest_close_reader() {
  g_counts.attacks++;
  channel_nest(false);
}

// Builds `links` channels, each holding the previous one's reader end in its one message and
// with its own writer closed; *head is the last reader, the only handle to the whole chain.
inline zx_status_t reader_chain(int links, zx_handle_t* head) {
  zx_handle_t reader = ZX_HANDLE_INVALID;
  for (int i = 0; i < links; i++) {
    zx_handle_t w, r;
    zx_status_t s = zx_channel_create(0, &w, &r);
    if (s != ZX_OK) {
      zx_handle_close(reader);  // the chain so far goes with it
      return s;
    }
    g_counts.structures += 2;
    if (reader != ZX_HANDLE_INVALID) {
      s = zx_channel_write(w, 0, nullptr, 0, &reader, 1);
      reader = ZX_HANDLE_INVALID;  // consumed, written or not
      g_counts.messages++;
    }
    zx_handle_close(w);
    if (s != ZX_OK) {
      zx_handle_close(r);
      return s;
    }
    reader = r;
  }
  *head = reader;
  return ZX_OK;
}

// A chain of single endpoints: each message carries the previous reader end only, so every link
// is a channel whose writer is already closed. The head goes to a child process as a bootstrap
// handle, so the chain is torn down by that process's death (its handle table, or its unread
// bootstrap message, is closed).
inline void test_channel_chain_process_death() {
  g_counts.attacks++;
  zx_handle_t reader;
  CHECK_OK(reader_chain(kDepth, &reader));
  const char* argv[] = {"true"};
  uint32_t info = PA_HND(0xF0u, 0);  // Zircon's PA_USER0: the program ignores it
  zx_handle_t proc;
  int64_t code = -1;
  CHECK_OK(launch("true", 1, argv, &reader, &info, 1, &proc));
  CHECK_OK(wait_process(proc, &code));
  CHECK_OK(zx_handle_close(proc));
  CHECK(kernel_serves());
}

// A copy-on-write chain: each snapshot of the one before, all handles kept, then closed oldest
// first (each parent goes while its children live) or newest first.
inline void vmo_chain(uint32_t child_kind, bool oldest_first) {
  static zx_handle_t chain[kDepth];
  CHECK_OK(zx_vmo_create(2 * testing::kPage, 0, &chain[0]));
  uint64_t v = 7;
  CHECK_OK(zx_vmo_write(chain[0], &v, 0, sizeof(v)));
  g_counts.structures++;
  int n = 1;
  for (; n < kDepth; n++) {
    if (zx_vmo_create_child(chain[n - 1], child_kind, 0, 2 * testing::kPage, &chain[n]) != ZX_OK)
      break;
    g_counts.structures++;
  }
  CHECK_EQ(n, kDepth);
  uint64_t got = 0;
  CHECK_OK(zx_vmo_read(chain[n - 1], &got, 0, sizeof(got)));
  CHECK_EQ(got, 7);
  for (int i = 0; i < n; i++) CHECK_OK(zx_handle_close(chain[oldest_first ? i : n - 1 - i]));
  CHECK(kernel_serves());
}

inline void test_vmo_snapshot_chain_oldest_first() {
  g_counts.attacks++;
  vmo_chain(ZX_VMO_CHILD_SNAPSHOT, true);
}

inline void test_vmo_snapshot_chain_newest_first() {
  g_counts.attacks++;
  vmo_chain(ZX_VMO_CHILD_SNAPSHOT, false);
}

inline void test_vmo_slice_chain() {
  g_counts.attacks++;
  vmo_chain(ZX_VMO_CHILD_SLICE, true);
}

// Zircon refuses to write a channel's own handle into it (ZX_ERR_NOT_SUPPORTED), and the
// handle stays the caller's.
inline void test_cycle_self_refused() {
  g_counts.attacks++;
  zx_handle_t a, b;
  CHECK_OK(zx_channel_create(0, &a, &b));
  CHECK_EQ(zx_channel_write(a, 0, nullptr, 0, &a, 1), ZX_ERR_NOT_SUPPORTED);
  CHECK(testing::handle_valid(a));
  CHECK_OK(zx_handle_close(a));
  CHECK_OK(zx_handle_close(b));
}

// A channel's own reader end queued inside it: while the writer lives, the reader is kept (the
// writer sees no PEER_CLOSED and may go on writing); once the writer closes, nobody can ever
// read it, and the kernel must reclaim it (the leak check at the end of the run).
inline void test_cycle_own_peer() {
  g_counts.attacks++;
  for (int i = 0; i < 100; i++) {
    zx_handle_t a, b;
    CHECK_OK(zx_channel_create(0, &a, &b));
    g_counts.structures += 2;
    CHECK_OK(zx_channel_write(a, 0, nullptr, 0, &b, 1));
    g_counts.messages++;
    uint32_t v = 1;
    CHECK_OK(zx_channel_write(a, 0, &v, sizeof(v), nullptr, 0));
    g_counts.messages++;
    zx_signals_t seen = 0;
    CHECK_EQ(zx_object_wait_one(a, ZX_CHANNEL_PEER_CLOSED, 0, &seen), ZX_ERR_TIMED_OUT);
    CHECK_OK(zx_handle_close(a));
  }
  CHECK(kernel_serves());
}

// Two pairs whose reader ends are queued in each other. While one writer lives, both readers
// stay (it can still write to one of them, so closing them would show); after both writers
// close, the two are garbage.
inline void test_cycle_two_channels() {
  g_counts.attacks++;
  for (int i = 0; i < 100; i++) {
    zx_handle_t a, b, c, d;
    CHECK_OK(zx_channel_create(0, &a, &b));
    CHECK_OK(zx_channel_create(0, &c, &d));
    g_counts.structures += 4;
    CHECK_OK(zx_channel_write(a, 0, nullptr, 0, &d, 1));  // d waits in b
    CHECK_OK(zx_channel_write(c, 0, nullptr, 0, &b, 1));  // b waits in d
    g_counts.messages += 2;
    CHECK_OK(zx_handle_close(a));
    zx_signals_t seen = 0;
    CHECK_EQ(zx_object_wait_one(c, ZX_CHANNEL_PEER_CLOSED, 0, &seen), ZX_ERR_TIMED_OUT);
    CHECK_OK(zx_channel_write(c, 0, nullptr, 0, nullptr, 0));
    CHECK_OK(zx_handle_close(c));
  }
  CHECK(kernel_serves());
}

// A ring of pairs, each reader queued in the reader before it, writers closed in turn: the ring
// stays reachable until the last writer closes, then becomes garbage at once, and the collector
// walks all of it without recursing.
inline void test_cycle_ring() {
  g_counts.attacks++;
  constexpr int kRing = 500;  // within the collector's budget (docs/objects/channel.md)
  static zx_handle_t w[kRing], r[kRing];
  for (int i = 0; i < kRing; i++) {
    CHECK_OK(zx_channel_create(0, &w[i], &r[i]));
    g_counts.structures += 2;
  }
  // r[i+1] goes into r[i]'s queue (written through w[i]); r[0] last, into r[kRing-1].
  for (int i = 0; i < kRing; i++) {
    CHECK_OK(zx_channel_write(w[i], 0, nullptr, 0, &r[(i + 1) % kRing], 1));
    g_counts.messages++;
  }
  for (int i = 0; i < kRing; i++) CHECK_OK(zx_handle_close(w[i]));
  CHECK(kernel_serves());
}

// What stays reachable must not be collected. h (with a message) is queued in f, f in d, and
// f's writer is closed, which sets the collector looking from f: g (h's writer) and d (held)
// keep everything alive, and it all comes back out intact.
inline void test_cycle_reachable_kept() {
  g_counts.attacks++;
  zx_handle_t c, d, e, f, g, h;
  CHECK_OK(zx_channel_create(0, &c, &d));
  CHECK_OK(zx_channel_create(0, &e, &f));
  CHECK_OK(zx_channel_create(0, &g, &h));
  g_counts.structures += 6;
  uint32_t v = 9;
  CHECK_OK(zx_channel_write(g, 0, &v, sizeof(v), nullptr, 0));  // v waits in h
  CHECK_OK(zx_channel_write(e, 0, nullptr, 0, &h, 1));          // h waits in f
  CHECK_OK(zx_channel_write(c, 0, nullptr, 0, &f, 1));          // f waits in d
  g_counts.messages += 3;
  CHECK_OK(zx_handle_close(e));
  CHECK_OK(zx_handle_close(g));
  uint32_t nb = 0, nh = 0;
  zx_handle_t f2 = ZX_HANDLE_INVALID, h2 = ZX_HANDLE_INVALID;
  CHECK_OK(zx_channel_read(d, 0, nullptr, &f2, 0, 1, &nb, &nh));
  CHECK_EQ(nh, 1);
  CHECK_OK(zx_channel_read(f2, 0, nullptr, &h2, 0, 1, &nb, &nh));
  CHECK_EQ(nh, 1);
  uint32_t got = 0;
  CHECK_OK(zx_channel_read(h2, 0, &got, nullptr, sizeof(got), 0, &nb, &nh));
  CHECK_EQ(got, 9);
  CHECK_OK(zx_handle_close(h2));
  CHECK_OK(zx_handle_close(f2));
  CHECK_OK(zx_handle_close(c));
  CHECK_OK(zx_handle_close(d));
  CHECK(kernel_serves());
}

// The collector judges while another hart writes handle-carrying messages into what it
// looks at. r is queued in b, and b in itself; a helper thread holds r's writer w and keeps
// sending fresh channel ends to r. Closing a leaves b unreachable, so the pass that close
// starts must drop b's queue, closing r: w sees PEER_CLOSED by the time close returns,
// however the helper's writes interleave, and the helper's writes then fail cleanly.
struct RaceWriter {
  zx_handle_t w;
  volatile int sent;
  volatile int done;
};

inline void race_writer_main(uintptr_t arg, uintptr_t) {
  auto* rw = reinterpret_cast<RaceWriter*>(arg);
  for (int i = 0; i < 100000; i++) {
    zx_handle_t m, n;
    if (zx_channel_create(0, &m, &n) != ZX_OK) break;
    zx_handle_close(n);
    if (zx_channel_write(rw->w, 0, nullptr, 0, &m, 1) != ZX_OK) break;  // m is consumed
    rw->sent = rw->sent + 1;
  }
  rw->done = 1;
  zx_thread_exit();
}

inline void test_cycle_collect_race() {
  g_counts.attacks++;
  for (int round = 0; round < 20; round++) {
    zx_handle_t a, b, w, r;
    CHECK_OK(zx_channel_create(0, &a, &b));
    CHECK_OK(zx_channel_create(0, &w, &r));
    g_counts.structures += 4;
    CHECK_OK(zx_channel_write(a, 0, nullptr, 0, &r, 1));  // r waits in b
    CHECK_OK(zx_channel_write(a, 0, nullptr, 0, &b, 1));  // b waits in itself
    g_counts.messages += 2;
    RaceWriter rw{w, 0, 0};
    testing::Helper h;
    CHECK_OK(testing::helper_start(&h, "race-writer", race_writer_main,
                                   reinterpret_cast<uintptr_t>(&rw), 0));
    while (rw.sent < round * 10 && !rw.done) zx_nanosleep(zx_deadline_after(ZX_USEC(100)));
    CHECK_OK(zx_handle_close(a));
    zx_signals_t seen = 0;
    CHECK_OK(zx_object_wait_one(w, ZX_CHANNEL_PEER_CLOSED, 0, &seen));
    CHECK_OK(testing::helper_join(&h));
    g_counts.messages += static_cast<unsigned long>(rw.sent);
    g_counts.structures += 2 * static_cast<unsigned long>(rw.sent);
    CHECK_EQ(zx_channel_write(w, 0, nullptr, 0, nullptr, 0), ZX_ERR_PEER_CLOSED);
    CHECK_OK(zx_handle_close(w));
  }
  CHECK(kernel_serves());
}

// Many processes killed at once, each holding a deep chain of channels: the kernel tears them all
// down while this program goes on (and, when this attack is the last one run, while the kernel's
// closing leak check waits for the reaping to finish rather than for a fixed grace time).
inline void test_mass_kill_deep_holders() {
  g_counts.attacks++;
  constexpr int kProcs = 16, kLinks = 1000;
  zx_handle_t procs[kProcs];
  int started = 0;
  for (; started < kProcs; started++) {
    zx_handle_t reader;
    CHECK_OK(reader_chain(kLinks, &reader));
    const char* argv[] = {"sleep", "600000"};
    uint32_t info = PA_HND(0xF0u, 0);  // Zircon's PA_USER0: the program ignores it
    CHECK_OK(launch("sleep", 2, argv, &reader, &info, 1, &procs[started]));
  }
  for (int i = 0; i < started; i++) {
    CHECK_OK(zx_task_kill(procs[i]));
    CHECK_OK(zx_handle_close(procs[i]));
  }
  // No wait for the deaths: the kernel must still answer meanwhile.
  zx_handle_t a, b;
  CHECK_OK(zx_channel_create(0, &a, &b));
  uint32_t v = 5, got = 0, n = 0;
  CHECK_OK(zx_channel_write(a, 0, &v, sizeof(v), nullptr, 0));
  CHECK_OK(zx_channel_read(b, 0, &got, nullptr, sizeof(got), 0, &n, nullptr));
  CHECK_EQ(got, 5);
  CHECK_OK(zx_handle_close(a));
  CHECK_OK(zx_handle_close(b));
}

inline const testing::Test kDeepTests[] = {
    {"deep_structures.vmar_nest_destroy", test_vmar_nest_destroy},
    {"deep_structures.vmar_nest_unmap", test_vmar_nest_unmap},
    {"deep_structures.vmar_nest_process_death", test_vmar_nest_process_death},
    {"deep_structures.channel_nest_close_writer", test_channel_nest_close_writer},
    {"deep_structures.channel_nest_close_reader", test_channel_nest_close_reader},
    {"deep_structures.channel_chain_process_death", test_channel_chain_process_death},
    {"deep_structures.vmo_snapshot_chain_oldest_first", test_vmo_snapshot_chain_oldest_first},
    {"deep_structures.vmo_snapshot_chain_newest_first", test_vmo_snapshot_chain_newest_first},
    {"deep_structures.vmo_slice_chain", test_vmo_slice_chain},
    {"deep_structures.cycle_self_refused", test_cycle_self_refused},
    {"deep_structures.cycle_own_peer", test_cycle_own_peer},
    {"deep_structures.cycle_two_channels", test_cycle_two_channels},
    {"deep_structures.cycle_ring", test_cycle_ring},
    {"deep_structures.cycle_reachable_kept", test_cycle_reachable_kept},
    {"deep_structures.cycle_collect_race", test_cycle_collect_race},
    {"deep_structures.mass_kill_deep_holders", test_mass_kill_deep_holders},
};

}  // namespace hostile

#endif  // USER_BIN_HOSTILE_DEEP_STRUCTURES_H_
