#!/usr/bin/env python3
# Checks that the kernel's layers depend downwards only (docs/architecture.md, "Layers";
# docs/diagrams/layers.dot draws them), from the #include lines of every tracked source file:
# user/ -> kernel/syscalls -> kernel/object -> pager/ -> mm/ -> the kernel core (kernel/*,
# kernel/lib, kernel/arch/riscv). A lower layer reaches an upper one only through an upcall the
# upper layer declares in its own header, or through an interface the lower layer declares and
# the upper one implements (mm/page_source.h, pager/page_provider.h), neither of which shows
# as an upward include. The few upward includes that exist are listed below with their reason;
# a new one fails `make test`. --self-test plants upward includes and checks they are caught.
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (prefix, layer, rank). First match wins; higher ranks sit above lower ones.
LAYERS = [
    ("kernel/selftests/", "selftests", 9),
    ("kernel/debug/", "debug", 9),
    ("kernel/gen/", "gen", None),  # generated from the ABI tables: checked by tools/abi_check.py
    ("kernel/syscalls/", "syscalls", 5),
    ("kernel/object/", "object", 4),
    ("pager/", "pager", 3),
    ("mm/", "mm", 2),
    ("kernel/", "core", 1),  # kernel/*.{h,cc}, kernel/lib/, kernel/arch/riscv/
    ("user/", "user", 8),
]
USER_MAY_INCLUDE = ("kernel/lib/", "kernel/status.h", "kernel/lab.h")  # shared, freestanding

# Upward includes that are part of the design, each with its reason.
ALLOWED = {
    # Upcalls: trap.cc calls functions the upper layer declares in its own header.
    ("kernel/arch/riscv/trap.cc", "mm/vm_aspace.h"): "upcall user_page_fault",
    ("kernel/arch/riscv/trap.cc", "mm/vm_mapping.h"): "the access bits kVmRead/kVmWrite/kVmExecute",
    ("kernel/arch/riscv/trap.cc", "kernel/object/thread_dispatcher.h"):
        "upcalls user_fatal_exception, user_return_check",
    # Boot glue: starts every layer.
    ("kernel/main.cc", "*"): "boot: brings up every layer",
    ("kernel/userboot.cc", "*"): "boot: builds the first process from kernel objects",
    # The core's memory comes from mm/: the heap, kernel stacks, the address-space switch.
    ("kernel/cxxrt.cc", "mm/heap.h"): "operator new/delete",
    ("kernel/thread.cc", "mm/heap.h"): "thread structures on the heap",
    ("kernel/thread.h", "mm/kernel_stack.h"): "a thread owns its kernel stack",
    ("kernel/sched.cc", "mm/vm_aspace.h"): "a context switch switches address space",
    # The syscall ABI's argument types (used by the generated declarations) name handles' objects.
    ("kernel/syscall_types.h", "kernel/object/dispatcher.h"): "syscall argument types",
}


def layer_of(path):
    for prefix, name, rank in LAYERS:
        if path.startswith(prefix):
            return name, rank
    return None, None


def allowed(src, inc):
    return (src, inc) in ALLOWED or (src, "*") in ALLOWED


def violations(files):
    """files: {path: text}. Returns a list of 'src -> include (layer -> layer)' strings."""
    bad = []
    for src, text in sorted(files.items()):
        sl, sr = layer_of(src)
        if sr is None:
            continue
        for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
            il, ir = layer_of(inc)
            if ir is None or il == sl:
                continue
            if sl == "user":
                ok = inc.startswith("user/") or inc.startswith(USER_MAY_INCLUDE)
            elif il == "user":
                ok = False
            else:
                ok = ir <= sr
            if not ok and not allowed(src, inc):
                bad.append("%s -> %s (%s includes %s)" % (src, inc, sl, il))
    return bad


def tree_files():
    p = subprocess.run(["git", "ls-files", "*.cc", "*.h", "*.S", "*.inc"], cwd=ROOT,
                       capture_output=True, text=True)
    out = p.stdout.split()
    if p.returncode != 0:  # not a git checkout (a handout, a tarball): every source on disk
        out = [os.path.relpath(os.path.join(d, n), ROOT)
               for top in ("kernel", "mm", "pager", "user")
               for d, _, names in os.walk(os.path.join(ROOT, top))
               for n in names if n.endswith((".cc", ".h", ".S", ".inc"))]
    files = {}
    for p in out:
        if p.startswith(("kernel/", "mm/", "pager/", "user/")):
            with open(os.path.join(ROOT, p), encoding="utf-8", errors="replace") as f:
                files[p] = f.read()
    return files


def self_test():
    files = tree_files()
    plants = [
        ("mm/vm_object.cc", "pager/tracked_page_source.h"),
        ("mm/vm_object.h", "kernel/object/pager_proxy.h"),
        ("pager/tracked_page_source.cc", "kernel/object/pager_proxy.h"),
        ("kernel/object/pager_proxy.cc", "kernel/syscalls/syscall.h"),
        ("kernel/wait_queue.cc", "mm/vm_object.h"),
        ("kernel/arch/riscv/trap.cc", "pager/request_tracker.h"),
        ("mm/vm_aspace.cc", "user/fs/ext2.h"),
        ("user/fs/file_pager.cc", "mm/vm_object.h"),
    ]
    missed = 0
    for src, inc in plants:
        planted = dict(files)
        planted[src] = planted.get(src, "") + '\n#include "%s"\n' % inc
        if not any(v.startswith("%s -> %s " % (src, inc)) for v in violations(planted)):
            print("layer check self-test: a planted %s -> %s was not caught" % (src, inc))
            missed += 1
    if not missed:
        print("layer check self-test: %d planted upward includes caught" % len(plants))
    return 1 if missed else 0


def main():
    if "--self-test" in sys.argv[1:]:
        sys.exit(self_test())
    files = tree_files()
    bad = violations(files)
    # An exception whose include is gone is dropped from the list, so the list stays the truth.
    for (src, inc), why in sorted(ALLOWED.items()):
        if inc != "*" and not re.search(r'#\s*include\s+"%s"' % re.escape(inc), files.get(src, "")):
            bad.append("%s -> %s is listed as an exception (%s) but no longer exists" % (src, inc, why))
    for b in bad:
        print("upward include: " + b)
    if bad:
        print("layers depend downwards only (docs/architecture.md, Layers); reach up through an "
              "upcall or an interface, or list a deliberate exception in tools/layer_check.py")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
