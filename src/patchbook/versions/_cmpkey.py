"""Sort keys for orderings that cannot be written as plain tuples.

Most ecosystems map a version to a tuple, which Python compares in C and which is the fastest key there
is. A few orderings (Maven's padding, apk's invalid-version fallback, PHP version_compare, RubyGems'
zero padding against strings) depend on both operands at once; for those the key wraps the parsed form
and a two-argument comparison. Hashes are computed on a form that is equal whenever the comparison says
0, so keys stay usable in sets and dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class CmpKey:
    """A parsed version plus the ecosystem's three-way comparison of two parsed versions."""

    __slots__ = ("_cmp", "_hash", "parsed")

    def __init__(self, parsed: Any, cmp: Callable[[Any, Any], int], hash_basis: object) -> None:
        self.parsed = parsed
        self._cmp = cmp
        self._hash = hash(hash_basis)

    def compare(self, other: CmpKey) -> int:
        return self._cmp(self.parsed, other.parsed)

    def __lt__(self, other: CmpKey) -> bool:
        return self._cmp(self.parsed, other.parsed) < 0

    def __le__(self, other: CmpKey) -> bool:
        return self._cmp(self.parsed, other.parsed) <= 0

    def __gt__(self, other: CmpKey) -> bool:
        return self._cmp(self.parsed, other.parsed) > 0

    def __ge__(self, other: CmpKey) -> bool:
        return self._cmp(self.parsed, other.parsed) >= 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CmpKey):
            return NotImplemented
        return self._cmp(self.parsed, other.parsed) == 0

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, CmpKey):
            return NotImplemented
        return self._cmp(self.parsed, other.parsed) != 0

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"CmpKey({self.parsed!r})"


def sign(n: int) -> int:
    return (n > 0) - (n < 0)
