# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalogue of failure signatures in CometBFT / Cosmos SDK node logs (pure, no I/O).

One table, ``SIGNATURES``: each entry names a fault, the regular expressions that recognise it, what it means, the
decision it supports and its severity. ``match_line`` maps one log line to at most one signature (the most specific:
the table is in priority order, so ``CONSENSUS FAILURE ... UPGRADE "v2" NEEDED`` is the planned upgrade, not a generic
consensus failure), ``scan`` folds many lines into ``{name: {count, newest, fields, ...}}``.

Log styles understood (CometBFT v0.34-v0.38, Cosmos SDK v0.45-v0.53):

- CometBFT/Tendermint plain text: ``E[2022-10-18|16:19:56.035] prevote step: ... module=consensus err=...``;
- zerolog console (Cosmos SDK): ``8:09AM ERR CONSENSUS FAILURE!!! err="..." module=consensus``, with or without ANSI
  colour codes;
- JSON lines: CometBFT's JSON logger (``{"_msg": ..., "level": ..., "module": ..., "err": ...}``) and zerolog's
  (``{"level": "error", "module": ..., "message": ...}``);
- any of them behind a journald/syslog prefix (``Nov 06 14:31:10 host virtengined[123]: ...``, short-iso too).

Sources of the wordings: cometbft v0.38 ``state/validation.go`` (``wrong Block.Header.AppHash.  Expected %X, got %v``),
``consensus/state.go`` (``CONSENSUS FAILURE!!!``, ``found conflicting vote from ourselves``), ``consensus/replay.go``,
``privval/file.go`` (height/round/step regression), ``p2p/transport.go`` (``conn.ID (..) dialed ID (..) mismatch``);
Cosmos SDK ``x/upgrade`` (``UPGRADE "%s" NEEDED at height: %d: %s``, ``BINARY UPDATED BEFORE TRIGGER!``,
``wrong app version %d, upgrade handler is missing for %s upgrade plan``) and cosmovisor; the public issue threads
cited in tests/unit/test_log_signatures.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from collections import namedtuple

Signature = namedtuple("Signature", "name patterns meaning decision severity")

SEVERITIES = ("critical", "high", "medium", "info")

_HEX = r"[0-9A-Fa-f]+|\[[0-9 ]*\]"
# Transport errors of a peer that is down, restarting or filtered (Go's net and io wordings).
_UNREACHABLE = (r"\bEOF\b|connection reset by peer|i/o timeout|connection refused|broken pipe|use of closed network connection|"
                r"no route to host|network is unreachable|timed out|deadline exceeded|connection timed out")

