#!/usr/bin/env python3
"""The ext2 images the filesystem tests boot with (user/bin/fstests.cc reads them in QEMU).

Every image is made by the reference tool, `mke2fs -t ext2 -d STAGING` (tools/mkdisk.py's
make_ext2: fixed UUID, hash seed and times), from a staging tree written here, so the same
source always gives the same bytes and the server is tested against what real tools write.
Images are cached in build/test/fsimages/ and remade when this file or tools/mkdisk.py changes;
a test run copies the pristine image before QEMU writes to it.

  content_image(build, bs)     every size boundary, holes, a 1,000-entry directory, deep paths,
                               symlinks; returns the facts (sizes, sha256) computed on the host
  errors_image(build)          an image plus a QEMU blkdebug configuration that fails reads of
                               one sector of /bad/victim (`fstests errors`)
  corrupt_images(build)        deliberately broken images, one per kind (`fstests corrupt KIND`)
  expected_writes(bs)          what `fstests`'s write tests leave on the disk, for the host check

The content pattern (fstests.cc's pattern_word() computes the same). A file's seed is the
64-bit FNV-1a hash of its absolute path in the image (e.g. b"/sizes/s_4097"), passed through
the splitmix64 finalizer. The 64-bit little-endian word at byte offset o (o a multiple of 8) is

    seed ^ ((o/8 % 512) * K1) ^ ((o/4096 + 1) * K2)      (mod 2^64)

and a byte is the corresponding byte of its word. So every file differs from every other (a
swapped file or a file read under the wrong name fails), every 8-byte word of a 4 KiB page
differs from its neighbours and every page from every other (a shifted or misplaced read
fails), and no block is all zeros (mke2fs -d would store an all-zero block as a hole). Sparse
files hold the pattern at their absolute offsets inside the data ranges and zeros elsewhere.

Each image holds /MANIFEST, a text file listing what the test must find (one entry a line):

    bs BLOCK_SIZE
    f PATH SIZE SHA256                       a regular file, the pattern all through
    s PATH SIZE SHA256 [OFFSET+LENGTH ...]   a sparse file: the pattern in the listed ranges,
                                             zeros (holes) elsewhere
    d PATH COUNT                             a directory with COUNT entries besides . and ..
    l PATH TARGET                            a symlink
    big PATH                                 the file the eviction test reads twice (under a
                                             page budget smaller than it)

The 1,000-entry directory /many holds entries named many_name(i) (i = 0..999): "e%04d" % i
followed by (i % 37) letters 'a' + (i % 26); every 100th is a directory, the rest are empty
files.
"""
import hashlib
import json
import re
import os
import shutil
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from tools import mkdisk  # noqa: E402

M64 = (1 << 64) - 1
K1 = 0x9E3779B97F4A7C15
K2 = 0xC2B2AE3D27D4EB4F
PAGE = 4096


# ---- the pattern ------------------------------------------------------------------------------
def path_seed(path):
    h = 0xCBF29CE484222325
    for b in path.encode():
        h = ((h ^ b) * 0x100000001B3) & M64
    # splitmix64's finalizer, so that similar names give unrelated seeds
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & M64
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & M64
    return h ^ (h >> 31)


def _page_base(seed):
    """The XOR of the seed and the per-word constant of each word of a page, as one integer."""
    words = struct.pack("<512Q", *((seed ^ ((j * K1) & M64)) for j in range(512)))
    return int.from_bytes(words, "little")


def pattern(path, offset, length):
    """The pattern bytes of file `path` at [offset, offset + length)."""
    seed = path_seed(path)
    base = _page_base(seed)
    out = bytearray()
    first, last = offset // PAGE, (offset + length + PAGE - 1) // PAGE
    for page in range(first, last):
        key = struct.pack("<Q", ((page + 1) * K2) & M64) * 512
        out += (base ^ int.from_bytes(key, "little")).to_bytes(PAGE, "little")
    start = offset - first * PAGE
    return bytes(out[start:start + length])


def file_bytes(path, size, ranges=None):
    """The whole expected content: the pattern in the ranges (all of it if None), else zeros."""
    if ranges is None:
        return pattern(path, 0, size)
    data = bytearray(size)
    for off, length in ranges:
        data[off:off + length] = pattern(path, off, length)
    return bytes(data)


def many_name(i):
    return "e%04d" % i + chr(ord("a") + i % 26) * (i % 37)


