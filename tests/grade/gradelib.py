"""A small grading library for the lab graders (labs/NN-name/grade.py).

A grader registers tests with @test(points) and ends with run_tests():

    import os, sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    from tests.grade.gradelib import *

    @test(10, "pmm allocates and frees")
    def _():
        assert_test_passed(boot(bootargs="test=pmm.", name="lab1-pmm"), "pmm.alloc_free")

    run_tests()

Every test runs, in order, even after failures; a test fails by raising (AssertionError or any
other exception), and the message is shown. Each run draws a fresh random token that boot()
passes to the kernel (`token=<hex>`) and that the kernel repeats on its result lines, so a
grader only credits output produced by this very run. boot() caches one QEMU run per
(cpus, bootargs) and saves its console under <build>/grade/<name>.log.

Command line of a grader: [--build DIR] [--results FILE] [NAME-SUBSTRING ...]
"""
import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
from tests.qemu import qemu  # noqa: E402

__all__ = ["test", "DoctestBinary", "run_tests", "selftest_grader", "token", "boot", "shell", "shell_output",
           "kernel_to_boot",
           "build_dir", "assert_test_passed", "assert_line", "assert_no_line", "assert_status",
           "GradeFailure"]

_tests = []           # [(title, points, function)]
_token = secrets.token_hex(8)
_boot_cache = {}      # (cpus, bootargs) -> Result
_log_names = set()
_current_logs = []    # logs of the boots made by the running test
_options = {"build": None}


class GradeFailure(AssertionError):
    pass


def test(points, title=None):
    """Registers the decorated function as a test worth `points`."""
    def register(fn):
        name = title or fn.__name__.replace("_", " ").strip() or "test %d" % (len(_tests) + 1)
        _tests.append((name, points, fn))
        return fn
    return register


def token():
    """This run's token: a fresh random hex string, the same for the whole grader run."""
    return _token


def build_dir():
    """The build directory: --build, else $GRADE_BUILD, else <tree>/build."""
    b = _options["build"] or os.environ.get("GRADE_BUILD") or os.path.join(ROOT, "build")
    return os.path.abspath(b)


def _log_name(name):
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "boot"
    n, i = base, 2
    while n in _log_names:
        n, i = "%s-%d" % (base, i), i + 1
    _log_names.add(n)
    return n


def _cached(key):
    """A run this grader already made: its log is listed again for this test."""
    res = _boot_cache[key]
    if res.log_path not in _current_logs:
        _current_logs.append(res.log_path)
    return res


def kernel_to_boot():
    """The kernel to boot, after checking that it and QEMU are there."""
    kernel = os.path.join(build_dir(), "kernel.elf")
    if not os.path.exists(kernel):
        raise GradeFailure("no kernel at %s: build it first with `make kernel`" % kernel)
    if not qemu.have_qemu():
        raise GradeFailure("qemu-system-riscv64 is not installed (run `make deps`)")
    return kernel


def boot(cpus=1, bootargs="", timeout=60, name="boot", icount=False, input_text=None):
    """Boots <build>/kernel.elf with `token=<token> <bootargs>` and returns qemu.Result.

    Runs with the same (cpus, bootargs) share one boot within a grader run. The console is saved
    to <build>/grade/<name>.log."""
    key = (cpus, bootargs, icount, input_text)
    if key in _boot_cache:
        return _cached(key)
    kernel = kernel_to_boot()
    args = ("token=%s %s" % (_token, bootargs)).strip()
    log = os.path.join(build_dir(), "grade", _log_name(name) + ".log")
    res = qemu.run_kernel(kernel=kernel, cpus=cpus, bootargs=args, timeout=timeout,
                          log_path=log, icount=icount, input_text=input_text)
    _boot_cache[key] = res
    _current_logs.append(log)
    return res


def _run_until(cmd, input_text, prompt, until, timeout, log):
    """Runs QEMU, types input_text once `prompt` shows, and stops QEMU as soon as a console line
    equals `until` (or at the timeout). Returns qemu.Result; its status is 0 when `until` was
    seen (QEMU was then stopped on purpose), None when the timeout ended the run."""
    start = time.time()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    chunks = []
    reader = threading.Thread(
        target=lambda: [chunks.append(b) for b in iter(lambda: proc.stdout.read1(4096), b"")])
    reader.daemon = True
    reader.start()

    def text():
        return b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")

    typed = seen = False
    while time.time() - start < timeout and proc.poll() is None:
        out = text()
        if not typed and prompt in out:
            time.sleep(0.2)  # let the shell settle at its prompt, as a person would
            try:
                proc.stdin.write(input_text.encode())
                proc.stdin.flush()
            except BrokenPipeError:
                break
            typed = True
        if typed and any(ln.strip() == until for ln in out.splitlines()):
            seen = True
            break
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    reader.join(timeout=5)
    out = text()
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "w") as f:
        f.write("$ " + " ".join(cmd) + "\n" + out)
        if not seen:
            f.write("\n[grader] stopped after %ds without seeing %r\n" % (timeout, until))
    return qemu.Result(0 if seen else proc.returncode, out, not seen, log)