SIGNATURES = (
    # --- planned upgrades (x/upgrade, cosmovisor) --------------------------------------------------------------
    Signature(
        "upgrade_binary_too_new",
        (r"BINARY UPDATED BEFORE TRIGGER!?\s*UPGRADE \"(?P<upgrade_name>[^\"]+)\"",),
        "the node runs the upgrade binary before the plan's height: it refuses to run the old chain",
        "start the old binary again until the plan height (no rollback, no resync)",
        "critical",
    ),
    Signature(
        "upgrade_binary_too_old",
        (r"wrong app version (?P<app_version>\d+),? upgrade handler is missing for (?P<upgrade_name>\S+?) upgrade plan",
         r"upgrade handler is missing for (?:the )?\"?(?P<upgrade_name>[^\s\"]+?)\"? upgrade plan"),
        "the binary has no handler for an upgrade the chain already applied: it is older than the chain",
        "U: install the binary of the applied upgrade",
        "critical",
    ),
    Signature(
        "upgrade_needed",
        (r"UPGRADE \"(?P<upgrade_name>[^\"]+)\" NEEDED at (?:height: ?(?P<upgrade_height>\d+)|time: ?(?P<upgrade_time>[^\s:]+(?::\d\d)*(?:\.\d+)?Z?))"
         r"(?::\s?(?P<upgrade_info>.*))?",),
        "a governance upgrade plan reached its height: the old binary halts on purpose",
        "U: switch to the upgrade binary named by the plan (never roll back)",
        "critical",
    ),
    Signature(
        "cosmovisor_upgrade_binary_missing",
        (r"(?:upgrade )?binary (?:is )?not present.*?cosmovisor/upgrades/(?P<upgrade_name>[^/\s]+)/bin",
         r"cannot stat dir \S*cosmovisor/upgrades/(?P<upgrade_name>[^/\s]+)/bin",
         r"(?:upgrade )?binary (?:is )?not present, downloading disabled"),
        "cosmovisor saw the upgrade but has no binary for it",
        "U: install the upgrade binary into cosmovisor/upgrades/<name>/bin",
        "critical",
    ),
    Signature(
        "cosmovisor_upgrade",
        (r"upgrade detected, relaunching",
         r"daemon shutting down in an attempt to restart",
         r"pre-upgrade command does not exist",
         r"upgrade (?:plan )?\"?(?P<upgrade_name>[^\s\"]+)\"? (?:detected|found)"),
        "cosmovisor is switching binaries for an upgrade",
        "U: check cosmovisor picked the right binary",
        "info",
    ),
    # --- state divergence ---------------------------------------------------------------------------------------
    Signature(
        "replay_app_hash_mismatch",
        (r"(?i)error on replay:.*?wrong Block\.Header\.AppHash\.\s+Expected (?P<expected_app_hash>" + _HEX + r"),\s*got (?P<got_app_hash>" + _HEX + r")",
         # Here "Got" is the application's own hash after the replay, "expected" the one in the node's state.
         r"state\.AppHash does not match AppHash after replay\.\s*"
         r"Got (?P<own_app_hash>[0-9A-Fa-f]+), expected (?P<other_app_hash>[0-9A-Fa-f]+)",
         r"(?i)error during handshake:.*?wrong Block\.Header\.AppHash\.\s+"
         r"Expected (?P<expected_app_hash>" + _HEX + r"),\s*got (?P<got_app_hash>" + _HEX + r")"),
        "the node's application state differs from its own block store: it crashes at every start",
        "C: this node diverged; fix the binary/data, then resync it (a restart cannot help)",
        "critical",
    ),
    Signature(
        "replay_failure",
        (r"(?i)app block height \((?P<app_height>\d+)\) is higher than core \((?P<core_height>\d+)\)",
         r"(?i)error during handshake: error on replay: (?P<reason>.+)",
         r"(?i)error during handshake: (?P<reason>.+)"),
        "the node cannot replay its stored blocks into the application at start-up",
        "C: this node's data is inconsistent; roll back or resync it (a restart cannot help)",
        "critical",
    ),
    Signature(
        "results_hash_divergence",
        (r"(?i)wrong Block\.Header\.LastResultsHash\.\s+Expected (?P<expected_results_hash>" + _HEX + r"),\s*got (?P<got_results_hash>" + _HEX + r")",),
        "the block's transaction results differ from what this node computed: non-deterministic execution",
        "C: find the minority that diverged and resync it after fixing the cause",
        "critical",
    ),
    Signature(
        "app_hash_divergence",
        (r"(?i)wrong Block\.Header\.AppHash\.\s+Expected (?P<expected_app_hash>" + _HEX + r"),\s*got (?P<got_app_hash>" + _HEX + r")",),
        "this node computed another application state than the proposer: the validators disagree on the state",
        "C: find the minority by power that diverged; fix the binary, then roll back or resync only them",
        "critical",
    ),
    Signature(
        "proposal_rejected",
        (r"(?i)ProposalBlock is invalid",
         r"consensus deems this block invalid",
         r"state machine rejected a proposed block"),
        "the node rejected a proposed block and prevoted nil",
        "C when the rejections split the power; look at the error they carry",
        "high",
    ),
    # --- double signing -----------------------------------------------------------------------------------------
    Signature(
        "double_sign_self",
        (r"(?i)found conflicting vote from ourselves",),
        "this validator's key signed two different votes at one height/round: it is double signing",
        "stop this validator NOW (another instance or a reset signing state); never restart it as is",
        "critical",
    ),
    Signature(
        "double_sign_evidence",
        (r"(?i)verified (?:new )?evidence of byzantine behaviou?r",
         r"(?i)DuplicateVoteEvidence",
         r"(?i)LightClientAttackEvidence",
         r"(?i)confirmed (?:equivocation|double[- ]sign)(?: from (?P<validator>\S+?) at height (?P<infraction_height>\d+))?",
         r"(?i)(?:equivocation|double[- ]sign(?:ing|ed)?)\b.*?(?:validator|infraction|evidence|slash|tombstone)",
         r"(?i)(?:slash|jail|tombston)\w*.*?(?:equivocation|double[- ]sign)"),
        "the chain holds evidence that a validator double signed (it will be slashed and tombstoned)",
        "check whether the address is ours; if it is, stop every copy of that key",
        "high",
    ),
    # --- validator set (x/slashing, x/staking): lines every node logs about whichever validator it concerns ------
    Signature(
        "validator_jailed",
        # x/slashing v0.43-v0.50: "slashing and jailing validator due to liveness fault" (forks drop "slashing and");
        # v0.38-v0.42: "Validator %s past min height of %d and below signed blocks threshold of %d"; x/staking v0.46+:
        # "validator jailed" (after a liveness fault or a double sign); "would have been slashed ... already jailed".
        (r"(?i)(?:slashing and )?(?:jailing|slashing) validator due to liveness fault",
         r"(?i)Validator (?P<validator>\S+) (?:past min height of (?P<min_height>\d+) and )?is below signed blocks threshold of (?P<threshold>\d+)",
         r"(?i)Validator (?P<validator>\S+) past min height of (?P<min_height>\d+) and below signed blocks threshold of (?P<threshold>\d+)",
         r"(?i)validator would have been slashed for downtime, but was either not found in store or already jailed",
         r"(?i)\bvalidator jailed\b"),
        "the chain jailed a validator (named in the line) for missing blocks: it left the validator set and signs nothing",
        "if the validator is ours: fix why it missed blocks, then unjail it (tx slashing unjail) once jailed_until passed",
        "high",
    ),
    # --- signer -------------------------------------------------------------------------------------------------
    Signature(
        "signer_regression",
        # privval/file.go CheckHRS: a height regression (consensus below the signed height: after a rollback or old
        # data) or conflicting data at one height/round/step is a fault. A round or step regression at the signed height
        # is what a restarted validator logs while it replays its WAL (the guard refusing a vote it already signed):
        # no signature (seen on the local network at every restart mid-height).
        (r"(?i)(?<!peer state )(?P<regression>height) regression(?: at height (?P<height>\d+))?",
         r"(?i)error signing (?:vote|proposal): conflicting data"),
        "the signer refuses to sign below its last signed height, or other data at a signed height/round/step (double-sign guard)",
        "wait for the chain to pass the signed height; never lower priv_validator_state.json",
        "high",
    ),
    Signature(
        "remote_signer_error",
        (r"(?i)(?:signer ?(?:listener|dialer|server|client|endpoint)|remote signer|privval|tmkms|horcrux)\S*[: ].*?"
         r"(?:refused|time(?:d)? ?out|EOF|closed|reset by peer|not connected|failed|no such file|unreachable)",
         r"(?i)(?:failed signing|error signing) (?:vote|proposal).*?(?:EOF|timeout|timed out|connection|closed|remote signer)"),
        "the validator cannot reach its remote signer: it cannot vote",
        "restore the signer connection (priv_validator_laddr, tmkms/horcrux); do not switch to a local key",
        "high",
    ),
    # --- resources ----------------------------------------------------------------------------------------------
    Signature(
        "out_of_memory",
        # Go: "fatal error: out of memory" after "runtime: out of memory: cannot allocate N-byte block", or "fatal error:
        # runtime: out of memory" (mmap); the kernel's global and cgroup OOM killer; systemd; Docker/Kubernetes.
        (r"(?i)fatal error: (?:runtime: )?out of memory",
         r"(?i)runtime: (?:out of memory: )?cannot allocate (?:memory|\d+-byte block)",
         r"(?i)Out of memory: Kill(?:ed)? process (?P<pid>\d+) \((?P<process>[^)]+)\)",
         r"(?i)oom[-_ ]kill",
         r"(?i)killed by the OOM killer",
         r"(?i)(?:Main process exited, )?code=killed, status=9/KILL",
         r"(?i)signal: killed",
         r"\bOOMKilled\b"),
        "the node process was killed for lack of memory",
        "B-type restart only after memory is freed or added; not a consensus fault",
        "high",
    ),
    Signature(
        "disk_full",
        # ENOSPC, and EDQUOT (a quota on the node's user fills up the same way).
        (r"(?i)no space left on device", r"(?i)disk quota exceeded", r"\bENOSPC\b"),
        "the node's disk is full: it cannot write blocks or state",
        "free space (prune, move data) before any restart; a rollback or resync writes more",
        "critical",
    ),
    Signature(
        "too_many_open_files",
        (r"(?i)too many open files", r"\bEMFILE\b"),
        "the process hit its open-file limit (LimitNOFILE)",
        "raise LimitNOFILE and restart the node",
        "high",
    ),
    Signature(
        "service_restarting",
        (r"(?i)Scheduled restart job, restart counter is at (?P<restarts>\d+)",),
        "the service manager started the node again after it died (systemd Restart=): the cause is in the lines before",
        "read why it died (the signature before the restart); a crash loop needs that cause fixed, not another restart",
        "info",
    ),
    Signature(
        "db_corruption",
        (r"(?i)leveldb: corruption",
         r"(?i)(?:leveldb|pebble|rocksdb|badger|goleveldb)\S*:? .*?(?:corrupt\w*|checksum mismatch|bad magic|invalid (?:chunk|table|header))",
         r"(?i)database (?:disk image )?is malformed",
         r"(?i)failed to load latest version: version of store \S+ mismatch root store's version",
         r"(?i)(?:block|state|application)\.db\S*: .*?corrupt"),
        "a node database is corrupted (often after a crash or a full disk)",
        "C for this node: restore from a snapshot or resync it",
        "critical",
    ),
    Signature(
        "db_locked",
        (r"(?i)(?:\.db|data)/LOCK: resource temporarily unavailable",),
        "another process holds the node's database: two instances of the node run on one home",
        "stop the other instance before anything else (double-sign risk)",
        "critical",
    ),
    # --- p2p identity -------------------------------------------------------------------------------------------
    Signature(
        "p2p_id_mismatch",
        (r"(?i)conn\.ID \((?P<conn_id>[0-9a-fA-F]+)\) dialed ID \((?P<dialed_id>[0-9a-fA-F]+)\) mismatch",
         r"(?i)dialed ID \((?P<dialed_id>[0-9a-fA-F]+)\) mismatch",
         r"(?i)Failed to authenticate peer\. Dialed (?P<dialed_id>[0-9a-fA-F]{40})\S*, but got peer with ID (?P<conn_id>[0-9a-fA-F]{40})"),
        "a peer at that address answers with another node id (its node key was regenerated, or the address is stale)",
        "correct persistent_peers with the id the peer now has (gated peer repair)",
        "medium",
    ),
    Signature(
        "network_mismatch",
        # p2p/node_info.go CompatibleWith (Tendermint v0.32 "Peer is on ...", CometBFT v0.34-v0.38 "peer is on ..."),
        # wrapped as "incompatible: ..." (ErrRejected) in "dialing failed (attempts: N): ...", "Error reconnecting to
        # peer. Trying again", "Inbound Peer rejected"; Got is the peer's chain id, expected this node's.
        (r"(?i)peer is on a different network\.? Got (?P<peer_network>[\w.-]*\w),? expected (?P<own_network>[\w.-]*\w)",),
        "this node and a peer run different networks (chain id / genesis.json): CometBFT refuses every peer of another network",
        "compare each node's chain id (/status node_info.network): install the fleet's genesis.json on the odd one and reset its data",
        "high",
    ),
    Signature(
        "p2p_version_mismatch",
        # The same check: another block protocol version (a binary of another CometBFT major), or no common channels.
        (r"(?i)peer is on a different Block version(?: for \w+ \S+)?\.? Got (?P<peer_block_version>\d+),? expected (?P<own_block_version>\d+)",
         r"(?i)peer has no common channels"),
        "this node and a peer run incompatible CometBFT p2p protocols (block version or channels): they never connect",
        "run the binary version the network runs; a peer reset or restart cannot help",
        "high",
    ),
    Signature(
        "inbound_peers_full",
        # p2p/switch.go acceptRoutine: v0.33+ "already have enough inbound peers" (address, have, max; skipped for
        # unconditional_peer_ids), v0.26-v0.32 "already have enough peers" (address, numPeers, max).
        (r"(?i)Ignoring inbound connection: already have enough (?:inbound )?peers"
         r"(?:.*?\baddress[=:] ?\"?(?P<address>[^\s\",}]+))?(?:.*?\b(?:have|numPeers)[=:] ?\"?(?P<have>\d+))?(?:.*?\bmax[=:] ?\"?(?P<max>\d+))?",),
        "this node's inbound peer slots are full: it drops every new inbound connection (a validator behind it cannot dial back in)",
        "on the sentries: add the validator's node id to unconditional_peer_ids (or dial it: persistent_peers), or raise max_num_inbound_peers",
        "medium",
    ),
    Signature(
        "p2p_auth_failure",
        # p2p/transport.go wraps every failure of the secret connection or the NodeInfo handshake as "auth failure: ...",
        # also a peer that is down or restarting (EOF, connection reset, i/o timeout): that is no identity fault and no
        # signature at all (the healthy network logs it whenever a peer restarts). What is left: the peer's key or node
        # info does not authenticate (challenge verification failed, conn.ID/NodeInfo.ID mismatch, low-order key), or
        # what answers at that address does not speak CometBFT's p2p protocol.
        (r"(?i)auth failure: (?!(?:secret conn failed|handshake failed): .*?(?:" + _UNREACHABLE + r"))(?P<reason>.+)",),
        "a peer failed authentication: its key or node info does not match, or no CometBFT node answers at that address",
        "check the peer's node key and address (persistent_peers) and what listens on its p2p port; not a consensus fault",
        "medium",
    ),
    # --- generic: the cause is in another line -----------------------------------------------------------------
    Signature(
        "consensus_failure",
        (r"CONSENSUS FAILURE!*",),
        "consensus stopped on this node (the process and RPC stay up)",
        "C unless another signature names the cause (upgrade, resources)",
        "critical",
    ),
    Signature(
        "panic",
        (r"^panic: (?P<reason>.+)", r"^fatal error: (?P<reason>.+)"),
        "the node process panicked",
        "read the panic's first line; the cause decides",
        "high",
    ),
)

