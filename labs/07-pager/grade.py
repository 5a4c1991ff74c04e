#!/usr/bin/env python3
"""Lab 7 grader: the page-request tracker (pager/request_tracker.cc), the supply path
(VmObject::supply_pages, mm/vm_object.cc) and the pattern pager (user/bin/patternpager.cc).

Checked three ways: the tracker's host tests (doctest, built here as <build>/tracker-tests);
pagertests and patternpager typed at the user shell under QEMU on 1 hart and on 4 harts, framed
by echoes of this run's token; and patternpager's checksum, recomputed here from a seed made of
the token. Run from the tree root: python3 labs/07-pager/grade.py [--build DIR]"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tests.grade.gradelib import *  # noqa: E402,F403

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ---- host tests of the tracker ------------------------------------------------------------------
# doctest filters (wildcards; a comma separates filters, so none contains one) and how many test
# cases each group must run, so a renamed or vanished case is noticed.
HOST_GROUPS = {
    "join": (["*many waiters on one page*", "*overlapping requests join*",
              "*present pages are skipped*", "*queue is first come*"], 4),
    "supply": (["*early wake on partial supply*", "*supply in the middle splits*",
                "*a completed request can be added again*"], 3),
    "rules": (["*fail with each status*", "*fail drops queued pages*", "*withdrawing the only*",
               "*withdraw keeps pages*", "*detach fails everyone*", "*shrink fails waiters*",
               "*bad arguments*", "*allocation failures degrade*"], 8),
    "random": (["*random operations*"], 2),
}


HOST = DoctestBinary("tracker-tests", "the tracker's host tests", 120,
                     "an endless loop in the tracker?",
                     note=lambda lines: stub_note(lines))


def host_group(group):
    filters, want = HOST_GROUPS[group]
    HOST.run_group(filters, want)


# ---- the pager in QEMU --------------------------------------------------------------------------
M64 = (1 << 64) - 1


def mix(z):  # splitmix64's finalizer, as patternpager's mix()
    z = (z + 0x9e3779b97f4a7c15) & M64
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return z ^ (z >> 31)


def pattern_checksum(seed, pages):
    """FNV-1a over the pattern's 64-bit words: what patternpager's clients must report."""
    h = 0xcbf29ce484222325
    for w in range(pages * 512):
        h = ((h ^ mix(seed ^ w)) * 0x100000001b3) & M64
    return h


SEED = int(token(), 16)
PAGES = {1: 16, 4: 40}  # a different size on each hart count
# patternpager first: it is quick, and a pagertests that hangs then cannot hide its result.
SESSION_TIMEOUT = 90


def session(cpus):
    return shell(["patternpager 0x%x %d" % (SEED, PAGES[cpus]), "pagertests"], cpus=cpus,
                 timeout=SESSION_TIMEOUT, name="lab7-shell-cpus%d" % cpus)


UTEST = re.compile(r"^\[utest\] (\S+) (PASS|FAIL)(?::\s*(.*))?$")


def pagertests_results(cpus):
    """{test name: None if passed, else why} from this hart count's session."""
    res = {}
    for ln in shell_output(session(cpus), partial=True):
        m = UTEST.match(ln.strip())
        if m and m.group(1) != "summary":
            res[m.group(1)] = None if m.group(2) == "PASS" else (m.group(3) or "failed")
    return res


STUB_RE = re.compile(r"lab \d+: .* is not implemented yet")


def stub_note(lines, skip=None):
    """The distinct stub messages among lines (but those containing `skip`), as lines to add to
    a failure message."""
    stubs = []
    for ln in lines:
        ln = ln.strip()
        if STUB_RE.search(ln) and ln not in stubs and not (skip and skip in ln):
            stubs.append(ln)
    return "".join("\nstub message: %s" % ln for ln in stubs[:4])


def assert_pagertests(cpus, names):
    res = pagertests_results(cpus)
    for n in names:
        if n not in res:
            r = session(cpus)
            out = shell_output(r, partial=True)
            # Why pagertests stopped early: its exit status and the kernel's report, if any.
            why = [ln.strip() for ln in out if ln.startswith("pagertests: exit") or
                   ln.startswith("user exception:")]
            if r.timed_out:
                why.append("the session was stopped after %d s" % SESSION_TIMEOUT)
            raise GradeFailure("expected: [utest] %s PASS\nsaw:      no result for %s "
                               "(pagertests printed %d results%s)%s"
                               % (n, n, len(res), "; then: " + "; ".join(why[-2:]) if why else "",
                                  stub_note(out, skip="patternpager")))
        if res[n] is not None:
            raise GradeFailure("expected: [utest] %s PASS\nsaw:      [utest] %s FAIL: %s"
                               % (n, n, res[n]))


