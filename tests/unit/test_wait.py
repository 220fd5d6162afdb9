# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one waiter (module_utils/_wait.py) on a fake clock, and chain_wait's conditions and progress line."""

import pytest

from ansible_collections.virtengine.incident_response.plugins.action.chain_wait import describe, progress_line
from ansible_collections.virtengine.incident_response.plugins.module_utils._chain import all_reachable, chain_recovered
from ansible_collections.virtengine.incident_response.plugins.module_utils._wait import timeout_message, wait_until
from ansible_collections.virtengine.incident_response.plugins.module_utils._wait_conditions import all_healthy, all_serving, target_words


class FakeClock(object):
    """A clock that only moves when the waiter sleeps (plus what each sample costs)."""

    def __init__(self, sample_cost=0.0):
        self.now = 1000.0
        self.sample_cost = sample_cost
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def answers(clock, values):
    """A sampler returning ``values`` one by one (the last one forever), each costing ``clock.sample_cost``."""
    values = list(values)

    def sample():
        clock.now += clock.sample_cost
        return values.pop(0) if len(values) > 1 else values[0]
    return sample


def test_returns_at_the_first_sample_that_meets_the_condition():
    clock, lines = FakeClock(), []
    outcome = wait_until(answers(clock, [1, 2, 3, 4]), lambda v: v >= 3, 60, 5, clock=clock.clock, sleeper=clock.sleep,
                         progress=lambda v, n, elapsed: lines.append((v, n, elapsed)))
    assert outcome == {"done": True, "reason": "condition met", "samples": 3, "elapsed_seconds": 10.0,
                       "timeout_seconds": 60, "last": 3}
    assert lines == [(1, 1, 0.0), (2, 2, 5.0), (3, 3, 10.0)], "one progress call per sample"
    assert clock.sleeps == [5, 5]


def test_times_out_with_a_last_sample_at_the_deadline():
    clock = FakeClock()
    outcome = wait_until(answers(clock, [0]), lambda v: v > 0, 12, 5, clock=clock.clock, sleeper=clock.sleep)
    assert outcome["done"] is False and outcome["reason"] == "timeout"
    assert clock.sleeps == [5, 5, 2], "the last pause is cut to the deadline, never beyond it"
    assert outcome["samples"] == 4 and outcome["elapsed_seconds"] == 12.0


def test_slow_samples_count_against_the_deadline():
    clock = FakeClock(sample_cost=4.0)
    outcome = wait_until(answers(clock, [0]), lambda v: False, 10, 5, clock=clock.clock, sleeper=clock.sleep)
    # Samples at 4 s (sleep 5), 13 s: past the 10 s deadline, so two samples and one pause.
    assert outcome["samples"] == 2 and clock.sleeps == [5] and outcome["elapsed_seconds"] == 13.0


def test_min_samples_are_taken_whatever_the_deadline():
    clock = FakeClock()
    outcome = wait_until(answers(clock, [0]), lambda v: False, 0, 3, clock=clock.clock, sleeper=clock.sleep, min_samples=3)
    assert outcome["samples"] == 3 and clock.sleeps == [3, 3] and not outcome["done"]


def test_timeout_zero_is_one_sample_and_a_verdict():
    clock = FakeClock()
    assert wait_until(answers(clock, [7]), lambda v: v == 7, 0, 1, clock=clock.clock, sleeper=clock.sleep)["done"] is True
    outcome = wait_until(answers(clock, [6]), lambda v: v == 7, 0, 1, clock=clock.clock, sleeper=clock.sleep)
    assert outcome["samples"] == 1 and outcome["done"] is False and clock.sleeps == []


@pytest.mark.parametrize("timeout, sleep, min_samples, named", [
    (-1, 5, 1, "wait_timeout=-1"), (10, 0, 1, "wait_sleep=0"), (10, 5, 0, "min_samples=0"), (None, 5, 1, "wait_timeout=None"),
])
def test_bad_options_are_named(timeout, sleep, min_samples, named):
    with pytest.raises(ValueError, match=named):
        wait_until(lambda: 1, bool, timeout, sleep, min_samples=min_samples)


def test_the_timeout_message_says_deadline_samples_and_last_answer():
    outcome = {"elapsed_seconds": 12.0, "timeout_seconds": 12, "samples": 4}
    message = timeout_message("height 13", outcome, "validator1 12 ABCDEF01")
    assert message == ("timed out after 12.0 s (wait_timeout=12) waiting for height 13; 4 samples taken; "
                       "last answer: validator1 12 ABCDEF01")


def _reading(heights, hashes=None, unreachable=()):
    nodes = [{"name": "validator%d" % (i + 1), "reachable": h is not None, "height": h, "error": None if h is not None else "connection refused",
              "latest_block_hash": (hashes or ["5A1B3C4D5E6F"] * len(heights))[i] if h is not None else None} for i, h in enumerate(heights)]
    answered = [h for h in heights if h is not None]
    return {"nodes": nodes, "summary": {"max_height": max(answered) if answered else None,
                                        "unreachable": [n["name"] for n in nodes if not n["reachable"]] + list(unreachable)}}


def test_reachable_needs_every_node_answering():
    assert all_reachable(_reading([5, 5])) is True
    assert all_reachable(_reading([5, None])) is False
    assert all_reachable({"nodes": [], "summary": {}}) is False, "no endpoint is no answer"


def test_chain_recovered_without_a_start_counts_from_zero():
    assert chain_recovered(_reading([1]), None, 1) is True
    assert chain_recovered(_reading([None]), 0, 1) is False, "no node answered: no height"


def test_the_progress_line_names_each_node_height_hash_or_error():
    line = progress_line("chain_recovered", _reading([13, None]), 4, 6.2, False)
    assert line == "[chain_recovered     6s #4] validator1 13 5A1B3C4D; validator2 unreachable (connection refused)"
    assert progress_line("reachable", _reading([3]), 1, 0, True).endswith(" MET")


def test_describe_says_what_is_awaited():
    assert describe("chain_recovered", 10, 3, True) == "height 13 (3 new blocks above 10), every node at one height and hash"
    assert describe("reachable", None, 1, False) == "every node's RPC to answer"
    assert describe("provider_healthy", None, 1, False) == "every provider's checks to pass"


def test_providers_are_healthy_when_every_check_passed():
    healthy = {"name": "provider1", "healthy": True, "findings": []}
    sick = {"name": "provider2", "healthy": False, "findings": ["/health answered 503"]}
    assert all_healthy({"providers": [healthy]}) is True
    assert all_healthy({"providers": [healthy, sick]}) is False
    assert all_healthy({"providers": [dict(healthy, healthy=None)]}) is False, "not checked is not healthy"
    assert all_healthy({"providers": []}) is False
    assert target_words("provider_healthy", {"providers": [healthy, sick]}) == [
        "provider1 healthy", "provider2 not healthy (/health answered 503)"]


def test_sidecars_serve_when_every_one_says_serving():
    serving = {"name": "validator1", "state": "serving", "error": None}
    down = {"name": "validator2", "state": "down", "error": "failed to connect to all addresses"}
    assert all_serving({"endpoints": [serving]}) is True
    assert all_serving({"endpoints": [serving, down]}) is False
    assert all_serving({"endpoints": []}) is False
    assert target_words("sidecar_serving", {"endpoints": [serving, down]}) == [
        "validator1 serving", "validator2 down (failed to connect to all addresses)"]
