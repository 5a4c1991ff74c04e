#!/usr/bin/env python3
"""The in-QEMU test suites: boots the kernel, runs its self tests, and checks the fault reports.

  selftest.py --build build --cpus 4          self tests on 4 harts
  selftest.py --build build --crash           deliberate faults: each must stop the kernel with
                                              a report that names the fault and a symbolized
                                              backtrace
  selftest.py --build build --fstests --cpus 1  the filesystem suite on the content image
              (--fs-errors: a disk error injected with blkdebug; --fs-readonly: a read-only
              disk; --fs-corrupt: broken images)

Each check prints one line ("ok name" or "FAIL name: why"); failures show the console tail and
the saved log. Returns (passed, failed) to tests/run_all.py, or exits with the failure count.
"""
import argparse
import os
import re
import shutil
import secrets
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tests.qemu import fsimages  # noqa: E402
from tests.qemu.qemu import run_kernel, virtio_blk_args  # noqa: E402

RESULT = re.compile(r"^\[test\] (\S+) (PASS|FAIL)(?:: (.*?))? token=(\S+)$")


# A lock misuse the kernel reported (a lock-order violation among them: kernel/lock_order.h).
# Self tests that provoke one on purpose print "lock misuse (expected)" instead.
LOCK_MISUSE = re.compile(r"^LOCK MISUSE: .*$", re.M)


def lock_misuse_check(tag, res, log):
    """(passed, failed) for the run's lock-misuse reports: any one fails the stage."""
    found = LOCK_MISUSE.findall(res.output)
    if not found:
        print("ok   %s/no_lock_misuse" % tag)
        return 1, 0
    print("FAIL %s/no_lock_misuse: %d report(s), the first: %s\n(log: %s)" % (tag, len(found), found[0], log))
    return 0, 1


def run_selftests(build, cpus, timeout=240):
    token = secrets.token_hex(8)
    log = os.path.join(build, "test", "selftest-cpus%d.log" % cpus)
    res = run_kernel(os.path.join(build, "kernel.elf"), cpus=cpus, bootargs="token=%s test=all" % token,
                     timeout=timeout, log_path=log)
    passed = failed = 0
    seen = set()
    for line in res.lines():
        m = RESULT.match(line.strip())
        if not m or m.group(4) != token:
            continue
        name = "cpus%d/%s" % (cpus, m.group(1))
        seen.add(m.group(1))
        if m.group(2) == "PASS":
            passed += 1
            print("ok   %s" % name)
        else:
            failed += 1
            print("FAIL %s: %s" % (name, m.group(3)))
    summary = re.search(r"^\[test\] summary: (\d+) passed, (\d+) failed token=%s$" % token, res.output, re.M)
    if not summary or res.status != (0 if failed == 0 else 1) or res.timed_out:
        failed += 1
        why = "timed out" if res.timed_out else "no summary line" if not summary else "QEMU exit status %s" % res.status
        print("FAIL cpus%d/suite: the run did not finish cleanly (%s); console tail:\n%s\n(log: %s)"
              % (cpus, why, res.tail(), log))
    elif failed:
        print("     console log: %s" % log)
    if not seen:
        failed += 1
        print("FAIL cpus%d/suite: no test results at all" % cpus)
    p, f = lock_misuse_check("cpus%d" % cpus, res, log)
    return passed + p, failed + f


CRASHES = [
    # kind, patterns the report must contain
    ("null", [r"KERNEL FAULT: load page fault", r"stval 0x0000000000000010", r"crash_null_load"]),
    ("panic", [r"KERNEL PANIC on hart \d+ \(thread \d+ 'main'\): crash: deliberate panic", r"crash_run"]),
    ("assert", [r"KERNEL PANIC.*assertion failed: one == 2 at kernel/debug/crash\.cc", r"crash_run"]),
    ("illegal", [r"KERNEL FAULT: illegal instruction", r"crash_run"]),
    ("overflow", [r"KERNEL FAULT: store page fault \(kernel stack overflow: hit the guard page\)",
                  r"thread \d+ 'overflow'", r"recurse_deep"]),
]


