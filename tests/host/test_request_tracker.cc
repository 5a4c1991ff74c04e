// Tests for the page-request tracker (pager/request_tracker.h): directed cases for each rule
// (joining, coalescing, early wake, failure, withdrawal, detach, shrink, allocation failure),
// then thousands of random operations checked step by step against a reference model that keeps
// plain page sets and is too slow for the kernel but easy to believe.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "mm/vm_page.h"
#include "pager/request_tracker.h"

namespace {

constexpr uint64_t P = PAGE_SIZE;

// Stands in for the kernel: owns the VMO's present pages and records completions.
struct Harness {
  std::set<uint64_t> present;  // page indices
  std::vector<std::pair<PageRequest*, zx_status_t>> completed;
  RequestTracker tracker{&Harness::on_complete, &Harness::is_present, this};

  static void on_complete(PageRequest* r, void* ctx) {
    CHECK(r->done);
    static_cast<Harness*>(ctx)->completed.push_back({r, r->status});
  }
  static bool is_present(uint64_t offset, void* ctx) {
    return static_cast<Harness*>(ctx)->present.count(offset / P) != 0;
  }
  void supply(uint64_t page, uint64_t pages) {
    for (uint64_t p = page; p < page + pages; p++) present.insert(p);
    tracker.supply(page * P, pages * P);
  }
  std::vector<std::pair<uint64_t, uint64_t>> ranges(bool sent) const {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    struct Ctx {
      std::vector<std::pair<uint64_t, uint64_t>>* out;
      bool sent;
    } c{&out, sent};
    tracker.for_each_range(
        [](uint64_t o, uint64_t l, bool s, void* v) {
          auto* c = static_cast<Ctx*>(v);
          if (s == c->sent) c->out->push_back({o / P, l / P});
        },
        &c);
    return out;
  }
  bool was_completed(const PageRequest* r, zx_status_t st) const {
    for (auto& [req, s] : completed) {
      if (req == r && s == st) return true;
    }
    return false;
  }
};

void init(PageRequest* r, uint64_t page, uint64_t pages) {
  r->offset = page * P;
  r->length = pages * P;
}

using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;

}  // namespace

TEST_CASE("request tracker: many waiters on one page make one range and one packet") {
  Harness h;
  PageRequest rs[50];
  for (auto& r : rs) {
    init(&r, 7, 1);
    h.tracker.add(&r);
  }
  CHECK(h.completed.empty());
  CHECK(h.tracker.waiter_count() == 50);
  CHECK(h.ranges(false) == Ranges{{7, 1}});
  uint64_t o, l;
  REQUIRE(h.tracker.next_to_send(&o, &l));
  CHECK(o == 7 * P);
  CHECK(l == P);
  CHECK_FALSE(h.tracker.next_to_send(&o, &l));
  PageRequest late;  // joins the range already sent
  init(&late, 7, 1);
  h.tracker.add(&late);
  CHECK_FALSE(h.tracker.next_to_send(&o, &l));
  CHECK(h.tracker.check_invariants());
  h.supply(7, 1);
  CHECK(h.completed.size() == 51);
  for (auto& [r, s] : h.completed) CHECK(s == ZX_OK);
  CHECK_FALSE(h.tracker.in_flight());
  CHECK(h.tracker.outstanding_ranges() == 0);
  CHECK(h.tracker.check_invariants());
}

TEST_CASE("request tracker: overlapping requests join, new parts coalesce") {
  Harness h;
  PageRequest a, b, c;
  init(&a, 0, 4);
  h.tracker.add(&a);
  uint64_t o, l;
  REQUIRE(h.tracker.next_to_send(&o, &l));  // [0,4) in flight
  init(&b, 2, 6);                           // joins [2,4), queues [4,8)
  h.tracker.add(&b);
  init(&c, 8, 2);  // adjacent to the queued [4,8): coalesced
  h.tracker.add(&c);
  CHECK(h.ranges(true) == Ranges{{0, 4}});
  CHECK(h.ranges(false) == Ranges{{4, 6}});
  CHECK_FALSE(h.tracker.next_to_send(&o, &l));  // one packet at a time
  h.supply(0, 4);
  CHECK(h.was_completed(&a, ZX_OK));
  CHECK(h.completed.size() == 1);
  REQUIRE(h.tracker.next_to_send(&o, &l));
  CHECK(o == 4 * P);
  CHECK(l == 6 * P);
  h.supply(4, 6);
  CHECK(h.completed.size() == 3);
  CHECK(h.tracker.check_invariants());
}

