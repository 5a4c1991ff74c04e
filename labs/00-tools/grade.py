#!/usr/bin/env python3
"""Lab 0 grader: the kernel boots, runs console commands from the boot arguments, and `echo`
prints its arguments. Run from the tree root: python3 labs/00-tools/grade.py [--build DIR]"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tests.grade.gradelib import *  # noqa: E402,F403


@test(10, "boot reaches console")
def _():
    r = boot(cpus=1, bootargs="-- echo %s" % token(), timeout=30, name="lab0-boot")
    assert_line(r, r"riscv-kernel: booting")
    assert_status(r, 0)


@test(20, "echo prints its arguments")
def _():
    r = boot(cpus=1, bootargs="-- echo %s two  three" % token(), timeout=30, name="lab0-echo")
    want = "%s two three" % token()
    for ln in r.lines():
        if ln.strip() == want:
            return
    if any(ln.strip() == "kernel> " + want or ln.rstrip().endswith("> " + want)
           for ln in r.lines()):
        return  # the output followed the prompt on the same line
    raise GradeFailure("expected: a line '%s'\nsaw:      no such line\nconsole tail:\n%s"
                       % (want, "\n".join("  " + ln for ln in r.tail(10).splitlines())))


@test(10, "boot on 4 harts")
def _():
    r = boot(cpus=4, bootargs="-- echo %s" % token(), timeout=30, name="lab0-smp")
    assert_line(r, r"harts online: 4\b")
    assert_status(r, 0)


run_tests()
