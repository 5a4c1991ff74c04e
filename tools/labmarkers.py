"""Lab solution/stub markers: parsing, validation and the handout transform.

A lab region in a C++/assembly source looks like this (the marker lines may be indented):

    // LAB 1 SOLUTION BEGIN
    ...reference code...
    // LAB 1 SOLUTION END
    // LAB 1 STUB BEGIN
    // lab_todo(1, "pmm: buddy allocation");
    // return nullptr;
    // LAB 1 STUB END

The STUB block is optional; when present it must directly follow the SOLUTION block of the same
lab, and every line in it must be blank or commented out with `//` (so the reference tree
compiles only the solution). For the handout of lab N:

  * regions of lab M >= N lose the solution and get the stub uncommented (the first `// ` or `//`
    after the indentation is removed, the indentation is kept);
  * regions of lab M < N keep the solution and lose the stub;
  * every marker line is removed.

Only files whose suffix is in SOURCE_SUFFIXES are scanned (the files where `//` is a comment);
every other file is copied unchanged. Used by tools/handout.py and tools/check_labs.py.
"""
import os
import re
import subprocess
from dataclasses import dataclass

SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".S")

# A well-formed marker line.
MARKER_RE = re.compile(r"^(\s*)//\s*LAB\s+(\d+)\s+(SOLUTION|STUB)\s+(BEGIN|END)\s*$")
# Anything that looks like an attempt at a marker (so typos are errors, not silently ignored).
NEAR_MARKER_RE = re.compile(r"^\s*//\s*LAB\b.*\b(SOLUTION|STUB|BEGIN|END)\b", re.I)
# A lab directory: labs/<NN>-<name>/.
LAB_DIR_RE = re.compile(r"^(\d+)-[A-Za-z0-9_.-]+$")


class MarkerError(Exception):
    def __init__(self, path, line, message):
        super().__init__("%s:%d: %s" % (path, line, message))
        self.path = path
        self.line = line
        self.message = message


@dataclass
class Region:
    """One SOLUTION or STUB block; begin/end are the 1-based lines of its marker lines."""
    path: str
    lab: int
    kind: str  # "SOLUTION" or "STUB"
    begin: int
    end: int


def is_source(path):
    return path.endswith(SOURCE_SUFFIXES)


def parse(text, path="<text>"):
    """Returns the regions of `text` in order; raises MarkerError on any malformed marker."""
    regions = []
    open_region = None   # (lab, kind, begin line)
    last_solution = None  # (lab, end line) of the SOLUTION block that ended most recently
    for lineno, line in enumerate(text.splitlines(), 1):
        m = MARKER_RE.match(line)
        if not m:
            if NEAR_MARKER_RE.match(line):
                raise MarkerError(path, lineno, "malformed lab marker %r (expected "
                                  "'// LAB <n> SOLUTION|STUB BEGIN|END')" % line.strip())
            if open_region and open_region[1] == "STUB" and line.strip() and \
                    not line.lstrip().startswith("//"):
                raise MarkerError(path, lineno, "line inside LAB %d STUB block is not commented "
                                  "out with //" % open_region[0])
            continue
        lab, kind, edge = int(m.group(2)), m.group(3), m.group(4)
        if edge == "BEGIN":
            if open_region:
                raise MarkerError(path, lineno, "LAB %d %s BEGIN inside LAB %d %s block opened "
                                  "at line %d (regions cannot nest)"
                                  % (lab, kind, open_region[0], open_region[1], open_region[2]))
            if kind == "STUB":
                if not last_solution or last_solution[1] != lineno - 1:
                    raise MarkerError(path, lineno, "LAB %d STUB BEGIN must directly follow a "
                                      "'LAB %d SOLUTION END' line" % (lab, lab))
                if last_solution[0] != lab:
                    raise MarkerError(path, lineno, "LAB %d STUB follows a LAB %d SOLUTION block"
                                      % (lab, last_solution[0]))
            open_region = (lab, kind, lineno)
        else:
            if not open_region:
                raise MarkerError(path, lineno, "LAB %d %s END without a matching BEGIN"
                                  % (lab, kind))
            if (lab, kind) != open_region[:2]:
                raise MarkerError(path, lineno, "LAB %d %s END does not match LAB %d %s BEGIN "
                                  "at line %d" % (lab, kind, open_region[0], open_region[1],
                                                  open_region[2]))
            regions.append(Region(path, lab, kind, open_region[2], lineno))
            if kind == "SOLUTION":
                last_solution = (lab, lineno)
            open_region = None
    if open_region:
        raise MarkerError(path, open_region[2], "LAB %d %s BEGIN is never closed"
                          % (open_region[0], open_region[1]))
    return regions


def uncomment(line):
    """Removes the first '// ' (or '//') after the indentation, keeping the indentation."""
    body = line.lstrip(" \t")
    indent = line[:len(line) - len(body)]
    if body.startswith("// "):
        return indent + body[3:]
    if body.startswith("//"):
        return indent + body[2:]
    return line  # a blank line


def transform(text, lab, path="<text>"):
    """Returns `text` as it appears in the handout of lab `lab` (see the module docstring)."""
    regions = parse(text, path)
    if not regions:
        return text
    lines = text.splitlines(keepends=True)
    out = []
    i = 0  # index into lines (0-based)
    for r in regions:
        out.extend(lines[i:r.begin - 1])
        body = lines[r.begin:r.end - 1]  # between the two marker lines
        if r.kind == "SOLUTION" and r.lab < lab:
            out.extend(body)
        elif r.kind == "STUB" and r.lab >= lab:
            for ln in body:
                nl = "\n" if ln.endswith("\n") else ""
                out.append(uncomment(ln.rstrip("\r\n")) + nl)
        i = r.end  # skip the END marker line
    out.extend(lines[i:])
    return "".join(out)


def read_text(path):
    """Returns the file's text, or None if it is not UTF-8 text (binary files are copied as is)."""
    with open(path, "rb") as f:
        data = f.read()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def tree_files(root):
    """Paths (relative to root) of the git-tracked files plus untracked files that are not
    ignored; files deleted from the working tree are left out."""
    out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"], check=True, stdout=subprocess.PIPE).stdout
    files = sorted(set(p for p in out.decode().split("\0") if p))
    return [p for p in files if os.path.lexists(os.path.join(root, p))]


def lab_dirs(root):
    """{lab number: 'labs/NN-name'} for every lab directory under root/labs."""
    labs = {}
    d = os.path.join(root, "labs")
    if os.path.isdir(d):
        for name in sorted(os.listdir(d)):
            m = LAB_DIR_RE.match(name)
            if m and os.path.isdir(os.path.join(d, name)):
                n = int(m.group(1))
                if n in labs:
                    raise ValueError("two directories for lab %d: %s and %s"
                                     % (n, labs[n], "labs/" + name))
                labs[n] = "labs/" + name
    return labs


def lab_of_path(relpath):
    """The lab number if relpath lies under labs/<NN>-name/, else None."""
    parts = relpath.split("/")
    if len(parts) >= 3 and parts[0] == "labs":
        m = LAB_DIR_RE.match(parts[1])
        if m:
            return int(m.group(1))
    return None


def scan_tree(root, files=None):
    """Parses every source file of the tree; returns (regions, errors)."""
    regions, errors = [], []
    for rel in files if files is not None else tree_files(root):
        full = os.path.join(root, rel)
        if not is_source(rel) or os.path.islink(full) or not os.path.isfile(full):
            continue
        text = read_text(full)
        if text is None:
            continue
        try:
            regions.extend(parse(text, rel))
        except MarkerError as e:
            errors.append(e)
    return regions, errors
