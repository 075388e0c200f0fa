"""Repository for findings, their attributions (which sources report them) and their history."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.model.finding import Change, Finding, FindingEvent, FindingState, Known
from patchbook.store.batching import chunks
from patchbook.store.bulk import insert_rows
from patchbook.store.schema import assets, finding_attributions, finding_events, findings

OWN_SOURCE = "patchbook"  # the attribution of patchbook's own matching
SMALL_LOOKUP = 200  # up to this many packages, look findings up by package instead of reading the asset's


def known(
    conn: Connection, asset_id: int, packages: Collection[tuple[str, str]] | None = None
) -> list[Known]:
    """The asset's findings as the lifecycle needs them (only for these packages, if given)."""
    return known_by_asset(conn, [asset_id], packages)[asset_id]


def known_by_asset(
    conn: Connection, asset_ids: Sequence[int], packages: Collection[tuple[str, str]] | None = None
) -> dict[int, list[Known]]:
    """:func:`known` for many assets, in one query per batch."""
    f = findings.c
    stmt = sa.select(f.asset_id, f.id, f.ecosystem, f.package, f.alias_group, f.state, f.installed_version)
    out: dict[int, list[Known]] = {asset_id: [] for asset_id in asset_ids}
    for ids in chunks(sorted(out)):
        scoped = stmt.where(f.asset_id.in_(ids))
        queries = [scoped] if packages is None else [
            scoped.where(sa.tuple_(f.ecosystem, f.package).in_(part)) for part in chunks(sorted(packages))
        ]
        for query in queries:
            for r in conn.execute(query):
                state = FindingState(r.state)
                out[r.asset_id].append(
                    Known(r.id, r.ecosystem, r.package, r.alias_group, state, r.installed_version)
                )
    return out


@dataclass
class Applied:
    opened: int = 0
    reopened: int = 0
    fixed: int = 0
    inactive: int = 0


def apply(conn: Connection, asset_id: int, changes: Sequence[Change], *, source: str = OWN_SOURCE) -> Applied:
    """Write the lifecycle's changes for one asset: new findings, state moves, events, attributions."""
    now = datetime.now(UTC)
    applied = Applied()
    new = [c for c in changes if c.finding_id is None]
    if new:
        insert_rows(
            conn,
            findings,
            [
                {
                    "asset_id": asset_id,
                    "ecosystem": c.identity[0],
                    "package": c.identity[1],
                    "alias_group": c.identity[2],
                    "state": c.state.value,
                    **_observed_fields(c),
                    "first_seen": now,
                    "last_seen": now,
                    "state_changed_at": now,
                }
                for c in new
            ],
        )
        ids = _ids_by_identity(conn, asset_id, [c.identity for c in new])
        new = [Change(ids[c.identity], c.identity, c.state, c.event, c.detail, c.observation) for c in new]
        applied.opened = len(new)
    existing = [c for c in changes if c.finding_id is not None]
    # A finding this source no longer reports stays open while another source (a scanner report)
    # still does: only this source's attribution ends.
    elsewhere = _reported_elsewhere(conn, [c for c in existing if c.observation is None], source)
    ended = [c for c in existing if c.finding_id in elsewhere]
    existing = [c for c in existing if c.finding_id not in elsewhere]
    refreshed = [c for c in existing if c.observation is not None]
    if refreshed:
        conn.execute(
            sa.update(findings).where(findings.c.id == sa.bindparam("b_id")),
            [
                {
                    "b_id": c.finding_id,
                    "state": c.state.value,
                    "last_seen": now,
                    **_observed_fields(c),
                    **({"state_changed_at": now} if c.event == "reopened" else {}),
                }
                for c in refreshed
            ],
        )
    moved = [c for c in existing if c.observation is None]
    if moved:
        conn.execute(
            sa.update(findings).where(findings.c.id == sa.bindparam("b_id")),
            [{"b_id": c.finding_id, "state": c.state.value, "state_changed_at": now} for c in moved],
        )
    applied.reopened = sum(1 for c in existing if c.event == "reopened")
    applied.fixed = sum(1 for c in moved if c.state is FindingState.FIXED)
    applied.inactive = sum(1 for c in moved if c.state is FindingState.INACTIVE)
    events = [c for c in (*new, *existing) if c.event]
    if events:
        insert_rows(
            conn,
            finding_events,
            [{"finding_id": c.finding_id, "at": now, "event": c.event, "detail": c.detail} for c in events],
        )
    _attribute(conn, [c for c in (*new, *refreshed)], [*moved, *ended], source, now)
    return applied


