#!/usr/bin/env python3
"""Builds the ext2 disk image `make qemu` boots with, and the ext2 images the tests use.

usage: mkdisk.py OUT --rootfs DIR [--size 64M] [--block-size 4096] PROGRAM.elf...

OUT gets the files of DIR (user/rootfs; `.keep` files, which only make git keep empty
directories, are left out) plus every PROGRAM.elf as /bin/PROGRAM, made by `mke2fs -t ext2 -d`
from a staging directory next to OUT. No root is needed.

The image is the same bytes on every build of the same inputs, so that a rebuild that changed
nothing is visible as such and test failures reproduce: mke2fs gets a fixed UUID and hash seed,
E2FSPROGS_FAKE_TIME for the times it makes up, and the staged files get fixed times and modes
(mke2fs copies those from the staging directory). Every inode is then given to root (uid and
gid 0) with debugfs, so the image looks the same whoever built it.

tests/qemu/fsimages.py uses make_ext2() and stage_times() for the test images.
"""
import argparse
import os
import shutil
import subprocess
import sys

# Fixed identity and clock for reproducible images (any constant works; these are recognisable).
UUID = "5eed0000-e2f5-4000-8000-000000000001"
HASH_SEED = "5eed0000-e2f5-4000-8000-000000000002"
FAKE_TIME = 1700000000  # 2023-11-14 22:13:20 UTC

# Files that only keep an empty directory in git.
SKIP_NAMES = {".keep", ".gitkeep"}


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text and text[-1].upper() in units:
        return int(text[:-1]) * units[text[-1].upper()]
    return int(text)


def stage_times(root, when=FAKE_TIME):
    """Gives every file and directory under root (and root) the same times, deepest first so
    that setting a file's time does not disturb its directory's afterwards."""
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames + dirnames:
            os.utime(os.path.join(dirpath, name), (when, when), follow_symlinks=False)
    os.utime(root, (when, when))


def make_ext2(image, staging, size_bytes, block_size=4096, inode_size=256, label="rootfs",
              features=None, chown_root=True):
    """mke2fs -t ext2 -d staging into image (replacing it), deterministically. Returns image."""
    env = dict(os.environ, E2FSPROGS_FAKE_TIME=str(FAKE_TIME))
    if os.path.exists(image):
        os.unlink(image)
    cmd = ["mke2fs", "-q", "-F", "-t", "ext2", "-b", str(block_size), "-I", str(inode_size),
           "-L", label, "-U", UUID, "-E", "root_owner=0:0,hash_seed=%s" % HASH_SEED,
           "-m", "0"]
    if features:
        cmd += ["-O", features]
    cmd += ["-d", staging, image, "%dk" % (size_bytes // 1024)]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("mkdisk: %s failed:\n%s" % (" ".join(cmd), p.stdout + p.stderr))
    fix_inodes(image, staging, env, chown_root)
    return image


def fix_inodes(image, staging, env, chown_root):
    """mke2fs -d copies each file's owner and change time (which no program can set) from the
    staging tree; the image should depend on neither who built it nor when."""
    script = ['sif / ctime %d' % FAKE_TIME]
    for dirpath, dirnames, filenames in os.walk(staging):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            path = "/" + os.path.relpath(full, staging)
            script.append('sif "%s" ctime %d' % (path, FAKE_TIME))
            st = os.lstat(full)
            if chown_root and (st.st_uid != 0 or st.st_gid != 0):
                script += ['sif "%s" uid 0' % path, 'sif "%s" gid 0' % path]
    cmdfile = image + ".debugfs"
    with open(cmdfile, "w") as f:
        f.write("\n".join(script) + "\n")
    p = subprocess.run(["debugfs", "-w", "-f", cmdfile, image], env=env, capture_output=True,
                       text=True)
    os.unlink(cmdfile)
    if p.returncode != 0:
        raise SystemExit("mkdisk: debugfs could not fix inodes:\n%s" % (p.stdout + p.stderr))


def stage_rootfs(staging, rootfs, programs):
    """A fresh staging tree: rootfs's files, then each program as /bin/NAME (mode 0755)."""
    if os.path.exists(staging):
        shutil.rmtree(staging)
    shutil.copytree(rootfs, staging, symlinks=True,
                    ignore=lambda d, names: [n for n in names if n in SKIP_NAMES])
    # git keeps only the executable bit, so modes follow it rather than the builder's umask.
    for dirpath, dirnames, filenames in os.walk(staging):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
        for name in filenames:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full):
                os.chmod(full, 0o755 if os.stat(full).st_mode & 0o111 else 0o644)
    os.chmod(staging, 0o755)
    bindir = os.path.join(staging, "bin")
    os.makedirs(bindir, exist_ok=True)
    os.chmod(bindir, 0o755)
    for elf in programs:
        name = os.path.basename(elf)
        if name.endswith(".elf"):
            name = name[: -len(".elf")]
        dest = os.path.join(bindir, name)
        shutil.copyfile(elf, dest)
        os.chmod(dest, 0o755)
    stage_times(staging)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("programs", nargs="*")
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--size", default="64M")
    ap.add_argument("--block-size", type=int, default=4096)
    a = ap.parse_intermixed_args()
    staging = a.out + ".root"
    stage_rootfs(staging, a.rootfs, a.programs)
    # Written under a temporary name so an interrupted build leaves no half-made image behind.
    tmp = a.out + ".tmp"
    make_ext2(tmp, staging, parse_size(a.size), a.block_size)
    os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
