#!/usr/bin/env python3
"""`make test`: every suite in turn, one honest total at the end.

  1. host unit tests (doctest): the architecture-independent core
  2. the kernel's self tests under QEMU on 1 hart and on 4 harts
  3. deliberate kernel faults: each must produce a symbolized report
     and the console, typed at through the UART: line editing, help, shutdown
  4. clang-format: the tree is formatted
  5. make check-labs: every lab grader fails on its handout and passes on the solution

Each test counts once; the last line is "N passed, N failed".
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tests.qemu import selftest  # noqa: E402


def host_tests(build):
    env = dict(os.environ, VIRT_DTB=os.path.join(build, "virt.dtb"))
    p = subprocess.run([os.path.join(build, "host-tests"), "--no-colors=true", "-s=false"],
                       capture_output=True, text=True, env=env, timeout=300)
    out = p.stdout + p.stderr
    m = re.search(r"test cases:\s*(\d+) \|\s*(\d+) passed \|\s*(\d+) failed", out)
    if not m:
        print(out[-3000:])
        print("FAIL host: doctest printed no summary (exit %d)" % p.returncode)
        return 0, 1
    passed, failed = int(m.group(2)), int(m.group(3))
    if failed or p.returncode:
        print(out[-5000:])
    print("%s host: %d doctest cases, %d failed" % ("ok  " if not failed else "FAIL", passed + failed, failed))
    return passed, failed + (1 if p.returncode and not failed else 0)


def format_check():
    files = subprocess.run(["git", "ls-files", "*.cc", "*.h"], cwd=ROOT, capture_output=True,
                           text=True).stdout.split()
    if not files:
        return 0, 0
    p = subprocess.run(["clang-format", "--dry-run", "--Werror"] + files, cwd=ROOT,
                       capture_output=True, text=True)
    if p.returncode:
        bad = sorted(set(re.findall(r"^(\S+?):\d+:\d+: error", p.stderr, re.M)))
        print("FAIL format: not clang-format clean (run 'make format'): %s" % " ".join(bad[:10]))
        return 0, 1
    print("ok   format: %d files clang-format clean" % len(files))
    return 1, 0


def check_labs(build):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "check_labs.py"), "--build", build],
                       cwd=ROOT, capture_output=True, text=True, timeout=1800)
    out = p.stdout + p.stderr
    for line in out.splitlines():
        if line.startswith("check-labs:"):
            print(("ok   " if "PROBLEM" not in line else "FAIL ") + line)
    m = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
    if not m:
        print(out[-3000:])
        print("FAIL check-labs: no summary line (exit %d)" % p.returncode)
        return 0, 1
    return int(m.group(1)), int(m.group(2)) + (1 if p.returncode and not int(m.group(2)) else 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--skip-labs", action="store_true")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    total_p = total_f = 0
    stages = [
        ("host unit tests", lambda: host_tests(build)),
        ("self tests, 1 hart", lambda: selftest.run_selftests(build, 1)),
        ("self tests, 4 harts", lambda: selftest.run_selftests(build, 4)),
        ("kernel fault reports", lambda: selftest.run_crashes(build)),
        ("console line editor", lambda: selftest.run_console(build)),
        ("formatting", format_check),
    ]
    if not a.skip_labs:
        stages.append(("lab checks", lambda: check_labs(build)))
    for title, fn in stages:
        print("== %s" % title, flush=True)
        p, f = fn()
        total_p += p
        total_f += f
        sys.stdout.flush()
    print("%d passed, %d failed" % (total_p, total_f))
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main())
