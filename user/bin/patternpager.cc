// patternpager: a small userspace pager, the program of lab 7 (labs/07-pager/README.md).
//
// It serves one pager-backed VMO whose content is computed rather than read from a disk: the
// 64-bit word at byte offset x is pattern_word(seed, x). While two client threads map the VMO and
// read it (each in its own page order, so their faults interleave and join), the main thread is
// the pager: it takes each page request from its port, writes the pattern into an auxiliary VMO
// and moves those pages in with zx_pager_supply_pages. Each client checks every word it reads and
// computes a checksum of the whole VMO, which anyone can recompute from the seed alone (the lab's
// grader does, so the output cannot be faked).
//
// With -w (the lab's writeback challenge) the VMO is created with ZX_VMO_TRAP_DIRTY: the first
// store to a clean page waits until the pager grants it (a DIRTY request answered with
// ZX_PAGER_OP_DIRTY). Once the clients have read everything, client 0 writes to every third page,
// and after the clients are done the pager writes the dirty ranges back into a "store" VMO (its
// stand-in for a disk) between ZX_PAGER_OP_WRITEBACK_BEGIN and _END, then checks the store.
//
// usage: patternpager [-w] [SEED [PAGES]]     (SEED as 0x..., PAGES from 1 to 256)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/port.h>

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kWordsPerPage = kPage / 8;
constexpr uint64_t kVmoKey = 1;     // the key of the VMO's page requests on the port
constexpr uint64_t kClientKey = 2;  // the key of the packets clients queue when they are done
constexpr int kClients = 2;
constexpr uint64_t kMaxPages = 256;
constexpr uint64_t kStackSize = 4 * kPage;
constexpr uint64_t kNone = ~0ull;

// splitmix64's finalizer: every bit of the result depends on every bit of z.
uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The VMO's content: the word at byte offset `offset` (a multiple of 8).
uint64_t pattern_word(uint64_t seed, uint64_t offset) { return mix(seed ^ (offset / 8)); }

// FNV-1a over 64-bit words, in offset order: the checksum the clients report.
constexpr uint64_t kFnvStart = 0xcbf29ce484222325ull;
uint64_t fnv_step(uint64_t h, uint64_t word) { return (h ^ word) * 0x100000001b3ull; }

// The pager's side: its handles and what it has done.
struct Pager {
  uint64_t seed = 0;
  uint64_t pages = 0;
  bool writeback = false;
  zx_handle_t pager = ZX_HANDLE_INVALID;
  zx_handle_t port = ZX_HANDLE_INVALID;
  zx_handle_t vmo = ZX_HANDLE_INVALID;
  zx_handle_t store = ZX_HANDLE_INVALID;  // -w: where dirty pages are written back
  zx_vaddr_t base = 0;                    // the clients' mapping of vmo
  uint64_t reads = 0, pages_supplied = 0;
  uint64_t dirties = 0, pages_dirtied = 0;
  uint64_t ranges_written = 0, pages_written = 0;
};

// One client thread and its findings.
struct Client {
  Pager* pg = nullptr;
  int index = 0;
  zx_handle_t thread = ZX_HANDLE_INVALID;
  zx_handle_t stack_vmo = ZX_HANDLE_INVALID;
  zx_vaddr_t stack = 0;
  uint64_t pages_verified = 0;
  uint64_t first_bad = kNone;  // offset of the first word that did not match
  uint64_t checksum = 0;
  uint64_t pages_written = 0;  // -w, client 0: pages it stored to
};

int g_clients_verified;  // clients done reading (client 0 writes only after all are)

// Sends the pager a "client done" packet on the port it serves, so its loop can end.
void client_done(Client* c) {
  zx_port_packet_t pk{};
  pk.key = kClientKey;
  pk.type = ZX_PKT_TYPE_USER;
  pk.user.u64[0] = static_cast<uint64_t>(c->index);
  zx_port_queue(c->pg->port, &pk);
}

