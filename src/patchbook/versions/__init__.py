"""Version ordering per ecosystem, purl handling and OSV range evaluation.

Public API: `compare`, `sort_key` (cached, hashable, orders exactly like `compare`), `supports`,
`base_ecosystem`, `KNOWN_ECOSYSTEMS`; `affected`, `range_contains`, `fixed_for` for OSV records; and
`parse_purl`, `purl_ecosystem`, `purl_package`, `normalise_name` for package URLs.

One module per ordering family, each checked line by line against the OSV tooling fixtures in
shared/data/versions: pep440 (PyPI; `packaging` plus a LegacyVersion fallback), semverlike (npm,
crates.io, Go, Hex, ... and NuGet, Pub, Hackage, CRAN), maven (ComparableVersion), dpkg (Debian,
Ubuntu), apk (Alpine, Wolfi, Chainguard), rpm (Red Hat and the other RPM distributions), rubygems
(Gem::Version), composer (Packagist: PHP version_compare).

Libraries considered and not used for ordering: `univers` (wrong for Packagist dev/alpha, Maven
"release" qualifiers and SemVer build metadata), `python-debian` (GPL-2+), `rpm-vercmp` (stale),
`semver` (would cover only one family). `packaging` is used for PEP 440 parsing.
"""

from __future__ import annotations

from .core import compare, sort_key
from .ecosystems import KNOWN_ECOSYSTEMS, base_ecosystem, supports
from .errors import InvalidPurl, InvalidVersion, UnsupportedEcosystem
from .osv import affected, affected_entries, ecosystem_matches, entry_affected, fixed_for, range_contains
from .purl import normalise_name, parse_purl, purl_ecosystem, purl_package

__all__ = [
    "KNOWN_ECOSYSTEMS",
    "InvalidPurl",
    "InvalidVersion",
    "UnsupportedEcosystem",
    "affected",
    "affected_entries",
    "base_ecosystem",
    "compare",
    "ecosystem_matches",
    "entry_affected",
    "fixed_for",
    "normalise_name",
    "parse_purl",
    "purl_ecosystem",
    "purl_package",
    "range_contains",
    "sort_key",
    "supports",
]