_BY_NAME = dict((s.name, s) for s in SIGNATURES)


def required_text(pattern):
    """The literal text (lower-case) every match of ``pattern`` starts with, or "" when it has none to rely on.

    A line that does not contain it cannot match, so the pattern is not searched there: a node's log is mostly lines
    no signature matches, and a substring test costs far less than a regular-expression search.
    """
    flags = re.match(r"\(\?[aiLmsux]+\)", pattern)
    body = pattern[flags.end():] if flags else pattern
    depth, index = 0, 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            index += 1
        elif char == "[":
            index = body.index("]", index + 2)  # a class holds no group or alternation ("[]" never starts one here)
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            return ""  # a top-level alternation may match without the first branch's text
        index += 1
    text, index = [], 1 if body.startswith("^") else 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body) and not body[index + 1].isalnum():
            text.append(body[index + 1])
            index += 2
        elif char in ".^$*+?{}[]()\\":
            if char in "*?{" and text:
                text.pop()  # the last character is optional
            break
        else:
            text.append(char)
            index += 1
    return "".join(text).lower()


def _structure(body):
    """(index, character, depth after it) for each ``(``, ``)`` and ``|`` of ``body`` outside escapes and classes."""
    depth, index = 0, 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            index += 1
        elif char == "[":
            index = body.index("]", index + 2)
        elif char in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[char]
            yield index, char, depth
        index += 1