[[noreturn]] void client_main(uintptr_t arg, uintptr_t) {
  auto* c = reinterpret_cast<Client*>(arg);
  const Pager& pg = *c->pg;
  auto* words = reinterpret_cast<volatile uint64_t*>(pg.base);
  // Client 0 walks up from the middle, client 1 down from the end: each first load of a page
  // faults, and the two threads sometimes fault on the same page (their requests join).
  for (uint64_t i = 0; i < pg.pages; i++) {
    uint64_t page = c->index == 0 ? (pg.pages / 2 + i) % pg.pages : pg.pages - 1 - i;
    bool good = true;
    for (uint64_t w = 0; w < kWordsPerPage; w++) {
      uint64_t off = page * kPage + w * 8;
      if (words[off / 8] != pattern_word(pg.seed, off)) {
        if (good && (c->first_bad == kNone || off < c->first_bad)) c->first_bad = off;
        good = false;
      }
    }
    if (good) c->pages_verified++;
  }
  uint64_t h = kFnvStart;
  for (uint64_t w = 0; w < pg.pages * kWordsPerPage; w++) h = fnv_step(h, words[w]);
  c->checksum = h;
  __atomic_add_fetch(&g_clients_verified, 1, __ATOMIC_ACQ_REL);

  if (pg.writeback && c->index == 0) {
    // Wait (at most 10 s) until nobody reads any more, then change every third page. Each store
    // to a clean page waits for the pager's leave (ZX_VMO_TRAP_DIRTY).
    for (int t = 0; t < 10000 && __atomic_load_n(&g_clients_verified, __ATOMIC_ACQUIRE) < kClients;
         t++) {
      zx_nanosleep(zx_deadline_after(ZX_MSEC(1)));
    }
    for (uint64_t page = 0; page < pg.pages; page += 3) {
      words[page * kWordsPerPage] = ~pattern_word(pg.seed, page * kPage);
      c->pages_written++;
    }
  }
  client_done(c);
  zx_thread_exit();
}

zx_status_t client_start(Client* c) {
  zx_status_t s = zx_vmo_create(kStackSize, 0, &c->stack_vmo);
  if (s == ZX_OK) {
    s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, c->stack_vmo, 0,
                    kStackSize, &c->stack);
  }
  if (s == ZX_OK) s = zx_thread_create(zx_process_self(), "client", 6, 0, &c->thread);
  if (s == ZX_OK) {
    s = zx_thread_start(c->thread, reinterpret_cast<zx_vaddr_t>(client_main), c->stack + kStackSize,
                        reinterpret_cast<uintptr_t>(c), 0);
  }
  return s;
}

// ---- the pager ---------------------------------------------------------------------------------

// A READ request for [offset, offset + length): generate the pattern into an auxiliary VMO and
// move its pages into the pager's VMO, which wakes the threads waiting for them.
// (Unused until serve() is written, in the lab's starting code.)
[[maybe_unused]] zx_status_t supply_pattern(Pager& pg, uint64_t offset, uint64_t length) {
  // LAB 7 SOLUTION BEGIN
  zx_handle_t aux;
  zx_status_t s = zx_vmo_create(length, 0, &aux);
  if (s != ZX_OK) return s;
  static uint64_t buf[kWordsPerPage];
  for (uint64_t done = 0; done < length && s == ZX_OK; done += kPage) {
    for (uint64_t w = 0; w < kWordsPerPage; w++) {
      buf[w] = pattern_word(pg.seed, offset + done + w * 8);
    }
    s = zx_vmo_write(aux, buf, done, kPage);  // commits the aux page: supply moves only those
  }
  if (s == ZX_OK) s = zx_pager_supply_pages(pg.pager, pg.vmo, offset, length, aux, 0);
  zx_handle_close(aux);  // its pages have moved; nothing is left to free but the object
  if (s == ZX_OK) {
    pg.reads++;
    pg.pages_supplied += length / kPage;
  }
  return s;
  // LAB 7 SOLUTION END
  // LAB 7 STUB BEGIN
  // (void)pg;
  // (void)offset;
  // (void)length;
  // printf("lab 7: patternpager: supply_pattern is not implemented yet\n");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 7 STUB END
}

// Challenge (-w): a DIRTY request for [offset, offset + length): a writer wants to change these
// clean pages. A pager with a real disk would reserve space here; this one always agrees.
[[maybe_unused]] zx_status_t grant_dirty(Pager& pg, uint64_t offset, uint64_t length) {
  // LAB 7 SOLUTION BEGIN
  zx_status_t s = zx_pager_op_range(pg.pager, ZX_PAGER_OP_DIRTY, pg.vmo, offset, length, 0);
  if (s == ZX_OK) {
    pg.dirties++;
    pg.pages_dirtied += length / kPage;
  }
  return s;
  // LAB 7 SOLUTION END
  // LAB 7 STUB BEGIN
  // (void)pg;
  // (void)offset;
  // (void)length;
  // printf("lab 7: patternpager: grant_dirty (the writeback challenge) is not implemented yet\n");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 7 STUB END
}