# ---- staging ----------------------------------------------------------------------------------
class Facts:
    """What an image holds, for the harness (the test reads the same from /MANIFEST)."""

    def __init__(self, block_size):
        self.block_size = block_size
        self.files = {}     # path -> (size, sha256 hex, ranges or None)
        self.dirs = {}      # path -> number of entries besides . and ..
        self.links = {}     # path -> target
        self.big = None
        self.lines = ["bs %d" % block_size]

    def manifest(self):
        return "\n".join(self.lines) + "\n"

    def to_json(self):
        return dict(self.__dict__)

    @staticmethod
    def from_json(d):
        f = Facts(d["block_size"])
        f.__dict__.update(d)
        return f


class Stager:
    def __init__(self, staging, block_size):
        if os.path.exists(staging):
            shutil.rmtree(staging)
        os.makedirs(staging)
        self.root = staging
        self.facts = Facts(block_size)

    def host(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def mkdir(self, path):
        os.makedirs(self.host(path), exist_ok=True)

    def file(self, path, size, ranges=None, listed=True):
        """A pattern file; with ranges, a sparse one (holes where no range is)."""
        full = self.host(path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        data = file_bytes(path, size, ranges)
        with open(full, "wb") as f:
            if ranges is None:
                f.write(data)
            else:
                # Only the ranges are written, so the staged file has real holes (mke2fs -d
                # copies the file's extents, and would also skip all-zero blocks).
                for off, length in ranges:
                    f.seek(off)
                    f.write(data[off:off + length])
                f.truncate(size)
        digest = hashlib.sha256(data).hexdigest()
        self.facts.files[path] = (size, digest, ranges)
        if listed:
            if ranges is None:
                self.facts.lines.append("f %s %d %s" % (path, size, digest))
            else:
                self.facts.lines.append("s %s %d %s%s" % (path, size, digest,
                                                          "".join(" %d+%d" % r for r in ranges)))

    def symlink(self, path, target):
        full = self.host(path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        os.symlink(target, full)
        self.facts.links[path] = target
        self.facts.lines.append("l %s %s" % (path, target))

    def dir_count(self, path, count):
        self.facts.dirs[path] = count
        self.facts.lines.append("d %s %d" % (path, count))

    def finish(self):
        with open(self.host("/MANIFEST"), "w") as f:
            f.write(self.facts.manifest())
        mkdisk.stage_times(self.root)
        return self.facts


DEEP_DIRS = ["level%02d" % i for i in range(1, 13)]
DEEP_LEAF = "/deep/" + "/".join(DEEP_DIRS) + "/leaf"


def stage_content(staging, bs, with_big):
    s = Stager(staging, bs)
    p = bs // 4  # block numbers per indirect block
    direct, single, double = 12, 12 + p, 12 + p + p * p  # first block mapped through each level
    sizes = [0, 1, 4095, 4096, 4097,
             direct * bs - 1, direct * bs, direct * bs + 1,
             single * bs - 1, single * bs, single * bs + 1]
    for n in sizes:
        s.file("/sizes/s_%d" % n, n)
    if bs == 1024:
        # The double/triple-indirect boundary (64.3 MiB with 1 KiB blocks; 4 GiB with 4 KiB,
        # which this image leaves out): sparse, data only in the blocks around the boundary.
        for n in (double * bs - 1, double * bs, double * bs + 1):
            lo = (double - 3) * bs
            s.file("/sizes/t_%d" % n, n, [(0, 100), (lo, n - lo)])
    s.file("/holes/h1", (single + 10) * bs + 5,
           [(0, 1000), (20 * bs, bs), ((single + 5) * bs + 100, 3000)])
    s.file("/holes/tail", 300000, [(0, 5000)])
    s.file("/holes/empty", 1 << 20, [])
    s.file("/holes/head", 777777 + 4321, [(777777, 4321)])
    # The file the eviction test reads under a page budget smaller than it.
    if with_big:
        s.file("/big/file40m", 40 << 20)
        s.facts.big = "/big/file40m"
    else:
        s.file("/big/file2m", 2 << 20)
        s.facts.big = "/big/file2m"
    s.facts.lines.append("big %s" % s.facts.big)

    # Files for the concurrent readers alone, so they start cold.
    s.file("/conc/shared", 1 << 20)
    for i in range(4):
        s.file("/conc/f%d" % i, (256 << 10) + 1000 * i)

    s.mkdir("/many")
    for i in range(1000):
        if i % 100 == 0:
            s.mkdir("/many/" + many_name(i))
        else:
            open(s.host("/many/" + many_name(i)), "wb").close()
    s.dir_count("/many", 1000)

    s.file(DEEP_LEAF, 5000)
    s.file("/names/" + "n" * 255, 300)  # the longest name ext2 allows

    # Symlinks: fast (target in the inode) and slow (target longer than 60 bytes: a block),
    # relative, absolute, chains, to a directory, dangling and loops.
    s.symlink("/links/fast", "../sizes/s_4097")
    slow = ".." + DEEP_LEAF
    assert len(slow) > 60
    s.symlink("/links/slow", slow)
    s.symlink("/links/abs", "/sizes/s_1")
    s.symlink("/links/chain1", "chain2")
    s.symlink("/links/chain2", "chain3")
    s.symlink("/links/chain3", "../sizes/s_4096")
    s.symlink("/links/dir", "../deep")
    s.symlink("/links/dangling", "nonexistent")
    s.symlink("/links/loop_a", "loop_b")
    s.symlink("/links/loop_b", "loop_a")
    s.symlink("/links/self", "self")

    s.mkdir("/w")  # where the write tests work
    return s.finish()


def _stamp():
    """Images depend on this file and tools/mkdisk.py; the stamp names their contents."""
    h = hashlib.sha256()
    for f in (__file__, mkdisk.__file__):
        with open(f, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:16]


def _cached(build, name, make):
    """Builds build/test/fsimages/NAME once per version of the generator (the stamp file holds
    a hash of this file and tools/mkdisk.py) and keeps its Facts next to it as JSON, so a test
    run neither stages nor hashes anything when nothing changed. Returns (path, Facts)."""
    d = os.path.join(build, "test", "fsimages")
    os.makedirs(d, exist_ok=True)
    image = os.path.join(d, name)
    stamp, facts_file = image + ".stamp", image + ".facts.json"
    want = _stamp()
    have = open(stamp).read() if os.path.exists(stamp) else ""
    if have == want and os.path.exists(image) and os.path.exists(facts_file):
        with open(facts_file) as f:
            return image, Facts.from_json(json.load(f))
    staging = image + ".root"
    facts = make(image + ".tmp", staging)
    shutil.rmtree(staging)
    os.replace(image + ".tmp", image)
    with open(facts_file, "w") as f:
        json.dump(facts.to_json(), f)
    with open(stamp, "w") as f:
        f.write(want)
    return image, facts


def content_image(build, bs):
    """The content image with bs-byte blocks (1 KiB: 128-byte inodes and the triple-indirect
    boundary; 4 KiB: 256-byte inodes and the 40 MiB file). Returns (path, Facts)."""
    def make(image, staging):
        facts = stage_content(staging, bs, with_big=(bs == 4096))
        size = (128 << 20) if bs == 4096 else (32 << 20)
        mkdisk.make_ext2(image, staging, size, block_size=bs,
                         inode_size=256 if bs == 4096 else 128, label="fstests")
        return facts
    return _cached(build, "content-%dk.img" % (bs // 1024), make)


def hostile_image(build):
    """A small empty-ish image (8 MiB, 1 KiB blocks) for user/bin/fshostile.cc: small so that
    writing until the disk is full is quick. Returns (path, Facts)."""
    def make(image, staging):
        s = Stager(staging, 1024)
        s.file("/README", 100)
        facts = s.finish()
        mkdisk.make_ext2(image, staging, 8 << 20, block_size=1024, inode_size=128,
                         label="hostile")
        return facts
    return _cached(build, "hostile.img", make)


def working_copy(image, path):
    """A copy of a pristine image for one run to write to."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shutil.copyfile(image, path)
    return path


# ---- what the write tests leave behind (fstests.cc's writes_* tests) --------------------------
def expected_writes(bs):
    """{path: bytes} of every file under /w after `fstests` ran, and the paths that must be
    gone. fstests.cc writes the same (its comments name each case); content is the pattern of
    the path the file ends up at, except where a case says otherwise."""
    p = bs // 4
    files = {}
    grow = (12 + p + 2) * bs + 123  # through the direct, single and into the double indirect
    files["/w/grow"] = pattern("/w/grow", 0, grow)
    over = bytearray(pattern("/w/over.old", 0, 3 * bs + 5))
    lo, hi = bs - 7, 2 * bs + 9
    over[lo:hi] = pattern("/w/over", lo, hi - lo)
    files["/w/over"] = bytes(over)
    files["/w/shrink"] = pattern("/w/shrink", 0, 5 * bs + 3)
    files["/w/regrow"] = pattern("/w/regrow", 0, bs + 1) + bytes(6 * bs - (bs + 1))
    files["/w/renamed"] = pattern("/w/renamed", 0, 10000)
    files["/w/target"] = pattern("/w/target", 0, 7000)
    files["/w/sparse"] = bytes(5 * bs + 3) + pattern("/w/sparse", 5 * bs + 3, 100)
    files["/w/sub/f"] = pattern("/w/sub/f", 0, 2 * bs)
    files["/w/dir2/inner"] = pattern("/w/dir2/inner", 0, 333)
    files["/w/empty"] = b""
    for i in range(4):  # writes_concurrent_clients: one process each
        path = "/w/conc/p%d" % i
        files[path] = pattern(path, 0, 100000 + 7777 * i)
    for i in range(40):
        if i % 2 == 1:
            path = "/w/many/f%02d" % i
            files[path] = pattern(path, 0, 100 * i)
    gone = ["/w/tmpname", "/w/source", "/w/gone", "/w/sub/empty", "/w/dir1"] + \
        ["/w/many/f%02d" % i for i in range(40) if i % 2 == 0]
    return files, gone


def debugfs(image, request):
    p = subprocess.run(["debugfs", "-R", request, image], capture_output=True)
    return p.stdout, p.stderr.decode(errors="replace")


def check_writes(image, bs, workdir):
    """Compares the files under /w in image with expected_writes(bs): a list of problems.
    debugfs rdump copies the tree out without mounting it."""
    problems = []
    if os.path.exists(workdir):
        shutil.rmtree(workdir)
    os.makedirs(workdir)
    debugfs(image, "rdump /w %s" % workdir)
    files, gone = expected_writes(bs)
    for path, want in sorted(files.items()):
        host = os.path.join(workdir, path.lstrip("/"))
        if not os.path.isfile(host):
            problems.append("%s is missing" % path)
            continue
        with open(host, "rb") as f:
            got = f.read()
        if got != want:
            at = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]),
                      min(len(got), len(want)))
            problems.append("%s differs: %d bytes, expected %d; first difference at byte %d"
                            % (path, len(got), len(want), at))
    for path in gone:
        if os.path.lexists(os.path.join(workdir, path.lstrip("/"))):
            problems.append("%s still exists" % path)
    return problems


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fsck(image):
    """e2fsck -fn: (clean, output)."""
    try:
        p = subprocess.run(["e2fsck", "-fn", image], capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return False, "e2fsck -fn did not finish in 120 s"
    out = (p.stdout + p.stderr).decode(errors="replace")
    return p.returncode == 0, out


# ---- disk errors: blkdebug --------------------------------------------------------------------
def errors_image(build):
    """A small image whose /bad/victim has one unreadable sector (QEMU's blkdebug driver fails
    every read of it with EIO, which virtio-blk reports as VIRTIO_BLK_S_IOERR). Returns
    (image, blkdebug config, Facts, the failing byte offset within /bad/victim)."""
    bs = 4096
    victim_block = 40  # 160 KiB into the file: readahead from the start reaches it only late

    def make(image, staging):
        s = Stager(staging, bs)
        s.file("/ok/before", 64 << 10)
        s.file("/bad/victim", 256 << 10)
        s.file("/ok/after", 64 << 10)
        s.file("/ok/small", 1000)
        facts = s.finish()
        mkdisk.make_ext2(image, staging, 8 << 20, block_size=bs, label="fserrors")
        return facts
    image, facts = _cached(build, "errors-4k.img", make)
    out, err = debugfs(image, "bmap /bad/victim %d" % victim_block)
    try:
        disk_block = int(out.split()[0])
    except (IndexError, ValueError):
        raise RuntimeError("debugfs bmap found no block: %s %s" % (out, err))
    sector = disk_block * bs // 512
    config = image + ".blkdebug"
    with open(config, "w") as f:
        f.write('# Fails every read of sector %d (block %d of /bad/victim) with EIO.\n'
                '[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "%d"\nonce = "off"\n'
                % (sector, victim_block, sector))
    return image, config, facts, victim_block * bs


def blkdebug_args(config, image):
    """QEMU arguments for a modern virtio-blk disk whose reads go through blkdebug."""
    return ["-global", "virtio-mmio.force-legacy=false",
            "-drive", "file=blkdebug:%s:%s,if=none,format=raw,id=disk0" % (config, image),
            "-device", "virtio-blk-device,drive=disk0"]


# ---- corrupted images -------------------------------------------------------------------------
# Each kind: what fstests.cc's corrupt test checks for it (in words; the code is there).
CORRUPTIONS = [
    ("bad_magic", "superblock magic is wrong: the mount is refused"),
    ("bad_gdt", "group 0's inode table lies past the end of the disk: the mount is refused"),
    ("bad_block", "an inode maps a block past the end: reading /victim fails, /ok still reads"),
    ("dir_overrun", "a directory record runs past its block: listing /dir fails"),
    ("dir_zero_reclen", "a directory record of length 0: listing /dir fails, never hangs"),
    ("dirent_bad_inode", "a directory entry names inode past the inode count: stat fails"),
    ("absurd_size", "a file claims 2^62 bytes: opening or reading it fails"),
    ("dir_loop", "a directory entry points at its own directory: lookups end, rename into "
                 "itself is refused"),
]


def _read_super(img):
    img.seek(1024)
    sb = img.read(1024)
    (inodes_count, blocks_count, _, _, _, first_data_block, log_bs, _, blocks_per_group, _,
     inodes_per_group) = struct.unpack_from("<11I", sb, 0)
    inode_size = struct.unpack_from("<H", sb, 88)[0]
    return {"inodes": inodes_count, "blocks": blocks_count, "first": first_data_block,
            "bs": 1024 << log_bs, "ipg": inodes_per_group, "isize": inode_size}


def _inode_offset(img, sb, ino):
    """Byte offset of inode `ino` in the image (group descriptor table after the superblock)."""
    group, index = (ino - 1) // sb["ipg"], (ino - 1) % sb["ipg"]
    gdt = (sb["first"] + 1) * sb["bs"]
    img.seek(gdt + group * 32 + 8)
    table = struct.unpack("<I", img.read(4))[0]
    return table * sb["bs"] + index * sb["isize"]


def _ino(image, path):
    out, _ = debugfs(image, "stat %s" % path)
    for tok in out.decode(errors="replace").split("\n")[0].split():
        if tok.isdigit():
            return int(tok)
    raise RuntimeError("debugfs: no inode for %s" % path)


def _dir_entries(img, sb, block):
    """(offset, inode, rec_len, name) of each record in a directory block."""
    img.seek(block * sb["bs"])
    data = img.read(sb["bs"])
    out, off = [], 0
    while off < len(data):
        ino, rec_len, name_len = struct.unpack_from("<IHB", data, off)
        out.append((block * sb["bs"] + off, ino, rec_len, data[off + 8:off + 8 + name_len].decode()))
        if rec_len == 0:
            break
        off += rec_len
    return out


def _patch(img, offset, fmt, *values):
    img.seek(offset)
    img.write(struct.pack(fmt, *values))


def corrupt(image, kind):
    """Breaks a copy of the corrupt-base image in place, the way `kind` says."""
    dir_block = None
    if kind.startswith("dir") or kind == "dirent_bad_inode":
        out, _ = debugfs(image, "bmap /dir 0")
        dir_block = int(out.split()[0])
    ino = {}
    for path in ("/dir", "/victim", "/huge", "/dir/loop"):
        ino[path] = _ino(image, path)
    with open(image, "r+b") as img:
        sb = _read_super(img)
        if kind == "bad_magic":
            _patch(img, 1024 + 56, "<H", 0x1234)
        elif kind == "bad_gdt":
            _patch(img, (sb["first"] + 1) * sb["bs"] + 8, "<I", sb["blocks"] + 5)
        elif kind == "bad_block":
            base = _inode_offset(img, sb, ino["/victim"])
            _patch(img, base + 40, "<I", sb["blocks"] + 1000)            # i_block[0]
            _patch(img, base + 40 + 12 * 4, "<I", sb["blocks"] + 77)     # the indirect block
        elif kind in ("dir_overrun", "dir_zero_reclen", "dirent_bad_inode"):
            entries = _dir_entries(img, sb, dir_block)
            # The first entry after "." and "..": the listing sees the good ones first.
            off = entries[3][0]
            if kind == "dir_overrun":
                _patch(img, off + 4, "<H", sb["bs"] * 2 + 4)
            elif kind == "dir_zero_reclen":
                _patch(img, off + 4, "<H", 0)
            else:
                _patch(img, off, "<I", sb["inodes"] + 100)
        elif kind == "absurd_size":
            base = _inode_offset(img, sb, ino["/huge"])
            _patch(img, base + 108, "<I", 1 << 30)  # i_size_high: the size becomes ~2^62
        elif kind == "dir_loop":
            for off, _, _, name in _dir_entries(img, sb, dir_block):
                if name == "loop":
                    _patch(img, off, "<I", ino["/dir"])
        else:
            raise ValueError(kind)


def corrupt_images(build):
    """[(kind, image path, what)] for every kind in CORRUPTIONS, each a fresh copy of one base
    image (1 KiB blocks: /ok, /victim (20 blocks: direct and single indirect), /huge, /dir with
    twenty files and a subdirectory `loop`) broken in one way."""
    def make(image, staging):
        s = Stager(staging, 1024)
        s.file("/ok", 3000)
        s.file("/victim", 20 * 1024)
        s.file("/huge", 5000)
        for i in range(20):
            s.file("/dir/f%02d" % i, 10 + i)
        s.mkdir("/dir/loop")
        facts = s.finish()
        mkdisk.make_ext2(image, staging, 2 << 20, block_size=1024, inode_size=128,
                         label="corrupt")
        return facts
    base, _ = _cached(build, "corrupt-base.img", make)
    out = []
    for kind, what in CORRUPTIONS:
        path = os.path.join(build, "test", "fsimages", "corrupt-%s.img" % kind)
        working_copy(base, path)
        corrupt(path, kind)
        out.append((kind, path, what))
    return out


# ---- damaged images: every field in turn ------------------------------------------------------
# A base image (three groups of 1,024 1 KiB blocks) made by mke2fs -d, then one field of the
# superblock, a group descriptor, a bitmap, an inode or a directory entry set to a value it
# should not have. `fstests damaged` runs reads and writes on each; the harness checks that
# nothing crashed or leaked and that e2fsck -fn finds no kind of damage afterwards that it did
# not find before (damage_kinds).

SB_FIELDS = [  # (name, offset, struct format)
    ("inodes_count", 0, "I"), ("blocks_count", 4, "I"), ("r_blocks_count", 8, "I"),
    ("free_blocks_count", 12, "I"), ("free_inodes_count", 16, "I"),
    ("first_data_block", 20, "I"), ("log_block_size", 24, "I"), ("log_frag_size", 28, "I"),
    ("blocks_per_group", 32, "I"), ("frags_per_group", 36, "I"), ("inodes_per_group", 40, "I"),
    ("mtime", 44, "I"), ("wtime", 48, "I"), ("mnt_count", 52, "H"), ("max_mnt_count", 54, "H"),
    ("magic", 56, "H"), ("state", 58, "H"), ("errors", 60, "H"), ("minor_rev_level", 62, "H"),
    ("lastcheck", 64, "I"), ("checkinterval", 68, "I"), ("creator_os", 72, "I"),
    ("rev_level", 76, "I"), ("def_resuid", 80, "H"), ("first_ino", 84, "I"),
    ("inode_size", 88, "H"), ("block_group_nr", 90, "H"), ("feature_compat", 92, "I"),
    ("feature_incompat", 96, "I"), ("feature_ro_compat", 100, "I"), ("uuid", 104, "I"),
    ("volume_name", 120, "I"), ("reserved_gdt_blocks", 206, "H"),
]
GD_FIELDS = [("block_bitmap", 0, "I"), ("inode_bitmap", 4, "I"), ("inode_table", 8, "I"),
             ("free_blocks_count", 12, "H"), ("free_inodes_count", 14, "H"),
             ("used_dirs_count", 16, "H")]
INODE_FIELDS = [("mode", 0, "H"), ("size", 4, "I"), ("dtime", 20, "I"), ("links_count", 26, "H"),
                ("blocks", 28, "I"), ("flags", 32, "I"), ("block0", 40, "I"),
                ("block11", 84, "I"), ("ind", 88, "I"), ("dind", 92, "I"), ("tind", 96, "I"),
                ("file_acl", 104, "I"), ("size_high", 108, "I")]
DIRENT_FIELDS = [("inode", 0, "I"), ("rec_len", 4, "H"), ("name_len", 6, "B"),
                 ("file_type", 7, "B")]
DAMAGED_INODES = ["/", "/dir", "/ok", "/big", "/slowlink"]
_MAX = {"I": 0xFFFFFFFF, "H": 0xFFFF, "B": 0xFF}


def _bad_values(value, fmt):
    """0, all ones, and one more than it was: each different from the value."""
    out = []
    for v in (0, _MAX[fmt], (value + 1) & _MAX[fmt]):
        if v != value and v not in out:
            out.append(v)
    return out


def damage_base(build):
    """The base image of the damaged set. Returns its path."""
    def make(image, staging):
        s = Stager(staging, 1024)
        s.file("/ok", 3000)
        s.file("/victim", 20 * 1024)
        s.file("/big", 300 * 1024)  # direct, single and double indirect blocks
        for i in range(20):
            s.file("/dir/f%02d" % i, 10 + i)
        s.mkdir("/dir/loop")
        s.symlink("/fastlink", "ok")
        s.symlink("/slowlink", "/" + "x" * 70 + "/../ok")
        facts = s.finish()
        env = dict(os.environ, E2FSPROGS_FAKE_TIME=str(mkdisk.FAKE_TIME))
        if os.path.exists(image):
            os.unlink(image)
        cmd = ["mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", "-I", "128", "-g", "1024",
               "-N", "384", "-L", "damage", "-U", mkdisk.UUID, "-E",
               "root_owner=0:0,hash_seed=%s" % mkdisk.HASH_SEED, "-m", "0", "-d", staging,
               image, "3072k"]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        mkdisk.fix_inodes(image, staging, env, True)
        return facts
    image, _ = _cached(build, "damage-base.img", make)
    return image


def _inode_blocks(img, sb, ino):
    img.seek(_inode_offset(img, sb, ino) + 40)
    return list(struct.unpack("<15I", img.read(60)))


def damages(image):
    """[(name, [(offset, fmt, value)...])] for the base image: every field in turn."""
    out = []
    with open(image, "rb") as img:
        sb = _read_super(img)
        bs = sb["bs"]
        data = img.read()  # everything, from byte 2048 on (after the superblock read)
        img.seek(0)
        whole = img.read()

        def value_at(off, fmt):
            return struct.unpack_from("<" + fmt, whole, off)[0]
        # Superblock fields.
        for name, off, fmt in SB_FIELDS:
            for v in _bad_values(value_at(1024 + off, fmt), fmt):
                out.append(("sb_%s_%#x" % (name, v), [(1024 + off, fmt, v)]))
        # Group descriptors of groups 0 and 1, and pointers at other metadata.
        gdt = (sb["first"] + 1) * bs
        gd = [struct.unpack_from("<3I", whole, gdt + 32 * g) for g in range(3)]
        for g in (0, 1):
            for name, off, fmt in GD_FIELDS:
                for v in _bad_values(value_at(gdt + 32 * g + off, fmt), fmt):
                    out.append(("gd%d_%s_%#x" % (g, name, v), [(gdt + 32 * g + off, fmt, v)]))
        out.append(("gd0_block_bitmap_is_itable", [(gdt, "I", gd[0][2])]))
        out.append(("gd0_inode_bitmap_is_block_bitmap", [(gdt + 4, "I", gd[0][0])]))
        out.append(("gd0_inode_table_is_gdt", [(gdt + 8, "I", sb["first"] + 1)]))
        out.append(("gd1_inode_table_is_group0s", [(gdt + 32 + 8, "I", gd[0][2])]))
        out.append(("gd1_block_bitmap_is_group0s", [(gdt + 32, "I", gd[0][0])]))
        # Bitmaps: zeroed, all ones, one live bit cleared.
        for g in (0, 1):
            for kind, idx in (("block", 0), ("inode", 1)):
                at = gd[g][idx] * bs
                out.append(("bitmap%d_%s_zeroed" % (g, kind), [(at + i * 4, "I", 0)
                                                             for i in range(bs // 4)]))
                out.append(("bitmap%d_%s_ones" % (g, kind), [(at + i * 4, "I", 0xFFFFFFFF)
                                                           for i in range(bs // 4)]))
        inos = {p: _ino(image, p) for p in DAMAGED_INODES + ["/victim", "/dir/f00"]}
        for path in ("/ok", "/dir"):  # the bit of a live inode, and of its first block
            ino = inos[path]
            byte = gd[0][1] * bs + (ino - 1) // 8
            out.append(("bitmap0_inode_bit_of_%s" % path.strip("/"),
                        [(byte, "B", whole[byte] & ~(1 << ((ino - 1) % 8)) & 0xFF)]))
            blk = _inode_blocks(img, sb, ino)[0]
            byte = gd[0][0] * bs + (blk - sb["first"]) // 8
            out.append(("bitmap0_block_bit_of_%s" % path.strip("/"),
                        [(byte, "B", whole[byte] & ~(1 << ((blk - sb["first"]) % 8)) & 0xFF)]))
        # Inode fields.
        for path in DAMAGED_INODES:
            base = _inode_offset(img, sb, inos[path])
            tag = path.strip("/") or "root"
            for name, off, fmt in INODE_FIELDS:
                for v in _bad_values(value_at(base + off, fmt), fmt):
                    out.append(("inode_%s_%s_%#x" % (tag, name, v), [(base + off, fmt, v)]))
        # Block maps that point where they must not: at themselves, at metadata, at another
        # file's blocks.
        big = _inode_blocks(img, sb, inos["/big"])
        ok = _inode_blocks(img, sb, inos["/ok"])
        root = _inode_blocks(img, sb, 2)
        big_base = _inode_offset(img, sb, inos["/big"])
        ind, dind = big[12], big[13]
        out.append(("map_dind_points_at_itself", [(dind * bs, "I", dind)]))
        out.append(("map_dind_child_points_at_dind", [(value_at(dind * bs, "I") * bs, "I", dind)]))
        out.append(("map_ind_points_at_itself", [(ind * bs, "I", ind)]))
        out.append(("map_ind_points_at_itable", [(ind * bs + 4, "I", gd[0][2])]))
        out.append(("map_block0_is_block_bitmap", [(big_base + 40, "I", gd[0][0])]))
        out.append(("map_block0_is_inode_table", [(big_base + 40, "I", gd[0][2])]))
        out.append(("map_block0_is_superblock", [(big_base + 40, "I", sb["first"])]))
        out.append(("map_block0_is_ok_data", [(big_base + 40, "I", ok[0])]))
        out.append(("map_ind_is_root_dir", [(big_base + 88, "I", root[0])]))
        out.append(("map_dind_is_ind", [(big_base + 92, "I", ind)]))
        # Directory entries of the root and of /dir: ".", "..", and the first name after them.
        for path in ("/", "/dir"):
            blk = (root if path == "/" else _inode_blocks(img, sb, inos["/dir"]))[0]
            entries = _dir_entries(img, sb, blk)[:3]
            tag = path.strip("/") or "root"
            for i, (off, _, _, name) in enumerate(entries):
                for fname, foff, fmt in DIRENT_FIELDS:
                    for v in _bad_values(value_at(off + foff, fmt), fmt):
                        out.append(("dirent_%s_%d_%s_%#x" % (tag, i, fname, v),
                                    [(off + foff, fmt, v)]))
        del data
    return out


def damaged_image(base, path, patches):
    """A copy of base at path with the patches applied."""
    working_copy(base, path)
    with open(path, "r+b") as img:
        for off, fmt, v in patches:
            _patch(img, off, "<" + fmt, v)
    return path


# The lines of e2fsck -fn that are progress, not findings.
_FSCK_NOISE = re.compile(r"^(Pass \d|e2fsck |\S+: \d+/\d+ files|\S+: \*+|Warning: skipping|"
                         r"Running additional passes|\s*$)")


def damage_kinds(fsck_output, backups=False):
    """The kinds of problem e2fsck reported: each finding with its numbers and names blanked,
    so that the same damage found at a different inode or count compares equal. With backups
    (e2fsck had to read the backup superblock or descriptors, the primary being damaged), free
    and directory counts are left out: the backups' counts are as old as the image, and the
    server, like Linux, keeps only the primary's up to date."""
    kinds = set()
    for line in fsck_output.splitlines():
        if _FSCK_NOISE.match(line):
            continue
        if backups and re.search(r"count wrong|Fix\? no|Padding at end", line):
            continue
        m = re.match(r"(Block|Inode) bitmap differences:(.*)", line)
        if m:  # the kind is which bitmap and which way (+ unmarked use, - marked non-use)
            line = "%s bitmap differences: %s" % (m.group(1), " ".join(
                sorted(set(re.findall(r"[+-]", m.group(2))))))
        line = re.sub(r"0x[0-9a-f]+|\d+", "N", line)
        line = re.sub(r"'[^']*'|\([^)]*\)|/\S*", "X", line)
        kinds.add(line.strip())
    return kinds


def main():
    import argparse
    ap = argparse.ArgumentParser(description="build the filesystem test images")
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    for bs in (1024, 4096):
        image, facts = content_image(build, bs)
        print("%s: %d files, %d links" % (image, len(facts.files), len(facts.links)))
    image, config, facts, off = errors_image(build)
    print("%s: blkdebug %s (fails /bad/victim at byte %d)" % (image, config, off))
    for kind, path, what in corrupt_images(build):
        print("%s: %s" % (path, what))
    return 0


if __name__ == "__main__":
    sys.exit(main())
