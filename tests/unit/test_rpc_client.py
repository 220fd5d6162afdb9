# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RPC client over real HTTP: captured answers, real error answers, and broken servers."""

import socket
import threading
import time

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import (
    CometRPC,
    RPCError,
    fan_out,
    normalize_url,
)
from ansible_collections.virtengine.incident_response.tests.unit.fixture_server import FIXTURES, FixtureNode, captured_error


def _fixed(status, body, content_type="application/json"):
    return lambda query: (status, body, content_type)


def test_status_result_is_returned():
    with FixtureNode("healthy", "validator1") as node:
        status = CometRPC(node.url).status()
    assert status["node_info"]["moniker"] == "validator1"


def test_block_hash_at_a_height_from_a_real_commit():
    with FixtureNode("healthy", "validator2") as node:
        block_hash = CometRPC(node.url).block_hash(365)
        asked = [q for m, q in node.requests if m == "commit"]
    assert asked == [{"height": "365"}]
    assert block_hash == "02D03392147D1755F5EACA0C5EFE55A7C8CC68C30ABEE0BD01D93D2B99FB3EC0"


def test_validators_are_read_page_by_page_from_a_real_paged_answer():
    files = sorted((FIXTURES / "paged").glob("validators_*_page*_per3.json"))
    height = files[0].name.split("_")[1]

    def page(query):
        assert query["per_page"] == "3" and query["height"] == height
        return 200, (FIXTURES / "paged" / ("validators_%s_page%s_per3.json" % (height, query["page"]))).read_text(), "application/json"

    with FixtureNode("paged", "validator1", {"validators": page}) as node:
        validators = CometRPC(node.url).validators(int(height), per_page=3)
        pages = [q["page"] for m, q in node.requests if m == "validators"]
    assert pages == ["1", "2", "3"]
    assert [int(v["voting_power"]) for v in validators] == [50, 40, 30, 20, 10, 10, 10]
    assert len({v["address"] for v in validators}) == 7


def test_real_json_rpc_error_is_readable():
    with FixtureNode("healthy", "validator1", {"validators": lambda q: captured_error("future_height")}) as node:
        with pytest.raises(RPCError) as caught:
            CometRPC(node.url, retries=0).validators(99999999)
    message = str(caught.value)
    assert "RPC error -32603 (Internal error)" in message and "must be less than or equal" in message
    assert node.url in message


def test_real_invalid_params_error_is_readable():
    with FixtureNode("healthy", "validator1", {"validators": lambda q: captured_error("bad_param")}) as node:
        with pytest.raises(RPCError, match=r"-32602 \(Invalid params\)"):
            CometRPC(node.url, retries=0).validators("abc")


def test_unknown_method_plain_text_404_is_not_json():
    with FixtureNode("healthy", "validator1", {"status": lambda q: captured_error("unknown_method")}) as node:
        with pytest.raises(RPCError, match=r"not JSON \(HTTP 404, body starts with '404 page not found'\)"):
            CometRPC(node.url, retries=0).status()


@pytest.mark.parametrize("body, expected", [
    ("{not json", "not JSON"),
    ("[1, 2]", "not a JSON-RPC object"),
    ('{"jsonrpc": "2.0", "id": -1}', "has no 'result'"),
    ("<html>hello</html>", "is this a CometBFT RPC port?"),
])
def test_garbage_answers_are_readable(body, expected):
    with FixtureNode("healthy", "validator1", {"status": _fixed(200, body)}) as node:
        with pytest.raises(RPCError, match=expected):
            CometRPC(node.url, retries=0).status()


def test_a_503_is_retried_then_succeeds():
    calls = []
    real = (FIXTURES / "healthy" / "validator1_status.json").read_text()

    def flaky(query):
        calls.append(1)
        return (503, "starting", "text/plain") if len(calls) == 1 else (200, real, "application/json")

    with FixtureNode("healthy", "validator1", {"status": flaky}) as node:
        assert CometRPC(node.url, retries=1, backoff=0.01).status()["node_info"]["moniker"] == "validator1"
    assert len(calls) == 2


def test_retries_are_bounded():
    calls = []

    def always_503(query):
        calls.append(1)
        return 503, "down", "text/plain"

    with FixtureNode("healthy", "validator1", {"status": always_503}) as node:
        with pytest.raises(RPCError, match="HTTP 503"):
            CometRPC(node.url, retries=2, backoff=0.01).status()
    assert len(calls) == 3


def test_connection_refused_says_what_to_check():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RPCError, match="connection refused"):
        CometRPC("http://127.0.0.1:%d" % port, retries=0).status()


def test_a_hung_server_times_out():
    def slow(query):
        time.sleep(1.5)
        return 200, "{}", "application/json"

    with FixtureNode("healthy", "validator1", {"status": slow}) as node:
        with pytest.raises(RPCError, match=r"no answer within 0.3s"):
            CometRPC(node.url, timeout=0.3, retries=0).status()


def test_a_hung_server_costs_one_timeout_not_one_per_retry():
    calls = []

    def hung(query):
        calls.append(1)
        time.sleep(1.0)
        return 200, "{}", "application/json"

    with FixtureNode("healthy", "validator1", {"status": hung}) as node:
        started = time.monotonic()
        with pytest.raises(RPCError, match=r"no answer within 0.3s"):
            CometRPC(node.url, timeout=0.3, retries=3, backoff=0.01).status()
        elapsed = time.monotonic() - started
    assert len(calls) == 1, "a timeout is not retried"
    assert elapsed < 0.9


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1:26657", "http://", "127.0.0.1:26657", "http://127.0.0.1:99999", "", None])
def test_invalid_urls_name_the_bad_value(url):
    with pytest.raises(RPCError, match="invalid RPC URL"):
        normalize_url(url)


def test_valid_urls_are_normalised():
    assert normalize_url("http://127.0.1.1:26657/") == "http://127.0.1.1:26657"
    assert normalize_url(" https://rpc.example.org ") == "https://rpc.example.org"


def test_fan_out_reports_each_failure_in_order():
    def work(item):
        if item == 2:
            raise RPCError("http://x", "connection refused")
        if item == 3:
            raise KeyError("sync_info")
        return item * 10

    results = fan_out(work, [1, 2, 3, 4], max_workers=4)
    assert [r[0] for r in results] == [1, 2, 3, 4]
    assert results[0][1:] == (10, None) and results[3][1:] == (40, None)
    assert results[1] == (2, None, "http://x: connection refused")
    assert results[2][1] is None and results[2][2] == "unexpected KeyError: 'sync_info'"
    assert fan_out(work, []) == []


def test_fan_out_runs_concurrently():
    # All ten must be inside the function at once to pass the barrier; run one by one, it would break.
    barrier = threading.Barrier(10, timeout=20)
    results = fan_out(lambda item: barrier.wait() is not None, range(10), max_workers=10)
    assert [r[2] for r in results] == [None] * 10
