"""Ecosystem names (as OSV spells them) and which version ordering each one uses.

`base_ecosystem` drops the OSV suffix (`Debian:11`, `Alpine:v3.16`, `Ubuntu:Pro:18.04:LTS`,
`Red Hat:rhel_aus:8.4::appstream`, `Maven:https://maven.google.com`) and `ordering` maps the base name to
one of the ordering families below. Ecosystems whose versions cannot be ordered offline (Git commits for
OSS-Fuzz, Linux and Android; no published rule for the rest) are known but unsupported.
"""

from __future__ import annotations

from functools import lru_cache

# The OSV ecosystem names, from ossf/osv-schema `ecosystems.json` and docs/schema.md (v1.7.x).
KNOWN_ECOSYSTEMS: frozenset[str] = frozenset(
    {
        "AlmaLinux", "Alpine", "Android", "Azure Linux", "BellSoft", "Bioconductor", "Bitnami",
        "Chainguard", "ConanCenter", "CRAN", "crates.io", "Debian", "Echo", "GHC", "GitHub Actions", "Go",
        "Hackage", "Hex", "Julia", "Kubernetes", "Linux", "Mageia", "Maven", "MinimOS", "npm", "NuGet",
        "opam", "openEuler", "openSUSE", "OSS-Fuzz", "Packagist", "Photon OS", "Pub", "PyPI", "Red Hat",
        "Rocky Linux", "RubyGems", "SUSE", "SwiftURL", "Ubuntu", "VSCode", "Wolfi",
    }
)  # fmt: skip

# base ecosystem -> ordering family (one module each)
ORDERING: dict[str, str] = {
    "PyPI": "pep440",
    "npm": "semver",
    "crates.io": "semver",
    "Go": "semver",
    "Hex": "semver",
    "SwiftURL": "semver",
    "GitHub Actions": "semver",
    "Bitnami": "semver",
    "ConanCenter": "semver",
    "Kubernetes": "semver",
    "Julia": "semver",
    "VSCode": "semver",
    "Pub": "pub",
    "NuGet": "nuget",
    "Maven": "maven",
    "RubyGems": "rubygems",
    "Packagist": "composer",
    "Debian": "dpkg",
    "Ubuntu": "dpkg",
    "Echo": "dpkg",
    "opam": "dpkg",  # opam's version order is Debian's algorithm
    "Alpine": "apk",
    "Wolfi": "apk",
    "Chainguard": "apk",
    "MinimOS": "apk",
    "BellSoft": "apk",  # Alpaquita Linux uses apk
    "Red Hat": "rpm",
    "Rocky Linux": "rpm",
    "AlmaLinux": "rpm",
    "SUSE": "rpm",
    "openSUSE": "rpm",
    "Mageia": "rpm",
    "Photon OS": "rpm",
    "openEuler": "rpm",
    "Azure Linux": "rpm",
    "CRAN": "cran",
    "Bioconductor": "cran",  # R package_version, like CRAN
    "Hackage": "hackage",
    "GHC": "hackage",
}

# lower-cased spellings seen in the wild (purl types, scanners) -> OSV name
_ALIASES = {name.lower(): name for name in KNOWN_ECOSYSTEMS}


@lru_cache(maxsize=4096)
def base_ecosystem(ecosystem: str) -> str:
    """The ecosystem without its release/product suffix: `Debian:11` -> `Debian`."""
    name = ecosystem.strip()
    if name in KNOWN_ECOSYSTEMS:
        return name
    head = name.split(":", 1)[0].strip()
    if head in KNOWN_ECOSYSTEMS:
        return head
    return _ALIASES.get(head.lower(), head)


def ordering(ecosystem: str) -> str | None:
    return ORDERING.get(base_ecosystem(ecosystem))


def supports(ecosystem: str) -> bool:
    """True when versions of this ecosystem (suffix allowed) can be ordered."""
    return ordering(ecosystem) is not None