def assert_patternpager(cpus):
    out = shell_output(session(cpus), partial=True)
    pages = PAGES[cpus]
    want = pattern_checksum(SEED, pages)
    for c in range(2):
        rx = r"^patternpager: client %d verified (\d+) of (\d+) pages, checksum 0x([0-9a-f]+)$" % c
        m = next((re.match(rx, ln.strip()) for ln in out if re.match(rx, ln.strip())), None)
        if not m:
            msg = ("expected: patternpager's client %d to report what it read\nsaw:      no "
                   "'patternpager: client %d verified ...' line" % (c, c))
            msg += stub_note(out)
            msg += "\noutput:\n" + "\n".join("  " + ln for ln in out[:20])
            raise GradeFailure(msg)
        got = int(m.group(3), 16)
        if int(m.group(1)) != pages or int(m.group(2)) != pages or got != want:
            raise GradeFailure("expected: client %d verified %d of %d pages, checksum 0x%016x\n"
                               "saw:      %s" % (c, pages, pages, want, m.group(0)))
    ok = "patternpager: OK: %d pages, seed 0x%x, checksum 0x%016x" % (pages, SEED, want)
    if not any(ln.strip() == ok for ln in out):
        raise GradeFailure("expected: %s\nsaw:      no such line; output:\n%s"
                           % (ok, "\n".join("  " + ln for ln in out[:20])))


REQUESTS = ["pager", "pager_read_one_page", "pager_fault_load_one_page",
            "pager_fault_store_one_page", "pager_vmo_write_one_page", "pager_read_spans_pages",
            "pager_fault_pages_in_turn", "pager_one_in_flight", "pager_many_waiters",
            "pager_mixed_waiters_one_page", "pager_overlapping_ranges", "pager_two_vmos_keys",
            "pager_commit_asks_pager"]
SUPPLY = ["pager_supply_more", "pager_supply_less_early_wake", "pager_supply_less_read_waits",
          "pager_supply_present_kept", "pager_supply_uncommitted_aux", "pager_supply_bad_ranges",
          "pager_supply_wrong_handles", "pager_rights", "pager_supply_unrequested",
          "pager_supply_aux_offset", "pager_committed_bytes"]
FAILURES = ["pager_fail_codes", "pager_fail_fault_kills_process", "pager_fail_queued_and_unrelated",
            "pager_fail_then_retry", "pager_detach_with_waiters", "pager_detach_twice",
            "pager_detach_fault_kills", "pager_close_wakes", "pager_port_close",
            "pager_vmo_closed_outstanding", "pager_kill_waiter", "pager_killed_waiter_withdraws",
            "pager_faulting_process_killed", "pager_pager_process_killed", "pager_shrink_waiter",
            "pager_shrink_fault_waiter", "pager_shrink_queued", "pager_grow_then_fault",
            "pager_shrink_grow_asks_again", "pager_unmap_during_fault", "pager_close_no_complete"]
OTHERS = ["pager_decommit_refused", "pager_create_args", "pager_vmo_size_and_rights",
          "pager_vmo_size_zero", "pager_create_vmo_unknown_option", "pager_info_pager_backed",
          "pager_cow_child", "pager_dirty_ranges", "pager_trap_dirty", "pager_writeback_redirty",
          "pager_query_args"]
ALL = REQUESTS + SUPPLY + FAILURES + OTHERS


@test(10, "tracker (host): requests join, new pages queue and coalesce, first come first served")
def _():
    host_group("join")


@test(10, "tracker (host): supplies complete requests, early wake, partial supplies")
def _():
    host_group("supply")


@test(5, "tracker (host): fail, withdraw, detach and shrink still hold with your add()")
def _():
    host_group("rules")


@test(15, "tracker (host): thousands of random operations match the reference model")
def _():
    host_group("random")


@test(10, "pagertests, 1 hart: faults become requests, joined, one packet in flight")
def _():
    assert_pagertests(1, REQUESTS)


@test(15, "pagertests, 1 hart: zx_pager_supply_pages moves pages and wakes waiters")
def _():
    assert_pagertests(1, SUPPLY)


@test(10, "pagertests, 1 hart: failing, detaching, closing, killing, shrinking, unmapping")
def _():
    assert_pagertests(1, FAILURES)


@test(5, "pagertests, 1 hart: the rest (arguments, commit, children, dirty tracking)")
def _():
    assert_pagertests(1, OTHERS)


@test(10, "patternpager, 1 hart: two clients read the seeded pattern through page faults")
def _():
    assert_patternpager(1)


@test(10, "4 harts: every pagertests case and patternpager again")
def _():
    # Skipped when the 1-hart session did not finish: it would only hang the same way, slower.
    try:
        shell_output(session(1))
    except GradeFailure:
        raise GradeFailure("not run: the 1-hart session did not finish (see the tests above)")
    assert_pagertests(4, ALL)
    assert_patternpager(4)


run_tests()
