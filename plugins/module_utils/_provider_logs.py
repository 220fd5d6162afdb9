# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provider daemon's log-pattern catalogue: pure logic, no I/O.

The daemon (``cmd/provider-daemon``) logs plain text, neither JSON nor logfmt: ``fmt.Println`` lines with prefixes
such as ``[BID]`` and ``Warning:`` on stdout, and stdlib ``log.Printf`` lines (``YYYY/MM/DD HH:MM:SS msg``) on
stderr. Source: virtengine/virtengine ``pkg/provider_daemon`` (see docs/play012_provider_daemon_failure.md).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# (name, regular expression, what it means). A line counts under every pattern it matches: a failed bid whose error
# is a TLS handshake failure is both a failed bid and a TLS error.
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
MEANING = dict((name, meaning) for name, _expression, meaning in CATALOGUE)


class LogPatternError(ValueError):
    """Bad input to the catalogue, with what to do about it."""


def scan(lines, max_example=300):
    """Log lines (oldest first) -> ``{pattern: {"count", "newest"}}`` for the patterns seen; ``newest`` is the last
    matching line, cut to ``max_example`` characters."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    found = {}
    for line in lines:
        line = line.rstrip("\n")
        for name, expression, _meaning in _COMPILED:
            if expression.search(line):
                entry = found.setdefault(name, {"count": 0, "newest": ""})
                entry["count"] += 1
                entry["newest"] = line[:max_example]
    return found


def common_causes(per_provider, share=0.5):
    """``{provider: scan(...) or None (logs unread)}`` -> patterns seen on more than ``share`` of the providers whose
    logs were read, most widespread first: ``[{"pattern", "meaning", "providers", "share", "count", "newest"}]``."""
    if not isinstance(per_provider, dict):
        raise LogPatternError("per_provider must map a provider to its scan result, got %r" % (per_provider,))
    if not 0 <= share < 1:
        raise LogPatternError("share=%r must be a fraction from 0 to below 1 (0.5: more than half the providers)" % (share,))
    read = dict((name, found) for name, found in per_provider.items() if found is not None)
    if not read:
        return []
    causes = []
    for name, _expression, meaning in _COMPILED:
        seen = sorted(provider for provider, found in read.items() if found.get(name, {}).get("count"))
        if seen and len(seen) / float(len(read)) > share:
            newest = read[seen[-1]][name]["newest"]
            causes.append({"pattern": name, "meaning": meaning, "providers": seen, "share": round(len(seen) / float(len(read)), 3),
                           "count": sum(read[p][name]["count"] for p in seen), "newest": newest})
    return sorted(causes, key=lambda cause: -len(cause["providers"]))


def table(per_provider):
    """Rows ``{provider, pattern, count, newest}`` for a report, providers and patterns in catalogue order."""
    rows = []
    for provider in sorted(per_provider):
        found = per_provider[provider] or {}
        for name, _expression, _meaning in _COMPILED:
            if name in found:
                rows.append({"provider": provider, "pattern": name, "count": found[name]["count"], "newest": found[name]["newest"]})
    return rows