TEST_CASE("request tracker: present pages are skipped, all-present completes at once") {
  Harness h;
  h.present = {1, 2, 5};
  PageRequest a, b;
  init(&a, 0, 6);
  h.tracker.add(&a);
  CHECK(h.ranges(false) == Ranges{{0, 1}, {3, 2}});
  init(&b, 1, 2);
  h.tracker.add(&b);
  CHECK(h.was_completed(&b, ZX_OK));
  CHECK(b.done);
  CHECK(h.tracker.waiter_count() == 1);
}

TEST_CASE("request tracker: early wake on partial supply") {
  Harness h;
  PageRequest a, b, c;
  init(&a, 0, 2);
  init(&b, 2, 2);
  init(&c, 0, 4);
  h.tracker.add(&a);
  h.tracker.add(&b);
  h.tracker.add(&c);
  uint64_t o, l;
  REQUIRE(h.tracker.next_to_send(&o, &l));
  CHECK(l == 4 * P);
  h.supply(2, 2);  // b's pages: b wakes, a and c wait
  CHECK(h.completed.size() == 1);
  CHECK(h.was_completed(&b, ZX_OK));
  CHECK(h.tracker.in_flight());
  h.supply(1, 1);
  CHECK(h.completed.size() == 1);
  h.supply(0, 1);
  CHECK(h.completed.size() == 3);
  CHECK_FALSE(h.tracker.in_flight());
  CHECK(h.tracker.check_invariants());
}

TEST_CASE("request tracker: supply in the middle splits, supply beyond the request is fine") {
  Harness h;
  PageRequest a, b;
  init(&a, 0, 10);
  h.tracker.add(&a);
  h.supply(3, 2);  // before it is even sent
  CHECK(h.ranges(false) == Ranges{{0, 3}, {5, 5}});
  init(&b, 3, 2);  // present now
  h.tracker.add(&b);
  CHECK(h.was_completed(&b, ZX_OK));
  h.supply(0, 100);
  CHECK(h.was_completed(&a, ZX_OK));
  CHECK(h.tracker.outstanding_ranges() == 0);
  CHECK(h.tracker.check_invariants());
}

TEST_CASE("request tracker: fail with each status reaches exactly the waiters it concerns") {
  for (zx_status_t st : {ZX_ERR_IO, ZX_ERR_IO_DATA_INTEGRITY, ZX_ERR_BAD_STATE, ZX_ERR_NO_MEMORY,
                         ZX_ERR_OUT_OF_RANGE, ZX_ERR_NOT_FOUND}) {
    Harness h;
    PageRequest a, b, c;
    init(&a, 0, 2);
    init(&b, 1, 3);
    init(&c, 4, 2);
    h.tracker.add(&a);
    h.tracker.add(&b);
    h.tracker.add(&c);
    uint64_t o, l;
    REQUIRE(h.tracker.next_to_send(&o, &l));  // [0,6)
    h.tracker.fail(1 * P, P, st);
    CHECK(h.completed.size() == 2);
    CHECK(h.was_completed(&a, st));
    CHECK(h.was_completed(&b, st));
    CHECK(h.tracker.in_flight());  // pages 0, 2, 3, 4, 5 are still owed
    h.supply(0, 6);
    CHECK(h.was_completed(&c, ZX_OK));
    CHECK_FALSE(h.tracker.in_flight());
    CHECK(h.tracker.check_invariants());
  }
}