// Challenge (-w): writes every dirty range of the VMO back to pg.store, until none is left.
// Between WRITEBACK_BEGIN and _END the pages are "awaiting clean": a store meanwhile makes a
// page dirty again, so it is still listed on the next pass instead of being lost.
zx_status_t write_back(Pager& pg) {
  // LAB 7 SOLUTION BEGIN
  static uint8_t buf[kPage];
  for (int pass = 0; pass < 100; pass++) {
    zx_vmo_dirty_range_t ranges[8];
    size_t actual = 0, avail = 0;
    zx_status_t s = zx_pager_query_dirty_ranges(pg.pager, pg.vmo, 0, pg.pages * kPage, ranges,
                                                sizeof(ranges), &actual, &avail);
    if (s != ZX_OK) return s;
    if (actual == 0) return ZX_OK;
    for (size_t i = 0; i < actual; i++) {
      const uint64_t off = ranges[i].offset, len = ranges[i].length;
      s = zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, pg.vmo, off, len, 0);
      for (uint64_t p = off; p < off + len && s == ZX_OK; p += kPage) {
        s = zx_vmo_read(pg.vmo, buf, p, kPage);
        if (s == ZX_OK) s = zx_vmo_write(pg.store, buf, p, kPage);
      }
      if (s == ZX_OK)
        s = zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_END, pg.vmo, off, len, 0);
      if (s != ZX_OK) return s;
      pg.ranges_written++;
      pg.pages_written += len / kPage;
    }
  }
  return ZX_ERR_TIMED_OUT;  // still dirty after 100 passes: someone keeps writing
  // LAB 7 SOLUTION END
  // LAB 7 STUB BEGIN
  // (void)pg;
  // printf("lab 7: patternpager: write_back (the writeback challenge) is not implemented yet\n");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 7 STUB END
}

// The serving loop: answers the VMO's page requests until every client has said it is done.
// A request it cannot answer ends the loop with an error (main then exits the process, which
// ends the clients too, instead of leaving them waiting for pages that never come).
zx_status_t serve(Pager& pg) {
  // LAB 7 SOLUTION BEGIN
  int done = 0;
  while (done < kClients) {
    zx_port_packet_t p;
    // Bounded: a client that neither faults nor finishes within 10 s means something is stuck.
    zx_status_t s = zx_port_wait(pg.port, zx_deadline_after(ZX_SEC(10)), &p);
    if (s != ZX_OK) {
      printf("patternpager: zx_port_wait: %d\n", s);
      return s;
    }
    if (p.type == ZX_PKT_TYPE_USER && p.key == kClientKey) {
      done++;
      continue;
    }
    if (p.type != ZX_PKT_TYPE_PAGE_REQUEST || p.key != kVmoKey) continue;  // not ours
    const zx_packet_page_request_t& rq = p.page_request;
    switch (rq.command) {
      case ZX_PAGER_VMO_READ:
        s = supply_pattern(pg, rq.offset, rq.length);
        break;
      case ZX_PAGER_VMO_DIRTY:
        s = grant_dirty(pg, rq.offset, rq.length);
        break;
      case ZX_PAGER_VMO_COMPLETE:  // detached: the clients' next requests would fail
      default:
        s = ZX_ERR_BAD_STATE;
        break;
    }
    if (s != ZX_OK) {
      printf("patternpager: request %u for [0x%lx, 0x%lx) not served: %d\n", rq.command, rq.offset,
             rq.offset + rq.length, s);
      return s;
    }
  }
  return ZX_OK;
  // LAB 7 SOLUTION END
  // LAB 7 STUB BEGIN
  // (void)pg;
  // printf("lab 7: patternpager: the serving loop (serve) is not implemented yet\n");
  // return ZX_ERR_NOT_SUPPORTED;
  // LAB 7 STUB END
}

// -w: the store holds exactly what client 0 wrote (every third page, first word changed), and
// nothing is dirty any more.
bool check_store(const Pager& pg) {
  zx_vmo_dirty_range_t r;
  size_t actual = 1, avail = 1;
  if (zx_pager_query_dirty_ranges(pg.pager, pg.vmo, 0, pg.pages * kPage, &r, sizeof(r), &actual,
                                  &avail) != ZX_OK ||
      avail != 0) {
    printf("patternpager: writeback: dirty ranges remain (%lu)\n", avail);
    return false;
  }
  static uint64_t page[kWordsPerPage];
  for (uint64_t p = 0; p < pg.pages; p++) {
    if (zx_vmo_read(pg.store, page, p * kPage, kPage) != ZX_OK) return false;
    for (uint64_t w = 0; w < kWordsPerPage; w++) {
      uint64_t off = p * kPage + w * 8, want = 0;  // never written back: still zero
      if (p % 3 == 0) want = w == 0 ? ~pattern_word(pg.seed, off) : pattern_word(pg.seed, off);
      if (page[w] != want) {
        printf("patternpager: writeback: store word at 0x%lx is 0x%016lx, expected 0x%016lx\n", off,
               page[w], want);
        return false;
      }
    }
  }
  return true;
}

