#!/usr/bin/env python3
"""`make bench`: boots the kernel on one hart under `-icount shift=0`, where rdinstret counts
guest instructions exactly, runs the `bench` console command, prints a table and writes
<build>/bench.txt with one "name<TAB>instructions per operation" line per benchmark."""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tests.qemu.qemu import run_kernel  # noqa: E402

LINE = re.compile(r"^bench: (\S+)\t(\d+)$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    log = os.path.join(a.build, "bench.log")
    res = run_kernel(os.path.join(a.build, "kernel.elf"), cpus=1, bootargs="-- bench", timeout=300,
                     log_path=log, icount=True)
    rows = [(m.group(1), int(m.group(2))) for m in (LINE.match(l.strip()) for l in res.lines()) if m]
    if not rows or res.status != 0:
        print("bench: the run failed (status %s); console tail:\n%s\n(log: %s)" % (res.status, res.tail(), log))
        return 1
    width = max(len(n) for n, _ in rows)
    print("%-*s  %s" % (width, "operation", "instructions/op"))
    for name, n in rows:
        print("%-*s  %15s" % (width, name, "{:,}".format(n)))
    out = os.path.join(a.build, "bench.txt")
    with open(out, "w") as f:
        for name, n in rows:
            f.write("%s\t%d\n" % (name, n))
    print("written to %s (guest instructions under -icount shift=0, one hart)" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