def _group_end(body):
    """Index of the ``)`` closing the group that opens ``body`` (escapes and classes skipped); None when unclosed."""
    return next((index for index, char, depth in _structure(body) if char == ")" and depth == 0), None)


def _top_level_branches(body):
    """``body`` split at its top-level ``|``."""
    cuts = [index for index, char, depth in _structure(body) if char == "|" and depth == 0]
    return [body[start + 1:end] for start, end in zip([-1] + cuts, cuts + [len(body)])]


_COUNT = re.compile(r"\{\d*,?\d*\}")  # a {m,n} quantifier; any other "{" is a literal character


def _mandatory_literals(body):
    """The literal runs (lower-case) outside every group of ``body`` (no top-level ``|``) that every match contains.

    A run ends at a group, a class, an escape that is not a literal character, ``.``, an anchor or a quantifier: a
    character quantified by ``?``, ``*`` or ``{`` may be absent, and one under ``+`` ends its run (``ab+c`` matches
    ``abbc``, which does not contain ``abc``).
    """
    runs, text, index = [], [], 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body) and not body[index + 1].isalnum():
            text.append(body[index + 1])
            index += 2
            continue
        counted = _COUNT.match(body, index) if char == "{" else None
        if char in "*?+" or counted:
            if char != "+" and text:
                text.pop()
            runs.append("".join(text))
            text = []
            index = counted.end() if counted else index + 1
            if index < len(body) and body[index] in "?+":  # a lazy or possessive quantifier
                index += 1
            continue
        if char in ".^$[(\\)":
            runs.append("".join(text))
            text = []
            if char == "[":
                index = body.index("]", index + 2) + 1
            elif char == "(":
                end = _group_end(body[index:])
                index = len(body) if end is None else index + end + 1
            else:
                index += 2 if char == "\\" else 1
            continue
        text.append(char)
        index += 1
    runs.append("".join(text))
    return [run.lower() for run in runs if run]


