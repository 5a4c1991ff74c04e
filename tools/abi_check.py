#!/usr/bin/env python3
"""Fail if a piece of the user ABI is written by hand outside kernel/abi.table.

    python3 tools/abi_check.py              scan the tree; exit 1 and list what was found
    python3 tools/abi_check.py --self-test  check that the scanner finds planted copies

kernel/abi.table is the one description of the ABI's values, types and records; the kernel and
user headers are generated from it (tools/syscalls.py, tools/abi.py). This check scans
kernel/, mm/, pager/ and user/lib/include (generated outputs excluded) for:

  - a ZX_ (or __ZX_) name defined by hand: #define, constexpr/const, an enumerator;
  - an ABI type from the table defined again: typedef/using, struct or union;
  - a record with another name but the fields of a table record, in order (at least three):
    a copy such as `struct InfoVmo { zx_koid_t koid; char name[32]; ... }`;
  - a number given a name with a comment naming the ZX_ value it copies
    (`constexpr uint32_t kFoo = 4;  // ZX_FOO`): use ZX_FOO itself.

It cannot recognize a bare number that no comment ties to its ZX_ name (`case 23:`); those
are for review to catch. tools/syscalls.py --check (also in `make test`) separately checks that
the generated files are current. Python 3 standard library only.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abi  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCAN = ["kernel", "mm", "pager", "user/lib/include"]
GENERATED = ["kernel/gen/", "user/lib/include/zircon/gen/", "user/lib/gen/",
             "user/lib/include/zircon/syscalls/definitions.h"]
EXTS = (".h", ".cc", ".c", ".inc", ".S")

NAME = r"(__ZX_[A-Z0-9_]+|ZX_[A-Z0-9_]+)"
DEFINE_RE = re.compile(r"^\s*#\s*define\s+" + NAME + r"\b")
CONST_RE = re.compile(r"\b(?:constexpr|const)\b[^=;()]*?\b" + NAME + r"\s*(?:=|\{)")
ENUM_RE = re.compile(r"^\s*" + NAME + r"\s*=\s*[^=]")
TYPEDEF_RE = re.compile(r"\btypedef\b[^;]*?\b(zx_[a-z0-9_]+_t)\s*;")
USING_RE = re.compile(r"\busing\s+(zx_[a-z0-9_]+_t)\s*=")
RECORD_RE = re.compile(r"\b(struct|union)\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^{;]*)?\{")
COPY_RE = re.compile(r"=\s*(\(?-?(?:0x[0-9a-fA-F]+|\d+)[uUlL]*(?:\s*<<\s*\d+[uU]?)?\)?)\s*[;,]"
                     r".*//.*?\b" + NAME + r"\b")
GUARD_RE = re.compile(r"_H_?$")


def strip_comments(text):
    """Block and line comments become spaces (newlines kept), so line numbers stay."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r"/\*.*?\*/|//[^\n]*", blank, text, flags=re.S)


def record_bodies(code):
    """(kind, name, line, [field names]) of each struct/union definition with a body."""
    out = []
    for m in RECORD_RE.finditer(code):
        depth, i = 1, m.end()
        while i < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[i], 0)
            i += 1
        body = code[m.end():i - 1]
        # Field names of this level only: drop nested bodies and member functions.
        flat = re.sub(r"\{[^{}]*\}", ";", re.sub(r"\{[^{}]*\}", ";", body))
        fields = []
        for decl in flat.split(";"):
            decl = decl.strip()
            if not decl or "(" in decl or decl.startswith(("public", "private", "protected")):
                continue
            fm = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]]*\])?\s*(?:=.*)?$", decl)
            if fm:
                fields.append(fm.group(1))
        out.append((m.group(1), m.group(2), code.count("\n", 0, m.start()) + 1, fields))
    return out


def table_records(sections):
    recs = {}
    for s in sections:
        for it in s.items:
            if it.kind in ("struct", "union"):
                names = []
                for f in it.fields:
                    names += [f.name] if f.name else [m.name for m in f.members]
                recs[it.name] = names
    return recs


def scan_text(rel, text, abi_names, type_names, records):
    """Problems in one file, as 'path:line: message' strings."""
    problems = []
    code = strip_comments(text)
    code_lines = code.split("\n")
    raw_lines = text.split("\n")
    for n, line in enumerate(code_lines, 1):
        for rx, what in ((DEFINE_RE, "#define"), (CONST_RE, "constant"), (ENUM_RE, "enumerator")):
            m = rx.search(line)
            if m and not (rx is DEFINE_RE and GUARD_RE.search(m.group(1))):
                name = m.group(1)
                fix = ("kernel/abi.table defines it already" if name in abi_names
                       else "add it to kernel/abi.table instead")
                problems.append(f"{rel}:{n}: {name} defined by hand ({what}); {fix}")
        for rx in (TYPEDEF_RE, USING_RE):
            m = rx.search(line)
            if m and m.group(1) in type_names:
                problems.append(f"{rel}:{n}: ABI type {m.group(1)} defined by hand; it is "
                                f"generated from kernel/abi.table")
        raw = raw_lines[n - 1] if n - 1 < len(raw_lines) else ""
        m = COPY_RE.search(raw)
        if m and m.group(2) in abi_names and c_value(m.group(1)) == abi_names[m.group(2)]:
            problems.append(f"{rel}:{n}: a number copied from {m.group(2)}; use the name")
    for kind, name, n, fields in record_bodies(code):
        tname = name if name.endswith("_t") else name + "_t"
        if tname in records and (name.startswith("zx_") or name.startswith("__zx")):
            problems.append(f"{rel}:{n}: ABI {kind} {name} defined by hand; it is generated "
                            f"from kernel/abi.table")
            continue
        if len(fields) >= 3:
            for rname, rfields in records.items():
                if fields == rfields:
                    problems.append(f"{rel}:{n}: {kind} {name} copies the fields of {rname}; use "
                                    f"{rname} (kernel/gen/abi.h)")
    return problems


