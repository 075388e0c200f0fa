"""Packagist ordering: PHP's version_compare() on the version with leading "v"/"V" removed.

This is what Composer-era tooling and OSV's own fixture generator use. PHP first canonicalises: "-", "_"
and "+" become ".", a "." is inserted at every digit/non-digit boundary, other non-alphanumeric characters
become "." (runs collapse). It then walks the "."-separated parts: two numbers compare numerically; two
words compare by the special forms dev < alpha = a < beta = b < RC = rc < "#" < pl = p (matched by
prefix; unknown words sort below dev); a number against a word counts as "#". When one side has parts
left over, a leading number there makes it greater, otherwise the rest is compared against "#".

One deliberate difference from PHP: a literal "#" is kept as a word (PHP drops it), which makes
`1.2.3.# = 1.2.3.1` as in OSV's fixtures. Numbers are unbounded (PHP clamps to a C long).
"""

from __future__ import annotations

from ._cmpkey import CmpKey, sign
from .errors import InvalidVersion

_SPECIAL = (("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3), ("#", 4),
            ("pl", 5), ("p", 5))
_NUMBER_FORM = "#N#"


def _is_digit(c: str) -> bool:
    return "0" <= c <= "9"


def canonicalise(v: str) -> str:
    if not v:
        return v
    out = [v[0]]
    prev = v[0]
    for c in v[1:]:
        last = out[-1]
        if c in "-_+":
            if last != ".":
                out.append(".")
        elif (prev != "." and not _is_digit(prev) and _is_digit(c)) or (
            _is_digit(prev) and c != "." and not _is_digit(c)
        ):
            if last != ".":
                out.append(".")
            out.append(c)
        elif not (c.isascii() and c.isalnum()) and c != "#":
            if last != ".":
                out.append(".")
        else:
            out.append(c)
        prev = c
    return "".join(out)


def _form(word: str) -> int:
    for name, order in _SPECIAL:
        if word.startswith(name):
            return order
    return -1


def _special(a: str, b: str) -> int:
    return sign(_form(a) - _form(b))


# A part of a canonical version: (is a number, number or special-form order, is empty text).
Part = tuple[bool, int, bool]
_NUMBER_PARTS: tuple[Part, ...] = ((False, 4, False),)  # PHP's "#N#" placeholder


def parts(version: str) -> tuple[Part, ...]:
    """The "."-separated parts of the canonical form, classified once (empty version -> ())."""
    if not version:
        return ()
    canon = version if version[0] == "#" else canonicalise(version)
    out: list[Part] = []
    for text in canon.split("."):
        if text and _is_digit(text[0]):
            out.append((True, _leading_int(text), False))
        else:
            out.append((False, _form(text), not text))
    return tuple(out)


def php_compare(v1: str, v2: str) -> int:
    """PHP version_compare(v1, v2) (plus the "#" difference documented above)."""
    return compare_parts(parts(v1), parts(v2))


def _part_cmp(x: Part, y: Part) -> int:
    if x[0] and y[0]:
        return sign(x[1] - y[1])
    if x[0]:
        return sign(4 - y[1])  # a number counts as the "#" form against a word
    if y[0]:
        return sign(x[1] - 4)
    return sign(x[1] - y[1])


def compare_parts(a: tuple[Part, ...], b: tuple[Part, ...]) -> int:
    """PHP's walk over two part lists, including what it does with leftovers and empty parts."""
    if not a or not b:
        return _compare_empty(a, b)
    last_a, last_b = len(a) - 1, len(b) - 1
    i = 0
    more_a = more_b = True
    while True:
        # PHP stops when a side points at the end of its string (an empty last part)
        if (a[i][2] and i == last_a) or (b[i][2] and i == last_b):
            rest_a, rest_b = a[i:], b[i:]
            break
        result = _part_cmp(a[i], b[i])
        if result:
            return result
        more_a, more_b = i < last_a, i < last_b
        if not (more_a and more_b):
            rest_a, rest_b = a[i + 1 :], b[i + 1 :]
            break
        i += 1
    # one side has parts left: a number there wins outright, anything else is weighed against "#"
    if more_a:
        if rest_a and rest_a[0][0]:
            return 1
        return compare_parts(_as_string_parts(rest_a), _NUMBER_PARTS)
    if more_b:
        if rest_b and rest_b[0][0]:
            return -1
        return compare_parts(_NUMBER_PARTS, _as_string_parts(rest_b))
    return 0


def _as_string_parts(rest: tuple[Part, ...]) -> tuple[Part, ...]:
    # a leftover that is a single empty part is the empty string, which PHP orders first
    return () if len(rest) == 1 and rest[0][2] else rest


def _compare_empty(a: object, b: object) -> int:
    if not a and not b:
        return 0
    return 1 if a else -1


def _leading_int(t: str) -> int:
    end = 0
    while end < len(t) and _is_digit(t[end]):
        end += 1
    return int(t[:end])


def strip_v(version: str) -> str:
    return version.lstrip("vV")


def _hash_basis(v: str) -> int:
    # equal versions share their first number (or have none): a coarse but consistent hash
    c = canonicalise(v)
    return _leading_int(c) if c and _is_digit(c[0]) else -1


def key(version: str) -> CmpKey:
    v = strip_v(version.strip())
    if not v:
        raise InvalidVersion(f"empty Packagist version {version!r}")
    # the key keeps the classified parts, so comparisons skip PHP's per-call canonicalisation
    return CmpKey(parts(v), compare_parts, _hash_basis(v))
