"""The "SemVer-like" family: SemVer 2.0 (npm, crates.io, Go, Hex, ...), NuGet, Pub and Hackage.

All four share one lenient reader, the one OSV tooling uses: an optional leading "v", then numeric
components separated by ".", and everything from the first other character on is the "build string"
(pre-release and/or build metadata). SemVer keeps 3 numeric components, NuGet 4 (System.Version),
Hackage any number; components beyond the limit are moved into the build string, so `1.1.3.4.5` is
`1.1.3` with extra text. Numeric components compare numerically, missing ones count as 0.
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidVersion

_DIGITS = frozenset("0123456789")

_RELEASE = (1,)  # no pre-release: sorts after every pre-release of the same numbers


def split(version: str, max_components: int) -> tuple[tuple[int, ...], str]:
    """Return (numeric components, build string) the way the lenient reader sees them."""
    s = version[1:] if version.startswith("v") else version
    comps: list[int] = []
    current = ""
    build = ""
    for i, c in enumerate(s):
        if c in _DIGITS:
            current += c
            continue
        if current:
            comps.append(int(current))
            current = ""
        if c == ".":
            continue
        build = s[i:]
        break
    else:
        if current:
            comps.append(int(current))
    if max_components >= 0 and len(comps) > max_components:
        extra = comps[max_components:]
        comps = comps[:max_components]
        build += "".join(f".{n}" for n in extra)
    return tuple(comps), build


def strip_zeros(comps: tuple[int, ...]) -> tuple[int, ...]:
    """Missing components count as 0, so trailing zeros do not change the order."""
    end = len(comps)
    while end and comps[end - 1] == 0:
        end -= 1
    return comps[:end]


def _identifier(part: str) -> tuple[int, Any]:
    # SemVer 11.4: numeric identifiers compare numerically and sort below alphanumeric ones
    if part.isdigit() and part.isascii():
        return (0, int(part))
    return (1, part)


def prerelease_key(build: str) -> tuple[Any, ...]:
    """Order of the pre-release part of a build string; "+metadata" is ignored (SemVer 10)."""
    pre = build.split("+", 1)[0]
    if pre.startswith("-"):
        pre = pre[1:]
    if not pre:
        return _RELEASE
    return (0, tuple(_identifier(p) for p in pre.split(".")))


def _check(version: str) -> None:
    if not version or not version.strip():
        raise InvalidVersion(f"empty version {version!r}")


def semver_key(version: str) -> tuple[Any, ...]:
    """SemVer 2.0 precedence; case-sensitive pre-release (ASCII order), build metadata ignored."""
    _check(version)
    comps, build = split(version, 3)
    return (strip_zeros(comps), prerelease_key(build))


def nuget_key(version: str) -> tuple[Any, ...]:
    """NuGet: SemVer 2.0 with a 4th numeric part and case-insensitive pre-release labels."""
    _check(version)
    comps, build = split(version, 4)
    return (strip_zeros(comps), prerelease_key(build.lower()))


def pub_key(version: str) -> tuple[Any, ...]:
    """Dart pub_semver: like SemVer, but build metadata takes part in the order.

    A version with build metadata sorts after the same version without it, and build identifiers compare
    like pre-release identifiers (numbers numerically, below text).
    """
    _check(version)
    comps, build = split(version, 3)
    meta = build.split("+", 1)[1] if "+" in build else None
    meta_key: tuple[Any, ...] = () if meta is None else (1, tuple(_identifier(p) for p in meta.split(".")))
    return (strip_zeros(comps), prerelease_key(build), meta_key)


def hackage_key(version: str) -> tuple[int, ...]:
    """Haskell Data.Version: dot-separated naturals, compared as lists (1.0 < 1.0.0)."""
    _check(version)
    comps, build = split(version, -1)
    if build or version.startswith("v"):
        raise InvalidVersion(f"Hackage version {version!r} is not dot-separated numbers")
    return comps


def cran_key(version: str) -> tuple[int, ...]:
    """R package_version: naturals separated by "." or "-", compared as lists (0.1.0 < 0.1.0.0)."""
    parts = version.strip().replace("-", ".").split(".")
    if not all(p.isdigit() and p.isascii() for p in parts):
        raise InvalidVersion(f"CRAN version {version!r} is not numbers separated by '.' or '-'")
    return tuple(int(p) for p in parts)
