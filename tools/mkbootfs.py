#!/usr/bin/env python3
"""Writes the boot image (bootfs) that the kernel hands to init as PA_VMO_BOOTFS.

usage: mkbootfs.py OUT FILE...        build OUT from the files (name = basename without .elf)
       mkbootfs.py --list IMAGE       print the entries of an image (also checks it)

Format, little-endian (user/lib/include/bootfs.h reads it):
  header   magic b"BFS1", uint32 count
  entries  count x (char name[32] NUL-padded, uint64 offset, uint64 size)
  data     each file at a 4096-aligned offset from the start of the image
"""
import os
import struct
import sys

MAGIC = b"BFS1"
NAME_LEN = 32
HEADER = struct.Struct("<4sI")
ENTRY = struct.Struct("<32sQQ")
ALIGN = 4096


def align_up(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


def entry_name(path):
    name = os.path.basename(path)
    if name.endswith(".elf"):
        name = name[: -len(".elf")]
    return name


def build(files):
    names = [entry_name(f) for f in files]
    for n in names:
        if not n or len(n.encode()) > NAME_LEN or "\0" in n:
            raise SystemExit(f"mkbootfs: bad name {n!r} (1..{NAME_LEN} bytes)")
    dups = {n for n in names if names.count(n) > 1}
    if dups:
        raise SystemExit(f"mkbootfs: duplicate names {sorted(dups)}")
    datas = [open(f, "rb").read() for f in files]
    offset = align_up(HEADER.size + ENTRY.size * len(files))
    table, body = [], bytearray()
    for name, data in zip(names, datas):
        table.append(ENTRY.pack(name.encode(), offset, len(data)))
        body += data + bytes(align_up(len(data)) - len(data))
        offset += align_up(len(data))
    head = HEADER.pack(MAGIC, len(files)) + b"".join(table)
    return head + bytes(align_up(len(head)) - len(head)) + bytes(body)


def parse(image):
    """Returns [(name, offset, size)]; raises ValueError on a malformed image. Mirrors the
    checks of user/lib/bootfs.cc."""
    if len(image) < HEADER.size:
        raise ValueError("too short")
    magic, count = HEADER.unpack_from(image, 0)
    if magic != MAGIC:
        raise ValueError("bad magic")
    if HEADER.size + count * ENTRY.size > len(image):
        raise ValueError("entry table past the end")
    out = []
    for i in range(count):
        raw, offset, size = ENTRY.unpack_from(image, HEADER.size + i * ENTRY.size)
        if offset > len(image) or size > len(image) - offset:
            raise ValueError(f"entry {i} past the end")
        out.append((raw.split(b"\0", 1)[0].decode(), offset, size))
    return out


def main(argv):
    if len(argv) == 3 and argv[1] == "--list":
        for name, offset, size in parse(open(argv[2], "rb").read()):
            print(f"{name:32} {offset:#10x} {size:8}")
        return 0
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    image = build(argv[2:])
    # Round trip: what we wrote must parse back to the same files.
    for (name, offset, size), path in zip(parse(image), argv[2:]):
        assert name == entry_name(path) and offset % ALIGN == 0
        assert image[offset : offset + size] == open(path, "rb").read()
    tmp = argv[1] + ".tmp"
    with open(tmp, "wb") as f:
        f.write(image)
    os.replace(tmp, argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