def required_texts(pattern):
    """Texts (lower-case) of which every match of ``pattern`` contains at least one; () when there are none to rely on.

    Of two rules, the one whose shortest text is longest (a long text is in fewer lines, so fewer searches):
    the longest literal outside every group (``(?:block|state)\\.db\\S*: .*?corrupt`` -> corrupt), or, past
    leading optional groups and look-behinds, the required text of each branch of the first group every match passes
    through (``(?:leveldb|pebble)\\S*:? .*?corrupt`` could also give leveldb, pebble).
    """
    flags = re.match(r"\(\?[aiLmsux]+\)", pattern)
    body = pattern[flags.end():] if flags else pattern
    body = body[1:] if body.startswith("^") else body
    if any(branch != body for branch in _top_level_branches(body)):
        return ()
    literals = _mandatory_literals(body)
    options = [(max(literals, key=len),)] if literals else []
    branches = _first_group_texts(body)
    if branches:
        options.append(branches)
    return max(options, key=lambda texts: min(len(text) for text in texts)) if options else ()


def _first_group_texts(body):
    """The required text of each branch of the first group every match of ``body`` passes through, or ()."""
    single = required_text(body)
    if single:
        return (single,)
    while body.startswith("("):
        end = _group_end(body)
        if end is None:
            return ()
        group, rest = body[:end + 1], body[end + 1:]
        if group.startswith(("(?<=", "(?<!", "(?=", "(?!")):
            body = rest  # a look-around takes no text of the match
            continue
        if rest[:1] in ("?", "*") or rest.startswith("{0"):
            body = rest[1:] if rest[:1] in ("?", "*") else rest[rest.index("}") + 1:]
            body = body[1:] if body.startswith("?") else body  # a lazy quantifier
            continue
        inner = group[group.index(">") + 1:-1] if group.startswith("(?P<") else (group[3:-1] if group.startswith("(?:") else group[1:-1])
        texts = tuple(required_text(branch) for branch in _top_level_branches(inner))
        return texts if all(texts) else ()
    single = required_text(body)
    return (single,) if single else ()


