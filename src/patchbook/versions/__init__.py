"""Version ordering per ecosystem, purl handling and OSV range evaluation.

Every ordering is checked against the OSV tooling fixtures in shared/data/versions; see the module of
each family (pep440, semverlike, maven, dpkg, apk, rpm, rubygems, composer) for the rules it implements.
"""

from __future__ import annotations

from .core import compare, sort_key
from .ecosystems import KNOWN_ECOSYSTEMS, base_ecosystem, supports
from .errors import InvalidPurl, InvalidVersion, UnsupportedEcosystem
from .osv import affected, affected_entries, entry_affected, fixed_for, range_contains
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
