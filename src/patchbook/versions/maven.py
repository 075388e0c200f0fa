"""Maven ordering, after Maven's ComparableVersion (the rules OSV tooling verifies against Maven itself).

Tokenising: split at "." and "-" (remembering which separator preceded each token), and again at every
digit/non-digit transition inside a token (such a split counts as "-"). Tokens are lower-cased; empty
tokens become "0"; "cr" is "rc"; "ga", "final" and "release" are the empty qualifier; "a", "b", "m"
directly followed by a digit are "alpha", "beta", "milestone"; numbers lose leading zeros. Then trailing
"null" tokens ("0" or "") are trimmed from the end and from the end of every "-" group before it.

Comparing: token by token; the shorter version is padded with the "null" token of the other side's
separator (".0", or "-" empty qualifier; "." padding against "sp" is the empty qualifier). Same
separator: numbers numerically, numbers above qualifiers, qualifiers by
alpha < beta < milestone < rc < snapshot < "" < sp < anything else (alphabetical). Different separators:
".qualifier" < "-qualifier" < "-number" < ".number".
"""

from __future__ import annotations

import re

from ._cmpkey import CmpKey
from .errors import InvalidVersion

_QUALIFIERS = {"alpha": 0, "beta": 1, "milestone": 2, "rc": 3, "snapshot": 4, "": 5, "sp": 6}
_UNKNOWN = len(_QUALIFIERS)
_ALIASES = {"cr": "rc", "ga": "", "final": "", "release": ""}
_SHORT = {"a": "alpha", "b": "beta", "m": "milestone"}
_PIECES = re.compile(r"\d+|\D+")

# a token: (separator, value, is_number, number); separator is "", "." or "-"
Token = tuple[str, str, bool, int]


def tokens(version: str) -> tuple[Token, ...]:
    out: list[Token] = []
    sep = ""
    for i, raw in enumerate(re.split(r"([.-])", version)):
        if i % 2:
            sep = raw
            continue
        pieces = _PIECES.findall(raw) or [""]
        for j, piece in enumerate(pieces):
            value = piece.lower() or "0"
            value = _ALIASES.get(value, value)
            if j + 1 < len(pieces) and value in _SHORT:
                value = _SHORT[value]
            prefix = sep if j == 0 else "-"
            if value.isdigit() and value.isascii():
                n = int(value)
                out.append((prefix, str(n), True, n))
            else:
                out.append((prefix, value, False, 0))
    # trim trailing nulls, at the very end and at the end of each "-" group
    i = len(out) - 1
    while i > 0:
        if out[i][1] in ("0", ""):
            del out[i]
            i -= 1
            continue
        while i >= 0 and out[i][0] != "-":
            i -= 1
        i -= 1
    return tuple(out)


def _null_for(tok: Token) -> Token:
    """The padding token that faces `tok` when the other version has run out."""
    if tok[0] == ".":
        # "sp" is the one qualifier above the empty one, so ".sp" is padded with the empty qualifier
        return (".", "", False, 0) if tok[1] == "sp" else (".", "0", True, 0)
    return ("-", "", False, 0)


def _order(tok: Token) -> int:
    if tok[2]:
        return 2 if tok[0] == "-" else 3
    return 1 if tok[0] == "-" else 0


def _less(a: Token, a_null: bool, b: Token, b_null: bool) -> bool:
    if a[0] != b[0]:
        return _order(a) < _order(b)
    if a[2] and b[2]:
        return a[3] < b[3]
    # numbers sort after qualifiers, except padding, which behaves like the empty qualifier
    if a[2] and not a_null:
        return False
    if b[2] and not b_null:
        return True
    # a numeric padding token ("0") is looked up as a qualifier, i.e. it is an unknown one
    ai = _QUALIFIERS.get(a[1], _UNKNOWN)
    bi = _QUALIFIERS.get(b[1], _UNKNOWN)
    if ai == _UNKNOWN and bi == _UNKNOWN:
        return a[1] < b[1]
    return ai < bi


def compare_tokens(a: tuple[Token, ...], b: tuple[Token, ...]) -> int:
    if a == b:
        return 0
    n = max(len(a), len(b))
    for i in range(n):
        a_null = i >= len(a)
        b_null = i >= len(b)
        ta = _null_for(b[i]) if a_null else a[i]
        tb = _null_for(a[i]) if b_null else b[i]
        if ta[0] == tb[0] and ta[1] == tb[1]:
            continue
        return -1 if _less(ta, a_null, tb, b_null) else 1
    return 0


def key(version: str) -> CmpKey:
    if not version.strip():
        raise InvalidVersion("empty Maven version")
    toks = tokens(version.strip())
    return CmpKey(toks, compare_tokens, tuple((t[0], t[1]) for t in toks))
