"""Debian / Ubuntu ordering, as dpkg's verrevcmp (deb-version(7)).

`[epoch:]upstream[-revision]`: epoch numerically (absent = 0), then upstream, then revision (absent
equals "0"). Each part is read as alternating runs of non-digits and digits. Non-digit runs compare
character by character with "~" below everything, even the end of the run, then the end, then letters,
then every other character; digit runs compare numerically (empty = 0).

The key encodes that as a tuple so comparisons run in C: each run pair becomes (weights..., 0) and an
int; every part ends with the pair ("", 0), which is exactly what dpkg pads a shorter string with.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import InvalidVersion

_RUNS = re.compile(r"(\D*)(\d*)")
_END: tuple[tuple[int, ...], int] = ((0,), 0)


def _weight(c: str) -> int:
    if c == "~":
        return -1
    if c.isascii() and c.isalpha():
        return ord(c)
    return ord(c) + 256


def _part_key(s: str) -> tuple[tuple[tuple[int, ...], int], ...]:
    pairs: list[tuple[tuple[int, ...], int]] = []
    for m in _RUNS.finditer(s):
        text, digits = m.group(1), m.group(2)
        if not text and not digits:
            continue
        pair = ((*(_weight(c) for c in text), 0), int(digits) if digits else 0)
        if pair != _END:  # ("", 0) is what dpkg pads with, so it carries no information
            pairs.append(pair)
    pairs.append(_END)
    return tuple(pairs)


def key(version: str) -> tuple[Any, ...]:
    v = version.strip()
    if not v:
        raise InvalidVersion("empty Debian version")
    epoch = 0
    head, colon, rest = v.partition(":")
    if colon:
        if not head.isdigit():
            raise InvalidVersion(f"Debian epoch {head!r} in {version!r} is not a number")
        epoch = int(head)
        v = rest
    upstream, dash, revision = v.rpartition("-")
    if not dash:
        upstream, revision = v, ""
    return (epoch, _part_key(upstream), _part_key(revision))