_COMPILED = tuple((s, tuple((required_texts(p), re.compile(p)) for p in s.patterns)) for s in SIGNATURES)
# The patterns in catalogue order (the first that matches wins), and which of them each required text admits: a line
# is searched only with the patterns whose required text it holds (a few), not with every pattern.
_FLAT = tuple((signature, required, pattern) for signature, patterns in _COMPILED for required, pattern in patterns)
_ALWAYS = frozenset(index for index, (_s, required, _p) in enumerate(_FLAT) if not required)
_BY_TEXT = {}
for _index, (_s, _required, _p) in enumerate(_FLAT):
    for _text in _required:
        _BY_TEXT.setdefault(_text, set()).add(_index)
_BY_TEXT = tuple((text, frozenset(indexes)) for text, indexes in sorted(_BY_TEXT.items()))

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# journald short / short-iso / short-precise and syslog: "Nov 06 14:31:10 host unit[123]: " or "2022-11-06T14:31:10+0000 host unit[1]: "
_JOURNALD = re.compile(
    r"^(?:[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
    r" \S+ [^\s:\[]+(?:\[\d+\])?: ")
_STACK = re.compile(r"\s*stack=(?:\"(?:[^\"\\]|\\.)*\"?|\S+)")
_ERR = re.compile(r"\berr=(\"(?:[^\"\\]|\\.)*\"|\S+)")
_HEIGHT = re.compile(r"\bheight[=:] ?\"?(\d+)")
_ROUND = re.compile(r"\bround[=:] ?\"?(\d+)")
_COMMITTED = re.compile(r"(?i)committed state.*?\bheight[=:] ?\"?(\d+)")
# Fields the SDK logs as key=value in any order (zerolog sorts them): the validator a slashing line is about, and when.
_KEY_VALUES = tuple((key, re.compile(r"\b%s[=:] ?\"?([^\s\",}]+)" % key)) for key in ("validator", "jailed_until", "infraction_height"))
_MESSAGE_KEYS = ("_msg", "msg", "message", "MESSAGE")
MAX_LINE = 600


