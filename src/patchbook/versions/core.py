"""`sort_key` and `compare`: one entry point over all ordering families, cached."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from . import apk, composer, dpkg, maven, pep440, rpm, rubygems, semverlike
from .ecosystems import base_ecosystem, ordering
from .errors import InvalidVersion, UnsupportedEcosystem

KEY_FUNCTIONS: dict[str, Callable[[str], Any]] = {
    "pep440": pep440.key,
    "semver": semverlike.semver_key,
    "nuget": semverlike.nuget_key,
    "pub": semverlike.pub_key,
    "hackage": semverlike.hackage_key,
    "cran": semverlike.cran_key,
    "maven": maven.key,
    "rubygems": rubygems.key,
    "composer": composer.key,
    "dpkg": dpkg.key,
    "apk": apk.key,
    "rpm": rpm.key,
}


@lru_cache(maxsize=4096)
def key_function(ecosystem: str) -> Callable[[str], Any]:
    family = ordering(ecosystem)
    if family is None:
        raise UnsupportedEcosystem(f"no version ordering for ecosystem {ecosystem!r}")
    return KEY_FUNCTIONS[family]


@lru_cache(maxsize=4096)
def family(ecosystem: str) -> str:
    fam = ordering(ecosystem)
    if fam is None:
        raise UnsupportedEcosystem(f"no version ordering for ecosystem {ecosystem!r}")
    return fam


@lru_cache(maxsize=1 << 20)
def _family_key(fam: str, version: str) -> Any:
    if not isinstance(version, str):
        raise InvalidVersion(f"version must be a string, got {type(version).__name__}")
    try:
        return KEY_FUNCTIONS[fam](version)
    except InvalidVersion:
        raise
    except (ValueError, IndexError) as exc:  # defensive: a parser tripping on odd input
        raise InvalidVersion(f"cannot order {version!r}: {exc}") from exc


def sort_key(ecosystem: str, version: str) -> Any:
    """A hashable key that orders versions of `ecosystem` exactly like `compare`.

    Keys of one ecosystem (or ecosystems sharing an ordering) compare with each other; keys of different
    orderings must not be mixed. Raises InvalidVersion / UnsupportedEcosystem.
    """
    return _family_key(family(ecosystem), version)


def compare(ecosystem: str, a: str, b: str) -> int:
    """-1, 0 or 1 as version `a` sorts before, equal to or after `b` in `ecosystem`."""
    fam = family(ecosystem)
    ka = _family_key(fam, a)
    kb = _family_key(fam, b)
    if ka < kb:
        return -1
    if kb < ka:
        return 1
    return 0



__all__ = ["base_ecosystem", "compare", "sort_key"]
