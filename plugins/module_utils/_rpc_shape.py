# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of each CometBFT RPC answer the collection reads, checked in one place.

Pure code, no I/O and no Ansible import, built on ``_cometbft_rpc.Answer`` (which stays importable alone, for
scripts/localnet). Every reader takes
the JSON-RPC ``result`` of one endpoint and returns plain values, or raises ShapeError: ``unsupported /net_info
answer: no result.peers[0].node_info (it has node_id, url); Tendermint v0.35 shape?``, never a KeyError or
TypeError. Where another version's answer means the same thing, it is read:

- ``/status``: the same fields from Tendermint v0.34 to CometBFT v0.38 (v0.35 adds state-sync counters);
- ``/net_info``: v0.34, v0.37, v0.38 ``peers[].node_info``; Tendermint v0.35 (and its forks, e.g. sei-tendermint)
  ``peers[].{node_id, url}`` with ``url`` ``mconn://<id>@<host>:<port>`` (tendermint/tendermint#8636), where
  direction and remote address are unknown (None);
- ``/validators`` (paged by ``CometRPC.validators``), ``/commit``: int64 as strings in every version; ``block_id_flag`` a number (v0.34-v0.38) or
  the protobuf enum name ``BLOCK_ID_FLAG_COMMIT`` that gRPC gateways print.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.virtengine.incident_response.plugins.module_utils._cometbft_rpc import Answer, ShapeError, as_int

NODE_ID = re.compile(r"^[0-9a-f]{40}$")
# block_id_flag: 1 absent, 2 commit (signed for the block), 3 nil.
BLOCK_ID_FLAGS = {"BLOCK_ID_FLAG_ABSENT": 1, "BLOCK_ID_FLAG_COMMIT": 2, "BLOCK_ID_FLAG_NIL": 3}
_MCONN_URL = re.compile(r"^(?:[a-z]+://)?(?P<id>[^@/]+)@(?P<host>\[[^\]]+\]|[^:/]+):(?P<port>\d+)$")


def node_id_error(value):
    """None for a CometBFT node id (40 lower-case hex digits), else what is wrong with it.

    CometBFT compares ids as strings (the hex of the node key's address, lower case): an id in another case passes
    the config parser but fails every handshake (``auth failure: ... dialed ID ... mismatch``); another length is
    refused at start.
    """
    text = "" if value is None else str(value)
    if NODE_ID.match(text):
        return None
    if re.match(r"^[0-9a-fA-F]{40}$", text):
        return "node id %s is not lower-case: CometBFT compares node ids case-sensitively, so every handshake fails " \
               "(auth failure: dialed ID mismatch); write %s" % (text, text.lower())
    return "node id %r is not 40 lower-case hex digits (it has %d characters)" % (text, len(text))


def read_status(result):
    """``/status`` -> ``{node_id, moniker, network, version, listen_addr, height, latest_block_hash, latest_app_hash,
    latest_block_time, earliest_block_height, catching_up, validator_address, voting_power}``."""
    answer = Answer("/status", result)
    node, sync = answer.child("node_info"), answer.child("sync_info")
    validator = Answer("/status", answer.get("validator_info", dict, default={}), "result.validator_info")
    return {
        "node_id": node.text("id"),
        "moniker": node.text("moniker", default=None),
        "network": node.text("network", default=None),
        "version": node.text("version", default=None),
        "listen_addr": node.text("listen_addr", default=None),
        "height": sync.integer("latest_block_height"),
        "latest_block_hash": sync.text("latest_block_hash", default=None),
        "latest_app_hash": sync.text("latest_app_hash", default=None),
        "latest_block_time": sync.text("latest_block_time", default=None),
        "earliest_block_height": sync.integer("earliest_block_height", default=0),
        "catching_up": bool(sync.get("catching_up", default=False)),
        "validator_address": validator.text("address", default=None),
        "voting_power": validator.integer("voting_power", default=0),
    }


def _peer_from_url(peer):
    """A v0.35 peer ``{node_id, url}``; the url's id must be the peer's id."""
    url = peer.text("url")
    found = _MCONN_URL.match(url)
    if not found:
        peer.fail("%s.url %r is not [mconn://]<id>@<host>:<port>" % (peer.where, url))
    node_id = peer.text("node_id")
    if found.group("id") != node_id:
        peer.fail("%s.url names %s, not its node_id %s" % (peer.where, found.group("id"), node_id))
    host = found.group("host").strip("[]")
    return {"id": node_id, "moniker": None, "is_outbound": None, "remote_ip": host,
            "listen_addr": "tcp://%s:%s" % (found.group("host"), found.group("port"))}


def read_net_info(result):
    """``/net_info`` -> ``{n_peers, peers: [{id, moniker, is_outbound, remote_ip, listen_addr}], shape}``.

    ``shape`` is ``node_info`` (v0.34, v0.37, v0.38) or ``v0.35`` (peers as node_id and url: direction unknown).
    """
    answer = Answer("/net_info", result)
    peers, shape = [], "node_info"
    for peer in answer.items("peers", optional=True):
        if isinstance(peer.value, dict) and "node_info" not in peer.value and {"node_id", "url"} <= set(peer.value):
            shape = "v0.35"
            peers.append(_peer_from_url(peer))
            continue
        info = peer.child("node_info")
        peers.append({"id": info.text("id"), "moniker": info.text("moniker", default=None),
                      "is_outbound": bool(peer.get("is_outbound", default=False)), "remote_ip": peer.text("remote_ip", default=None),
                      "listen_addr": info.text("listen_addr", default=None)})
    return {"n_peers": answer.integer("n_peers", default=len(peers)), "peers": peers, "shape": shape}


def block_id_flag(value, where="block_id_flag"):
    """1 (absent), 2 (commit) or 3 (nil) from a number, a numeric string or the protobuf enum name."""
    if isinstance(value, str) and value in BLOCK_ID_FLAGS:
        return BLOCK_ID_FLAGS[value]
    try:
        flag = as_int(value, where)
    except ValueError:
        flag = None
    if flag not in (1, 2, 3):
        raise ShapeError("unsupported /commit answer: %s is %r, not 1, 2, 3 or BLOCK_ID_FLAG_*" % (where, value))
    return flag


def read_commit(result):
    """``/commit`` -> ``{height, round, block_hash, signatures: [{block_id_flag, validator_address}]}``."""
    commit = Answer("/commit", result).child("signed_header").child("commit")
    signatures = []
    for signature in commit.items("signatures"):
        signatures.append({"block_id_flag": block_id_flag(signature.get("block_id_flag"), signature.where + ".block_id_flag"),
                           "validator_address": (signature.text("validator_address", default="") or "").upper()})
    return {"height": commit.integer("height"), "round": commit.integer("round", default=0),
            "block_hash": commit.text("block_id.hash"), "signatures": signatures}


def read_round_state(result):
    """``/consensus_state`` -> ``{height_round_step, start_time, height_vote_set, proposer}`` (v0.34-v0.38)."""
    state = Answer("/consensus_state", result).child("round_state")
    proposer = state.get("proposer", dict, default={}) or {}
    return {"height_round_step": state.text("height/round/step"), "start_time": state.text("start_time"),
            "height_vote_set": state.get("height_vote_set", list, default=[]) or [],
            "proposer": {"address": proposer.get("address"), "index": proposer.get("index")}}
