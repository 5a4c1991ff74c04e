#!/usr/bin/env python3
"""Lab 1 grader: the buddy physical page allocator (mm/pmm.cc), checked through the kernel's
pmm.* self tests. Run from the tree root: python3 labs/01-pmm/grade.py [--build DIR]"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tests.grade.gradelib import *  # noqa: E402,F403

TESTS = [  # (self test, points, title)
    ("pmm.alloc_free", 10, "pmm: allocate and free single pages"),
    ("pmm.buddy_split", 15, "pmm: large blocks split into buddies"),
    ("pmm.buddy_merge", 15, "pmm: freed buddies merge back"),
    ("pmm.exhaust", 10, "pmm: allocating all memory, then failing cleanly"),
    ("pmm.double_free", 10, "pmm: double free is detected"),
    ("pmm.stress", 20, "pmm: randomized stress"),
]

selftest_grader('lab1', 'test=pmm.', TESTS, timeout=50)