def _flatten_json(line):
    """A JSON log line as the console would print it: ``message key="value" ...``; None when not JSON."""
    try:
        document = json.loads(line)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    message = ""
    for key in _MESSAGE_KEYS:
        if isinstance(document.get(key), str):
            message = document[key]
            break
    if "MESSAGE" in document and _JOURNALD.match(message or ""):
        message = _JOURNALD.sub("", message)
    parts = [message]
    for key, value in document.items():
        if key in _MESSAGE_KEYS or key.startswith("_") or key.startswith("__"):
            continue
        if not isinstance(value, str):
            value = json.dumps(value)
        parts.append('%s="%s"' % (key, value.replace('"', '\\"')))
    return " ".join(p for p in parts if p)


def normalize(line):
    """One raw log line -> the text the signatures are matched against (ANSI, journald prefix and JSON undone)."""
    line = line or ""
    text = (_ANSI.sub("", line) if "\x1b" in line else line).rstrip("\r\n")
    text = _JOURNALD.sub("", text, count=1)
    stripped = text.strip()
    if stripped.startswith("{"):
        flat = _flatten_json(stripped)
        if flat is not None:
            return flat
    return text


def _unescaped(text):
    # zerolog quotes values: err="UPGRADE \"v2\" NEEDED ..." -> the wording as the SDK wrote it.
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t")


def _clean_info(info):
    """The plan's info as logged, without the log fields that follow it."""
    info = re.split(r"\"?\s+(?:module|err|height|server|stack|impl|round|_msg|level)=", info, maxsplit=1)[0]
    return info.strip().rstrip('"').strip() or None


def first_meaningful_line(text):
    """The first line of a message that is not a Go stack frame or goroutine header (``goroutine 1 [running]:``)."""
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith(("goroutine ", "runtime/debug", "created by ")) or line.startswith("/") \
                or re.match(r"^[\w./()*-]+\(.*\)$", line) or re.match(r"^\S+\.go:\d+", line):
            continue
        return line
    return None


def match_line(line):
    """``(signature, fields)`` for the most specific signature of one log line, or ``None``.

    ``fields`` holds what the line states: e.g. ``upgrade_name``, ``upgrade_height`` (int), ``upgrade_info``,
    ``expected_app_hash``/``got_app_hash`` (upper-case hex), ``height``/``round`` (ints), ``reason`` (the error's first
    meaningful line), ``conn_id``/``dialed_id``.
    """
    return _match(_candidates(normalize(line)), _BY_TEXT)


def _without_stack(text):
    # The substring test first: _STACK starts with \s*, so searching a line without "stack=" still tries every space.
    return _STACK.sub("", text) if "stack=" in text else text


def _candidates(text):
    """``(without_stack, candidates)`` of a normalized line: the texts its signatures are searched in."""
    if not text.strip():
        return None, ()
    without_stack = _without_stack(text)
    unescaped = _unescaped(without_stack)
    # Most lines have nothing to unescape: one candidate, not the same text searched twice.
    return without_stack, ((unescaped, without_stack) if unescaped != without_stack else (without_stack,))


def _match(prepared, by_text):
    """match_line over a line's ``_candidates``; ``by_text`` is ``_BY_TEXT`` or the part of it a whole log can admit."""
    without_stack, candidates = prepared
    admitted = [_ALWAYS.union(*[indexes for text, indexes in by_text if text in lower])
                for lower in (candidate.lower() for candidate in candidates)]
    for index in sorted(frozenset().union(*admitted)):
        signature, _required, pattern = _FLAT[index]
        for candidate, allowed in zip(candidates, admitted):
            if index in allowed:
                found = pattern.search(candidate)
                if found:
                    return signature, _fields(found, candidate, without_stack)
    return None


