"""Findings as people read them: each with its best severity and its KEV entry, across its aliases.

The order in which to patch them is the risk model's: ``patchbook.service.risk.ranked_findings``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.errors import InputError
from patchbook.model.finding import Finding, FindingEvent
from patchbook.model.risk import SeverityAssessment
from patchbook.risk import best_severity
from patchbook.store import Store
from patchbook.store.advisories import group_members, members_of, package_entries
from patchbook.store.batching import chunks
from patchbook.store.findings import get_finding
from patchbook.store.schema import advisories, kev_entries


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    severity: SeverityAssessment | None
    kev_due: date | None  # set when any alias of the vulnerability is in CISA KEV
    in_kev: bool
    summary: str

    @property
    def severity_label(self) -> str:
        s = self.severity
        if s is None:
            return "unknown"
        return f"{s.band} {s.score}" if s.score is not None else f"{s.band} (stated)"


def views(conn: Connection, findings: Sequence[Finding]) -> list[FindingView]:
    ids = sorted({a for f in findings for a in f.advisory_ids})
    groups = sorted({f.alias_group for f in findings})
    records: dict[str, tuple[dict[str, object], str]] = {}
    for part in chunks(ids):
        for r in conn.execute(
            sa.select(advisories.c.id, advisories.c.record, advisories.c.summary).where(
                advisories.c.id.in_(part)
            )
        ):
            records[r.id] = (r.record, r.summary)
    members = members_of(conn, groups)
    cves = sorted({m for ms in members.values() for m in ms if m.startswith("CVE-")})
    kev: dict[str, date | None] = {}
    for part in chunks(cves):
        kev.update(
            (r.cve_id, r.due_date)
            for r in conn.execute(
                sa.select(kev_entries.c.cve_id, kev_entries.c.due_date).where(kev_entries.c.cve_id.in_(part))
            )
        )
    out = []
    for f in findings:
        assessments = [
            best_severity(records[a][0].get("severity") or [], records[a][0].get("database_specific"))  # type: ignore[arg-type]
            for a in f.advisory_ids
            if a in records
        ]
        scored = [s for s in assessments if s is not None]
        best = max(scored, key=lambda s: (s.score is not None, s.score or 0.0), default=None)
        in_kev = [m for m in members.get(f.alias_group, []) if m in kev]
        out.append(
            FindingView(
                finding=f,
                severity=best,
                kev_due=kev[in_kev[0]] if in_kev else None,
                in_kev=bool(in_kev),
                summary=next((records[a][1] for a in f.advisory_ids if a in records), ""),
            )
        )
    return out


@dataclass(frozen=True)
class FindingDetail:
    finding: Finding
    aliases: list[str]
    entries: list[dict[str, Any]]  # {"advisory", "summary", "ranges", "versions"} for the package
    attributions: list[dict[str, Any]]
    history: list[FindingEvent]


def detail(store: Store, finding_id: int) -> FindingDetail:
    """Everything `findings show` prints: advisories and their ranges, aliases, sources, history."""
    with store.engine.connect() as conn:
        found = get_finding(conn, finding_id)
        if found is None:
            raise InputError(
                "findings", f"no finding with id {finding_id}; `patchbook findings list` shows them"
            )
        finding, attributions, events = found
        return FindingDetail(
            finding=finding,
            aliases=group_members(conn, finding.alias_group),
            entries=package_entries(conn, finding.advisory_ids, finding.ecosystem, finding.package),
            attributions=attributions,
            history=events,
        )
