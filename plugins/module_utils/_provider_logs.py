# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provider daemon's log-pattern catalogue: pure logic, no I/O.

The daemon (``cmd/provider-daemon``) logs plain text, neither JSON nor logfmt: ``fmt.Println`` lines with prefixes
such as ``[BID]`` and ``Warning:`` on stdout, and stdlib ``log.Printf`` lines (``YYYY/MM/DD HH:MM:SS msg``) on
stderr. Source: virtengine/virtengine ``pkg/provider_daemon`` (see docs/play012_provider_daemon_failure.md).

The chain's refusals of the daemon's transactions (``REJECTIONS``) are read in every form a Cosmos SDK chain's answer
reaches a provider's log: the daemon's ``[BID] Failed to bid on order <id>: tx rejected: code 13 (sdk): ...``, a
broadcast result's ``Code: 13 ... Raw Log: ...`` or ``raw_log: '...'``, a JSON tx response or log line
(``"codespace":"sdk","code":32,"raw_log":"..."``), Akash-style provider logs (``err="..."``, zerolog or logfmt), a
gRPC broadcast error (``rpc error: code = ... desc = ...``) and CometBFT's mempool errors. A line is one rejection at
most: an explicit SDK code (codespace ``sdk``) decides, else the first wording that matches. Sources: Cosmos SDK
``types/errors/errors.go`` (codes 4, 5, 11, 13, 20, 21, 32), ``x/auth/ante`` (``insufficient fees; got: %s required:
%s``, ``account sequence mismatch, expected %d, got %d``, ``out of gas in location: %v; gasWanted: %d, gasUsed: %d``,
``signature verification failed; please verify account number (%d) and chain-id (%s)``), ``x/bank`` (``spendable
balance %s is smaller than %s``), CometBFT ``mempool/errors.go``; akash-network/node#1139, akash-network/support#13,
NibiruChain/pricefeeder-xoracle#10.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

Rejection = namedtuple("Rejection", "name code patterns meaning")

# Coins as the SDK prints them (2000uve, 1.5uatom,10ibc/27394F...), one way only to split them: no backtracking blow-up
# on long hex strings.
_COIN = r"(?<![\w.])\d+(?:\.\d+)?[a-zA-Z][a-zA-Z0-9/._-]*"
_COINS = r"%s(?:,%s)*" % (_COIN, _COIN)

# Most specific first: "insufficient funds to pay for fees" is funds, not fee.
REJECTIONS = (
    Rejection("tx_insufficient_funds", 5, (
        r"spendable balance (?P<balance>%s) is smaller than (?P<needed>%s)" % (_COINS, _COINS),
        r"(?P<balance>%s) is smaller than (?P<needed>%s)" % (_COINS, _COINS),
        r"(?i)insufficient (?:account )?funds"),
        "the chain rejects the daemon's transactions for insufficient funds (code 5): the provider's account cannot pay "
        "the fee or the bid deposit"),
    Rejection("tx_insufficient_fee", 13, (
        r"insufficient fees?; got: ?(?P<got>%s)?\s*(?:which converts to \S+\.? )?required: ?(?P<required>%s)" % (_COINS, _COINS),
        r"provided fee < minimum global fee \((?P<got>%s) < (?P<required>%s)\)" % (_COINS, _COINS),
        r"(?i)insufficient fees?\b|minimum global fee|gas prices? (?:is |are )?too low"),
        "the chain rejects the daemon's transactions for insufficient fee (code 13): the fee it pays is below the chain's "
        "minimum gas price"),
    Rejection("tx_sequence_mismatch", 32, (
        r"sequence mismatch,? expected:? ?(?P<expected>\d+),? got:? ?(?P<got>\d+)",
        r"(?i)invalid sequence\.? got:? ?(?P<got>\d+),? expected:? ?(?P<expected>\d+)",
        r"(?i)incorrect account sequence|account sequence mismatch"),
        "the chain rejects the daemon's transactions for a wrong account sequence (code 32): another signer uses the "
        "provider's key, or the daemon holds a stale sequence"),
    Rejection("tx_out_of_gas", 11, (
        r"out of gas in location: (?P<location>[^;]+); gasWanted: (?P<gas_wanted>\d+),? gasUsed: (?P<gas_used>\d+)",
        r"(?i)\bout of gas\b"),
        "the chain rejects the daemon's transactions for running out of gas (code 11): the gas limit it sets is too low"),
    Rejection("tx_mempool_full", 20, (
        r"mempool is full: number of txs (?P<txs>\d+) \(max: (?P<max_txs>\d+)\)",
        r"(?i)mempool is full"),
        "the chain's mempool is full (code 20): the validators accept no new transaction until blocks drain it"),
    Rejection("tx_too_large", 21, (
        r"(?i)tx too large\. max size is (?P<max_bytes>\d+), but got (?P<bytes>\d+)",
        r"(?i)tx too large"),
        "the chain rejects the daemon's transactions as too large (code 21): above the mempool's max_tx_bytes"),
    Rejection("tx_unauthorized", 4, (
        r"signature verification failed; please verify account number \((?P<account_number>\d+)\)(?:, sequence \((?P<sequence>\d+)\))? "
        r"and chain-id \((?P<chain_id>[^)]*)\)",
        r"(?i)signature verification failed"),
        "the chain rejects the daemon's signatures (code 4): the chain id, account number or key it signs with is not "
        "the provider account's"),
)
REJECTION_BY_CODE = dict((r.code, r) for r in REJECTIONS)
REJECTION_NAMES = tuple(r.name for r in REJECTIONS)

