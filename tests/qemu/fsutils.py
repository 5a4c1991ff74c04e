#!/usr/bin/env python3
"""The file utilities (user/bin: ls cat wc sha256sum cp mv rm mkdir stat df du sync write
readbench) typed at the shell in QEMU, their output checked against the host's coreutils and
the host's own reading of the same image.

  fsutils.py --build build [--cpus 2]

The image is made by mke2fs -d (tools/mkdisk.py's make_ext2) from a small tree written here.
init runs the shell as its program (run=init,sh), so when the shell exits fsd writes everything
back and unmounts, and the kernel powers off after its leak check; the host then runs
e2fsck -fn and reads back what the utilities wrote with debugfs. One command is typed per
prompt: the console's input buffer holds 256 bytes, so a whole script typed at once would
overflow it while a command runs.

Each check prints "ok NAME" or "FAIL NAME: why"; run_fsutils returns (passed, failed) for
tests/run_all.py.
"""
import argparse
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from tests.qemu import fsimages  # noqa: E402
from tests.qemu.qemu import qemu_command, virtio_blk_args  # noqa: E402
from tools import mkdisk  # noqa: E402

PROMPT = b"$ "
CRASH = re.compile(r"user exception|KERNEL (FAULT|PANIC)|LEAKED")


def write_pattern(size, seed):
    """user/bin/write.cc's pattern: byte i is the top byte of (i + seed * 2**32) * K mod 2**64."""
    k = 0x9E3779B97F4A7C15
    return bytes((((i + (seed << 32)) * k) & ((1 << 64) - 1)) >> 56 for i in range(size))


def stage(root):
    """The tree the image is made from."""
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, "d", "sub"))
    rnd = random.Random(20261123)
    words = ["alpha", "beta", "gamma", "delta", "x", "", "  ", "\t", "end."]
    lines = [" ".join(rnd.choice(words) for _ in range(rnd.randrange(0, 12))) for _ in range(500)]
    with open(os.path.join(root, "text.txt"), "w") as f:
        f.write("\n".join(lines) + "\nno newline at the end")
    with open(os.path.join(root, "bin.dat"), "wb") as f:
        f.write(bytes(rnd.randrange(256) for _ in range(1500 * 1024 + 77)))
    open(os.path.join(root, "empty"), "w").close()
    with open(os.path.join(root, "d", "one"), "w") as f:
        f.write("one\n")
    with open(os.path.join(root, "d", "sub", "two"), "w") as f:
        f.write("two\n" * 1000)
    with open(os.path.join(root, "d", ".hidden"), "w") as f:
        f.write("h\n")
    os.symlink("one", os.path.join(root, "d", "link"))
    # The check: sha256sum of a 40 MiB file at the shell matches the host's.
    os.makedirs(os.path.join(root, "big"))
    with open(os.path.join(root, "big", "forty.bin"), "wb") as f:
        f.write(random.Random(40).randbytes(40 << 20))
    mkdisk.stage_times(root)


def host(cmd, cwd):
    env = dict(os.environ, LC_ALL="C")
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True).stdout


def run_session(build, cpus, image, commands, timeout):
    """Boots, types each command at its own prompt, then `exit`; returns (output, status,
    timed_out). Output is split per command: [(command, its output)]."""
    cmd = qemu_command(os.path.join(build, "kernel.elf"), cpus, "256M", "run=init,sh",
                       extra=virtio_blk_args(image))
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    buf = bytearray()

    def reader():
        for chunk in iter(lambda: p.stdout.read1(4096), b""):
            buf.extend(chunk)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    start = time.time()
    timed_out = False
    for i, c in enumerate(commands + ["exit"]):
        while buf.count(PROMPT) < i + 1:
            if p.poll() is not None or time.time() - start > timeout:
                timed_out = p.poll() is None
                break
            time.sleep(0.02)
        if timed_out or p.poll() is not None:
            break
        p.stdin.write((c + "\n").encode())
        p.stdin.flush()
    try:
        p.wait(timeout=max(1, timeout - (time.time() - start)))
    except subprocess.TimeoutExpired:
        timed_out = True
        p.kill()
        p.wait()
    t.join(timeout=5)
    return buf.decode(errors="replace").replace("\r\n", "\n"), p.returncode, timed_out


