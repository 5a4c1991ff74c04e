#!/usr/bin/env python3
"""Lab 9 grader: the filesystem pager (user/fs/file_pager.cc: FilePager::ReadaheadEnd and
FilePager::FillStaging).

Two ext2 images are made fresh for every run with `mke2fs -t ext2 -d` (4 KiB blocks, and 1 KiB
blocks so that a page is four blocks), holding files whose bytes come from this run's random
token: so the host knows every SHA-256, and no output but this run's can match. Bytes the pager
must never show are planted in the images: garbage in the unused boot area (what a hole read as
disk block 0 would return) and past the end of the files in their last blocks. Each check boots
the kernel with one image attached read-only and `run=init,PROG,ARGS` (init starts fsd, runs PROG,
stops fsd, which prints its statistics), every run bounded. PROG is fsprobe (user/bin/fsprobe.cc)
or sha256sum. Run from the tree root: python3 labs/09-fs-pager/grade.py [--build DIR]"""
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tests.grade.gradelib import *  # noqa: E402,F403
from tests.qemu import qemu  # noqa: E402

PAGE = 4096
RUN_TIMEOUT = 30  # seconds per QEMU run; the reference needs about 2
STUB_RE = re.compile(r"lab \d+: .* is not implemented yet")
STATS_RE = re.compile(r"^fsd: unmounted; (\d+) page requests, (\d+) pages read in (\d+) disk "
                      r"requests, (\d+) written$")
LEAK_RE = re.compile(r"^userboot: leak check after init: .*\(ok\)$")
ENDED_RE = re.compile(r"^userboot: init,\S+ ended \(return code (-?\d+)\)$")

RNG = random.Random(int(token(), 16))

# ---- the files ---------------------------------------------------------------------------------


def _odd_size(lo, hi):
    """A size in [lo, hi] that is a multiple of neither a page nor 1 KiB."""
    while True:
        n = RNG.randint(lo, hi)
        if n % 1024:
            return n


def _sparse():
    """(bytes, [(offset, length) written]): data, holes of whole pages and of parts of a page
    (with 1 KiB blocks), and a hole at the end, in the middle of the last page."""
    size = 40 * PAGE - 300
    data = bytearray(size)
    pieces = [(0, PAGE), (17 * PAGE + 2048, 1024), (18 * PAGE, 2 * PAGE)]
    for off, n in pieces:
        data[off:off + n] = RNG.randbytes(n)
    return bytes(data), pieces


SPARSE, SPARSE_PIECES = _sparse()
FILES = {
    "small": RNG.randbytes(_odd_size(300, 3900)),      # less than a page
    "odd": RNG.randbytes(5 * PAGE + _odd_size(1, 4095)),  # six pages, the last one partly
    "sparse": SPARSE,                                    # 40 pages, 3 of them (partly) data
    "big": RNG.randbytes(256 * PAGE),                    # 1 MiB: the sequential reader's file
    "rand": RNG.randbytes(100 * PAGE + 700),             # 101 pages: random access
    "jump": RNG.randbytes(256 * PAGE),                   # read in order for a while, then not
}
ORDER = ["small", "odd", "sparse", "big", "rand", "jump"]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def page_of(name, n):
    """Page n of a file's VMO as a reader must see it: the file's bytes, then zeros."""
    b = FILES[name][n * PAGE:(n + 1) * PAGE]
    return b + bytes(PAGE - len(b))


def _scattered(count, limit, gap):
    """`count` page numbers below `limit`, at least `gap` apart, in a random order."""
    while True:
        pages = sorted(RNG.sample(range(limit), count))
        if all(b - a >= gap for a, b in zip(pages, pages[1:])):
            RNG.shuffle(pages)
            return pages


# Random access: pages of /rand far enough apart that no readahead window of 4 pages reaches
# the next one, then the second-to-last page (the window must stop at the end of the file).
RAND_PAGES = _scattered(5, 88, 8)
RAND_LAST = 99
# /jump: the first 64 pages in order (the window grows), then one page far away.
JUMP_SEQ = 64
JUMP_PAGE = RNG.randint(110, 250)
SPARSE_PAGES = [0, 1, 9, 17, 18, 30, 39]  # data, holes, a page of blocks and holes, the tail

# ---- the images ---------------------------------------------------------------------------------
_images = {}