# An explicit SDK code on the line: "code 13 (sdk)", or codespace sdk with a code field (JSON, YAML, logfmt, Go structs).
_SDK_CODE = (re.compile(r"\bcode:? ?(?P<code>\d+) \(sdk\)", re.I),
             re.compile(r"\(sdk\) code:? ?(?P<code>\d+)", re.I))
_CODESPACE_SDK = re.compile(r"""\bcodespace["']?\s*[:=]\s*["']?sdk\b""", re.I)
_CODE_FIELD = re.compile(r"""(?<![\w.])["']?code["']?\s*[:=]\s*["']?(?P<code>0x[0-9a-f]+|\d+)\b""", re.I)

# (name, regular expression, what it means). A line counts under every pattern it matches: a failed bid whose error
# is a TLS handshake failure is both a failed bid and a TLS error; a failed bid the chain refused is also a rejection.
CATALOGUE = (
    ("bid_failed", r"\[BID\] Failed to bid on order", "bid submissions fail ([BID] Failed to bid on order)"),
    ("event_subscriber_failed", r"Warning: Failed to create event subscriber",
     "the CometBFT websocket event subscriber cannot be created (the daemon falls back to polling)"),
    ("tls_handshake", r"(?i)tls: |x509: |handshake failed|first record does not look like a TLS handshake",
     "TLS handshake errors (the daemon dials the chain's gRPC with TLS, always)"),
    ("rate_limited", r"(?i)rate limit|too many requests|\b429\b", "rate-limit hits (bid-rate-limit-minute/hour, portal API 120/min)"),
    ("portal_stopped", r"\[PORTAL\] API server stopped", "the portal API (health endpoint) stopped"),
    ("stdlib_error", r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} .*(?i:error|fail|panic)", "stdlib log lines reporting an error"),
)
_COMPILED = tuple((name, re.compile(expression), meaning) for name, expression, meaning in CATALOGUE)
_REJECTIONS = tuple((r, tuple(re.compile(p) for p in r.patterns)) for r in REJECTIONS)
_BY_CODE = dict((r.code, (r, compiled)) for r, compiled in _REJECTIONS)
# Every name scan reports, chain rejections first: a common rejection is named before the failed bids it explains.
NAMES = REJECTION_NAMES + tuple(name for name, _expression, _meaning in CATALOGUE)
MEANING = dict([(r.name, r.meaning) for r in REJECTIONS] + [(name, meaning) for name, _expression, meaning in CATALOGUE])


def _sdk_code(line):
    for expression in _SDK_CODE:
        found = expression.search(line)
        if found:
            return int(found.group("code"))
    if _CODESPACE_SDK.search(line):
        found = _CODE_FIELD.search(line)
        # Go's %#v prints the code in hex (Code:0xd).
        code = found and int(found.group("code"), 16 if found.group("code").lower().startswith("0x") else 10)
        if code:
            return code
    return None


def _fields(compiled, line):
    for expression in compiled:
        found = expression.search(line)
        if found:
            return dict((k, v) for k, v in found.groupdict().items() if v)
    return None


def rejection(line):
    """The chain rejection a log line reports: ``(name, {"code", field: value, ...})`` or None.

    Fields are the numbers the wording carries (``got``/``required`` coins, ``expected``/``got`` sequences,
    ``gas_wanted``/``gas_used``, ``balance``/``needed``, ...). An SDK code of another kind than the wording (a wrapped
    error) is decided by the code: it is what the chain's ante handler returned."""
    code = _sdk_code(line)
    if code in _BY_CODE:
        chosen, compiled = _BY_CODE[code]
        return chosen.name, dict(_fields(compiled, line) or {}, code=code)
    for chosen, compiled in _REJECTIONS:
        fields = _fields(compiled, line)
        if fields is not None:
            return chosen.name, dict(fields, code=chosen.code)
    return None


