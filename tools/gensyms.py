#!/usr/bin/env python3
"""Turns `nm -n -C` output of the first kernel link into the symbol table that panic() uses to
print backtraces with function names (an assembly file for the .ksyms section).

  gensyms.py --empty            an empty table, for the first link
  gensyms.py SYMFILE            the table for the text symbols in SYMFILE
  gensyms.py --check A B        fails if any text symbol moved between two links
"""
import sys


def text_symbols(path):
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) != 3 or parts[1] not in ("t", "T", "W", "w"):
                continue
            name = parts[2]
            if name.startswith(".L") or name.startswith("$"):
                continue
            syms.append((int(parts[0], 16), name))
    return syms


def emit(syms):
    out = ['.section .ksyms, "a"', ".balign 8", ".globl ksyms_count", ".globl ksyms_table",
           "ksyms_count: .dword %d" % len(syms), "ksyms_table:"]
    for i, (addr, _) in enumerate(syms):
        out.append(".dword 0x%x, .Lname%d" % (addr, i))
    for i, (_, name) in enumerate(syms):
        esc = name.replace("\\", "\\\\").replace('"', '\\"')
        out.append('.Lname%d: .asciz "%s"' % (i, esc))
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    if args == ["--empty"]:
        sys.stdout.write(emit([]))
        return 0
    if len(args) == 3 and args[0] == "--check":
        a, b = dict((n, x) for x, n in text_symbols(args[1])), dict(
            (n, x) for x, n in text_symbols(args[2]))
        moved = [n for n in a if n in b and a[n] != b[n]]
        if moved:
            sys.stderr.write("gensyms: symbols moved between links: %s\n" % ", ".join(moved[:5]))
            return 1
        return 0
    if len(args) == 1:
        sys.stdout.write(emit(text_symbols(args[0])))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
