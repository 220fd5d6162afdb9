# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options of the modules that run the chain CLI (module_utils/_chain_cli.py).
    DOCUMENTATION = r"""
options:
  node:
    description: CometBFT RPC of a node, for the CLI's C(--node).
    type: str
    default: http://127.0.0.1:26657
  binary:
    description: The chain CLI (a Cosmos SDK binary).
    type: path
    default: virtengine
  home:
    description: CLI home (C(--home)); empty uses the CLI's default.
    type: path
    default: ""
"""
