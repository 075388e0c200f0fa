"""Matching: components x advisories -> which vulnerabilities affect which package versions.

Pure: the store hands in candidate advisory entries, matching hands back the (package version,
advisory) pairs with the fixes that apply. Every distinct (ecosystem, package, version) of the estate
is matched once, whatever the number of assets that run it.
"""

from patchbook.match.engine import match
from patchbook.match.keys import resolve
from patchbook.model.matching import Candidate, PackageKey, Unmatched, VersionVuln

__all__ = ["Candidate", "PackageKey", "Unmatched", "VersionVuln", "match", "resolve"]