def _reported_elsewhere(conn: Connection, closing: Sequence[Change], source: str) -> set[int]:
    """Of the findings about to be closed, those another source still actively reports."""
    ids = sorted({c.finding_id for c in closing if c.finding_id is not None})
    a = finding_attributions.c
    return {
        r[0]
        for part in chunks(ids)
        for r in conn.execute(
            sa.select(a.finding_id).where(a.finding_id.in_(part), a.source != source, a.active.is_(True))
        )
    }


def _observed_fields(change: Change) -> dict[str, Any]:
    obs = change.observation
    assert obs is not None
    return {
        "installed_version": obs.installed_version,
        "fixed_versions": list(obs.fixed_versions),
        "advisory_ids": list(obs.advisory_ids),
        "direct": obs.direct,
    }


def _ids_by_identity(
    conn: Connection, asset_id: int, identities: list[tuple[str, str, str]]
) -> dict[tuple[str, str, str], int]:
    f = findings.c
    wanted = set(identities)
    stmt = sa.select(f.id, f.ecosystem, f.package, f.alias_group).where(f.asset_id == asset_id)
    packages = sorted({p for _, p, _ in wanted})
    if len(packages) <= SMALL_LOOKUP:
        # a re-match opens a few findings on assets holding hundreds: read only their packages' rows
        parts = [stmt.where(f.package.in_(part)) for part in chunks(packages)]
    else:
        parts = [stmt]
    return {
        (r.ecosystem, r.package, r.alias_group): r.id
        for query in parts
        for r in conn.execute(query)
        if (r.ecosystem, r.package, r.alias_group) in wanted
    }


def _attribute(conn: Connection, seen: list[Change], gone: list[Change], source: str, now: datetime) -> None:
    a = finding_attributions.c
    seen_ids = [c.finding_id for c in seen if c.finding_id is not None]
    existing: set[int] = set()
    for part in chunks(seen_ids):
        existing.update(
            r[0]
            for r in conn.execute(sa.select(a.finding_id).where(a.source == source, a.finding_id.in_(part)))
        )
    inserts = [
        {"finding_id": i, "source": source, "first_seen": now, "last_seen": now, "active": True}
        for i in seen_ids
        if i not in existing
    ]
    if inserts:
        insert_rows(conn, finding_attributions, inserts)
    updates = [{"b_id": i, "last_seen": now, "active": True} for i in seen_ids if i in existing]
    updates += [{"b_id": c.finding_id, "last_seen": now, "active": False} for c in gone]
    if updates:
        conn.execute(
            sa.update(finding_attributions).where(a.finding_id == sa.bindparam("b_id"), a.source == source),
            updates,
        )


# --- reading --------------------------------------------------------------------------------------


def _finding(row: Any, sources: tuple[str, ...]) -> Finding:
    return Finding(
        id=row.id,
        asset=row.asset,
        ecosystem=row.ecosystem,
        package=row.package,
        alias_group=row.alias_group,
        state=FindingState(row.state),
        installed_version=row.installed_version,
        fixed_versions=tuple(row.fixed_versions or ()),
        advisory_ids=tuple(row.advisory_ids or ()),
        direct=row.direct,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        state_changed_at=row.state_changed_at,
        sources=sources,
    )


def _select() -> sa.Select[Any]:
    return sa.select(findings, assets.c.name.label("asset")).join(assets, assets.c.id == findings.c.asset_id)


