"""PyPI ordering: PEP 440 through `packaging`, with an explicit legacy fallback.

`packaging` parses; the key is rebuilt from its public attributes as a plain tuple so comparisons run in
C. Versions `packaging` rejects are "legacy": they sort below every valid version (as pip and the old
`pkg_resources.LegacyVersion` did, epoch -1), and compare among themselves by LegacyVersion's rule:
the string is lower-cased and split into digit runs, letter runs, "." and "-" (text between matches is
kept as its own part); digit runs are zero-padded to 8 characters, everything else is prefixed with "*",
"pre"/"preview"/"rc" become "c", "dev" becomes "@", "-" becomes "final-"; trailing zero parts and
"final-" markers before a pre-release marker are dropped, and "*final" ends the sequence.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.version import InvalidVersion as _PkgInvalid
from packaging.version import Version

_LEGACY_PART = re.compile(r"(\d+|[a-z]+|\.|-)")
_LEGACY_REPLACE = {"pre": "c", "preview": "c", "-": "final-", "rc": "c", "dev": "@"}

# Tags in the first slot keep legacy and PEP 440 keys from ever comparing their tails with each other.
_LEGACY = 0
_PEP440 = 1

_PRE_DEV_ONLY = (0,)  # 1.0.dev0 sorts before 1.0a0: a dev release with no pre/post goes first
_PRE_NONE = (2,)  # a final release sorts after all its pre-releases
_DEV_NONE = (1,)


def _legacy_parts(version: str) -> tuple[str, ...]:
    parts: list[str] = []
    for raw in _LEGACY_PART.split(version.lower()):
        part = _LEGACY_REPLACE.get(raw, raw)
        if not part or part == ".":
            continue
        part = part.zfill(8) if part[0] in "0123456789" else "*" + part
        if part.startswith("*"):
            if part < "*final":
                while parts and parts[-1] == "*final-":
                    parts.pop()
            while parts and parts[-1] == "00000000":
                parts.pop()
        parts.append(part)
    # the terminating "*final" goes through the same trimming as any other "*" part
    while parts and parts[-1] == "00000000":
        parts.pop()
    parts.append("*final")
    return tuple(parts)


def key(version: str) -> tuple[Any, ...]:
    try:
        v = Version(version)
    except _PkgInvalid:
        return (_LEGACY, _legacy_parts(version))
    release = v.release
    end = len(release)
    while end > 1 and release[end - 1] == 0:
        end -= 1
    if v.pre is None and v.post is None and v.dev is not None:
        pre: tuple[Any, ...] = _PRE_DEV_ONLY
    elif v.pre is None:
        pre = _PRE_NONE
    else:
        pre = (1, v.pre[0], v.pre[1])
    post = -1 if v.post is None else v.post
    dev: tuple[int, ...] = _DEV_NONE if v.dev is None else (0, v.dev)
    if v.local is None:
        local: tuple[tuple[int, Any], ...] = ()
    else:
        # numeric local segments sort above alphanumeric ones (PEP 440)
        local = tuple((1, int(p)) if p.isdigit() else (0, p) for p in re.split(r"[._-]", v.local))
    return (_PEP440, v.epoch, release[:end], pre, post, dev, local)


def is_valid(version: str) -> bool:
    try:
        Version(version)
    except _PkgInvalid:
        return False
    return True
