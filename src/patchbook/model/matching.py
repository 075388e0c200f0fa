"""What matching works with and produces: lookup keys, candidate advisory entries, matches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PackageKey:
    """(OSV ecosystem, normalised package name, version); ``qualifier`` is a release such as "11"."""

    ecosystem: str
    package: str
    version: str
    qualifier: str | None = None

    @property
    def query_ecosystem(self) -> str:
        """The ecosystem as OSV spells it with its release (``Debian:11``), for suffix-aware matching."""
        return f"{self.ecosystem}:{self.qualifier}" if self.qualifier else self.ecosystem


@dataclass(frozen=True, slots=True)
class Unmatched:
    """Why a component cannot be matched; it is kept and counted, never dropped."""

    reason: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ``affected[]`` entry of a stored, non-withdrawn advisory, for the package it names."""

    advisory_id: str
    alias_group: str
    ecosystem: str  # as the entry spells it, with its release suffix ("Debian:11")
    entry: Mapping[str, Any]  # {"package": {...}, "ranges": [...], "versions": [...]}


@dataclass(frozen=True, slots=True)
class VersionVuln:
    key: PackageKey
    advisory_id: str
    alias_group: str
    fixed: tuple[str, ...]  # the fixed versions that end the affected intervals holding key.version
