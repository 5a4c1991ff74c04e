#!/usr/bin/env python3
"""Lab 2 grader: Sv39 page tables (mm/page_table.cc), checked through the kernel's pt.* self
tests. Run from the tree root: python3 labs/02-pagetable/grade.py [--build DIR]"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tests.grade.gradelib import *  # noqa: E402,F403

TESTS = [  # (self test, points, title)
    ("pt.map_query", 15, "pt: map pages and query translations"),
    ("pt.unmap_frees_tables", 15, "pt: unmap frees empty page-table pages"),
    ("pt.protect", 15, "pt: change permissions"),
    ("pt.large_pages", 15, "pt: 2 MiB and 1 GiB mappings"),
    ("pt.already_exists", 10, "pt: mapping over a mapping is refused"),
    ("pt.kernel_wx", 10, "pt: kernel image is mapped W^X"),
]

selftest_grader('lab2', 'test=pt.', TESTS, timeout=50)
