# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The few protobuf wire-format rules the encryption queries need (varint and length-delimited fields).

The VirtEngine protos are not published as a Python package; a generated module per chain release would be a
dependency to keep in step. Requests here are one string field, answers plain scalar/bytes/message fields.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5


class WireError(ValueError):
    """Bytes that are not a protobuf message."""


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_string(field_number, text):
    """One length-delimited string field; an empty one is left out, as proto3 does."""
    if not text:
        return b""
    data = text.encode("utf-8")
    return _varint(field_number << 3 | LENGTH_DELIMITED) + _varint(len(data)) + data


def _read_varint(data, position):
    value = shift = 0
    while True:
        if position >= len(data):
            raise WireError("truncated varint at byte %d" % position)
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7
        if shift > 63:
            raise WireError("varint longer than 10 bytes at byte %d" % position)


def decode(data):
    """``{field_number: [value, ...]}``: varints as int, length-delimited fields as bytes (fixed fields skipped)."""
    fields = {}
    position = 0
    while position < len(data):
        key, position = _read_varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            value, position = _read_varint(data, position)
        elif wire_type == LENGTH_DELIMITED:
            size, position = _read_varint(data, position)
            value, position = bytes(data[position:position + size]), position + size
            if position > len(data):
                raise WireError("field %d runs past the end of the message" % number)
        elif wire_type in (FIXED64, FIXED32):
            position += 8 if wire_type == FIXED64 else 4
            continue
        else:
            raise WireError("field %d has unsupported wire type %d" % (number, wire_type))
        fields.setdefault(number, []).append(value)
    return fields


def signed64(value):
    """A decoded varint read as the int64 it encodes (negative numbers are ten-byte two's complement)."""
    return value - (1 << 64) if value >= 1 << 63 else value