def c_value(expr, consts=None, depth=0):
    """The value of a simple C integer expression (literals, casts, | & ~ << >> + -, names of
    table constants), or None if it is not that simple."""
    e = re.sub(r"\((?:const\s+)?[a-z_][a-z0-9_]*\)", "", expr)          # casts
    e = re.sub(r"\b(0x[0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", e)              # suffixes
    if consts is not None and depth < 8:
        e = re.sub(r"\b_*ZX_[A-Z0-9_]+\b",
                   lambda m: f"({consts[m.group(0)]})" if consts.get(m.group(0)) is not None
                   else m.group(0), e)
    if not re.fullmatch(r"[\s0-9a-fA-Fx()|&~<>+\-]*", e) or not e.strip():
        return None
    try:
        return eval(e, {"__builtins__": {}}, {})  # digits and operators only, checked above
    except Exception:
        return None


def load_table(root):
    with open(os.path.join(root, abi.TABLE), encoding="utf-8") as f:
        sections = abi.parse(f.read())
    names, types = {}, set()
    for s in sections:
        for it in s.items:
            if it.kind in ("typedef", "struct", "union"):
                types.add(it.name)
            else:
                # Value of each constant (None for macros and what is not plain arithmetic).
                names[it.name] = c_value(it.value, names) if it.kind == "const" else None
    return names, types, table_records(sections)


def scan_tree(root):
    abi_names, type_names, records = load_table(root)
    problems = []
    for top in SCAN:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for fn in sorted(filenames):
                if not fn.endswith(EXTS):
                    continue
                path = os.path.join(dirpath, fn)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                if any(rel.startswith(g) for g in GENERATED):
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    problems += scan_text(rel, f.read(), abi_names, type_names, records)
    return problems


SELF_TEST = [
    ("#define ZX_OK 0\n", "ZX_OK defined by hand"),
    ("constexpr zx_status_t ZX_ERR_INTERNAL = -1;\n", "ZX_ERR_INTERNAL defined by hand"),
    ("enum : uint32_t {\n  ZX_RIGHT_READ = 4,\n};\n", "ZX_RIGHT_READ defined by hand"),
    ("using zx_handle_t = uint32_t;\n", "ABI type zx_handle_t"),
    ("typedef uint32_t zx_rights_t;\n", "ABI type zx_rights_t"),
    ("struct zx_port_packet_t {\n  uint64_t key;\n};\n", "ABI struct zx_port_packet_t"),
    ("struct InfoKmem {\n  uint64_t total_bytes;\n  uint64_t free_bytes;\n  uint64_t wired_bytes;\n"
     "  uint64_t total_heap_bytes;\n  uint64_t free_heap_bytes;\n  uint64_t vmo_bytes;\n"
     "  uint64_t mmu_overhead_bytes;\n  uint64_t ipc_bytes;\n  uint64_t other_bytes;\n};\n",
     "copies the fields of zx_info_kmem_stats_t"),
    ("constexpr uint32_t kResizable = 1u << 1;  // ZX_VMO_RESIZABLE\n",
     "a number copied from ZX_VMO_RESIZABLE"),
    ("#define ZX_SOMETHING_NEW 7\n", "ZX_SOMETHING_NEW defined by hand"),
]
SELF_TEST_CLEAN = ("constexpr uint32_t kResizable = ZX_VMO_RESIZABLE;\n"
                   "// ZX_OK is 0\nif (s == ZX_OK) return 1;\n"
                   "struct Foo {\n  int a;\n  int b;\n};\n")


def self_test(root):
    abi_names, type_names, records = load_table(root)
    failed = 0
    for text, want in SELF_TEST:
        got = scan_text("planted.h", text, abi_names, type_names, records)
        if not any(want in g for g in got):
            print(f"abi_check self-test: missed {want!r} in {text!r}: {got}", file=sys.stderr)
            failed += 1
    got = scan_text("clean.h", SELF_TEST_CLEAN, abi_names, type_names, records)
    if got:
        print(f"abi_check self-test: false alarms on clean code: {got}", file=sys.stderr)
        failed += 1
    if failed:
        return 1
    print(f"abi_check self-test: {len(SELF_TEST)} planted copies found, clean code passes")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--self-test", action="store_true", help="check the scanner itself")
    ap.add_argument("--root", default=ROOT)
    args = ap.parse_args(argv)
    try:
        if args.self_test:
            return self_test(args.root)
        problems = scan_tree(args.root)
    except abi.AbiError as e:
        print(f"abi_check: {e}", file=sys.stderr)
        return 2
    if problems:
        print("abi_check: ABI values or records written by hand (kernel/abi.table is the one "
              "place; run tools/syscalls.py after adding them there):", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"abi_check: no ZX_ value or ABI record is written by hand outside kernel/abi.table "
          f"({', '.join(SCAN)} scanned)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