zx_status_t setup(Pager& pg) {
  zx_status_t s = zx_pager_create(0, &pg.pager);
  if (s == ZX_OK) s = zx_port_create(0, &pg.port);
  const uint32_t options = pg.writeback ? ZX_VMO_TRAP_DIRTY : 0;
  if (s == ZX_OK)
    s = zx_pager_create_vmo(pg.pager, options, pg.port, kVmoKey, pg.pages * kPage, &pg.vmo);
  const zx_vm_option_t perms = ZX_VM_PERM_READ | (pg.writeback ? ZX_VM_PERM_WRITE : 0);
  if (s == ZX_OK)
    s = zx_vmar_map(zx_vmar_root_self(), perms, 0, pg.vmo, 0, pg.pages * kPage, &pg.base);
  if (s == ZX_OK && pg.writeback) s = zx_vmo_create(pg.pages * kPage, 0, &pg.store);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Pager pg;
  pg.seed = 0x5eed;
  pg.pages = 16;
  int arg = 1;
  if (arg < argc && strcmp(argv[arg], "-w") == 0) {
    pg.writeback = true;
    arg++;
  }
  if (arg < argc) pg.seed = strtoul(argv[arg++], nullptr, 0);
  if (arg < argc) pg.pages = strtoul(argv[arg++], nullptr, 0);
  if (arg < argc || pg.pages == 0 || pg.pages > kMaxPages) {
    printf("usage: patternpager [-w] [SEED [PAGES]]   (PAGES from 1 to %lu)\n", kMaxPages);
    return 2;
  }
  zx_status_t s = setup(pg);
  if (s != ZX_OK) {
    printf("patternpager: cannot create the pager, port and VMO: %d\n", s);
    return 1;
  }
  printf("patternpager: serving %lu pages, seed 0x%lx, to %d client threads%s\n", pg.pages, pg.seed,
         kClients, pg.writeback ? " (writeback: the VMO traps dirtying)" : "");

  static Client clients[kClients];
  for (int i = 0; i < kClients; i++) {
    clients[i].pg = &pg;
    clients[i].index = i;
    if ((s = client_start(&clients[i])) != ZX_OK) {
      printf("patternpager: cannot start client %d: %d\n", i, s);
      return 1;
    }
  }
  s = serve(pg);
  if (s == ZX_OK && pg.writeback) s = write_back(pg);
  if (s != ZX_OK) {
    // Returning ends the process, and with it any client still waiting for a page.
    printf("patternpager: FAILED: the pager stopped with %d\n", s);
    return 1;
  }
  for (Client& c : clients) {
    zx_object_wait_one(c.thread, ZX_THREAD_TERMINATED, zx_deadline_after(ZX_SEC(10)), nullptr);
  }

  printf("patternpager: %lu READ requests answered, %lu pages supplied\n", pg.reads,
         pg.pages_supplied);
  uint64_t want = kFnvStart;
  for (uint64_t off = 0; off < pg.pages * kPage; off += 8)
    want = fnv_step(want, pattern_word(pg.seed, off));
  bool ok = true;
  for (const Client& c : clients) {
    printf("patternpager: client %d verified %lu of %lu pages, checksum 0x%016lx\n", c.index,
           c.pages_verified, pg.pages, c.checksum);
    if (c.first_bad != kNone) {
      printf("patternpager: client %d: first wrong word at offset 0x%lx\n", c.index, c.first_bad);
    }
    ok = ok && c.pages_verified == pg.pages && c.checksum == want;
  }
  if (pg.writeback) {
    printf(
        "patternpager: writeback: %lu DIRTY requests granted (%lu pages), %lu ranges (%lu pages) "
        "written back\n",
        pg.dirties, pg.pages_dirtied, pg.ranges_written, pg.pages_written);
    bool stored = check_store(pg);
    ok = ok && stored && pg.pages_written == clients[0].pages_written;
    printf("patternpager: writeback: %s\n", stored ? "the store holds what was written" : "FAILED");
  }
  if (ok) {
    printf("patternpager: OK: %lu pages, seed 0x%lx, checksum 0x%016lx\n", pg.pages, pg.seed, want);
  } else {
    printf("patternpager: FAILED: the clients did not read the pattern\n");
  }
  zx_handle_t all[4] = {pg.vmo, pg.port, pg.pager, pg.store};
  zx_handle_close_many(all, pg.writeback ? 4 : 3);
  return ok ? 0 : 1;
}