def _data_runs(image, name):
    """Runs of consecutive disk blocks holding the file's data, from debugfs's block map (the
    indirect blocks between them split runs): what one reader could read in one request each."""
    p = subprocess.run(["debugfs", "-R", "stat /" + name, image], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=30)
    text = p.stdout.decode("utf-8", "replace").split("BLOCKS:", 1)[-1]
    extents = []
    for m in re.finditer(r"\((\d+)(?:-(\d+))?\):(\d+)(?:-(\d+))?", text):
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        disk = int(m.group(3))
        extents.append((first, last, disk))
    runs = 0
    prev_end = None  # (file block, disk block) just past the previous extent
    for first, last, disk in sorted(extents):
        if prev_end != (first, disk):
            runs += 1
        prev_end = (last + 1, disk + last - first + 1)
    return runs


def _last_block(image, name, block_size):
    size = len(FILES[name])
    p = subprocess.run(["debugfs", "-R", "bmap /%s %d" % (name, (size - 1) // block_size), image],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    return int(p.stdout.decode().strip() or 0)


def image(block_size):
    """(path, {file: data runs}) of the image with `block_size`-byte blocks, made once a run."""
    if block_size in _images:
        return _images[block_size]
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"  # where e2fsprogs live
    for tool in ("mke2fs", "debugfs"):
        if not shutil.which(tool):
            raise GradeFailure("%s is not installed (e2fsprogs; run `make deps`)" % tool)
    work = os.path.join(build_dir(), "grade", "lab9")
    stage = os.path.join(work, "stage%d" % block_size)
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    for name in ORDER:
        with open(os.path.join(stage, name), "wb") as f:
            if name == "sparse":  # written piece by piece, so the gaps are holes
                for off, n in SPARSE_PIECES:
                    f.seek(off)
                    f.write(SPARSE[off:off + n])
                f.truncate(len(SPARSE))
            else:
                f.write(FILES[name])
    path = os.path.join(work, "ext2-%dk.img" % (block_size // 1024))
    if os.path.exists(path):
        os.unlink(path)
    p = subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", str(block_size), "-d", stage,
                        path, "8M"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    if p.returncode != 0:
        raise GradeFailure("mke2fs failed:\n%s" % p.stdout.decode("utf-8", "replace"))
    runs = {name: _data_runs(path, name) for name in ("big",)}
    # Plant what the pager must never show: the boot area (bytes 0-1023, unused by ext2) is what
    # a hole read as disk block 0 returns, and the rest of each file's last block past its end.
    with open(path, "r+b") as f:
        f.seek(0)
        f.write(RNG.randbytes(1024))
        for name in ("small", "odd", "rand"):
            size = len(FILES[name])
            if size % block_size:
                block = _last_block(path, name, block_size)
                if block == 0:
                    raise GradeFailure("debugfs found no last block for /%s" % name)
                f.seek(block * block_size + size % block_size)
                f.write(RNG.randbytes(block_size - size % block_size))
    shutil.rmtree(stage, ignore_errors=True)
    _images[block_size] = (path, runs)
    return _images[block_size]


# ---- the runs -------------------------------------------------------------------------------------
_runs = {}
_hung = []


class Run:
    """One boot: the console, the lines of PROG, and fsd's statistics."""

    def __init__(self, name, res, log):
        self.name, self.res, self.log = name, res, log
        self.lines = [ln.strip() for ln in res.lines()]
        m = next((STATS_RE.match(ln) for ln in self.lines if STATS_RE.match(ln)), None)
        self.stats = tuple(int(g) for g in m.groups()) if m else None
        m = next((ENDED_RE.match(ln) for ln in self.lines if ENDED_RE.match(ln)), None)
        self.code = int(m.group(1)) if m else None

    def why(self):
        """Why a run did not produce what a test wanted: how it ended, stub messages, the tail."""
        out = []
        if self.res.timed_out:
            out.append("QEMU was stopped after %d s (a hang in fsd?)" % RUN_TIMEOUT)
        elif self.code is not None:
            out.append("the program ended with return code %d" % self.code)
        for ln in self.lines:
            if ln.startswith("user exception:") or ln.startswith("fsd: inode") or \
                    "KERNEL" in ln:
                out.append(ln)
                break
        stubs = []
        for ln in self.lines:
            m = STUB_RE.search(ln)
            if m and m.group(0) not in stubs:
                stubs.append(m.group(0))
        out += ["stub message: " + s for s in stubs[:3]]
        tail = [ln for ln in self.lines if ln.startswith(("fsprobe", "fsd", "init", "userboot"))
                or re.match(r"^[0-9a-f]{64}  ", ln) or "sha256sum" in ln]
        out.append("console (%s), the lines that matter:\n%s"
                   % (self.log, "\n".join("  " + ln for ln in tail[-12:])))
        return "\n".join(out)


def run(name, block_size, args, cpus=1):
    """Boots with the image of `block_size`-byte blocks and run=init,ARGS; cached by name."""
    if name in _runs:
        return _runs[name]
    if _hung:
        raise GradeFailure("not run: the run '%s' hung (see above); this one would too"
                           % _hung[0])
    path, _ = image(block_size)
    build = build_dir()
    kernel = kernel_to_boot()
    log = os.path.join(build, "grade", "lab9-%s.log" % name)
    bootargs = "token=%s run=init,%s" % (token(), ",".join(args))
    res = qemu.run_kernel(kernel=kernel, cpus=cpus, bootargs=bootargs, timeout=RUN_TIMEOUT,
                          log_path=log, extra=qemu.virtio_blk_args(path, read_only=True))
    r = Run(name, res, log)
    if res.timed_out:
        _hung.append(name)
    _runs[name] = r
    return r


# The runs, by name: what each boots and runs.
def sums_run(bs):
    return run("sums-%dk" % (bs // 1024), bs, ["sha256sum"] + ["/" + n for n in ORDER])


def pages_run(bs):
    return run("pages-%dk" % (bs // 1024), bs,
               ["fsprobe", "page", "/odd", "5", "page", "/small", "0", "page", "/sparse",
                ":".join(map(str, SPARSE_PAGES))])


def random_run():
    return run("random-4k", 4096,
               ["fsprobe", "page", "/rand", ":".join(map(str, RAND_PAGES + [RAND_LAST])),
                "map", "/jump", str(JUMP_SEQ), "page", "/jump", str(JUMP_PAGE)])


def seq_run(bs):
    return run("seq-%dk" % (bs // 1024), bs, ["fsprobe", "map", "/big"])


def par_run():
    return run("par-4k-cpus4", 4096, ["fsprobe", "par", "4", "/big", "/sparse", "/odd", "/rand",
                                      "/small"], cpus=4)


ALL_RUNS = [lambda: sums_run(4096), lambda: sums_run(1024), lambda: pages_run(4096),
            lambda: pages_run(1024), random_run, lambda: seq_run(4096), lambda: seq_run(1024),
            par_run]

# ---- what the programs printed ------------------------------------------------------------------
PAGE_RE = re.compile(r"^fsprobe: page (\S+) (\d+): sha256 ([0-9a-f]{64}), \+(\d+) pages$")
MAP_RE = re.compile(r"^fsprobe: map (\S+): (\d+) bytes, sha256 ([0-9a-f]{64}), \+(\d+) pages$")
PAR_RE = re.compile(r"^fsprobe: par (\S+): (\d+) bytes, sha256 ([0-9a-f]{64}), (\d+) of (\d+) "
                    r"threads agree, \+(\d+) pages$")
SUM_RE = re.compile(r"^([0-9a-f]{64})  (\S+)$")


def probe_pages(r, path, n):
    """(sha256, pages added) of fsprobe's `page PATH N` line in run r."""
    for ln in r.lines:
        m = PAGE_RE.match(ln)
        if m and m.group(1) == path and int(m.group(2)) == n:
            return m.group(3), int(m.group(4))
    raise GradeFailure("expected: a line 'fsprobe: page %s %d: sha256 ..., +N pages'\nsaw:      "
                       "none\n%s" % (path, n, r.why()))


def check_page(r, name, n, what):
    got, added = probe_pages(r, "/" + name, n)
    want_bytes = page_of(name, n)
    if got != sha(want_bytes):
        hint = ""
        data = FILES[name][n * PAGE:(n + 1) * PAGE]
        if len(data) < PAGE:
            hint = ("\n(the file ends %d bytes into this page: the rest must be zeros, even where "
                    "the disk block holds other bytes)" % len(data))
        raise GradeFailure("expected: page %d of /%s (%s) with sha256 %s\nsaw:      sha256 %s%s"
                           "\n(console: %s)" % (n, name, what, sha(want_bytes), got, hint, r.log))
    return added


def check_sums(bs):
    r = sums_run(bs)
    got = {}
    for ln in r.lines:
        m = SUM_RE.match(ln)
        if m:
            got[m.group(2)] = m.group(1)
    for name in ORDER:
        want = sha(FILES[name])
        if "/" + name not in got:
            raise GradeFailure("expected: sha256sum to print %s  /%s\nsaw:      no line for /%s "
                               "(%d bytes)\n%s" % (want, name, name, len(FILES[name]), r.why()))
        if got["/" + name] != want:
            raise GradeFailure("expected: %s  /%s (%d bytes, %d KiB blocks)\nsaw:      %s  /%s\n"
                               "(console: %s)" % (want, name, len(FILES[name]), bs // 1024,
                                                  got["/" + name], name, r.log))


def stats(r):
    if r.stats is None:
        raise GradeFailure("expected: fsd's line 'fsd: unmounted; A page requests, P pages read "
                           "in R disk requests, W written'\nsaw:      none\n%s" % r.why())
    return r.stats


def check_seq_content(r, bs):
    for ln in r.lines:
        m = MAP_RE.match(ln)
        if m and m.group(1) == "/big":
            if m.group(3) != sha(FILES["big"]) or int(m.group(2)) != len(FILES["big"]):
                raise GradeFailure("expected: fsprobe map /big: %d bytes, sha256 %s\nsaw:      %s"
                                   "\n(console: %s)" % (len(FILES["big"]), sha(FILES["big"]), ln,
                                                        r.log))
            return
    raise GradeFailure("expected: fsprobe to read /big (1 MiB, %d KiB blocks) in order\nsaw:      "
                       "no 'fsprobe: map /big: ...' line\n%s" % (bs // 1024, r.why()))


# ---- the tests -----------------------------------------------------------------------------------


@test(15, "contents, 4 KiB blocks: every file's SHA-256 matches the host's (small, odd size, sparse, 1 MiB)")
def _():
    check_sums(4096)


@test(15, "contents, 1 KiB blocks (four blocks a page): every file's SHA-256 matches")
def _():
    check_sums(1024)


@test(10, "holes read as zeros: whole pages of holes, a page of blocks and holes, a hole at the end")
def _():
    for bs in (4096, 1024):
        r = pages_run(bs)
        for n in SPARSE_PAGES:
            check_page(r, "sparse", n, "%d KiB blocks; %s" % (
                bs // 1024, "data" if n in (0, 18) else "data and holes" if n == 17 else "a hole"))


@test(10, "past the end of a file: the rest of its last page reads as zeros")
def _():
    for bs in (4096, 1024):
        r = pages_run(bs)
        check_page(r, "odd", 5, "the last page, %d KiB blocks" % (bs // 1024))
        check_page(r, "small", 0, "the only page, %d KiB blocks" % (bs // 1024))


@test(15, "readahead: a 1 MiB file read in order takes at most 16 page requests, every page read once")
def _():
    for bs in (4096, 1024):
        r = seq_run(bs)
        check_seq_content(r, bs)
        requests, pages, _, _ = stats(r)
        if pages != 256:
            raise GradeFailure("expected: fsd to read the file's 256 pages once each (%d KiB "
                               "blocks)\nsaw:      %d pages read\n(console: %s)"
                               % (bs // 1024, pages, r.log))
        if requests > 16:
            raise GradeFailure("expected: at most 16 page requests for 256 pages read in order "
                               "(readahead from 16 KiB doubling to 128 KiB takes 11)\nsaw:      %d "
                               "page requests (%d KiB blocks): %s\n(console: %s)"
                               % (requests, bs // 1024, "no readahead at all?" if requests >= 256
                                  else "the window does not grow enough?", r.log))


@test(10, "adjacent blocks become one disk request (1 MiB read in order, 4 KiB and 1 KiB blocks)")
def _():
    for bs in (4096, 1024):
        r = seq_run(bs)
        check_seq_content(r, bs)
        requests, pages, disk, _ = stats(r)
        _, runs = image(bs)
        # Each page request needs one disk request per run of consecutive blocks in the range
        # it reads: one, plus one for each break in the file's layout it spans, plus one for
        # each further 128 KiB chunk (the staging buffer's size) of a range larger than that.
        limit = requests + runs["big"] - 1 + pages * PAGE // (128 * 1024)
        if disk == 0:
            raise GradeFailure("expected: the pager's reads to go through Disk::ReadRuns\nsaw:      "
                               "0 disk requests for %d pages read (%d KiB blocks)\n(console: %s)"
                               % (pages, bs // 1024, r.log))
        if disk > limit:
            raise GradeFailure("expected: at most %d disk requests (%d page requests; the file's "
                               "data lies in %d runs of consecutive blocks; 128 KiB chunks)\n"
                               "saw:      %d disk "
                               "requests for %d pages (%d KiB blocks): one per %s?\n(console: %s)"
                               % (limit, requests, runs["big"], disk, pages, bs // 1024,
                                  "block" if disk >= pages * (PAGE // bs) else "page", r.log))


@test(10, "random access reads little: a lone page brings at most 4, a jump resets the window, EOF clamps")
def _():
    r = random_run()
    for n in RAND_PAGES:
        added = check_page(r, "rand", n, "random access")
        if not 1 <= added <= 4:
            raise GradeFailure("expected: reading page %d of /rand (%d pages), away from every "
                               "earlier read, to bring in 1 to 4 pages (a 16 KiB window)\nsaw:      "
                               "+%d pages\n(console: %s)" % (n, len(FILES["rand"]) // PAGE + 1,
                                                             added, r.log))
    added = check_page(r, "rand", RAND_LAST, "the second-to-last page")
    if not 1 <= added <= 2:
        raise GradeFailure("expected: page %d of /rand, two pages from its end, to bring in 1 or 2 "
                           "pages (readahead stops at the end of the file)\nsaw:      +%d pages"
                           "\n(console: %s)" % (RAND_LAST, added, r.log))
    for ln in r.lines:
        m = MAP_RE.match(ln)
        if m and m.group(1) == "/jump":
            if m.group(3) != sha(FILES["jump"][:JUMP_SEQ * PAGE]):
                raise GradeFailure("expected: the first %d pages of /jump, sha256 %s\nsaw:      %s"
                                   % (JUMP_SEQ, sha(FILES["jump"][:JUMP_SEQ * PAGE]), ln))
            break
    else:
        raise GradeFailure("expected: fsprobe to read the first %d pages of /jump in order\n"
                           "saw:      no 'fsprobe: map /jump: ...' line\n%s" % (JUMP_SEQ, r.why()))
    added = check_page(r, "jump", JUMP_PAGE, "a jump after a sequential read")
    if not 1 <= added <= 4:
        raise GradeFailure("expected: after reading /jump's first %d pages in order, a jump to "
                           "page %d to start again from a 16 KiB window (1 to 4 pages)\nsaw:      "
                           "+%d pages: the window was not reset?\n(console: %s)"
                           % (JUMP_SEQ, JUMP_PAGE, added, r.log))


@test(10, "4 harts: four threads read five files at once through shared mappings")
def _():
    r = par_run()
    names = ["big", "sparse", "odd", "rand", "small"]
    seen = {}
    for ln in r.lines:
        m = PAR_RE.match(ln)
        if m:
            seen[m.group(1)] = m
    for name in names:
        m = seen.get("/" + name)
        if not m:
            raise GradeFailure("expected: a line 'fsprobe: par /%s: ...'\nsaw:      none\n%s"
                               % (name, r.why()))
        if m.group(3) != sha(FILES[name]) or m.group(4) != m.group(5):
            raise GradeFailure("expected: fsprobe par /%s: %d bytes, sha256 %s, 4 of 4 threads "
                               "agree\nsaw:      %s\n(console: %s)"
                               % (name, len(FILES[name]), sha(FILES[name]), m.group(0), r.log))


@test(5, "no leaks, no faults: every run ends cleanly and the kernel's leak check passes")
def _():
    runs = []
    for make in ALL_RUNS:
        try:
            runs.append(make())
        except GradeFailure as e:
            raise GradeFailure("not run: %s" % str(e).splitlines()[0])
    for r in runs:
        if r.code != 0:
            raise GradeFailure("not run: the run '%s' did not end with return code 0 (see the "
                               "tests above)\n%s" % (r.name, r.why()))
        for ln in r.lines:
            if "KERNEL" in ln or ln.startswith("user exception:"):
                raise GradeFailure("expected: no kernel fault and no user exception\nsaw:      %s"
                                   "\n(console: %s)" % (ln, r.log))
        if not any(LEAK_RE.match(ln) for ln in r.lines):
            raise GradeFailure("expected: 'userboot: leak check after init: ... (ok)' once fsd "
                               "and the program are gone\nsaw:      none in run '%s'\n%s"
                               % (r.name, r.why()))


run_tests()
