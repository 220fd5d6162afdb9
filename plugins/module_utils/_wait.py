# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one waiter: sample, test a predicate, sleep, until the predicate holds or a deadline passes.

In the style of kubernetes.core's ``k8s`` wait (``wait_timeout``/``wait_sleep``, doc fragment
``virtengine.incident_response.wait``). The clock and the sleeper are arguments, so the loop is unit-tested
without real time passing; every waiting plugin of the collection goes through :func:`wait_until`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

# Reasons a wait ended (the ``reason`` of :func:`wait_until`).
MET = "condition met"
TIMEOUT = "timeout"


def check_wait_arguments(timeout, sleep, min_samples=1):
    """An error message naming the bad value, or None when the wait options are sound."""
    if timeout is None or timeout < 0:
        return "wait_timeout=%s must be 0 or more seconds" % (timeout,)
    if sleep is None or sleep <= 0:
        return "wait_sleep=%s must be more than 0 seconds" % (sleep,)
    if min_samples is None or min_samples < 1:
        return "min_samples=%s must be 1 or more" % (min_samples,)
    return None


def wait_until(sample, done, timeout, sleep, clock=time.monotonic, sleeper=time.sleep, progress=None, min_samples=1):
    """Call ``sample()`` until ``done(answer)`` is true or ``timeout`` seconds (by ``clock``) have passed.

    ``sample()`` returns one answer (any value; it reports a node's error in the answer rather than raising).
    ``done(answer)`` is the predicate. ``progress(answer, number, elapsed)``, when given, is called once per sample
    (number from 1, elapsed seconds since the wait began) to print a progress line. At least ``min_samples``
    samples are taken whatever the deadline, and no sleep goes past the deadline: the last sample is taken at it.

    Returns ``{"done": bool, "reason": "condition met" | "timeout", "samples": int, "elapsed_seconds": float,
    "timeout_seconds": float, "last": the last answer}``.
    Raises ValueError naming the bad value for a negative timeout, a sleep <= 0 or min_samples < 1.
    """
    error = check_wait_arguments(timeout, sleep, min_samples)
    if error:
        raise ValueError(error)
    started = clock()
    deadline = started + timeout
    count = 0
    while True:
        answer = sample()
        count += 1
        now = clock()
        met = bool(done(answer))
        if progress is not None:
            progress(answer, count, now - started)
        if met or (count >= min_samples and now >= deadline):
            return {"done": met, "reason": MET if met else TIMEOUT, "samples": count,
                    "elapsed_seconds": round(now - started, 3), "timeout_seconds": timeout, "last": answer}
        # Never sleep past the deadline (unless samples are still owed): the last sample is taken at the deadline.
        pause = sleep if count < min_samples else min(sleep, max(0.0, deadline - now))
        sleeper(pause)


def timeout_message(what, outcome, last_answer):
    """The failure message of a wait that timed out: what was awaited, the deadline, samples taken, last answer."""
    return "timed out after %s s (wait_timeout=%s) waiting for %s; %d samples taken; last answer: %s" % (
        outcome["elapsed_seconds"], outcome["timeout_seconds"], what, outcome["samples"], last_answer)