def split_outputs(text, commands):
    """{index: output} of each command, from the console text: what follows "$ COMMAND\\n" up
    to the next prompt."""
    out = {}
    pos = 0
    for i, c in enumerate(commands):
        marker = "$ " + c + "\n"
        j = text.find(marker, pos)
        if j < 0:
            break
        j += len(marker)
        k = text.find("$ ", j)
        out[i] = text[j:k if k >= 0 else len(text)]
        pos = j
    return out


def run_fsutils(build, cpus=2, timeout=180):
    work = os.path.join(build, "test", "fsutils")
    root = os.path.join(work, "root")
    image = os.path.join(work, "fsutils.img")
    log = os.path.join(work, "console.log")
    os.makedirs(work, exist_ok=True)
    stage(root)
    mkdisk.make_ext2(image, root, 64 << 20, block_size=4096)

    names = "text.txt bin.dat empty d/one d/sub/two"
    checks = []  # (name, command, check(output) -> None or why)

    def same_as_host(host_cmd):
        want = host(host_cmd, root)
        return lambda out: None if out == want else "got %r, coreutils says %r" % (out, want)

    def matches(pattern):
        return lambda out: None if re.search(pattern, out, re.M) else "no line matching /%s/ in %r" % (pattern, out)

    def ls_long(out):
        for name in sorted(n for n in os.listdir(os.path.join(root, "d")) if not n.startswith(".")):
            st = os.lstat(os.path.join(root, "d", name))
            mode = "%s%s" % ({0o040000: "d", 0o120000: "l"}.get(st.st_mode & 0o170000, "-"),
                             "".join(c if st.st_mode & (0o400 >> i) else "-"
                                     for i, c in enumerate("rwxrwxrwx")))
            size = st.st_size
            tail = " -> " + os.readlink(os.path.join(root, "d", name)) if os.path.islink(
                os.path.join(root, "d", name)) else ""
            if not re.search(r"^%s\s+\d+\s+%d %s%s$" % (re.escape(mode), size, re.escape(name),
                                                          re.escape(tail)), out, re.M):
                return "no line for %s (%s, %d bytes%s) in %r" % (name, mode, size, tail, out)
        if ".hidden" in out:
            return "shows .hidden without -a"
        return None

    w_size, w_seed = 300000, 7
    w_hash = hashlib.sha256(write_pattern(w_size, w_seed)).hexdigest()
    bin_hash = hashlib.sha256(open(os.path.join(root, "bin.dat"), "rb").read()).hexdigest()
    text = open(os.path.join(root, "text.txt")).read()
    checks += [
        ("wc matches coreutils", "wc " + names, same_as_host(["wc"] + names.split())),
        ("sha256sum matches coreutils", "sha256sum " + names,
         same_as_host(["sha256sum"] + names.split())),
        ("sha256sum of a 40 MiB file matches coreutils", "sha256sum big/forty.bin",
         same_as_host(["sha256sum", "big/forty.bin"])),
        ("cat prints a file byte for byte", "cat text.txt",
         lambda out: None if out == text else "output differs from text.txt"),
        ("ls lists names sorted, without dot files", "ls d",
         lambda out: None if out == "link\none\nsub\n" else "got %r" % out),
        ("ls -a shows dot files", "ls -a d",
         lambda out: None if out == ".hidden\nlink\none\nsub\n" else "got %r" % out),
        ("ls -l: mode, links, size, name, symlink target", "ls -l d", ls_long),
        ("stat shows size, type and mode", "stat d/sub/two",
         matches(r"^  Size: 4000  Blocks: \d+  IO Block: 4096  regular file$")),
        ("stat of a symlink shows the link", "stat d/link", matches(r"^  File: d/link -> one$")),
        ("write makes the documented pattern", "write w.bin %d %d" % (w_size, w_seed),
         lambda out: None if out == "" else "printed %r" % out),
        ("sha256sum of write's file matches the host's pattern", "sha256sum w.bin",
         lambda out: None if out == "%s  w.bin\n" % w_hash else "got %r, want %s" % (out, w_hash)),
        ("write takes K/M suffixes", "write w2.bin 2K 1", lambda out: None if out == "" else out),
        ("cp copies", "cp bin.dat d/copy.bin", lambda out: None if out == "" else out),
        ("the copy has the source's hash", "sha256sum d/copy.bin",
         lambda out: None if out == "%s  d/copy.bin\n" % bin_hash else "got %r" % out),
        ("cp into a directory keeps the name", "cp d/one d/sub", lambda out: None if out == "" else out),
        ("mv renames", "mv d/copy.bin moved.bin", lambda out: None if out == "" else out),
        ("mkdir -p makes parents", "mkdir -p x/y/z", lambda out: None if out == "" else out),
        ("du -s counts 4 KiB per directory", "du -s x", lambda out: None if out == "12\tx\n" else "got %r" % out),
        ("du lists directories after their contents", "du x",
         lambda out: None if out == "4\tx/y/z\n8\tx/y\n12\tx\n" else "got %r" % out),
        ("rm refuses a directory without -r", "rm x", matches(r"^rm: x: ZX_ERR_NOT_FILE$")),
        ("rm -r removes a tree", "rm -r x", lambda out: None if out == "" else out),
        ("rm removes a file", "rm w2.bin", lambda out: None if out == "" else out),
        ("ls shows the changes", "ls",
         lambda out: None if out == "big\nbin.dat\nd\nempty\nlost+found\nmoved.bin\ntext.txt\nw.bin\n"
         else "got %r" % out),
        ("df shows the size in KiB", "df", matches(r"^ext2\s+65536\s+\d+\s+\d+\s+\d+% /$")),
        ("readbench reads the file through its pages", "readbench bin.dat",
         matches(r"^readbench: %d bytes, \d+ instructions, \d+ cycles, \d+ us" % (1500 * 1024 + 77))),
        ("sync", "sync", lambda out: None if out == "" else out),
        ("a missing file is reported with its status", "cat nope",
         matches(r"^cat: nope: ZX_ERR_NOT_FOUND\ncat: exit 1$")),
        ("bad arguments print a usage line", "write w3", matches(r"^usage: write FILE SIZE")),
        ("mkdir of an existing name fails", "mkdir d", matches(r"^mkdir: d: ZX_ERR_ALREADY_EXISTS$")),
    ]
    commands = [c for _, c, _ in checks]
    text_out, status, timed_out = run_session(build, cpus, image, commands, timeout)
    with open(log, "w") as f:
        f.write(text_out)
    outs = split_outputs(text_out[text_out.find("harts online"):], commands)
    passed = failed = 0
    for i, (name, c, check) in enumerate(checks):
        why = check(outs[i]) if i in outs else "no output for %r (the session stopped)" % c
        if why is None:
            passed += 1
            print("ok   fsutils: %s" % name)
        else:
            failed += 1
            print("FAIL fsutils: %s: `%s`: %s" % (name, c, why))

    # The session itself: a clean end, and the image as the host sees it afterwards.
    problems = []
    if timed_out or status != 0:
        problems.append("QEMU status %s%s" % (status, " (timed out)" if timed_out else ""))
    if CRASH.search(text_out):
        problems.append("a crash or a leak: %s" % CRASH.search(text_out).group(0))
    if not re.search(r"^userboot: leak check after init: .*\(ok\)$", text_out, re.M):
        problems.append("no clean leak check after init")
    clean, fsck_out = fsimages.fsck(image)
    if not clean:
        problems.append("e2fsck -fn: %s" % fsck_out[-1000:])
    for path, want in (("/w.bin", w_hash), ("/moved.bin", bin_hash)):
        data, _ = fsimages.debugfs(image, "cat %s" % path)
        if hashlib.sha256(data).hexdigest() != want:
            problems.append("debugfs reads %s (%d bytes) with another hash" % (path, len(data)))
    if problems:
        failed += 1
        print("FAIL fsutils: session and image: %s (log: %s)" % ("; ".join(problems), log))
    else:
        passed += 1
        print("ok   fsutils: clean shutdown, e2fsck clean, the host reads what was written")
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--cpus", type=int, default=2)
    a = ap.parse_args()
    passed, failed = run_fsutils(os.path.abspath(a.build), a.cpus)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
