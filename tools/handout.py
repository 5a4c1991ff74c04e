#!/usr/bin/env python3
"""Writes the student handout tree of one lab.

    python3 tools/handout.py --lab N --out DIR [--src ROOT]   write the lab N handout to DIR
    python3 tools/handout.py --list [--src ROOT]              list every lab region
    python3 tools/handout.py --check [--src ROOT]             only validate the markers

The handout holds the git-tracked files of ROOT plus untracked files that are not ignored. In
source files, lab N and later labs have their solutions replaced by their stubs, earlier labs
keep their solutions, and all marker lines are removed (see tools/labmarkers.py). Under labs/
only the directories of lab N and earlier labs are kept. DIR is deleted first and gets a file
.handout-lab holding N. The markers are validated strictly: any error is reported as file:line
and nothing is written.
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labmarkers  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(msg):
    print("handout: " + msg, file=sys.stderr)
    sys.exit(1)


def safe_to_delete(out, src):
    """Refuses to delete the source tree, one of its ancestors, or a directory that is not
    empty and was not written by this script."""
    out_r, src_r = os.path.realpath(out), os.path.realpath(src)
    if out_r == src_r or src_r.startswith(out_r.rstrip(os.sep) + os.sep) or out_r == os.sep:
        fail("refusing to use %s as the output directory: it contains the source tree" % out)
    if os.path.isdir(out) and os.listdir(out) and \
            not os.path.exists(os.path.join(out, ".handout-lab")):
        fail("refusing to delete %s: it is not empty and is not a handout tree" % out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--lab", type=int, help="the lab the handout is for")
    ap.add_argument("--out", help="output directory (deleted first)")
    ap.add_argument("--src", default=ROOT, help="source tree (default: this repository)")
    ap.add_argument("--list", action="store_true", help="print every region: file:line lab kind")
    ap.add_argument("--check", action="store_true", help="only validate the markers")
    ap.add_argument("--exclude", action="append", default=[], metavar="DIR",
                    help="leave out files under DIR (e.g. a build directory inside the tree); "
                    "the output directory is always left out")
    args = ap.parse_args()
    src = os.path.abspath(args.src)

    try:
        files = labmarkers.tree_files(src)
    except Exception as e:  # not a git tree, git missing, ...
        fail("cannot list the files of %s: %s" % (src, e))
    regions, errors = labmarkers.scan_tree(src, files)
    for e in errors:
        print("%s" % e, file=sys.stderr)
    if errors:
        fail("%d marker error(s); nothing written" % len(errors))

    if args.list:
        for r in regions:
            print("%s:%d LAB %d %s (to line %d)" % (r.path, r.begin, r.lab, r.kind, r.end))
        labs = sorted({r.lab for r in regions})
        print("%d region(s) in %d file(s); labs with regions: %s"
              % (len(regions), len({r.path for r in regions}),
                 ", ".join(map(str, labs)) or "none"))
        return 0
    if args.check:
        print("handout: markers OK (%d regions)" % len(regions))
        return 0

    if args.lab is None or not args.out:
        ap.error("--lab and --out are required (or use --list / --check)")
    lab = args.lab
    try:
        labs = labmarkers.lab_dirs(src)
    except ValueError as e:
        fail(str(e))
    if lab not in labs:
        fail("there is no lab %d: no directory labs/%02d-*/ (labs: %s)"
             % (lab, lab, ", ".join("%d (%s)" % kv for kv in sorted(labs.items())) or "none"))

    out = os.path.abspath(args.out)
    safe_to_delete(out, src)
    if os.path.isdir(out) or os.path.islink(out):
        shutil.rmtree(out) if not os.path.islink(out) else os.unlink(out)
    os.makedirs(out)
    with open(os.path.join(out, ".handout-lab"), "w") as f:
        f.write("%d\n" % lab)

    skip = []  # prefixes (relative to src) of directories to leave out
    for d in [out] + args.exclude:
        rel_d = os.path.relpath(os.path.realpath(os.path.abspath(d)), os.path.realpath(src))
        if rel_d != ".." and not rel_d.startswith(".." + os.sep):
            skip.append(rel_d.rstrip(os.sep) + "/")
    files = [f for f in files if not any(f.startswith(p) for p in skip)]

    copied = transformed = 0
    for rel in files:
        file_lab = labmarkers.lab_of_path(rel)
        if file_lab is not None and file_lab > lab:
            continue  # a later lab's directory
        s, d = os.path.join(src, rel), os.path.join(out, rel)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        if os.path.islink(s):
            os.symlink(os.readlink(s), d)
            copied += 1
            continue
        if not os.path.isfile(s):
            continue  # e.g. a submodule
        text = labmarkers.read_text(s) if labmarkers.is_source(rel) else None
        if text is not None:
            new = labmarkers.transform(text, lab, rel)
            if new != text:
                with open(d, "w", newline="") as f:
                    f.write(new)
                shutil.copymode(s, d)
                transformed += 1
                copied += 1
                continue
        shutil.copy2(s, d)
        copied += 1

    # The handout must be free of markers.
    left, errs = labmarkers.scan_tree(out, [r for r in files if os.path.exists(os.path.join(out, r))])
    if left or errs:
        where = ["%s:%d" % (r.path, r.begin) for r in left] + [str(e) for e in errs]
        fail("internal error: markers left in the handout: " + ", ".join(where))
    print("handout: lab %d -> %s (%d files, %d with lab regions)" % (lab, out, copied, transformed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
