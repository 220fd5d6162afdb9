# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: In check mode nothing is sent; the requests are returned (and written to O(outbox)) as in a dry run.
  diff_mode:
    support: none
    description: A message is not a diffable state.
options:
  api_url:
    description:
      - Base URL of the service's API. Change it only for a proxy or a test double.
    type: str
  timeout:
    description: Seconds to wait for each HTTP request.
    type: float
    default: 10.0
  retries:
    description:
      - How many times to try again after HTTP 429 (waiting the C(Retry-After) seconds), a network error or HTTP 5xx.
    type: int
    default: 3
  max_retry_wait:
    description:
      - Longest C(Retry-After) honoured, in seconds; a longer one ends the attempts with a rate-limited error.
    type: float
    default: 30.0
  outbox:
    description:
      - Dry run (no credential given, or check mode) appends each request it would have sent to this JSON-lines file.
    type: path
notes:
  - The module reports delivery problems (invalid credential, rate limit, network, API error) in RV(ok) and
    RV(errors) instead of failing, so that a communication problem never stops an incident; it fails only on bad
    arguments.
  - The credential is C(no_log) and is removed from every message, result and outbox line.
  - Runs on the controller (C(delegate_to) C(localhost)).
"""