def run_crashes(build, cpus=2):
    passed = failed = 0
    for kind, patterns in CRASHES:
        log = os.path.join(build, "test", "crash-%s.log" % kind)
        res = run_kernel(os.path.join(build, "kernel.elf"), cpus=cpus, bootargs="crash=%s" % kind,
                         timeout=60, log_path=log)
        problems = []
        if res.timed_out:
            problems.append("timed out instead of stopping")
        elif res.status == 0:
            problems.append("QEMU exited with status 0; a kernel fault must report failure")
        for p in patterns + [r"backtrace:", r"#0 0x[0-9a-f]{16} [^?\n]+\+0x[0-9a-f]+"]:
            if not re.search(p, res.output):
                problems.append("missing /%s/" % p)
        if problems:
            failed += 1
            print("FAIL crash/%s: %s; console tail:\n%s\n(log: %s)" % (kind, "; ".join(problems), res.tail(), log))
        else:
            passed += 1
            print("ok   crash/%s" % kind)
    return passed, failed


# Keystrokes for the console line editor and what the console must answer to each.
CONSOLE_SCRIPT = [
    ("echo abX\x7fc\n", r"^abc$", "backspace erases the last character"),
    ("echo junk\x15echo ok\n", r"^ok$", "Ctrl-U erases the whole line"),
    ("mem\x03", r"\^C", "Ctrl-C cancels the line"),
    ("\nbogus\n", r"unknown command 'bogus'", "unknown commands get a clear message"),
    ("help\n", r"^  shutdown\s+power off$", "help lists the commands"),
    ("shutdown\n", r"shutting down", "shutdown powers off"),
]


def run_console(build, cpus=2):
    """Types at the console through the UART, as a person would."""
    log = os.path.join(build, "test", "console.log")
    text = "".join(keys for keys, _, _ in CONSOLE_SCRIPT)
    res = run_kernel(os.path.join(build, "kernel.elf"), cpus=cpus, bootargs="kconsole", timeout=60,
                     log_path=log, input_text=text, input_delay=0.3)
    passed = failed = 0
    after_boot = res.output[res.output.find("Type 'help'"):] if "Type 'help'" in res.output else ""
    for keys, pattern, what in CONSOLE_SCRIPT:
        if re.search(pattern, after_boot, re.M):
            passed += 1
            print("ok   console: %s" % what)
        else:
            failed += 1
            print("FAIL console: %s: typed %r, no line matching /%s/; console tail:\n%s\n(log: %s)"
                  % (what, keys, pattern, res.tail(), log))
    if res.timed_out or res.status != 0:
        failed += 1
        print("FAIL console: shutdown did not end QEMU with status 0 (status %s)" % res.status)
    return passed, failed


