"""RubyGems ordering, as Gem::Version#<=>.

A version is letters, digits, "." and "-" (surrounding blanks allowed; empty means "0"); "-" reads as
".pre.". Segments are the digit runs and letter runs. The
canonical form splits them at the first letter segment into a release part and a pre-release part and
drops trailing zeros from each. Comparison pads the shorter side with 0; a number beats a string, two
strings compare as text, so any letter segment makes a pre-release (1.0.a < 1.0).
"""

from __future__ import annotations

import re

from ._cmpkey import CmpKey
from .errors import InvalidVersion

# Gem's own pattern demands a "." before a letter run after the first number; OSV data (and its fixtures,
# e.g. `1beta`) also has versions without it, which order the same way, so only the alphabet is checked.
_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.-]*")
_SEGMENT = re.compile(r"[0-9]+|[a-zA-Z]+")

Segment = int | str


def _drop_zeros(segs: list[Segment]) -> list[Segment]:
    end = len(segs)
    while end and segs[end - 1] == 0:
        end -= 1
    return segs[:end]


def canonical(version: str) -> tuple[Segment, ...]:
    v = version.strip()
    if not v:
        v = "0"
    if not _PATTERN.fullmatch(v):
        raise InvalidVersion(f"malformed RubyGems version {version!r}")
    segs: list[Segment] = [int(s) if s.isdigit() else s for s in _SEGMENT.findall(v.replace("-", ".pre."))]
    first_str = next((i for i, s in enumerate(segs) if isinstance(s, str)), len(segs))
    return tuple(_drop_zeros(segs[:first_str]) + _drop_zeros(segs[first_str:]))


def compare(a: tuple[Segment, ...], b: tuple[Segment, ...]) -> int:
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else 0
        y = b[i] if i < len(b) else 0
        if x == y:
            continue
        if isinstance(x, str) and isinstance(y, int):
            return -1
        if isinstance(x, int) and isinstance(y, str):
            return 1
        return -1 if x < y else 1  # type: ignore[operator]
    return 0


def key(version: str) -> CmpKey:
    segs = canonical(version)
    # canonical forms have no trailing zeros, so equal versions have identical segments
    return CmpKey(segs, compare, segs)