def numbers(name, fields):
    """The numbers of a rejection's fields in words (``got 2000uve, required 25000uve``), or an empty string."""
    order = {"tx_insufficient_fee": ("got", "required"), "tx_insufficient_funds": ("balance", "needed"),
             "tx_sequence_mismatch": ("expected", "got"), "tx_out_of_gas": ("gas_wanted", "gas_used"),
             "tx_mempool_full": ("txs", "max_txs"), "tx_too_large": ("bytes", "max_bytes"),
             "tx_unauthorized": ("chain_id", "account_number", "sequence")}.get(name, ())
    words = ["%s %s" % (key.replace("_", " "), fields[key]) for key in order if fields.get(key)]
    if name == "tx_insufficient_fee" and "required" in fields and not fields.get("got"):
        words.insert(0, "got no fee")
    return ", ".join(words)


class LogPatternError(ValueError):
    """Bad input to the catalogue, with what to do about it."""


def scan(lines, max_example=300):
    """Log lines (oldest first) -> ``{pattern: {"count", "newest"}}`` for the patterns seen; ``newest`` is the last
    matching line, cut to ``max_example`` characters. A chain rejection's entry also holds ``code`` and ``fields`` of
    its newest line and ``numbers``, those fields in words."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    found = {}
    for line in lines:
        line = line.rstrip("\n")
        refused = rejection(line)
        if refused:
            name, fields = refused
            entry = found.setdefault(name, {"count": 0, "newest": ""})
            entry.update(count=entry["count"] + 1, newest=line[:max_example], code=fields.pop("code"), fields=fields,
                         numbers=numbers(name, fields))
        for name, expression, _meaning in _COMPILED:
            if expression.search(line):
                entry = found.setdefault(name, {"count": 0, "newest": ""})
                entry["count"] += 1
                entry["newest"] = line[:max_example]
    return found


def common_causes(per_provider, share=0.5):
    """``{provider: scan(...) or None (logs unread)}`` -> patterns seen on more than ``share`` of the providers whose
    logs were read, most widespread first (chain rejections before the failed bids they explain): ``[{"pattern",
    "meaning", "providers", "share", "count", "newest", "numbers"}]`` (``numbers``: a rejection's, of the newest line)."""
    if not isinstance(per_provider, dict):
        raise LogPatternError("per_provider must map a provider to its scan result, got %r" % (per_provider,))
    if not 0 <= share < 1:
        raise LogPatternError("share=%r must be a fraction from 0 to below 1 (0.5: more than half the providers)" % (share,))
    read = dict((name, found) for name, found in per_provider.items() if found is not None)
    if not read:
        return []
    causes = []
    for name in NAMES:
        seen = sorted(provider for provider, found in read.items() if found.get(name, {}).get("count"))
        if seen and len(seen) / float(len(read)) > share:
            newest = read[seen[-1]][name]
            causes.append({"pattern": name, "meaning": MEANING[name], "providers": seen, "share": round(len(seen) / float(len(read)), 3),
                           "count": sum(read[p][name]["count"] for p in seen), "newest": newest["newest"], "numbers": newest.get("numbers") or ""})
    return sorted(causes, key=lambda cause: -len(cause["providers"]))


def rejection_causes(per_provider):
    """``{provider: scan(...) or None}`` -> the chain rejections on each provider as ``_causes.cause`` arguments:
    ``[(name, [providers], [{"host", "signature", "count", "line", "numbers", "code"}])]`` in catalogue order. Every
    provider counts, however few: a rejection on one provider rules out its restart as much as on all."""
    if not isinstance(per_provider, dict):
        raise LogPatternError("per_provider must map a provider to its scan result, got %r" % (per_provider,))
    found = []
    for chosen in REJECTIONS:
        seen = sorted(p for p, patterns in per_provider.items() if (patterns or {}).get(chosen.name, {}).get("count"))
        if seen:
            found.append((chosen.name, seen, [{"host": p, "signature": chosen.name, "count": per_provider[p][chosen.name]["count"],
                                               "line": per_provider[p][chosen.name]["newest"], "code": chosen.code,
                                               "numbers": per_provider[p][chosen.name].get("numbers") or ""} for p in seen]))
    return found
