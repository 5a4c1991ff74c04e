#!/usr/bin/env python3
"""Lab 6 grader: ports (kernel/object/port_dispatcher.cc) and channels
(kernel/object/channel_dispatcher.cc), checked through the kernel's port.* and channel.* self
tests on 1 and 4 harts. Run from the tree root: python3 labs/06-ports-channels/grade.py"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tests.grade.gradelib import *  # noqa: E402,F403

TESTS = [  # (self test, points, title)
    ("port.user_packets", 15, "ports: user packets in order, timeouts, the queue limit"),
    ("port.wait_async", 20, "ports: asynchronous waits, level and edge, once"),
    ("port.cancel_and_withdraw", 15, "ports: cancel, and packets withdrawn on close and destruction"),
    ("channel.messages", 15, "channels: messages with handles, BUFFER_TOO_SMALL sizes"),
    ("channel.peer_closed", 15, "channels: peer close drops unread messages and their handles"),
    ("channel.call_matches_txid", 10, "channels: a call takes only its own reply"),
]

selftest_grader('lab6', 'test=port.,channel.', TESTS, timeout=60, all_on=4)
