# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options of every plugin that waits (one waiter: plugins/module_utils/_wait.py).
    DOCUMENTATION = r"""
options:
  wait_timeout:
    description:
      - Seconds to wait at most for the condition. A sample is taken at the deadline itself, and one progress line is
        printed per sample.
      - C(0) takes the samples the plugin needs at least and returns the verdict without waiting.
    type: float
    default: 120
  wait_sleep:
    description:
      - Seconds between two samples (the last pause is cut short at the deadline).
    type: float
    default: 5
"""