TEST_CASE("request tracker: fail drops queued pages only failed waiters needed") {
  Harness h;
  PageRequest a, b;
  init(&a, 0, 4);
  init(&b, 3, 2);
  h.tracker.add(&a);
  h.tracker.add(&b);
  CHECK(h.ranges(false) == Ranges{{0, 5}});
  h.tracker.fail(0, P, ZX_ERR_IO);
  CHECK(h.was_completed(&a, ZX_ERR_IO));
  CHECK(h.ranges(false) == Ranges{{3, 2}});
  // A failure over pages already present fails nobody.
  h.supply(3, 1);
  h.tracker.fail(3 * P, P, ZX_ERR_IO);
  CHECK(h.completed.size() == 1);
  CHECK(h.tracker.check_invariants());
}

TEST_CASE("request tracker: withdrawing the only waiter drops its queued range, not its sent one") {
  Harness h;
  PageRequest a, b;
  init(&a, 0, 2);
  init(&b, 8, 2);
  h.tracker.add(&a);
  h.tracker.add(&b);
  uint64_t o, l;
  REQUIRE(h.tracker.next_to_send(&o, &l));
  CHECK(o == 0);
  h.tracker.withdraw(&a);
  h.tracker.withdraw(&b);
  CHECK(h.completed.empty());
  CHECK_FALSE(a.done);
  CHECK(h.ranges(true) == Ranges{{0, 2}});
  CHECK(h.ranges(false).empty());
  CHECK(h.tracker.waiter_count() == 0);
  CHECK_FALSE(h.tracker.next_to_send(&o, &l));
  h.supply(0, 2);
  CHECK_FALSE(h.tracker.in_flight());
  CHECK(h.completed.empty());
  CHECK(h.tracker.check_invariants());
}

TEST_CASE("request tracker: withdraw keeps pages another waiter still needs") {
  Harness h;
  PageRequest a, b;
  init(&a, 0, 6);
  init(&b, 2, 2);
  h.tracker.add(&a);
  h.tracker.add(&b);
  h.tracker.withdraw(&a);
  CHECK(h.ranges(false) == Ranges{{2, 2}});
  h.tracker.withdraw(&a);  // twice: a no-op
  CHECK(h.tracker.check_invariants());
}

TEST_CASE("request tracker: queue is first come, first served") {
  Harness h;
  PageRequest a, b, c;
  init(&a, 20, 1);
  init(&b, 5, 1);
  init(&c, 10, 1);
  h.tracker.add(&a);
  h.tracker.add(&b);
  h.tracker.add(&c);
  uint64_t o, l;
  for (uint64_t want : {20, 5, 10}) {
    REQUIRE(h.tracker.next_to_send(&o, &l));
    CHECK(o == want * P);
    h.supply(o / P, 1);
  }
}

TEST_CASE("request tracker: detach fails everyone and refuses later requests") {
  Harness h;
  PageRequest a, b, c;
  init(&a, 0, 2);
  init(&b, 4, 2);
  h.tracker.add(&a);
  h.tracker.add(&b);
  uint64_t o, l;
  REQUIRE(h.tracker.next_to_send(&o, &l));
  h.tracker.detach(ZX_ERR_BAD_STATE);
  CHECK(h.was_completed(&a, ZX_ERR_BAD_STATE));
  CHECK(h.was_completed(&b, ZX_ERR_BAD_STATE));
  CHECK(h.tracker.outstanding_ranges() == 0);
  CHECK_FALSE(h.tracker.in_flight());
  CHECK_FALSE(h.tracker.next_to_send(&o, &l));
  init(&c, 9, 1);
  h.tracker.add(&c);
  CHECK(h.was_completed(&c, ZX_ERR_BAD_STATE));
  h.supply(0, 2);  // a late answer from the pager is ignored
  CHECK(h.completed.size() == 3);
  CHECK(h.tracker.check_invariants());
}

