"""Starting the kernel under QEMU for tests, graders and benchmarks.

One function, run_kernel(), boots build/kernel.elf on QEMU `virt` with a bounded time, feeds
optional console input, saves the whole console to a log file and returns what happened. The
kernel ends QEMU itself through the SiFive test device (exit status 0 for pass, else the code it
wrote); a run that hits the timeout is killed and reported as such.
"""
import os
import shutil
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

OPENSBI_CANDIDATES = [
    "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf",
    "/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.elf",
]


def firmware():
    for f in OPENSBI_CANDIDATES:
        if os.path.exists(f):
            return f
    return "default"


class Result:
    def __init__(self, status, output, timed_out, log_path):
        self.status = status          # QEMU's exit status (0 = kernel reported success)
        self.output = output          # the whole console, as text
        self.timed_out = timed_out
        self.log_path = log_path

    def lines(self):
        return self.output.splitlines()

    def tail(self, n=25):
        return "\n".join(self.lines()[-n:])


def qemu_command(kernel, cpus=1, mem="256M", bootargs="", icount=False, gdb=False, extra=()):
    cmd = [
        "qemu-system-riscv64", "-machine", "virt", "-cpu", "rv64", "-smp", str(cpus),
        "-m", str(mem), "-nographic", "-bios", firmware(), "-kernel", kernel,
        "-monitor", "none", "-serial", "stdio",
    ]
    if bootargs:
        cmd += ["-append", bootargs]
    if icount:
        cmd += ["-icount", "shift=0"]
    if gdb:
        cmd += ["-S", "-gdb", "tcp::%d" % gdb]
    return cmd + list(extra)


def virtio_blk_args(image, read_only=False):
    """QEMU arguments for a modern (virtio-mmio version 2) virtio-blk disk backed by `image`."""
    drive = "file=%s,if=none,format=raw,id=disk0%s" % (image, ",readonly=on" if read_only else "")
    return ["-global", "virtio-mmio.force-legacy=false", "-drive", drive,
            "-device", "virtio-blk-device,drive=disk0"]


def run_kernel(kernel=None, cpus=1, mem="256M", bootargs="", timeout=60, log_path=None,
               icount=False, input_text=None, input_delay=0.0, wait_for="kernel> ", extra=()):
    """Boots the kernel and returns a Result once QEMU exits or the timeout passes.

    With input_text, the text is typed once the console shows `wait_for` (the prompt), as a
    person would, so no keystroke races the boot."""
    kernel = kernel or os.path.join(ROOT, "build", "kernel.elf")
    cmd = qemu_command(kernel, cpus, mem, bootargs, icount, extra=extra)
    start = time.time()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    chunks = []
    reader = threading.Thread(target=lambda: [chunks.append(b) for b in iter(lambda: proc.stdout.read1(4096), b"")])
    reader.daemon = True
    reader.start()
    timed_out = False
    try:
        if input_text is not None:
            while wait_for and wait_for.encode() not in b"".join(chunks):
                if proc.poll() is not None or time.time() - start > timeout:
                    break
                time.sleep(0.05)
            if input_delay:
                time.sleep(input_delay)
            try:
                proc.stdin.write(input_text.encode())
                proc.stdin.flush()
            except BrokenPipeError:
                pass
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
        proc.wait(timeout=max(1, timeout - (time.time() - start)))
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        proc.wait()
    reader.join(timeout=5)
    text = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
    if log_path:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "w") as f:
            f.write("$ " + " ".join(cmd) + "\n")
            f.write(text)
            if timed_out:
                f.write("\n[harness] killed after %ds timeout\n" % timeout)
    return Result(proc.returncode if not timed_out else None, text, timed_out, log_path)


def have_qemu():
    return shutil.which("qemu-system-riscv64") is not None
