# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set ``key = value`` lines inside ``[section]`` of a TOML file, keeping every other line and comment.

CometBFT's config.toml is flat (one level of sections, scalar values), which
is all this handles; the edited text is parsed again to prove it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

try:
    import tomllib
except ImportError:  # Python < 3.11 on a managed node
    tomllib = None

_HEADER = re.compile(r"^\s*\[([A-Za-z0-9_.\-]+)\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def toml_value(value):
    """A scalar as TOML: strings JSON-quoted (a valid TOML basic string), booleans lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return json.dumps(",".join(str(v) for v in value))
    return json.dumps(str(value))


def parse(text):
    if tomllib is None:
        raise ValueError("reading TOML needs Python 3.11 or later on the node (tomllib)")
    return tomllib.loads(text)


def set_values(text, settings):
    """Return ``text`` with ``settings`` ({section: {key: value}}) applied, and the (section, key) pairs changed."""
    lines = text.splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    changed = []
    for section, values in settings.items():
        for key, value in values.items():
            rendered = "%s = %s\n" % (key, toml_value(value))
            start, end = _section_bounds(lines, section)
            if start is None:
                lines.extend(["\n", "[%s]\n" % section, rendered])
                changed.append((section, key))
                continue
            index = next((i for i in range(start + 1, end) if _KEY.match(lines[i]) and _KEY.match(lines[i]).group(1) == key), None)
            if index is None:
                last = max([start] + [i for i in range(start + 1, end) if _KEY.match(lines[i])])
                lines.insert(last + 1, rendered)
                changed.append((section, key))
            elif parse(lines[index])[key] != parse(rendered)[key]:
                lines[index] = rendered
                changed.append((section, key))
    return "".join(lines), changed


def _section_bounds(lines, section):
    start = None
    for index, line in enumerate(lines):
        match = _HEADER.match(line)
        if not match:
            continue
        if start is not None:
            return start, index
        if match.group(1) == section:
            start = index
    return start, len(lines)
