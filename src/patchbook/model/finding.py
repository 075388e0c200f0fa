"""Findings: a vulnerability (alias group) in a package of an asset, with a lifecycle and a history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class FindingState(StrEnum):
    OPEN = "open"  # reported by the latest ingest
    INACTIVE = "inactive"  # the package is no longer reported at all
    FIXED = "fixed"  # the package is still there, at a version the vulnerability does not affect


@dataclass(frozen=True, slots=True)
class Finding:
    id: int
    asset: str
    ecosystem: str
    package: str
    alias_group: str
    state: FindingState
    installed_version: str | None
    fixed_versions: tuple[str, ...]
    advisory_ids: tuple[str, ...]
    direct: bool | None
    first_seen: datetime
    last_seen: datetime
    state_changed_at: datetime
    sources: tuple[str, ...] = ()  # the active attributions: "patchbook", "trivy", ...


@dataclass(frozen=True, slots=True)
class FindingEvent:
    at: datetime
    event: str  # opened | reopened | version | fixed | inactive
    detail: dict[str, object]


# --- what the lifecycle (patchbook.match.lifecycle) reads and returns ---

Identity = tuple[str, str, str]  # (ecosystem, package, alias group)


@dataclass(frozen=True, slots=True)
class Observation:
    ecosystem: str
    package: str
    alias_group: str
    installed_version: str
    advisory_ids: tuple[str, ...]
    fixed_versions: tuple[str, ...]
    direct: bool | None

    @property
    def identity(self) -> Identity:
        return (self.ecosystem, self.package, self.alias_group)


@dataclass(frozen=True, slots=True)
class Known:
    """A stored finding of the asset, as far as the lifecycle needs it."""

    id: int
    ecosystem: str
    package: str
    alias_group: str
    state: FindingState
    installed_version: str | None

    @property
    def identity(self) -> Identity:
        return (self.ecosystem, self.package, self.alias_group)


@dataclass(frozen=True, slots=True)
class Change:
    finding_id: int | None  # None: a new finding
    identity: Identity
    state: FindingState
    event: str | None  # None: only refreshed (last seen, advisories)
    detail: Mapping[str, object] = field(default_factory=dict)
    observation: Observation | None = None
