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


def php_compare(v1: str, v2: str) -> int:
    if not v1 or not v2:
        if not v1 and not v2:
            return 0
        return 1 if v1 else -1
    c1 = v1 if v1[0] == "#" else canonicalise(v1)
    c2 = v2 if v2[0] == "#" else canonicalise(v2)
    p1 = p2 = 0
    more1 = more2 = True  # PHP's n1/n2: was there a "." after the last part read?
    result = 0
    while p1 < len(c1) and p2 < len(c2) and more1 and more2:
        e1 = c1.find(".", p1)
        e2 = c2.find(".", p2)
        t1 = c1[p1:] if e1 < 0 else c1[p1:e1]
        t2 = c2[p2:] if e2 < 0 else c2[p2:e2]
        more1, more2 = e1 >= 0, e2 >= 0
        d1 = bool(t1) and _is_digit(t1[0])
        d2 = bool(t2) and _is_digit(t2[0])
        if d1 and d2:
            result = sign(_leading_int(t1) - _leading_int(t2))
        elif not d1 and not d2:
            result = _special(t1, t2)
        elif d1:
            result = _special(_NUMBER_FORM, t2)
        else:
            result = _special(t1, _NUMBER_FORM)
        if result:
            break
        if more1:
            p1 = e1 + 1
        if more2:
            p2 = e2 + 1
    if result == 0:
        # one side has parts left: a number there wins outright, anything else is weighed against "#"
        if more1:
            digit = p1 < len(c1) and _is_digit(c1[p1])
            result = 1 if digit else php_compare(c1[p1:], _NUMBER_FORM)
        elif more2:
            digit = p2 < len(c2) and _is_digit(c2[p2])
            result = -1 if digit else php_compare(_NUMBER_FORM, c2[p2:])
    return result


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
    return CmpKey(v, php_compare, _hash_basis(v))
