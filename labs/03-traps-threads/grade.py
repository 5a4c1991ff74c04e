#!/usr/bin/env python3
"""Lab 3 grader: context switches, scheduling, wait queues with timeouts and timer
preemption, checked through the kernel's self tests on 1 hart and on 4 harts.
Run from the tree root: python3 labs/03-traps-threads/grade.py [--build DIR]"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tests.grade.gradelib import *  # noqa: E402,F403

TESTS = [  # (harts, self test, points, title)
    (1, "thread.create_join", 10, "1 hart: threads are created and joined"),
    (1, "sched.preempt", 10, "1 hart: the timer preempts a busy thread"),
    (1, "wq.wake_one", 10, "1 hart: wake_one wakes exactly one waiter"),
    (1, "wq.timeout", 10, "1 hart: a wait with a timeout returns after the timeout"),
    (1, "mutex.contention", 10, "1 hart: mutex under contention"),
    (1, "timer.sleep_order", 10, "1 hart: sleepers wake in deadline order"),
    (4, "thread.create_join", 10, "4 harts: threads are created and joined"),
    (4, "mutex.contention", 10, "4 harts: mutex under contention"),
    (4, "sched.preempt", 10, "4 harts: the timer preempts busy threads"),
]

selftest_grader('lab3', 'test=thread.,sched.,wq.,mutex.,timer.', TESTS, timeout=45)
