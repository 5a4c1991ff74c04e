#!/usr/bin/env python3
"""Writes compile_commands.json (to stdout) for clangd: kernel sources with the cross compiler's
flags, host test sources with the host compiler's."""
import argparse
import json
import os
import shlex


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cxx", required=True)
    ap.add_argument("--flags", required=True)
    ap.add_argument("--host-cxx", required=True)
    ap.add_argument("--host-flags", required=True)
    ap.add_argument("--host-files", default="")
    ap.add_argument("sources", nargs="*")
    a = ap.parse_args()
    root = os.getcwd()
    entries = []
    for src in a.sources:
        if not src.endswith(".cc"):
            continue
        entries.append({"directory": root, "file": os.path.join(root, src),
                        "arguments": [a.cxx] + shlex.split(a.flags) + ["-c", src]})
    for src in a.host_files.split():
        entries.append({"directory": root, "file": os.path.join(root, src),
                        "arguments": [a.host_cxx] + shlex.split(a.host_flags) + ["-c", src]})
    print(json.dumps(entries, indent=1))


if __name__ == "__main__":
    main()