def _fields(found, candidate, without_stack):
    fields = dict((k, v) for k, v in found.groupdict().items() if v is not None)
    for key, pattern in _KEY_VALUES:
        if key not in fields:
            found_value = pattern.search(without_stack)
            if found_value:
                fields[key] = found_value.group(1)
    for key in ("upgrade_height", "app_height", "core_height", "app_version", "pid", "restarts", "infraction_height", "min_height", "threshold",
                "have", "max", "peer_block_version", "own_block_version"):
        if key in fields:
            fields[key] = int(fields[key])
    if "height" in fields:
        fields["height"] = int(fields["height"])
    if "upgrade_info" in fields:
        fields["upgrade_info"] = _clean_info(fields["upgrade_info"])
        if fields["upgrade_info"] is None:
            del fields["upgrade_info"]
    for key in ("expected_app_hash", "got_app_hash", "own_app_hash", "other_app_hash", "expected_results_hash", "got_results_hash"):
        if key in fields:
            fields[key] = fields[key].upper()
    # cometbft state/validation.go: "Expected" is the validating node's own state, "got" the block's (its proposer's).
    if "expected_app_hash" in fields:
        fields.setdefault("own_app_hash", fields["expected_app_hash"])
        fields.setdefault("other_app_hash", fields["got_app_hash"])
    if "reason" in fields:
        fields["reason"] = first_meaningful_line(_clean_info(fields["reason"]) or "") or fields["reason"].strip()
    err = _ERR.search(without_stack)
    if err and "reason" not in fields:
        value = err.group(1)
        if value.startswith('"'):
            value = _unescaped(value[1:-1] if value.endswith('"') else value[1:])
        fields["reason"] = first_meaningful_line(value)
    height = _HEIGHT.search(without_stack)
    if height and "height" not in fields:
        fields["height"] = int(height.group(1))
    round_ = _ROUND.search(without_stack)
    if round_:
        fields["round"] = int(round_.group(1))
    return fields


def describe(name):
    """The catalogue entry of one signature as a dict; ``KeyError`` names the unknown signature and the known ones."""
    if name not in _BY_NAME:
        raise KeyError("unknown log signature %r; known: %s" % (name, ", ".join(sorted(_BY_NAME))))
    signature = _BY_NAME[name]
    return {"name": signature.name, "meaning": signature.meaning, "decision": signature.decision, "severity": signature.severity}


def scan(lines, keep=3):
    """Fold log lines (oldest first) into what they show.

    Returns ``{"signatures": {name: {count, newest, lines, fields, meaning, decision, severity}}, "last_committed_height"}``
    where ``newest`` is the newest matching line (ANSI and stack removed, at most MAX_LINE characters), ``lines`` the
    ``keep`` newest, ``fields`` the newest line's fields merged over the older ones' (so a hash or plan name seen once
    stays known), and ``last_committed_height`` the height of the newest ``committed state`` line (None without one).
    """
    found = {}
    committed = None
    prepared = []
    for raw in lines or []:
        if not isinstance(raw, str):
            raise TypeError("log lines must be strings, got %s" % type(raw).__name__)
        text = normalize(raw)
        prepared.append((text, _candidates(text)))
    # A required text that is in no line of this log admits nothing: test each once on the whole log, not on every line
    # (most of a node's 20,000 lines are routine; this is most of a scan's time).
    whole = "\n".join(candidate for _text, (_without, candidates) in prepared for candidate in candidates).lower()
    by_text = tuple((required, indexes) for required, indexes in _BY_TEXT if required in whole)
    for text, candidates in prepared:
        match = _COMMITTED.search(text)
        if match:
            committed = int(match.group(1))
        result = _match(candidates, by_text)
        if result is None:
            continue
        signature, fields = result
        entry = found.get(signature.name)
        if entry is None:
            entry = dict(describe(signature.name), count=0, lines=[], fields={})
            found[signature.name] = entry
        shown = _without_stack(text).strip()[:MAX_LINE]
        entry["count"] += 1
        entry["newest"] = shown
        entry["lines"] = (entry["lines"] + [shown])[-keep:] if keep else []
        entry["fields"].update(fields)
    for entry in found.values():
        entry.pop("name", None)
    return {"signatures": found, "last_committed_height": committed}
