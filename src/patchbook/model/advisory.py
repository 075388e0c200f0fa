"""Advisories (OSV records) and the CISA Known Exploited Vulnerabilities catalog, as domain objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

EventKind = Literal["introduced", "fixed", "last_affected", "limit"]
RangeType = Literal["ECOSYSTEM", "SEMVER", "GIT"]


@dataclass(frozen=True, slots=True)
class RangeEvent:
    kind: EventKind
    version: str


@dataclass(frozen=True, slots=True)
class AffectedRange:
    type: RangeType
    events: tuple[RangeEvent, ...]
    repo: str | None = None


@dataclass(frozen=True, slots=True)
class AffectedPackage:
    """One ``affected[]`` entry: a package in one ecosystem, with its ranges and explicit versions."""

    ecosystem: str  # base ecosystem name, e.g. "Debian" for "Debian:11"
    ecosystem_qualifier: str | None  # the part after the first ':' ("11", "v3.16"), if any
    name: str  # normalised for lookup (PEP 503 for PyPI, ...)
    purl: str | None
    ranges: tuple[AffectedRange, ...]
    versions: tuple[str, ...]

    @property
    def fixed_versions(self) -> tuple[str, ...]:
        return tuple(e.version for r in self.ranges for e in r.events if e.kind == "fixed")


@dataclass(frozen=True, slots=True)
class Severity:
    type: str  # CVSS_V2 | CVSS_V3 | CVSS_V4 | Ubuntu | ...
    score: str  # a vector for CVSS types, never a number


@dataclass(frozen=True, slots=True)
class Advisory:
    """An OSV record as patchbook keeps it; ``raw`` is the record as received, for re-evaluation."""

    id: str
    modified: datetime
    published: datetime | None
    withdrawn: datetime | None
    aliases: tuple[str, ...]
    summary: str
    details: str
    severity: tuple[Severity, ...]
    affected: tuple[AffectedPackage, ...]
    raw: dict[str, Any] = field(compare=False, repr=False)

    @property
    def identifiers(self) -> tuple[str, ...]:
        """Its own id and every alias: the members it contributes to an alias group."""
        return (self.id, *self.aliases)


@dataclass(frozen=True, slots=True)
class KevEntry:
    """One entry of the CISA KEV catalog."""

    cve_id: str
    vendor: str
    product: str
    name: str
    date_added: date
    due_date: date | None
    known_ransomware: bool
    short_description: str
    required_action: str
    notes: str
    cwes: tuple[str, ...]
