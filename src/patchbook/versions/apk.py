"""Alpine / Wolfi / Chainguard ordering, after apk-tools' version comparison as OSV tooling applies it.

A valid apk version is `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`. Parts compare in
order: the numbers (the first numerically; later ones as strings when either has a leading zero, so
1.02 < 1.1, otherwise numerically; missing ones are 0), then the letter (none < a < ... < z), then the
suffixes (_alpha < _beta < _pre < _rc < none < _cvs < _svn < _git < _hg < _p, then the suffix number),
then the -r build number; a commit hash is ignored. What is left over after these parts makes a version
"invalid": an invalid version sorts below the same valid prefix, and two invalid versions compare as
plain strings (this is what `apk version -t` does with strings it cannot parse).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ._cmpkey import CmpKey, sign
from .errors import InvalidVersion

_NUMBERS = re.compile(r"^(?:\d+\.?)*")
_LETTER = re.compile(r"^[a-z]")
_SUFFIX = re.compile(r"_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)")
_HASH = re.compile(r"^~[0-9a-f]+")
_BUILD = re.compile(r"^-r(\d*)")
_SUFFIX_WEIGHT = {"alpha": 0, "beta": 1, "pre": 2, "rc": 3, "cvs": 5, "svn": 6, "git": 7, "hg": 8, "p": 9}
_NO_SUFFIX = (4, 0)


class ApkVersion(NamedTuple):
    original: str
    invalid: bool
    numbers: tuple[str, ...]
    letter: str
    suffixes: tuple[tuple[int, int], ...]
    build: int
    remainder: str


def parse(version: str) -> ApkVersion:
    s = version
    m = _NUMBERS.match(s)
    numbers: tuple[str, ...] = ()
    if m and m.group(0):
        numbers = tuple(m.group(0).split("."))
        s = s[m.end() :]
    letter = ""
    if _LETTER.match(s):
        letter, s = s[0], s[1:]
    suffixes: list[tuple[int, int]] = []
    for sm in _SUFFIX.finditer(s):
        suffixes.append((_SUFFIX_WEIGHT[sm.group(1)], int(sm.group(2) or "0")))
        if s.startswith(sm.group(0)):
            s = s[len(sm.group(0)) :]
    hm = _HASH.match(s)
    if hm:
        s = s[hm.end() :]
    build = 0
    invalid = False
    if s:
        bm = _BUILD.match(s)
        if bm is None:
            invalid = True  # anything left that is not "-r#" makes the version invalid
        else:
            build = int(bm.group(1) or "0")
            s = s[bm.end() :]
    return ApkVersion(version, invalid, numbers, letter, tuple(suffixes), build, s)


def _cmp_number(a: str, b: str, index: int) -> int:
    # after the first number, a leading zero means "compare as text" (1.02 < 1.1)
    if index and ((a and a[0] == "0") or (b and b[0] == "0")):
        return sign((a > b) - (a < b))
    return sign(int(a or "0") - int(b or "0"))


def compare(v: ApkVersion, w: ApkVersion) -> int:
    if v.invalid and w.invalid:
        return (v.original > w.original) - (v.original < w.original)
    for i in range(max(len(v.numbers), len(w.numbers))):
        if i < len(v.numbers) and i < len(w.numbers):
            d = _cmp_number(v.numbers[i], w.numbers[i], i)
        else:
            # padding is a plain 0 compared numerically
            a = v.numbers[i] if i < len(v.numbers) else "0"
            b = w.numbers[i] if i < len(w.numbers) else "0"
            d = sign(int(a or "0") - int(b or "0"))
        if d:
            return d
    if v.letter != w.letter:
        if not v.letter:
            return -1
        if not w.letter:
            return 1
        return -1 if v.letter < w.letter else 1
    for i in range(max(len(v.suffixes), len(w.suffixes))):
        a_suf = v.suffixes[i] if i < len(v.suffixes) else _NO_SUFFIX
        b_suf = w.suffixes[i] if i < len(w.suffixes) else _NO_SUFFIX
        if a_suf != b_suf:
            return -1 if a_suf < b_suf else 1
    if v.build != w.build:
        return -1 if v.build < w.build else 1
    if not v.remainder and w.remainder:
        return 1
    if v.remainder and not w.remainder:
        return -1
    return 0


def key(version: str) -> CmpKey:
    if not version:
        raise InvalidVersion("empty apk version")
    parsed = parse(version)
    first = int(parsed.numbers[0] or "0") if parsed.numbers else 0
    # the first number always compares numerically (padding 0 included), so it is a safe hash
    return CmpKey(parsed, compare, first)
