#!/usr/bin/env python3
"""Lab 5 grader: demand paging and copy-on-write in VM objects (mm/vm_object.cc), the
page-fault path through mappings (mm/vm_mapping.cc), and splitting mappings on partial unmap
and protect (mm/vm_address_region.cc), checked through the kernel's vmo.*, vmar.* and user.*
self tests. Run from the tree root: python3 labs/05-vmo-vmar/grade.py"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tests.grade.gradelib import *  # noqa: E402,F403

TESTS = [  # (self test, points, title)
    ("vmo.sparse_1tib", 10, "vmo: a 1 TiB object costs one page when one page is touched"),
    ("vmo.commit_decommit_resize", 10, "vmo: commit, decommit and resize"),
    ("vmo.snapshot_isolation", 15, "vmo: snapshots share pages until either side writes"),
    ("vmo.snapshot_through_mappings", 15, "vmo: copy-on-write through page faults"),
    ("vmo.slice", 10, "vmo: slices are windows on their parent"),
    ("vmar.map_fault", 15, "vmar: faults map pages of the object"),
    ("vmar.protect_and_unmap_split", 15, "vmar: protect and unmap split mappings"),
    ("vmar.nested_destroy_and_specific", 10, "vmar: nested regions and SPECIFIC placement"),
    ("user.exit_code", 10, "user mode: a program runs and exits with its code"),
    ("user.fault_kills_process", 10, "user mode: a bad access kills only its process"),
]

selftest_grader('lab5', 'test=vmo.,vmar.,user.', TESTS, timeout=60, all_on=4)