TEST_CASE("request tracker: shrink fails waiters beyond, trims straddlers") {
  Harness h;
  PageRequest a, b, c, d;
  init(&a, 0, 2);  // below: untouched
  init(&b, 3, 4);  // straddles 5
  init(&c, 5, 2);  // at the new size: out of range
  init(&d, 8, 1);  // beyond
  for (auto* r : {&a, &b, &c, &d}) h.tracker.add(r);
  uint64_t o, l;
  REQUIRE(h.tracker.next_to_send(&o, &l));  // [0,2)
  h.tracker.shrink(5 * P);
  CHECK(h.was_completed(&c, ZX_ERR_OUT_OF_RANGE));
  CHECK(h.was_completed(&d, ZX_ERR_OUT_OF_RANGE));
  CHECK(h.completed.size() == 2);
  CHECK(b.length == 2 * P);
  CHECK(h.ranges(false) == Ranges{{3, 2}});
  h.supply(3, 2);
  CHECK(h.was_completed(&b, ZX_OK));
  // A straddler whose remaining pages are present completes at once.
  PageRequest e;
  init(&e, 3, 4);
  h.tracker.add(&e);
  h.tracker.shrink(5 * P);
  CHECK(h.was_completed(&e, ZX_OK));
  CHECK(h.tracker.check_invariants());
}

TEST_CASE("request tracker: a completed request can be added again") {
  Harness h;
  PageRequest a;
  init(&a, 1, 1);
  h.tracker.add(&a);
  h.tracker.fail(P, P, ZX_ERR_IO);
  CHECK(a.status == ZX_ERR_IO);
  h.tracker.add(&a);
  CHECK_FALSE(a.done);
  h.supply(1, 1);
  CHECK(a.done);
  CHECK(a.status == ZX_OK);
}

TEST_CASE("request tracker: bad arguments") {
  Harness h;
  PageRequest a, b, c;
  a.offset = 100;
  a.length = P;
  h.tracker.add(&a);
  CHECK(h.was_completed(&a, ZX_ERR_INVALID_ARGS));
  b.offset = ~(P - 1);
  b.length = 2 * P;
  h.tracker.add(&b);
  CHECK(h.was_completed(&b, ZX_ERR_INVALID_ARGS));
  init(&c, 3, 0);
  h.tracker.add(&c);
  CHECK(h.was_completed(&c, ZX_OK));
  h.tracker.supply(~uint64_t(0) - 5, 100);  // overflowing ranges are clamped, not trusted
  h.tracker.fail(~uint64_t(0) - 5, 100, ZX_ERR_IO);
  CHECK(h.tracker.check_invariants());
}

TEST_CASE("request tracker: allocation failures degrade safely") {
  SUBCASE("add") {
    Harness h;
    PageRequest a, b;
    init(&a, 0, 2);
    h.tracker.add(&a);
    h.tracker.inject_alloc_failure_after(0);
    init(&b, 1, 4);  // [2,5) can merge into the queued [0,2): no allocation needed
    h.tracker.add(&b);
    CHECK_FALSE(b.done);
    PageRequest c;
    init(&c, 9, 1);  // needs a new range
    h.tracker.add(&c);
    CHECK(h.was_completed(&c, ZX_ERR_NO_MEMORY));
    CHECK(h.tracker.alloc_failures() == 1);
    CHECK(h.tracker.check_invariants());
  }
  SUBCASE("supply that must split wakes everyone on the range to retry") {
    Harness h;
    PageRequest a, b;
    init(&a, 0, 1);
    init(&b, 0, 4);
    h.tracker.add(&a);
    h.tracker.add(&b);
    h.tracker.inject_alloc_failure_after(0);
    h.supply(2, 1);
    CHECK(h.was_completed(&a, ZX_OK));  // woken early: it will fault again
    CHECK(h.was_completed(&b, ZX_OK));
    CHECK(h.tracker.outstanding_ranges() == 0);
    h.tracker.inject_alloc_failure_after(-1);
    h.tracker.add(&a);  // the retry re-requests what is still missing
    CHECK(h.ranges(false) == Ranges{{0, 1}});
    CHECK(h.tracker.check_invariants());
  }
  SUBCASE("withdraw that must split leaves read-ahead") {
    Harness h;
    PageRequest a, b, c;
    init(&a, 0, 1);
    init(&b, 0, 5);
    init(&c, 4, 1);
    for (auto* r : {&a, &b, &c}) h.tracker.add(r);
    h.tracker.inject_alloc_failure_after(0);
    h.tracker.withdraw(&b);
    CHECK(h.ranges(false) == Ranges{{0, 5}});
    CHECK(h.tracker.check_invariants());
    h.supply(0, 5);
    CHECK(h.completed.size() == 2);
  }
}

