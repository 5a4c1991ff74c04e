#!/usr/bin/env python3
"""Runs one lab's grader: python3 tests/grade/grade_lab.py --lab N [--build DIR] [--results FILE]

Finds labs/<NN>-*/grade.py (N zero-padded to two digits) and runs it from the tree root; the exit
status is the grader's (0 iff every test passed). This is what `make grade LAB=N` runs.
"""
import argparse
import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description="Run lab N's grader.")
    ap.add_argument("--lab", required=True, help="lab number, e.g. 1")
    ap.add_argument("--build", default=None, help="build directory (default: build)")
    ap.add_argument("--results", default=None, help="write Gradescope-style results JSON here")
    args = ap.parse_args()
    graders = sorted(glob.glob(os.path.join(ROOT, "labs", "*-*", "grade.py")))
    labs = {}
    for g in graders:
        d = os.path.basename(os.path.dirname(g))
        if d.split("-", 1)[0].isdigit():
            labs[int(d.split("-", 1)[0])] = g
    try:
        n = int(args.lab)
    except ValueError:
        n = None
    if n not in labs:
        print("grade: there is no lab %r in this tree (no labs/%s-*/grade.py)."
              % (args.lab, "%02d" % n if n is not None else args.lab))
        if labs:
            print("grade: labs here: " + ", ".join(
                "%d (%s)" % (k, os.path.relpath(os.path.dirname(v), ROOT))
                for k, v in sorted(labs.items())))
            print("grade: run `make grade LAB=N` with one of those numbers.")
        else:
            print("grade: this tree has no labs/ graders.")
        return 2
    cmd = [sys.executable, os.path.relpath(labs[n], ROOT)]
    if args.build:
        cmd += ["--build", os.path.abspath(args.build)]
    if args.results:
        cmd += ["--results", os.path.abspath(args.results)]
    print("grade: lab %d: %s" % (n, " ".join(cmd[1:])), flush=True)
    return subprocess.call(cmd, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