def shell(commands, cpus=1, timeout=90, name="shell"):
    """Boots to the user shell (init -> sh) and types `commands` (a list of command lines),
    framed by `echo <token> begin` and `echo <token> end`, then stops QEMU once the closing echo
    appears: user programs cannot power the machine off, and waiting for a timeout would make
    every grader slow. shell_output() returns what the commands printed. Runs are cached like
    boot()'s and their consoles saved to <build>/grade/<name>.log."""
    key = ("shell", cpus, tuple(commands))
    if key in _boot_cache:
        return _cached(key)
    kernel = kernel_to_boot()
    lines = ["echo %s begin" % _token] + list(commands) + ["echo %s end" % _token]
    log = os.path.join(build_dir(), "grade", _log_name(name) + ".log")
    cmd = qemu.qemu_command(kernel, cpus=cpus, bootargs="token=%s" % _token)
    res = _run_until(cmd, "".join(ln + "\n" for ln in lines), "$ ", "%s end" % _token, timeout,
                     log)
    _boot_cache[key] = res
    _current_logs.append(log)
    return res


def shell_output(result, partial=False):
    """The console lines between this run's `<token> begin` and `<token> end` echoes: what the
    commands typed at shell() printed (with the shell's echo of each command line). Raises
    GradeFailure if the commands did not all finish, unless `partial`: then it returns what they
    printed before the run was stopped."""
    lines = result.lines()
    begin = "%s begin" % _token
    end = "%s end" % _token
    starts = [i for i, ln in enumerate(lines) if ln.strip() == begin]
    if not starts:
        raise GradeFailure("expected: the shell to echo '%s'\nsaw:      no such line (the shell "
                           "did not start?)\nconsole tail:\n%s"
                           % (begin, _indent(result.tail(15), "  ")))
    ends = [i for i, ln in enumerate(lines) if ln.strip() == end and i > starts[0]]
    if not ends and partial:
        return lines[starts[0] + 1:]
    if not ends:
        raise GradeFailure("expected: the commands to finish and the shell to echo '%s'\n"
                           "saw:      no such line within the time limit (a program hung?)\n"
                           "console tail:\n%s" % (end, _indent(result.tail(15), "  ")))
    return lines[starts[0] + 1:ends[0]]


def _describe_end(result):
    if result.timed_out:
        return "the kernel did not power off (killed after the timeout)"
    return "QEMU exited with status %s" % result.status


def _indent(text, prefix="      "):
    return "\n".join(prefix + ln for ln in text.splitlines())


def assert_test_passed(result, name):
    """Checks that the kernel printed `[test] <name> PASS token=<token>` and no FAIL for it."""
    lines = [ln.strip() for ln in result.lines()]
    want = "[test] %s PASS token=%s" % (name, _token)
    fail_re = re.compile(r"^\[test\] %s FAIL\b.*token=%s\s*$" % (re.escape(name), _token))
    fails = [ln for ln in lines if fail_re.match(ln)]
    if fails:
        raise GradeFailure("expected: %s\nsaw:      %s" % (want, fails[0]))
    if want in lines:
        return
    lab_msgs = [ln for ln in lines if re.search(r"lab \d+: .* is not implemented yet", ln)]
    msg = "expected: %s\nsaw:      no result line for %s (%s)" % (want, name,
                                                                 _describe_end(result))
    if lab_msgs:
        msg += "\nstub message: %s" % lab_msgs[0]
    msg += "\nconsole tail:\n" + _indent(result.tail(15), "  ")
    raise GradeFailure(msg)


def assert_line(result, regex):
    """Checks that some console line matches `regex` (re.search); returns the match."""
    r = re.compile(regex)
    for ln in result.lines():
        m = r.search(ln)
        if m:
            return m
    raise GradeFailure("expected: a line matching /%s/\nsaw:      no such line (%s)\n"
                       "console tail:\n%s" % (regex, _describe_end(result),
                                              _indent(result.tail(15), "  ")))


def assert_no_line(result, regex):
    """Checks that no console line matches `regex`."""
    r = re.compile(regex)
    for ln in result.lines():
        if r.search(ln):
            raise GradeFailure("expected: no line matching /%s/\nsaw:      %s" % (regex, ln))


def assert_status(result, status=0):
    """Checks that QEMU exited with `status` (0: the kernel reported success)."""
    if result.timed_out or result.status != status:
        raise GradeFailure("expected: QEMU exit status %d\nsaw:      %s\nconsole tail:\n%s"
                           % (status, _describe_end(result), _indent(result.tail(15), "  ")))


