#!/usr/bin/env python3
"""Checks that the labs are consistent: python3 tools/check_labs.py --build DIR [--labs 0,1] [--jobs 2]

For every lab N under labs/ (or only those given with --labs):
  * the lab N handout (tools/handout.py --lab N --out DIR/handout/labN) builds with `make kernel`;
  * in that handout, lab N's grader fails (nonzero exit, at least one failed test), so the stubs
    really leave the lab to do;
  * in that handout, every earlier lab's grader passes (its solutions are included).
And on the reference tree (this tree, built with `make kernel BUILD=DIR`), every lab's grader
passes. Each grader run is one check; the script prints one line per check, then
`N passed, N failed`, and exits nonzero if any check failed. Grader consoles are saved under
<tree build dir>/grade/, grader outputs of failed checks under DIR/check-labs/.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labmarkers  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRADER_TIMEOUT = 600
SUMMARY_RE = re.compile(r"^(\d+) passed, (\d+) failed$")


def make_env():
    """The environment for sub-makes: without the variables of an enclosing make (so e.g. a
    BUILD=... given to `make check-labs` does not leak into the handout's own build)."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "BUILD", "GRADE_BUILD"):
        env.pop(k, None)
    return env


def run_make(tree, build):
    cmd = ["make", "-C", tree, "-j%d" % (os.cpu_count() or 2), "Q=@", "BUILD=" + build, "kernel"]
    p = subprocess.run(cmd, env=make_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode == 0, p.stdout.decode("utf-8", "replace")


class Check:
    def __init__(self, where, tree, build, lab, grader, expect_pass):
        self.where, self.tree, self.build, self.lab = where, tree, build, lab
        self.grader, self.expect_pass = grader, expect_pass
        self.problem = None   # None = ok, else the reason
        self.output = ""

    def describe(self, ok):
        what = "lab%d grader %s" % (self.lab, "passes" if self.expect_pass else
                                    "fails as expected" if ok else "fails")
        if ok:
            return "check-labs: %s: %s" % (self.where, what)
        return "check-labs: %s: lab%d grader PROBLEM: %s" % (self.where, self.lab, self.problem)


def run_check(c):
    cmd = [sys.executable, c.grader, "--build", c.build]
    env = make_env()
    try:
        p = subprocess.run(cmd, cwd=c.tree, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=GRADER_TIMEOUT)
        c.output, rc = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        c.output = (e.stdout or b"").decode("utf-8", "replace")
        c.problem = "grader did not finish within %ds" % GRADER_TIMEOUT
        return c
    summary = None
    for ln in c.output.splitlines():
        m = SUMMARY_RE.match(ln.strip())
        if m:
            summary = (int(m.group(1)), int(m.group(2)))
    if summary is None:
        c.problem = "grader crashed (exit %d, no 'N passed, N failed' line)" % rc
    elif c.expect_pass and (rc != 0 or summary[1] != 0):
        c.problem = "expected every test to pass, but %d failed (exit %d)" % (summary[1], rc)
    elif not c.expect_pass and (rc == 0 or summary[1] == 0):
        c.problem = ("expected the grader to fail on the handout (the stubs should leave work "
                     "to do), but it passed %d tests and failed none (exit %d)" % (summary[0], rc))
    return c


def main():
    ap = argparse.ArgumentParser(description="Check every lab's handout and grader.")
    ap.add_argument("--build", default="build", help="build directory (default: build)")
    ap.add_argument("--labs", help="comma-separated lab numbers to check (default: all)")
    ap.add_argument("--jobs", type=int, default=2, help="graders to run at once (default 2)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print grader output of "
                    "failed checks")
    args = ap.parse_args()
    build = os.path.abspath(args.build)

    labs = labmarkers.lab_dirs(ROOT)
    graders = {n: d + "/grade.py" for n, d in labs.items()
               if os.path.exists(os.path.join(ROOT, d, "grade.py"))}
    if args.labs:
        want = sorted({int(x) for x in args.labs.split(",") if x.strip()})
        missing = [n for n in want if n not in graders]
        if missing:
            print("check-labs: no such lab(s): %s (labs: %s)"
                  % (", ".join(map(str, missing)), ", ".join(map(str, sorted(graders)))))
            return 2
    else:
        want = sorted(graders)
    if not want:
        print("check-labs: no labs/NN-*/grade.py found")
        return 2

    checks, failed_builds = [], []
    # The reference tree: every lab's grader passes.
    print("check-labs: building the reference tree (BUILD=%s)" % build, flush=True)
    ok, log = run_make(ROOT, build)
    ref_checks = [Check("reference", ROOT, build, n, graders[n], True) for n in want]
    if ok:
        checks += ref_checks
    else:
        failed_builds.append(("reference", log, ref_checks))

    # Each lab's handout: its own grader fails, earlier graders pass.
    for n in want:
        tree = os.path.join(build, "handout", "lab%d" % n)
        where = "lab%d handout" % n
        hchecks = [Check(where, tree, os.path.join(tree, "build"), n, graders[n], False)]
        hchecks += [Check(where, tree, os.path.join(tree, "build"), m, graders[m], True)
                    for m in sorted(graders) if m < n]
        print("check-labs: writing and building the lab %d handout" % n, flush=True)
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "handout.py"), "--lab",
                            str(n), "--out", tree, "--exclude", build], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if p.returncode != 0:
            failed_builds.append((where, p.stdout.decode("utf-8", "replace"), hchecks))
            continue
        ok, log = run_make(tree, "build")
        if ok:
            checks += hchecks
        else:
            failed_builds.append((where, log, hchecks))

    npass = nfail = 0
    for where, log, lost in failed_builds:
        print("check-labs: %s does not build:" % where)
        print("\n".join("    " + ln for ln in log.rstrip().splitlines()[-30:]))
        for c in lost:
            c.problem = "not run: the tree does not build"
            print(c.describe(False))
            nfail += 1

    outdir = os.path.join(build, "check-labs")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for c in pool.map(run_check, checks):  # in order, as they finish
            ok = c.problem is None
            print(c.describe(ok), flush=True)
            if ok:
                npass += 1
                continue
            nfail += 1
            os.makedirs(outdir, exist_ok=True)
            name = "%s-lab%d.txt" % (c.where.replace(" ", "-"), c.lab)
            with open(os.path.join(outdir, name), "w") as f:
                f.write(c.output)
            print("    grader output: %s" % os.path.join(outdir, name))
            if args.verbose:
                print("\n".join("    | " + ln for ln in c.output.rstrip().splitlines()))
    print("%d passed, %d failed" % (npass, nfail))
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
