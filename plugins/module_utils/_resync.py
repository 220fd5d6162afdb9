# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a resync of a node acts with: the parameters a gated plan binds for the role ``node_resync``.

Every runbook that resyncs nodes (PLAY-001 ``diverged_resync``, PLAY-002 ``peer_reset`` / ``minority_resync``,
PLAY-021 ``node_restart`` / ``state_sync`` / ``snapshot_restore``) puts these parameters in its plan, so that the
fingerprint an operator approves covers every value the resync uses, and ``node_resync`` takes them from the approved
plan (``gate_approved.parameters``), never from the caller's variables. The free space a reset needs is a guard, not a
value the change uses (raising it can only refuse), and it grows with the chain between two runs: it stays a setting.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

METHODS = ("restart", "peers", "blocksync", "statesync", "snapshot")
SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
BLOCK_HASH_RE = re.compile(r"^[0-9A-Fa-f]{64}$")
PERIOD_RE = re.compile(r"^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$")


class ResyncError(ValueError):
    """A resync plan that cannot run, naming the value and what to give instead."""


def resync_parameters(method, trust=None, snapshot_url="", snapshot_sha256="", persistent_peers=None):
    """The checked parameters of a resync by ``method`` (one of METHODS).

    ``statesync`` needs ``trust`` ``{height, hash, rpc_servers, period}`` (node_resync's trust step); ``snapshot`` the
    archive's ``snapshot_url`` (https://, file:// or an absolute path on the node) and its published ``snapshot_sha256``.
    ``peers`` binds
    ``persistent_peers`` ``{host: corrected list}`` under ``by_host`` (hosts without a correction keep their file).
    Raises ResyncError naming a missing or malformed value.
    """
    if method not in METHODS:
        raise ResyncError("resync method %r: use one of %s" % (method, ", ".join(METHODS)))
    parameters = {"method": method}
    if method == "statesync":
        trust = trust or {}
        try:
            height = int(trust.get("height") or 0)
        except (TypeError, ValueError):
            height = 0
        servers = list(trust.get("rpc_servers") or [])
        if height < 1 or not BLOCK_HASH_RE.match(str(trust.get("hash") or "")) or len(servers) != 2:
            raise ResyncError("state sync needs a trust height >= 1, the 64-hex block hash at it and two RPC servers, got %r: "
                              "read them from nodes in sync (node_resync tasks_from=trust)" % (trust,))
        period = str(trust.get("period") or "168h0m0s")
        if not PERIOD_RE.match(period):
            raise ResyncError("state sync trust period %r: give a duration such as 168h0m0s" % period)
        parameters.update(trust_height=height, trust_hash=str(trust["hash"]), rpc_servers=servers, trust_period=period)
    if method == "snapshot":
        url = str(snapshot_url or "")
        if not url.startswith(("https://", "http://", "file://", "/")):
            raise ResyncError("snapshot_restore needs the archive's URL (https://, file://) or absolute path on the node, got %r" % url)
        if not SHA256_RE.match(str(snapshot_sha256 or "")):
            raise ResyncError("snapshot_restore needs the archive's published SHA-256 (64 hex digits), got %r" % (snapshot_sha256,))
        parameters.update(snapshot_url=url, snapshot_sha256=str(snapshot_sha256).lower())
    if method == "peers" and persistent_peers:
        if not isinstance(persistent_peers, dict):
            raise ResyncError("persistent_peers must map a host to its corrected persistent_peers, got %r" % (persistent_peers,))
        parameters["by_host"] = dict((host, {"persistent_peers": peers}) for host, peers in persistent_peers.items() if peers)
    return parameters