def list_findings(conn: Connection, *, asset: str | None = None, state: str | None = None) -> list[Finding]:
    stmt = _select().order_by(assets.c.name, findings.c.ecosystem, findings.c.package, findings.c.alias_group)
    if asset is not None:
        stmt = stmt.where(assets.c.name == asset)
    if state is not None:
        stmt = stmt.where(findings.c.state == state)
    rows = list(conn.execute(stmt))
    sources: dict[int, list[str]] = {}
    a = finding_attributions.c
    active = sa.select(a.finding_id, a.source).where(a.active.is_(True)).order_by(a.source)
    if asset is None:
        queries = [active]
    else:  # one asset of an estate: its findings' attributions, not the estate's
        queries = [active.where(a.finding_id.in_(part)) for part in chunks([r.id for r in rows])]
    for query in queries:
        for r in conn.execute(query):
            sources.setdefault(r.finding_id, []).append(r.source)
    return [_finding(r, tuple(sources.get(r.id, ()))) for r in rows]


def get_finding(
    conn: Connection, finding_id: int
) -> tuple[Finding, list[dict[str, Any]], list[FindingEvent]] | None:
    row = conn.execute(_select().where(findings.c.id == finding_id)).first()
    if row is None:
        return None
    a = finding_attributions.c
    attributions = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(finding_attributions).where(a.finding_id == finding_id).order_by(a.source)
        )
    ]
    e = finding_events.c
    events = [
        FindingEvent(r.at, r.event, dict(r.detail or {}))
        for r in conn.execute(sa.select(finding_events).where(e.finding_id == finding_id).order_by(e.id))
    ]
    active = tuple(x["source"] for x in attributions if x["active"])
    return _finding(row, active), attributions, events


def open_counts(conn: Connection, asset_id: int) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(
                findings.c.asset_id == asset_id, findings.c.state == FindingState.OPEN.value
            )
        ).scalar_one()
    )


def regroup(conn: Connection, renamed: dict[str, str]) -> None:
    """Alias groups merged (a GHSA-only group learned its CVE): move findings to the new key.

    Where an asset already has a finding for the new group and the same package, the old one becomes
    inactive with a ``merged`` event pointing at it (no history is lost, no duplicate stays open); if
    the old one was open and the one it merges into was not, that one is reopened, so the merge never
    hides an open vulnerability.
    """
    if not renamed:
        return
    f = findings.c
    now = datetime.now(UTC)
    columns = (f.id, f.asset_id, f.ecosystem, f.package, f.alias_group, f.state)
    moved = [
        r
        for part in chunks(sorted(renamed))
        for r in conn.execute(sa.select(*columns).where(f.alias_group.in_(part)))
    ]
    if not moved:
        return
    targets = {
        (r.asset_id, r.ecosystem, r.package, r.alias_group): r
        for part in chunks(sorted(set(renamed.values())))
        for r in conn.execute(sa.select(*columns).where(f.alias_group.in_(part)))
    }
    regrouped: list[dict[str, Any]] = []
    merged: list[dict[str, Any]] = []
    reopened: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for r in moved:
        new = renamed[r.alias_group]
        target = targets.get((r.asset_id, r.ecosystem, r.package, new))
        if target is None:
            regrouped.append({"b_id": r.id, "alias_group": new})
            targets[(r.asset_id, r.ecosystem, r.package, new)] = r
            events.append(_event(r.id, now, "regrouped", {"from": r.alias_group, "to": new}))
            continue
        merged.append({"b_id": r.id, "state": FindingState.INACTIVE.value, "state_changed_at": now})
        events.append(_event(r.id, now, "merged", {"into": target.id, "group": new}))
        if r.state == FindingState.OPEN.value and target.state != FindingState.OPEN.value:
            reopened.append({"b_id": target.id, "state": FindingState.OPEN.value, "state_changed_at": now})
            events.append(_event(target.id, now, "reopened", {"merged_from": r.id}))
    update = sa.update(findings).where(f.id == sa.bindparam("b_id"))
    for params in (regrouped, merged, reopened):
        if params:
            conn.execute(update, params)
    insert_rows(conn, finding_events, events)


def _event(finding_id: int, at: datetime, event: str, detail: dict[str, object]) -> dict[str, Any]:
    return {"finding_id": finding_id, "at": at, "event": event, "detail": detail}
