# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Severity of an elevated error rate, by the runbook's Severity Classification.

STAND-IN: the one place PLAY-020 classifies a severity until the incident process's
shared classifier exists; swap this function (and its filter error_rate_severity) for it.

  > 50% error rate on any service  -> SEV-2
  10-50% (elevated error rates)    -> SEV-3
  below 10%                        -> SEV-4 (minor, no incident by the runbook's examples)
  ratio unknown (no request counter next to the error counter) -> SEV-3, the severity the
  runbook gives PLAY-020 and its alert HighErrorRate.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SEV2_ABOVE = 0.50
SEV3_FROM = 0.10


def classify_error_ratio(ratio):
    """``ratio`` (errors / requests, 0..1, or None) -> ``{"severity", "rule"}``."""
    if ratio is None:
        return {"severity": "SEV-3", "rule": "error ratio unknown (no request counter): PLAY-020's own severity"}
    ratio = float(ratio)
    if ratio < 0:
        raise ValueError("error ratio %r is negative" % ratio)
    if ratio > SEV2_ABOVE:
        return {"severity": "SEV-2", "rule": "error ratio %.1f%% > 50%% on a service" % (ratio * 100)}
    if ratio >= SEV3_FROM:
        return {"severity": "SEV-3", "rule": "error ratio %.1f%% within 10-50%% (elevated error rates)" % (ratio * 100)}
    return {"severity": "SEV-4", "rule": "error ratio %.1f%% below 10%%" % (ratio * 100)}
