#!/usr/bin/env python3
"""Lab 4 grader: the handle table's lookup and rights checks (kernel/object/handle_table.cc)
and the user-copy range checks (kernel/user_copy.cc), checked through the kernel's handle.* and
user_copy.* self tests. Run from the tree root: python3 labs/04-syscalls-handles/grade.py"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tests.grade.gradelib import *  # noqa: E402,F403

TESTS = [  # (self test, points, title)
    ("handle.values_and_generations", 20, "handles: values, fixed bits, stale values refused"),
    ("handle.type_and_rights_order", 20, "handles: BAD_HANDLE, then WRONG_TYPE, then ACCESS_DENIED"),
    ("handle.duplicate_replace_rules", 20, "handles: duplicate and replace keep to a subset of rights"),
    ("handle.counts_reach_objects", 10, "handles: objects learn when their last handle closes"),
    ("user_copy.bad_pointers", 20, "user copy: kernel, wrapping and unmapped pointers are refused"),
]

selftest_grader('lab4', 'test=handle.,user_copy.', TESTS, timeout=50)
