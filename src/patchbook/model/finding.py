"""Findings: a vulnerability (alias group) in a package of an asset, with a lifecycle and a history."""

from __future__ import annotations

from dataclasses import dataclass
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