class DoctestBinary:
    """A host doctest binary (a `make <build>/NAME` target) that a grader builds once and runs
    by groups of test-case filters, checking that each group ran as many cases as it should, so
    a renamed or vanished case is noticed. `what` names the tests in messages; `hang_hint` says
    what an endless loop would mean; `note(lines)` may add a line about stubs to a failure."""

    def __init__(self, name, what, timeout, hang_hint, note=lambda lines: ""):
        self.name, self.what, self.timeout, self.hang_hint, self.note = (
            name, what, timeout, hang_hint, note)
        self._path = None
        self._why = None

    def path(self):
        if self._why:
            raise GradeFailure(self._why)
        if self._path:
            return self._path
        build = build_dir()
        path = os.path.join(build, self.name)
        env = {k: v for k, v in os.environ.items()
               if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "BUILD")}
        p = subprocess.run(["make", "-C", ROOT, "-j2", "BUILD=" + build, path], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        if p.returncode != 0:
            self._why = ("expected: %s to build\nsaw:      make failed:\n" % self.what
                         + "\n".join("  " + ln for ln in
                                     p.stdout.decode("utf-8", "replace").splitlines()[-20:]))
            raise GradeFailure(self._why)
        self._path = path
        return path

    def run_group(self, filters, want):
        cmd = [self.path(), "--no-colors=true", "--abort-after=5", "-tc=" + ",".join(filters)]
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise GradeFailure("expected: the host tests to finish\nsaw:      still running "
                               "after %d s (%s)" % (self.timeout, self.hang_hint))
        out = p.stdout.decode("utf-8", "replace")
        m = re.search(r"test cases:\s*(\d+) \|\s*(\d+) passed \|\s*(\d+) failed", out)
        if not m:
            raise GradeFailure("expected: doctest's summary\nsaw:      none (exit %d: a crash?)\n"
                               "output tail:\n%s" % (p.returncode, "\n".join(
                                   "  " + ln for ln in out.splitlines()[-15:])))
        ran, failed = int(m.group(1)), int(m.group(3))
        lines = out.splitlines()
        if failed or p.returncode != 0:
            # The first failure report is the useful part of doctest's output.
            first = next((i for i, ln in enumerate(lines) if "ERROR" in ln or "FATAL" in ln), 0)
            raise GradeFailure("expected: every test case to pass\nsaw:      %d of %d failed; "
                               "the first failure:\n%s%s" % (failed, ran, "\n".join(
                                   "  " + ln for ln in lines[max(0, first - 3):first + 12]),
                                   self.note(lines)))
        if ran != want:
            raise GradeFailure("expected: %d test cases matching %s\nsaw:      %d"
                               % (want, filters, ran))


def selftest_grader(lab, bootargs, tests, timeout=60, all_on=None, all_points=10):
    """Registers one test per kernel self test and runs the grader: the shape of every lab that
    is graded by self tests.

    tests: (self test, points, title) rows, checked on one hart, or (harts, self test, points,
    title) rows for a chosen hart count. Each hart count boots once (boot() caches). With
    `all_on`, one more test worth `all_points` checks every listed self test on that many harts.
    """
    def run(cpus):
        return boot(cpus=cpus, bootargs=bootargs, timeout=timeout, name="%s-cpus%d" % (lab, cpus))

    def register(cpus, name, points, title):
        @test(points, title)
        def _():
            assert_test_passed(run(cpus), name)

    rows = [t if len(t) == 4 else (1,) + tuple(t) for t in tests]
    for row in rows:
        register(*row)
    if all_on:
        @test(all_points, "the same tests pass on %d harts" % all_on)
        def _all():
            r = run(all_on)
            for _, name, _, _ in rows:
                assert_test_passed(r, name)
    run_tests()


def _parse_args(argv):
    ap = argparse.ArgumentParser(description="Run this lab's grader.")
    ap.add_argument("--build", help="build directory holding kernel.elf (default: $GRADE_BUILD "
                    "or build/ at the tree root)")
    ap.add_argument("--results", help="write Gradescope-style results JSON here")
    ap.add_argument("only", nargs="*", help="run only tests whose title contains one of these")
    return ap.parse_args(argv)


def run_tests(argv=None):
    """Runs the registered tests, prints the report and exits (0 iff every test passed)."""
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    _options["build"] = args.build
    selected = [t for t in _tests
                if not args.only or any(s.lower() in t[0].lower() for s in args.only)]
    score = max_score = passed = failed = 0
    records = []
    for title, points, fn in selected:
        del _current_logs[:]
        start = time.time()
        print("== %s (%s pts): " % (title, points), end="", flush=True)
        try:
            fn()
            ok, message = True, ""
        except AssertionError as e:
            ok, message = False, str(e) or "assertion failed:\n" + traceback.format_exc()
        except Exception as e:  # a bug or an unexpected situation: still a clean failure
            ok, message = False, "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())
        elapsed = time.time() - start
        if ok:
            print("OK (%.1fs)" % elapsed)
            passed += 1
            score += points
        else:
            print("FAIL (%.1fs)" % elapsed)
            for log in _current_logs:
                message += "\nconsole log: %s" % log
            print(_indent(message.rstrip()))
            failed += 1
        max_score += points
        records.append({"name": title, "score": points if ok else 0, "max_score": points,
                        "output": message})
    print("Score: %s/%s" % (score, max_score))
    if args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w") as f:
            json.dump({"score": score, "max_score": max_score, "tests": records}, f, indent=2)
            f.write("\n")
    print("%d passed, %d failed" % (passed, failed))
    sys.stdout.flush()
    sys.exit(0 if failed == 0 and passed > 0 else 1)
