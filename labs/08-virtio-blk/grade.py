#!/usr/bin/env python3
"""Lab 8 grader: the split virtqueue (user/fs/virtqueue.cc) and the interrupt path of the
user-mode virtio-blk driver (complete() in user/bin/blkcheck.cc).

Checked two ways: the virtqueue and virtio-blk host tests (doctest, built here as
<build>/virtq-tests, against a simulated device), and blkcheck run as the first process under
QEMU with a virtio-blk disk holding a pattern image made fresh for this run, on 1 hart and on
4 harts. Run from the tree root: python3 labs/08-virtio-blk/grade.py [--build DIR]"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tests.grade.gradelib import *  # noqa: E402,F403
from tests.qemu import qemu  # noqa: E402
from tests.qemu.selftest import make_pattern_disk  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ---- host tests ---------------------------------------------------------------------------------
# doctest filters (wildcards; a comma separates filters, so none contains one) and how many test
# cases each group must run, so a renamed or vanished case is noticed.
HOST_GROUPS = {
    "ring": (["virtqueue: layout*", "virtqueue: notification suppression*"], 2),
    "protocol": (["virtqueue: a device breaking the protocol*"], 1),
    "random": (["virtqueue: random chains*"], 1),
    "blk": (["virtio-mmio:*", "virtio-blk:*"], 5),
}
STUB_RE = re.compile(r"lab \d+: .* is not implemented yet")


def stub_note(lines):
    """The distinct stub messages among lines, as lines to add to a failure message."""
    stubs = []
    for ln in lines:
        ln = ln.strip()
        m = STUB_RE.search(ln)
        if m and m.group(0) not in stubs:
            stubs.append(m.group(0))
    return "".join("\nstub message: %s" % ln for ln in stubs[:4])


HOST = DoctestBinary("virtq-tests", "the virtqueue host tests", 60,
                     "an endless loop in the ring code?",
                     note=lambda lines: stub_note(lines))


def host_group(group):
    filters, want = HOST_GROUPS[group]
    HOST.run_group(filters, want)


# ---- blkcheck in QEMU ---------------------------------------------------------------------------
# blkcheck finishes in a few seconds; a driver that loses an interrupt waits 5 s per request
# before giving up, so this bound is generous without letting a hang cost much.
BLK_TIMEOUT = 60
UTEST = re.compile(r"^\[utest\] (\S+) (PASS|FAIL)(?::\s*(.*))?$")
_runs = {}


def blkcheck(cpus):
    """(result, {test: None if passed else why}) of blkcheck on `cpus` harts, run once."""
    if cpus in _runs:
        return _runs[cpus]
    build = build_dir()
    kernel = kernel_to_boot()
    image = os.path.join(build, "grade", "lab8-disk-cpus%d.img" % cpus)
    make_pattern_disk(image)
    log = os.path.join(build, "grade", "lab8-blkcheck-cpus%d.log" % cpus)
    res = qemu.run_kernel(kernel=kernel, cpus=cpus, bootargs="token=%s run=blkcheck" % token(),
                          timeout=BLK_TIMEOUT, log_path=log, extra=qemu.virtio_blk_args(image))
    results = {}
    for ln in res.lines():
        m = UTEST.match(ln.strip())
        if m and m.group(1) != "summary":
            results[m.group(1)] = None if m.group(2) == "PASS" else (m.group(3) or "failed")
    _runs[cpus] = (res, results, log)
    return _runs[cpus]


def assert_blkcheck(cpus, names, leak_check=False):
    res, results, log = blkcheck(cpus)
    lines = res.lines()
    for n in names:
        if n not in results:
            why = [ln.strip() for ln in lines if ln.startswith("blkcheck:") or
                   ln.startswith("user exception:") or "KERNEL" in ln]
            if res.timed_out:
                why.append("QEMU was stopped after %d s" % BLK_TIMEOUT)
            raise GradeFailure("expected: [utest] %s PASS\nsaw:      no result for %s (blkcheck "
                               "printed %d results%s)%s\n(console: %s)"
                               % (n, n, len(results),
                                  "; then: " + "; ".join(why[-2:]) if why else "",
                                  stub_note(lines), log))
        if results[n] is not None:
            raise GradeFailure("expected: [utest] %s PASS\nsaw:      [utest] %s FAIL: %s%s\n"
                               "(console: %s)" % (n, n, results[n], stub_note(lines), log))
    if leak_check:
        if not re.search(r"^userboot: leak check after blkcheck: .*\(ok\)$", res.output, re.M):
            raise GradeFailure("expected: a clean leak check once blkcheck is gone\nsaw:      "
                               "none; console tail:\n%s\n(console: %s)" % (res.tail(), log))
        if "KERNEL" in res.output:
            raise GradeFailure("expected: no kernel fault or panic\nsaw:      one; console "
                               "tail:\n%s" % res.tail())


ALL = ["blk_probe", "blk_read_pattern", "blk_many_in_flight", "blk_write_read_back",
       "blk_bad_requests"]


@test(10, "virtqueue (host): layout, chains on the available ring, notification suppression")
def _():
    host_group("ring")


@test(10, "virtqueue (host): a device breaking the protocol is caught")
def _():
    host_group("protocol")


@test(15, "virtqueue (host): random chains, out-of-order completion, index wrap-around")
def _():
    host_group("random")


@test(10, "virtio-blk (host): the block driver over your ring, against a simulated device")
def _():
    host_group("blk")


@test(5, "blkcheck, 1 hart: the disk is found and brought up")
def _():
    assert_blkcheck(1, ["blk_probe"])


@test(15, "blkcheck, 1 hart: one read through your ring matches the pattern")
def _():
    assert_blkcheck(1, ["blk_read_pattern"])


@test(15, "blkcheck, 1 hart: many requests in flight (completions by interrupt), writes read back, bad requests refused")
def _():
    assert_blkcheck(1, ["blk_many_in_flight", "blk_write_read_back", "blk_bad_requests"],
                    leak_check=True)


@test(10, "blkcheck, 4 harts: every test again")
def _():
    # Skipped when the 1-hart run failed: it would only fail the same way.
    res, results, _ = blkcheck(1)
    if any(results.get(n, "missing") is not None for n in ALL):
        raise GradeFailure("not run: blkcheck did not pass on 1 hart (see the tests above)")
    assert_blkcheck(4, ALL, leak_check=True)


run_tests()
