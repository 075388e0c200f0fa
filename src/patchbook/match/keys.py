"""From a component (as an SBOM or lock file describes it) to the key advisories are looked up by."""

from __future__ import annotations

from functools import lru_cache

from patchbook import versions
from patchbook.model.component import Component
from patchbook.model.matching import PackageKey, Unmatched

# Debian and Alpine advisories name source packages; an SBOM names the binary package it installed.
_SOURCE_PACKAGE_ECOSYSTEMS = frozenset({"Debian", "Ubuntu", "Alpine", "Wolfi", "Chainguard"})


def resolve(component: Component) -> PackageKey | Unmatched:
    if component.purl is None:
        return Unmatched("no purl")
    if not component.version:
        return Unmatched("no version")
    resolved = _from_purl(component.purl)
    if isinstance(resolved, Unmatched):
        return resolved
    full_ecosystem, package, version = resolved
    ecosystem, _, qualifier = full_ecosystem.partition(":")
    if ecosystem in _SOURCE_PACKAGE_ECOSYSTEMS and component.source_name:
        package = versions.normalise_name(ecosystem, component.source_name)
        version = component.source_version or version
    return _checked(ecosystem, package, version, qualifier or None)


@lru_cache(maxsize=1 << 18)
def _from_purl(purl: str) -> tuple[str, str, str] | Unmatched:
    # Cached on the string: an estate repeats the same purls across hundreds of SBOMs, and parsing a
    # purl costs more than matching it.
    try:
        key = versions.purl_package(purl)
    except versions.InvalidPurl as exc:
        return Unmatched(f"purl does not parse: {exc}")
    if key is None:
        kind = purl.split(":", 1)[-1].split("/", 1)[0]
        return Unmatched(f"purl type {kind!r} has no OSV ecosystem")
    return key


@lru_cache(maxsize=1 << 18)
def _checked(ecosystem: str, package: str, version: str, qualifier: str | None) -> PackageKey | Unmatched:
    if not versions.supports(ecosystem):
        return Unmatched(f"patchbook cannot order {ecosystem} versions")
    try:
        versions.sort_key(ecosystem, version)
    except versions.InvalidVersion as exc:
        return Unmatched(f"version {version!r} is not a valid {ecosystem} version: {exc}")
    return PackageKey(ecosystem, package, version, qualifier)
