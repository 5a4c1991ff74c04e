#!/usr/bin/env python3
# Renders the documentation's diagrams (docs/diagrams/*.dot -> *.svg, with Graphviz `dot`) and
# checks, without Graphviz, that every committed SVG was rendered from its .dot as it is now.
# The SVGs are committed so the docs show them on a forge; the check keeps them from going
# stale: each SVG carries the SHA-256 of its source in a comment, and `--check` compares.
import argparse
import hashlib
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIR = os.path.join(ROOT, "docs", "diagrams")
MARK = "dot-source-sha256:"


def source_hash(dot_path):
    with open(dot_path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def stamped_hash(svg_path):
    """The source hash an SVG was rendered from, or None if it carries none."""
    with open(svg_path, encoding="utf-8", errors="replace") as f:
        head = f.read(4096)
    i = head.find(MARK)
    if i < 0:
        return None
    return head[i + len(MARK):].split()[0]


def dots():
    return sorted(os.path.join(DIR, n) for n in os.listdir(DIR) if n.endswith(".dot"))


def render():
    if not shutil.which("dot"):
        sys.exit("diagrams: Graphviz `dot` is missing (bash tools/deps.sh --diagrams installs it)")
    for dot in dots():
        svg = dot[:-4] + ".svg"
        p = subprocess.run(["dot", "-Tsvg", dot], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("diagrams: dot failed on %s:\n%s" % (dot, p.stderr))
        out = p.stdout
        # The stamp goes right after the XML declaration, where --check looks for it.
        stamp = "<!-- %s %s (rendered from %s by tools/diagrams.py) -->\n" % (
            MARK, source_hash(dot), os.path.relpath(dot, ROOT))
        decl_end = out.find("?>")
        at = out.find("\n", decl_end) + 1 if decl_end >= 0 else 0
        out = out[:at] + stamp + out[at:]
        with open(svg, "w", encoding="utf-8") as f:
            f.write(out)
        print("  DOT     %s" % os.path.relpath(svg, ROOT))


def check():
    bad = []
    for dot in dots():
        svg = dot[:-4] + ".svg"
        rel = os.path.relpath(svg, ROOT)
        if not os.path.exists(svg):
            bad.append("%s: missing (run make diagrams and commit it)" % rel)
        elif stamped_hash(svg) != source_hash(dot):
            bad.append("%s: stale, its .dot changed since it was rendered (run make diagrams)" % rel)
    for n in sorted(os.listdir(DIR)):
        if n.endswith(".svg") and not os.path.exists(os.path.join(DIR, n[:-4] + ".dot")):
            bad.append("docs/diagrams/%s: no .dot source" % n)
    for b in bad:
        print(b)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="check the committed SVGs are current (no Graphviz needed)")
    args = ap.parse_args()
    if args.check:
        sys.exit(check())
    render()


if __name__ == "__main__":
    main()