def run_machine_sizes(build):
    """Machine sizes the kernel does not support are refused clearly, never with silence:
    `make qemu` checks MEM and CPUS before starting QEMU (below 35M the firmware itself hangs
    without output); a kernel given too little memory (mem= caps it) says how much it has and
    needs and powers off with a failure status; more harts than kMaxCpus are announced and the
    rest run."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    passed = failed = 0

    def check(ok, what, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("ok   machine: %s" % what)
        else:
            failed += 1
            print("FAIL machine: %s%s" % (what, ": " + detail if detail else ""))

    for args, want in ((["MEM=16M"], r"MEM=16M is too small: at least 35M"),
                       (["MEM=32M"], r"MEM=32M is too small"),
                       (["CPUS=9"], r"CPUS=9: this kernel runs 1 to 8 harts"),
                       (["CPUS=0"], r"CPUS=0: this kernel runs 1 to 8 harts"),
                       (["MEM=35M", "CPUS=8"], None)):
        # Not the calling make's variables (`make test CPUS=1` passes them down in MAKEFLAGS).
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        p = subprocess.run(["make", "-s", "check-machine"] + args, cwd=root, capture_output=True,
                           text=True, timeout=60, env=env)
        if want is None:
            check(p.returncode == 0, "make qemu accepts %s" % " ".join(args), p.stdout + p.stderr)
        else:
            check(p.returncode != 0 and re.search(want, p.stdout) is not None,
                  "make qemu refuses %s with a reason" % " ".join(args), p.stdout + p.stderr)

    log = os.path.join(build, "test", "machine-mem.log")
    res = run_kernel(os.path.join(build, "kernel.elf"), cpus=1, bootargs="mem=4M run=true",
                     timeout=60, log_path=log)
    check(not res.timed_out and res.status != 0 and
          re.search(r"too little memory: 4096 KiB of RAM.*leaving \d+ KiB free where at least "
                    r"\d+ KiB is needed", res.output) is not None,
          "a kernel with 4 MiB says why it stops and powers off with a failure status",
          "status %s%s; tail:\n%s" % (res.status, " (timed out)" if res.timed_out else "",
                                      res.tail()))
    log = os.path.join(build, "test", "machine-harts.log")
    res = run_kernel(os.path.join(build, "kernel.elf"), cpus=9, bootargs="run=true", timeout=120,
                     log_path=log)
    check(res.status == 0 and "9 harts found; this kernel runs at most 8" in res.output and
          "harts online: 8" in res.output,
          "9 harts: the kernel says it uses 8, and runs on them",
          "status %s; tail:\n%s" % (res.status, res.tail()))
    return passed, failed


UTEST = re.compile(r"^\[utest\] (\S+) (PASS|FAIL)(?:: (.*))?$")


def run_user_program(build, cpus, program, timeout=240, extra=()):
    """Runs the boot-image test program `program` (usertests, pagertests) as the first process:
    one check per "[utest] NAME PASS|FAIL" line it prints, then the kernel's leak check once
    the process is gone."""
    passed, failed, _ = _run_utests(build, cpus, program, timeout, extra)
    return passed, failed


def _run_utests(build, cpus, program, timeout=240, extra=(), bootargs=None, first=None,
                tag=None, log_name=None):
    """run_user_program's work, for any boot arguments: `first` is the first process (whose
    leak check ends the run; `program` unless init starts it), `tag` prefixes every result.
    Returns (passed, failed, the QEMU Result)."""
    log = os.path.join(build, "test", log_name or "%s-cpus%d.log" % (program, cpus))
    first = first or program
    res = run_kernel(os.path.join(build, "kernel.elf"), cpus=cpus,
                     bootargs=bootargs or "run=%s" % program, timeout=timeout, log_path=log,
                     extra=extra)
    # Results are named after the program, except usertests' (kept as cpusN/user/NAME).
    if tag is None:
        tag = "cpus%d/%s" % (cpus, "user" if program == "usertests" else program)
    passed = failed = 0
    for line in res.lines():
        m = UTEST.match(line.strip())
        if not m:
            continue
        if m.group(2) == "PASS":
            passed += 1
            print("ok   %s/%s" % (tag, m.group(1)))
        else:
            failed += 1
            print("FAIL %s/%s: %s" % (tag, m.group(1), m.group(3)))
    leak = re.search(r"^userboot: leak check after %s: .*\(ok\)$" % re.escape(first), res.output, re.M)
    if leak:
        passed += 1
        print("ok   %s/no_leaks_after_exit" % tag)
    else:
        failed += 1
        print("FAIL %s/no_leaks_after_exit: no clean leak check line" % tag)
    if passed == 0 or res.timed_out or (failed == 0 and res.status != 0):
        failed += 1
        print("FAIL %s/suite: status %s%s; console tail:\n%s\n(log: %s)"
              % (tag, res.status, " (timed out)" if res.timed_out else "", res.tail(), log))
    elif failed:
        print("     console log: %s" % log)
    p, f = lock_misuse_check(tag, res, log)
    return passed + p, failed + f, res


def run_usertests(build, cpus, timeout=240):
    """user/bin/usertests: every syscall family from user mode."""
    return run_user_program(build, cpus, "usertests", timeout)


def run_pagertests(build, cpus, timeout=240):
    """user/bin/pagertests: the pager API (requests, supply, fail, detach, kills, resizes)."""
    return run_user_program(build, cpus, "pagertests", timeout)


def run_hostile(build, cpus, timeout=300):
    """user/bin/hostile: attacks an unprivileged program can make (deep structures, floods,
    handle cycles, refused rights, teardown races), each followed by checks that the kernel
    still serves; then the leak check. Its closing counts line is echoed."""
    passed, failed, res = _run_utests(build, cpus, "hostile", timeout)
    m = re.search(r"^hostile: .*$", res.output, re.M)
    if m:
        print("     %s (cpus %d)" % (m.group(0), cpus))
    return passed, failed


def make_pattern_disk(path, sectors=8192):
    """A raw disk image whose 64-bit little-endian word at byte offset o is
    (o / 8) * 0x9E3779B97F4A7C15 + 0x5EED (user/bin/blkcheck.cc checks the same)."""
    import struct
    words = sectors * 512 // 8
    mask = (1 << 64) - 1
    data = struct.pack("<%dQ" % words, *(((i * 0x9E3779B97F4A7C15) + 0x5EED) & mask
                                         for i in range(words)))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def run_blkcheck(build, cpus, timeout=120):
    """user/bin/blkcheck: the virtio-blk disk driven from user mode through the kernel's driver
    objects (physical VMOs, interrupts on a port, BTIs, contiguous pinned memory), checked
    against a pattern image made fresh for each run."""
    image = os.path.join(build, "test", "blkcheck-cpus%d.img" % cpus)
    make_pattern_disk(image)
    return run_user_program(build, cpus, "blkcheck", timeout, extra=virtio_blk_args(image))


# ---- the filesystem (user/bin/fstests.cc on the images of tests/qemu/fsimages.py) -------------
# A user process that faulted, or the kernel noticing anything: never acceptable, whatever the
# disk holds.
CRASH_LINES = re.compile(r"^(user exception: .*|.*KERNEL (FAULT|PANIC).*)$", re.M)


def _fs_checks(tag, res, log):
    """What every filesystem run must show besides its own results: no process faulted (fsd
    included), the kernel did not fault, and fstests got to its summary line."""
    passed = failed = 0
    crash = CRASH_LINES.search(res.output)
    if crash:
        failed += 1
        print("FAIL %s/no_crashes: %s (log: %s)" % (tag, crash.group(0).strip(), log))
    else:
        passed += 1
        print("ok   %s/no_crashes" % tag)
    if not re.search(r"^\[utest\] summary: \d+ passed, \d+ failed$", res.output, re.M):
        failed += 1
        print("FAIL %s/finished: fstests printed no summary line (log: %s)" % (tag, log))
    return passed, failed


def _fsck_check(tag, name, image):
    """One result: e2fsck -fn finds `image` clean (after the server unmounted it)."""
    clean, out = fsimages.fsck(image)
    if clean:
        print("ok   %s/%s" % (tag, name))
        return 1, 0
    print("FAIL %s/%s: e2fsck -fn %s:\n%s" % (tag, name, image, out[-2000:]))
    return 0, 1


def run_fstests(build, cpus, block_sizes=(1024, 4096), timeout=300):
    """user/bin/fstests on a fresh copy of each content image (1 KiB blocks with a 2 MiB file,
    4 KiB blocks with a 40 MiB file), started by init with fsd serving the disk under a page
    budget half the big file's size (so reading it evicts); then, on the host, e2fsck -fn finds
    the image clean after the server unmounted it, and debugfs finds under /w exactly what the
    write tests wrote (fsimages.expected_writes)."""
    passed = failed = 0
    for bs in block_sizes:
        p, f = _run_fstests_image(build, cpus, bs, timeout)
        passed, failed = passed + p, failed + f
    return passed, failed


def _run_fstests_image(build, cpus, bs, timeout):
    budget = 256 if bs == 1024 else 5120
    image, _ = fsimages.content_image(build, bs)
    name = "fstests-cpus%d-%dk" % (cpus, bs // 1024)
    work = fsimages.working_copy(image, os.path.join(build, "test", name + ".img"))
    tag = "cpus%d/fs%dk" % (cpus, bs // 1024)
    log = os.path.join(build, "test", name + ".log")
    passed, failed, res = _run_utests(build, cpus, "fstests", timeout, virtio_blk_args(work),
                                      bootargs="run=init,fsd.budget=%d,fstests,budget=%d"
                                      % (budget, budget), first="init", tag=tag,
                                      log_name=name + ".log")
    p, f = _fs_checks(tag, res, log)
    passed, failed = passed + p, failed + f
    p, f = _fsck_check(tag, "e2fsck_clean_after_writes", work)
    passed, failed = passed + p, failed + f
    problems = fsimages.check_writes(work, bs, work + ".w")
    if problems:
        failed += 1
        print("FAIL %s/host_sees_writes: %s" % (tag, "; ".join(problems[:5])))
    else:
        passed += 1
        print("ok   %s/host_sees_writes" % tag)
    return passed, failed


def run_fs_readonly(build, cpus=2, timeout=120):
    """`fstests readonly`: the 1 KiB content image on a read-only disk (as `make qemu DISK_RO=1`
    attaches it): fsd mounts it read-only, reads work, changes are refused, and the image's
    bytes are the same afterwards."""
    image, _ = fsimages.content_image(build, 1024)
    work = fsimages.working_copy(image, os.path.join(build, "test", "fsreadonly.img"))
    before = fsimages.sha256_file(work)
    tag = "cpus%d/fs_readonly" % cpus
    log_name = "fsreadonly-cpus%d.log" % cpus
    passed, failed, res = _run_utests(build, cpus, "fstests", timeout,
                                      virtio_blk_args(work, read_only=True),
                                      bootargs="run=init,fstests,readonly", first="init", tag=tag,
                                      log_name=log_name)
    p, f = _fs_checks(tag, res, os.path.join(build, "test", log_name))
    passed, failed = passed + p, failed + f
    if fsimages.sha256_file(work) == before:
        passed += 1
        print("ok   %s/image_unchanged" % tag)
    else:
        failed += 1
        print("FAIL %s/image_unchanged: the read-only disk's image changed" % tag)
    return passed, failed


def run_fs_errors(build, cpus=2, timeout=120):
    """`fstests errors` with QEMU's blkdebug failing every read of one sector of /bad/victim:
    the reader gets ZX_ERR_IO, the other files and the server keep working."""
    image, config, _, _ = fsimages.errors_image(build)
    work = fsimages.working_copy(image, os.path.join(build, "test", "fserrors.img"))
    tag = "cpus%d/fs_disk_errors" % cpus
    log_name = "fserrors-cpus%d.log" % cpus
    passed, failed, res = _run_utests(build, cpus, "fstests", timeout,
                                      fsimages.blkdebug_args(config, work),
                                      bootargs="run=init,fstests,errors", first="init", tag=tag,
                                      log_name=log_name)
    p, f = _fs_checks(tag, res, os.path.join(build, "test", log_name))
    return passed + p, failed + f


def run_fs_corrupt(build, cpus=1, timeout=60):
    """`fstests corrupt KIND` on each deliberately broken image (fsimages.CORRUPTIONS), one
    boot each: the broken part answers an error, nothing crashes, nothing leaks."""
    passed = failed = 0
    for kind, image, what in fsimages.corrupt_images(build):
        tag = "corrupt/%s" % kind
        log_name = "fscorrupt-%s.log" % kind
        p, f, res = _run_utests(build, cpus, "fstests", timeout, virtio_blk_args(image),
                                bootargs="run=init,fstests,corrupt,%s" % kind, first="init",
                                tag=tag, log_name=log_name)
        passed, failed = passed + p, failed + f
        p, f = _fs_checks(tag, res, os.path.join(build, "test", log_name))
        passed, failed = passed + p, failed + f
    return passed, failed



def run_fs_damaged(build, cpus=1, timeout=60, only=None, jobs=2):
    """`fstests damaged` on every image of fsimages.damages(): one field of the superblock, a
    group descriptor, a bitmap, an inode or a directory entry damaged in turn, on a base made by
    mke2fs -d. For each: no process faulted, the kernel did not fault, fstests finished and its
    checks passed, nothing leaked, and e2fsck -fn finds no kind of damage after the writes that
    it did not find before (so the server added none). One line per image; the count at the end.
    `jobs` images at a time (each boot is one hart, single-threaded on the host)."""
    import concurrent.futures
    base = fsimages.damage_base(build)
    todo = [(n, p) for n, p in fsimages.damages(base) if not only or n.startswith(only)]

    def one(index, name, patches):
        work = os.path.join(build, "test", "fsdamaged-%d.img" % index)
        log = os.path.join(build, "test", "fsdamaged-%d.log" % index)
        fsimages.damaged_image(base, work, patches)
        _, before = fsimages.fsck(work)
        res = run_kernel(os.path.join(build, "kernel.elf"), cpus=cpus,
                         bootargs="run=init,fstests,damaged", timeout=timeout, log_path=log,
                         extra=virtio_blk_args(work))
        problems = []
        crash = CRASH_LINES.search(res.output)
        if crash:
            problems.append(crash.group(0).strip())
        if res.timed_out:
            problems.append("timed out (a hang)")
        for line in res.lines():
            m = UTEST.match(line.strip())
            if m and m.group(2) != "PASS":
                problems.append("%s: %s" % (m.group(1), m.group(3)))
        if not re.search(r"^\[utest\] summary: \d+ passed, 0 failed$", res.output, re.M):
            problems.append("no clean summary line")
        if not re.search(r"^userboot: leak check after init: .*\(ok\)$", res.output, re.M):
            problems.append("no clean leak check")
        m = re.search(r"^fstests damaged: (\d+) calls, (\d+) answered an error", res.output, re.M)
        counts = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        _, after = fsimages.fsck(work)
        backups = "backup" in before
        new = (fsimages.damage_kinds(after, backups)
               - fsimages.damage_kinds(before, backups))
        if new:
            problems.append("e2fsck finds new damage: %s" % "; ".join(sorted(new)[:4]))
        keep = None
        if problems:
            keep = os.path.join(build, "test", "fsdamaged-%s.log" % name)
            shutil.copy(log, keep)
        os.unlink(work)
        return problems, counts, keep

    passed = failed = calls = errors = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        # In rounds of `jobs`, so that slot k's image and log files are used by one at a time.
        results = []
        for start in range(0, len(todo), jobs):
            batch = [pool.submit(one, k, n, p)
                     for k, (n, p) in enumerate(todo[start:start + jobs])]
            results.extend(f.result() for f in batch)
    for (name, _), (problems, counts, keep) in zip(todo, results):
        calls, errors = calls + counts[0], errors + counts[1]
        if problems:
            failed += 1
            print("FAIL damaged/%s: %s (log: %s)" % (name, " | ".join(problems), keep))
        else:
            passed += 1
            print("ok   damaged/%s" % name)
    print("     damaged images tried: %d; %d filesystem calls on them, %d answered an error"
          % (len(todo), calls, errors))
    return passed, failed


def run_fshostile(build, cpus=2, timeout=600):
    """user/bin/fshostile: malformed requests of every kind sent to fsd over raw connections
    while a second process keeps using the filesystem; a disk written full and recovered by
    truncation; a failed write; trailing slashes; a 511-deep tree through du and rm -r. Then
    e2fsck -fn finds the image clean. Its counts line is echoed."""
    image, _ = fsimages.hostile_image(build)
    work = fsimages.working_copy(image, os.path.join(build, "test", "fshostile.img"))
    tag = "cpus%d/fshostile" % cpus
    log_name = "fshostile-cpus%d.log" % cpus
    passed, failed, res = _run_utests(build, cpus, "fshostile", timeout, virtio_blk_args(work),
                                      bootargs="run=init,fshostile", first="init", tag=tag,
                                      log_name=log_name)
    p, f = _fs_checks(tag, res, os.path.join(build, "test", log_name))
    passed, failed = passed + p, failed + f
    for line in re.findall(r"^fshostile: .*$", res.output, re.M):
        print("     %s" % line)
    p, f = _fsck_check(tag, "e2fsck_clean", work)
    return passed + p, failed + f


def run_disk_image(build, cpus=2, timeout=60):
    """build/disk.img (what `make qemu` boots with) as a read-only disk: fsd mounts it, and a
    program runs from its /bin (not from the boot image) with its arguments."""
    log = os.path.join(build, "test", "diskimg.log")
    res = run_kernel(os.path.join(build, "kernel.elf"), cpus=cpus,
                     bootargs="run=init,/bin/echo,hello,from,the,disk", timeout=timeout,
                     log_path=log, extra=virtio_blk_args(os.path.join(build, "disk.img"), True))
    problems = []
    if not re.search(r"^fsd: ext2 on .* read-only$", res.output, re.M):
        problems.append("fsd did not mount it read-only")
    if not re.search(r"^hello from the disk$", res.output, re.M):
        problems.append("/bin/echo printed nothing")
    if not re.search(r"^userboot: leak check after init: .*\(ok\)$", res.output, re.M):
        problems.append("no clean leak check")
    if res.timed_out or res.status != 0 or CRASH_LINES.search(res.output):
        problems.append("status %s%s" % (res.status, " (timed out)" if res.timed_out else ""))
    if problems:
        print("FAIL disk.img: %s; console tail:\n%s\n(log: %s)" % ("; ".join(problems), res.tail(), log))
        return 0, 1
    print("ok   disk.img: fsd mounts it, /bin/echo runs from it")
    return 1, 0

def run_fuzz(build, cpus=2, timeout=240):
    """The seeded syscall fuzzer as the first process: it must finish, the kernel must not
    fault, and nothing may leak once it is gone. The seed is printed for replaying."""
    log = os.path.join(build, "test", "fuzz-cpus%d.log" % cpus)
    res = run_kernel(os.path.join(build, "kernel.elf"), cpus=cpus, bootargs="run=fuzz",
                     timeout=timeout, log_path=log)
    seed = re.search(r"^fuzz: seed (0x[0-9a-f]+)", res.output, re.M)
    done = re.search(r"fuzz: (\d+) calls, (\d+) returned ZX_OK, (\d+) distinct statuses", res.output, re.M)
    leak = re.search(r"^userboot: leak check after fuzz: .*\(ok\)$", res.output, re.M)
    problems = []
    if "KERNEL" in res.output:
        problems.append("the kernel faulted or panicked")
    if not done:
        problems.append("the fuzzer did not finish")
    if not leak:
        problems.append("no clean leak check after it")
    if res.timed_out or res.status != 0:
        problems.append("QEMU status %s%s" % (res.status, " (timed out)" if res.timed_out else ""))
    name = "fuzz (seed %s, cpus %d)" % (seed.group(1) if seed else "?", cpus)
    if problems:
        print("FAIL %s: %s; console tail:\n%s\n(log: %s)" % (name, "; ".join(problems), res.tail(), log))
        return 0, 1
    print("ok   %s: %s calls, %s returned ZX_OK, %s distinct statuses, no leaks"
          % (name, done.group(1), done.group(2), done.group(3)))
    return 1, 0


# Lines typed at the user shell and what must come back.
SHELL_SCRIPT = [
    ("echo hello from userspace\n", r"^hello from userspace$", "echo runs from the boot image"),
    ("false\n", r"^false: exit 1$", "a failing program's status is shown"),
    ("nosuch\n", r"^sh: nosuch: not found$", "an unknown program is reported"),
    ("true\n", r"^\$ true$", "true runs quietly"),
    ("ps\n", r"^\s+\d+ sh\s+\d+K\s+\d+K\s+\d+K\s+\d+K$",
     "ps lists processes with their memory and what they make the kernel hold"),
    ("mem\n", r"^memory: \d+ pages total, \d+ free$", "mem shows free and used memory"),
    ("kill 1\n", r"^kill: no process 1 \(-25\)$", "kill reports an unknown process"),
    ("exit\n", r"init: ", "exit leaves the shell and init notices"),
]


def run_shell(build, cpus=2):
    """Boots to the user shell (init -> sh) and types at it, as a person would."""
    log = os.path.join(build, "test", "shell.log")
    text = "".join(keys for keys, _, _ in SHELL_SCRIPT)
    res = run_kernel(os.path.join(build, "kernel.elf"), cpus=cpus, timeout=30, log_path=log,
                     input_text=text, wait_for="$ ", input_delay=0.3)
    passed = failed = 0
    out = res.output[res.output.find("harts online"):]
    for keys, pattern, what in SHELL_SCRIPT:
        if re.search(pattern, out, re.M):
            passed += 1
            print("ok   shell: %s" % what)
        else:
            failed += 1
            print("FAIL shell: %s: typed %r, no line matching /%s/; console tail:\n%s\n(log: %s)"
                  % (what, keys, pattern, res.tail(), log))
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--cpus", type=int, default=4)
    ap.add_argument("--crash", action="store_true")
    ap.add_argument("--console", action="store_true")
    ap.add_argument("--usertests", action="store_true")
    ap.add_argument("--pagertests", action="store_true")
    ap.add_argument("--shell", action="store_true")
    ap.add_argument("--fuzz", action="store_true")
    ap.add_argument("--fstests", action="store_true")
    ap.add_argument("--fs-errors", action="store_true")
    ap.add_argument("--fs-readonly", action="store_true")
    ap.add_argument("--fs-corrupt", action="store_true")
    ap.add_argument("--fs-damaged", nargs="?", const="", default=None, metavar="PREFIX",
                    help="the damaged-image set (only images whose name starts with PREFIX)")
    ap.add_argument("--fshostile", action="store_true")
    ap.add_argument("--disk-image", action="store_true")
    ap.add_argument("--machine-sizes", action="store_true")
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    if a.crash:
        p, f = run_crashes(a.build)
    elif a.console:
        p, f = run_console(a.build)
    elif a.usertests:
        p, f = run_usertests(a.build, a.cpus)
    elif a.pagertests:
        p, f = run_pagertests(a.build, a.cpus)
    elif a.shell:
        p, f = run_shell(a.build)
    elif a.fuzz:
        p, f = run_fuzz(a.build, a.cpus)
    elif a.fstests:
        p, f = run_fstests(a.build, a.cpus)
    elif a.fs_errors:
        p, f = run_fs_errors(a.build)
    elif a.fs_readonly:
        p, f = run_fs_readonly(a.build)
    elif a.fs_corrupt:
        p, f = run_fs_corrupt(a.build)
    elif a.fs_damaged is not None:
        p, f = run_fs_damaged(a.build, only=a.fs_damaged or None)
    elif a.fshostile:
        p, f = run_fshostile(a.build)
    elif a.disk_image:
        p, f = run_disk_image(a.build)
    elif a.machine_sizes:
        p, f = run_machine_sizes(a.build)
    else:
        p, f = run_selftests(a.build, a.cpus)
    print("%d passed, %d failed" % (p, f))
    return 1 if f else 0


if __name__ == "__main__":
    sys.exit(main())
