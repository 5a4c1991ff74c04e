#!/usr/bin/env python3
"""`make bench`: boots the kernel on one hart under `-icount shift=0`, where rdinstret counts
guest instructions exactly, runs the kernel's `bench` console command and then the user-space
benchmark program (user/bin/ubench.cc), prints one table and writes <build>/bench.txt with one
"name<TAB>instructions per operation" line per benchmark."""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tests.qemu.qemu import run_kernel  # noqa: E402

LINE = re.compile(r"^bench: (\S+)\t(\d+)$")


# Goals from the issues, and xv6-riscv's figures for the same operations (BRIEF section 7).
GOALS = {
    "null_syscall": (150, "xv6 getpid 1,130"),
    "page_fault_zero": (2500, "xv6 sbrk+touch 24,953"),
    "process_spawn_exit_wait": (150000, "xv6 fork+exit+wait 520,658"),
    "channel_round_trip": (4000, "xv6 pipe round trip 95,800"),
    "pager_fault_1page": (10000, "issue 5"),
    "pager_fault_16page_per_page": (2000, "issue 5"),
}


def collect(build, bootargs, log_name):
    log = os.path.join(build, log_name)
    res = run_kernel(os.path.join(build, "kernel.elf"), cpus=1, bootargs=bootargs, timeout=300,
                     log_path=log, icount=True)
    rows = [(m.group(1), int(m.group(2))) for m in (LINE.match(l.strip()) for l in res.lines()) if m]
    if not rows or res.status != 0:
        print("bench: '%s' failed (status %s); console tail:\n%s\n(log: %s)"
              % (bootargs, res.status, res.tail(), log))
        return None
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    kernel_rows = collect(a.build, "-- bench", "bench.log")
    user_rows = collect(a.build, "run=ubench", "bench-user.log")
    if kernel_rows is None or user_rows is None:
        return 1
    rows = kernel_rows + user_rows
    width = max(len(n) for n, _ in rows)
    print("%-*s  %15s  %s" % (width, "operation", "instructions/op", "goal"))
    for name, n in rows:
        goal = GOALS.get(name)
        note = ""
        if goal:
            note = "<= {:,} ({}; {})".format(goal[0], "met" if n <= goal[0] else "NOT met", goal[1])
        print("%-*s  %15s  %s" % (width, name, "{:,}".format(n), note))
    out = os.path.join(a.build, "bench.txt")
    with open(out, "w") as f:
        for name, n in rows:
            f.write("%s\t%d\n" % (name, n))
    print("written to %s (guest instructions under -icount shift=0, one hart)" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