// ---- Randomized comparison against a reference model ----

namespace {

struct Model {
  struct W {
    uint64_t off, len;  // pages
  };
  std::set<uint64_t> present, sent, queued;
  std::map<PageRequest*, W> alive;
  std::map<PageRequest*, zx_status_t> expect;  // completions of the current operation
  bool detached = false;
  zx_status_t detach_status = ZX_OK;

  bool outstanding(uint64_t p) const { return sent.count(p) || queued.count(p); }
  bool pending(const W& w) const {
    for (uint64_t p = w.off; p < w.off + w.len; p++) {
      if (outstanding(p)) return true;
    }
    return false;
  }
  void complete(PageRequest* r, zx_status_t st) {
    alive.erase(r);
    expect[r] = st;
  }
  // Waiters with nothing outstanding complete with ZX_OK; queued pages nobody covers go.
  void settle() {
    std::vector<PageRequest*> ok;
    for (auto& [r, w] : alive) {
      if (!pending(w)) ok.push_back(r);
    }
    for (auto* r : ok) complete(r, ZX_OK);
    std::set<uint64_t> keep;
    for (uint64_t p : queued) {
      for (auto& [r, w] : alive) {
        if (p >= w.off && p < w.off + w.len) {
          keep.insert(p);
          break;
        }
      }
    }
    queued = keep;
  }
  void add(PageRequest* r, uint64_t off, uint64_t len) {
    if (detached) {
      expect[r] = detach_status;
      return;
    }
    for (uint64_t p = off; p < off + len; p++) {
      if (!present.count(p) && !outstanding(p)) queued.insert(p);
    }
    W w{off, len};
    if (pending(w)) {
      alive[r] = w;
    } else {
      expect[r] = ZX_OK;
    }
  }
  void supply(uint64_t off, uint64_t len) {
    if (detached) return;
    for (uint64_t p = off; p < off + len; p++) {
      sent.erase(p);
      queued.erase(p);
    }
    settle();
  }
  void fail(uint64_t off, uint64_t len, zx_status_t st) {
    if (detached) return;
    std::set<uint64_t> f;
    for (uint64_t p = off; p < off + len; p++) {
      if (outstanding(p)) f.insert(p);
    }
    std::vector<PageRequest*> hit;
    for (auto& [r, w] : alive) {
      for (uint64_t p = w.off; p < w.off + w.len; p++) {
        if (f.count(p)) {
          hit.push_back(r);
          break;
        }
      }
    }
    for (auto* r : hit) complete(r, st);
    for (uint64_t p : f) {
      sent.erase(p);
      queued.erase(p);
    }
    settle();
  }
  void withdraw(PageRequest* r) {
    alive.erase(r);
    settle();
  }
  void detach(zx_status_t st) {
    std::vector<PageRequest*> all;
    for (auto& [r, w] : alive) all.push_back(r);
    for (auto* r : all) complete(r, st);
    sent.clear();
    queued.clear();
    detached = true;
    detach_status = st;
  }
  void shrink(uint64_t n) {
    std::vector<PageRequest*> oor;
    for (auto& [r, w] : alive) {
      if (w.off >= n) {
        oor.push_back(r);
      } else if (w.off + w.len > n) {
        w.len = n - w.off;
      }
    }
    for (auto* r : oor) complete(r, ZX_ERR_OUT_OF_RANGE);
    for (auto* s : {&sent, &queued, &present}) s->erase(s->lower_bound(n), s->end());
    settle();
  }
};

std::set<uint64_t> pages_of(const Ranges& rs) {
  std::set<uint64_t> s;
  for (auto [o, l] : rs) {
    for (uint64_t p = o; p < o + l; p++) s.insert(p);
  }
  return s;
}

// What the random runs exercised, so that a weakened generator shows up as a failure.
std::map<zx_status_t, uint64_t> g_completions;
uint64_t g_sends = 0;

void compare(Harness& h, Model& m) {
  std::map<PageRequest*, zx_status_t> got;
  for (auto& [r, s] : h.completed) {
    g_completions[s]++;
    CHECK(got.count(r) == 0);  // completed at most once per operation
    got[r] = s;
    CHECK(r->done);
    CHECK(r->status == s);
  }
  CHECK(got == m.expect);
  h.completed.clear();
  m.expect.clear();
  CHECK(pages_of(h.ranges(true)) == m.sent);
  CHECK(pages_of(h.ranges(false)) == m.queued);
  CHECK(h.tracker.in_flight() == !m.sent.empty());
  CHECK(h.tracker.waiter_count() == m.alive.size());
  for (auto& [r, w] : m.alive) {
    CHECK_FALSE(r->done);
    CHECK(r->offset == w.off * P);
    CHECK(r->length == w.len * P);
  }
  for (uint64_t p : m.queued) CHECK(m.present.count(p) == 0);
  for (uint64_t p : m.sent) CHECK(m.present.count(p) == 0);
  REQUIRE(h.tracker.check_invariants());
}

void random_run(uint32_t seed, int ops, uint64_t vmo_pages, int max_len) {
  std::mt19937 rng(seed);
  auto rnd = [&](uint64_t n) { return n ? uint64_t(rng() % n) : 0; };
  auto h = std::make_unique<Harness>();
  Model m;
  std::vector<std::unique_ptr<PageRequest>> reqs;
  uint64_t size = vmo_pages;
  const zx_status_t statuses[] = {ZX_ERR_IO, ZX_ERR_IO_DATA_INTEGRITY, ZX_ERR_BAD_STATE,
                                  ZX_ERR_NO_MEMORY};
  auto sync_present = [&] { h->present = m.present; };
  for (int i = 0; i < ops; i++) {
    CAPTURE(seed);
    CAPTURE(i);
    int op = int(rnd(100));
    if (m.detached && op >= 10) {
      // Start over with a fresh VMO now and then after a detach.
      h = std::make_unique<Harness>();
      m = Model();
      size = vmo_pages;
      continue;
    }
    if (op < 35) {  // a fault
      if (size == 0) continue;
      uint64_t off = rnd(size);
      uint64_t len = 1 + rnd(uint64_t(max_len));
      if (off + len > size) len = size - off;
      PageRequest* r = nullptr;
      // Sometimes retry with a request that completed earlier, as a refaulting thread would.
      for (int t = 0; t < 3 && !r && !reqs.empty(); t++) {
        PageRequest* c = reqs[rnd(reqs.size())].get();
        if (!m.alive.count(c) && rnd(2)) r = c;
      }
      if (!r) {
        reqs.push_back(std::make_unique<PageRequest>());
        r = reqs.back().get();
      }
      r->offset = off * P;
      r->length = len * P;
      sync_present();
      h->tracker.add(r);
      m.add(r, off, len);
    } else if (op < 55) {  // the kernel sends a packet
      uint64_t o, l;
      bool was_inflight = !m.sent.empty();
      if (h->tracker.next_to_send(&o, &l)) {
        g_sends++;
        CHECK_FALSE(was_inflight);
        REQUIRE(l > 0);
        for (uint64_t p = o / P; p < (o + l) / P; p++) {
          CHECK(m.queued.count(p) == 1);  // never a page already sent or present
          m.queued.erase(p);
          m.sent.insert(p);
        }
        CHECK(m.queued.count(o / P - 1) == 0);  // a maximal run: coalesced
        CHECK(m.queued.count((o + l) / P) == 0);
      } else {
        CHECK((was_inflight || m.queued.empty()));
      }
    } else if (op < 75) {  // the pager supplies: what was sent, part of it, or anything
      uint64_t off, len;
      if (!m.sent.empty() && rnd(3) != 0) {
        uint64_t lo = *m.sent.begin(), hi = *m.sent.rbegin() + 1;
        off = lo + rnd(hi - lo);
        len = 1 + rnd(hi - off);
        if (rnd(4) == 0) len += rnd(4);  // more than asked
      } else {
        off = rnd(size + 1);
        len = 1 + rnd(uint64_t(max_len));
      }
      if (off + len > size) len = size > off ? size - off : 0;  // the kernel clips to the VMO
      if (len == 0) continue;
      for (uint64_t p = off; p < off + len; p++) m.present.insert(p);
      sync_present();
      h->tracker.supply(off * P, len * P);
      m.supply(off, len);
    } else if (op < 82) {  // the pager fails a range
      uint64_t off = rnd(size + 1), len = 1 + rnd(uint64_t(max_len));
      if (!m.sent.empty() && rnd(2)) off = *m.sent.begin() + rnd(3);
      zx_status_t st = statuses[rnd(4)];
      h->tracker.fail(off * P, len * P, st);
      m.fail(off, len, st);
    } else if (op < 92) {  // a waiter gives up
      // Picked in creation order, not pointer order, so that a seed replays exactly.
      std::vector<PageRequest*> live;
      for (auto& q : reqs) {
        if (m.alive.count(q.get())) live.push_back(q.get());
      }
      if (live.empty()) continue;
      PageRequest* r = live[rnd(live.size())];
      h->tracker.withdraw(r);
      m.withdraw(r);
    } else if (op < 96) {  // the VMO shrinks (or grows back: the tracker is not told)
      if (rnd(2)) {
        uint64_t n = rnd(size + 1);
        h->tracker.shrink(n * P);
        m.shrink(n);
        size = n;
      } else {
        size = vmo_pages;
      }
    } else if (op < 97) {
      h->tracker.detach(ZX_ERR_BAD_STATE);
      m.detach(ZX_ERR_BAD_STATE);
    } else {  // a withdrawn request may be withdrawn again harmlessly
      if (reqs.empty()) continue;
      PageRequest* r = reqs[rnd(reqs.size())].get();
      if (m.alive.count(r)) continue;
      h->tracker.withdraw(r);
    }
    compare(*h, m);
  }
  // Drain: a well-behaved pager answering every packet satisfies every waiter, so every page
  // someone needs is eventually sent.
  if (m.detached) return;
  for (int guard = 0; guard < 10000; guard++) {
    if (!m.sent.empty()) {  // answer the packet in flight, a page at a time
      std::set<uint64_t> owed = m.sent;
      for (uint64_t p : owed) {
        m.present.insert(p);
        sync_present();
        h->tracker.supply(p * P, P);
        m.supply(p, 1);
        compare(*h, m);
      }
      continue;
    }
    uint64_t o, l;
    if (!h->tracker.next_to_send(&o, &l)) break;
    for (uint64_t p = o / P; p < (o + l) / P; p++) {
      CHECK(m.queued.count(p) == 1);
      m.queued.erase(p);
      m.sent.insert(p);
    }
    compare(*h, m);
  }
  CHECK(h->tracker.waiter_count() == 0);
  CHECK(h->tracker.outstanding_ranges() == 0);
  CHECK(m.alive.empty());
}

}  // namespace

TEST_CASE("request tracker: random operations match the reference model") {
  for (uint32_t seed = 1; seed <= 60; seed++) random_run(seed, 3000, 48, 8);
  CHECK(g_sends > 1000);
  for (zx_status_t st : {ZX_OK, ZX_ERR_IO, ZX_ERR_IO_DATA_INTEGRITY, ZX_ERR_BAD_STATE,
                         ZX_ERR_NO_MEMORY, ZX_ERR_OUT_OF_RANGE}) {
    CAPTURE(st);
    CHECK(g_completions[st] > 100);
  }
}

TEST_CASE("request tracker: random operations, small VMO, long requests") {
  for (uint32_t seed = 100; seed <= 140; seed++) random_run(seed, 2000, 12, 12);
}
