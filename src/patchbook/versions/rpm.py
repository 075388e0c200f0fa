"""RPM ordering (Red Hat, Rocky, AlmaLinux, SUSE, openSUSE, Mageia, ...): rpmvercmp on E:V-R.

rpmvercmp walks both strings: characters other than ASCII letters, digits, "~" and "^" only separate;
"~" sorts below everything (even the end), "^" above the end but below any further segment; a digit
segment beats a letter segment; digit segments compare numerically, letter segments by strcmp; when one
side runs out, the side with something left is newer. An empty component (no release at all) sorts below
any non-empty one, so `1 < 1-`.

That walk is a lexicographic comparison of token lists ending in an END token, which the key encodes
with ranks ~ < END < ^ < letters < digits. The EVR split follows OSV tooling: an epoch only when the text
before the first ":" is all digits, release after the first "-" (kept with its "-").
"""

from __future__ import annotations

import re
from typing import Any

from .errors import InvalidVersion

_TOKENS = re.compile(r"[A-Za-z]+|[0-9]+|[~^]")
_TILDE = (0,)
_ENDTOK = (1,)
_CARET = (2,)
_EMPTY = (0,)


def _component(s: str) -> tuple[Any, ...]:
    if not s:
        return _EMPTY
    toks: list[tuple[Any, ...]] = []
    for t in _TOKENS.findall(s):
        if t == "~":
            toks.append(_TILDE)
        elif t == "^":
            toks.append(_CARET)
        elif t[0].isdigit():
            toks.append((4, int(t)))
        else:
            toks.append((3, t))
    toks.append(_ENDTOK)
    return (1, tuple(toks))


def key(version: str) -> tuple[Any, ...]:
    if not version:
        raise InvalidVersion("empty RPM version")
    epoch, colon, vr = version.partition(":")
    if not colon or not epoch.isdigit():
        epoch, vr = "0", version
    ver, dash, rel = vr.partition("-")
    return (_component(epoch), _component(ver), _component(dash + rel))
