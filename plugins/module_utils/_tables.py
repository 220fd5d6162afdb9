# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tables for reports: text for the terminal, Markdown for the report file (pure; the filters and the assess action use them)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "%.1f" % value
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value) or "-"
    return str(value).replace("\n", " ")


def _grid(rows, columns):
    columns = list(columns or (rows[0].keys() if rows else []))
    return columns, [[_cell(row.get(column)) for column in columns] for row in rows]


def text_table(rows, columns=None):
    """Rows of dicts -> one string, columns aligned, for a terminal."""
    columns, cells = _grid(rows, columns)
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(columns)).rstrip()]
    lines += ["  ".join(v.ljust(widths[i]) for i, v in enumerate(line)).rstrip() for line in cells]
    return "\n".join(lines)


def markdown_table(rows, columns=None):
    """Rows of dicts -> a GitHub-flavoured Markdown table."""
    columns, cells = _grid(rows, columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _c in columns) + "|"]
    lines += ["| " + " | ".join(v.replace("|", "\\|") for v in line) + " |" for line in cells]
    return "\n".join(lines)
