# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running the chain CLI (``virtengine``, a Cosmos SDK binary) from a module, with readable failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def chain_cli_argument_spec(**extra):
    """The options documented by the ``virtengine.incident_response.chain_cli`` doc fragment."""
    spec = dict(
        node=dict(type="str", default="http://127.0.0.1:26657"),
        binary=dict(type="path", default="virtengine"),
        home=dict(type="path", default=""),
    )
    spec.update(extra)
    return spec


class ChainCLIError(RuntimeError):
    """The CLI exited non-zero or answered something unusable; the message names the command."""


def run_chain_cli(module, *args, **kwargs):
    """``<binary> ARGS [--home H]`` with the module's ``binary`` and ``home`` options; standard output, or ChainCLIError."""
    params = module.params
    argv = [module.get_bin_path(params["binary"], required=True)] + list(args)
    if params["home"]:
        argv += ["--home", params["home"]]
    rc, out, err = module.run_command(argv, **kwargs)
    if rc != 0:
        raise ChainCLIError("%s %s failed (rc %d): %s" % (params["binary"], " ".join(args[:2]), rc, (err or out).strip()[-500:]))
    return out
