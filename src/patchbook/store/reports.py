"""Repository for what scanner reports say: dependency findings per source, code findings, imports.

A report is one source's full view of an asset at one time. Applying it: every finding it states is
open and attributed to the source (new ones are created, closed ones reopened); every finding the
source used to report and no longer does loses that source's attribution, and becomes ``inactive``
only when no other source (another tool, patchbook's own matching) still reports it. Set-based
throughout: one read of the asset's findings, bulk inserts, executemany updates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.model.finding import FindingState, Identity
from patchbook.model.report import CodeFinding
from patchbook.store.batching import chunks
from patchbook.store.bulk import insert_tuples
from patchbook.store.schema import (
    alias_members,
    assets,
    code_finding_events,
    code_findings,
    finding_attributions,
    finding_events,
    finding_report_details,
    findings,
    report_imports,
)
from patchbook.store.types import json_dumps

_OPEN = FindingState.OPEN.value  # read once: an enum member's .value costs a descriptor call per row
_INACTIVE = FindingState.INACTIVE.value


@dataclass(frozen=True, slots=True)
class StatedFinding:
    """One dependency finding of a report, resolved to the store's identity."""

    identity: Identity  # (ecosystem, package, alias group)
    installed_version: str
    ids: tuple[str, ...]
    fixed_versions: tuple[str, ...]
    severity: str
    stated_severity: str | None
    title: str | None


@dataclass
class Applied:
    opened: int = 0
    reopened: int = 0
    inactive: int = 0  # findings closed because no source reports them any more
    withdrawn: int = 0  # attributions of this source that ended


def alias_groups(conn: Connection, identifiers: Iterable[str]) -> dict[str, str]:
    """identifier -> the store's alias group, for the identifiers some imported advisory names."""
    wanted = sorted(set(identifiers))
    a = alias_members.c
    return {
        r.identifier: r.alias_group
        for part in chunks(wanted)
        for r in conn.execute(sa.select(a.identifier, a.alias_group).where(a.identifier.in_(part)))
    }


def last_import_sha(conn: Connection, asset_id: int, tools: Sequence[str]) -> str | None:
    """The sha256 of the newest report imported for the asset from exactly these tools."""
    r = report_imports.c
    rows = conn.execute(
        sa.select(r.sha256, r.tools).where(r.asset_id == asset_id).order_by(r.id.desc()).limit(50)
    )
    for row in rows:
        if sorted(row.tools) == sorted(tools):
            return str(row.sha256)
    return None


def record_import(
    conn: Connection,
    asset_id: int,
    *,
    format: str,
    tools: Sequence[str],
    source: str,
    sha256: str,
    held: int,
    new: int,
) -> None:
    conn.execute(
        sa.insert(report_imports).values(
            asset_id=asset_id,
            format=format,
            tools=list(tools),
            source=source,
            sha256=sha256,
            imported_at=datetime.now(UTC),
            findings=held,
            new_findings=new,
        )
    )


# --- dependency findings ---------------------------------------------------------------------------


_FINDING_COLUMNS = (
    "asset_id", "ecosystem", "package", "alias_group", "state", "installed_version", "fixed_versions",
    "advisory_ids", "direct", "first_seen", "last_seen", "state_changed_at",
)  # fmt: skip
_CODE_COLUMNS = (
    "asset_id", "tool", "rule_id", "fingerprint", "state", "severity", "level", "security_severity",
    "message", "file", "line", "first_seen", "last_seen", "state_changed_at",
)  # fmt: skip
_DETAIL_COLUMNS = (
    "finding_id", "source", "severity", "stated_severity", "title", "ids", "fixed_versions", "updated_at",
)  # fmt: skip


@lru_cache(maxsize=1 << 14)
def _json(values: tuple[str, ...]) -> str:
    """A list of strings as the engine would serialise it; many findings share one (``[]``, a fix)."""
    return json_dumps(list(values))


def apply_dependency_findings(
    conn: Connection, asset_id: int, source: str, stated: Sequence[StatedFinding]
) -> Applied:
    """Make ``stated`` the source's whole view of the asset's dependency findings."""
    now = datetime.now(UTC)
    f = findings.c
    rows = conn.execute(
        sa.select(f.id, f.ecosystem, f.package, f.alias_group, f.state).where(f.asset_id == asset_id)
    )
    existing = {(r.ecosystem, r.package, r.alias_group): (r.id, r.state) for r in rows}
    applied = Applied()
    new = [s for s in stated if s.identity not in existing]
    # ids only grow: the rows this ingest adds are the asset's rows above the largest id before it
    before = conn.execute(sa.select(sa.func.coalesce(sa.func.max(f.id), 0))).scalar_one()
    if new:
        head, tail = (asset_id,), (None, now, now, now)  # direct unknown; first/last seen, state changed
        insert_tuples(
            conn,
            findings,
            _FINDING_COLUMNS,
            [
                (*head, *s.identity, _OPEN, s.installed_version, _json(s.fixed_versions), _json(s.ids), *tail)
                for s in new
            ],
            json_text=True,
        )
        wanted = {s.identity for s in new}
        for r in conn.execute(
            sa.select(f.id, f.ecosystem, f.package, f.alias_group).where(
                f.asset_id == asset_id, f.id > before
            )
        ):
            key = (r.ecosystem, r.package, r.alias_group)
            if key in wanted:
                existing[key] = (r.id, _OPEN)
        applied.opened = len(new)
    events: list[tuple[Any, ...]] = []
    new_ids = {existing[s.identity][0] for s in new}
    seen_ids = [existing[s.identity][0] for s in stated]
    reopened = [
        (existing[s.identity][0], existing[s.identity][1])
        for s in stated
        if existing[s.identity][0] not in new_ids and existing[s.identity][1] != _OPEN
    ]
    update = sa.update(findings).where(f.id == sa.bindparam("b_id"))
    if reopened:
        conn.execute(
            update,
            [{"b_id": i, "state": _OPEN, "state_changed_at": now, "last_seen": now} for i, _ in reopened],
        )
        events += [
            (i, now, "reopened", json_dumps({"source": source, "from": state})) for i, state in reopened
        ]
        applied.reopened = len(reopened)
    reopened_ids = {i for i, _ in reopened}
    refreshed = [i for i in seen_ids if i not in new_ids and i not in reopened_ids]
    if refreshed:
        conn.execute(update, [{"b_id": i, "last_seen": now} for i in refreshed])
    gone = _attribute(conn, asset_id, source, [i for i in seen_ids if i not in new_ids], now)
    applied.withdrawn = len(gone)
    closed = _close_unreported(conn, gone, now)
    why = json_dumps({"source": source, "reason": f"no longer reported by {source}, nor by any other source"})
    events += [(i, now, "inactive", why) for i in closed]
    applied.inactive = len(closed)
    insert_tuples(conn, finding_events, ("finding_id", "at", "event", "detail"), events, json_text=True)
    if new:
        # The new findings' attribution and "opened" event, set-based: one INSERT ... SELECT each
        added = sa.select(f.id).where(f.asset_id == asset_id, f.id > before)
        _insert_for(
            conn, finding_attributions, added, source=source, first_seen=now, last_seen=now, active=True
        )
        _insert_for(conn, finding_events, added, at=now, event="opened", detail={"source": source})
    _write_details(conn, source, [(existing[s.identity][0], s) for s in stated], new_ids, now)
    return applied


def _insert_for(conn: Connection, table: sa.Table, ids: sa.Select[Any], **constants: Any) -> None:
    """One row in ``table`` per id that ``ids`` selects (its first column), with these constant values."""
    key = next(c.name for c in table.columns if c.foreign_keys)
    values = [sa.literal(v, type_=table.c[name].type).label(name) for name, v in constants.items()]
    select = ids.with_only_columns(ids.selected_columns[0].label(key), *values)
    conn.execute(sa.insert(table).from_select([key, *constants], select))


def _attribute(
    conn: Connection, asset_id: int, source: str, seen_ids: Sequence[int], now: datetime
) -> list[int]:
    """Mark the source's attribution active on ``seen_ids``; end it on the rest. Returns the ended ones."""
    a = finding_attributions.c
    current = {
        r.finding_id: r.active
        for r in conn.execute(
            sa.select(a.finding_id, a.active)
            .join(findings, findings.c.id == a.finding_id)
            .where(findings.c.asset_id == asset_id, a.source == source)
        )
    }
    seen = set(seen_ids)
    insert_tuples(
        conn,
        finding_attributions,
        ("finding_id", "source", "first_seen", "last_seen", "active"),
        [(i, source, now, now, True) for i in sorted(seen) if i not in current],
    )
    gone = sorted(i for i, active in current.items() if active and i not in seen)
    updates = [{"b_id": i, "last_seen": now, "active": True} for i in sorted(seen) if i in current]
    updates += [{"b_id": i, "active": False} for i in gone]
    statement = sa.update(finding_attributions).where(
        a.finding_id == sa.bindparam("b_id"), a.source == source
    )
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for u in updates:
        by_shape.setdefault(tuple(sorted(u)), []).append(u)
    for batch in by_shape.values():  # executemany needs one parameter shape per call
        conn.execute(statement, batch)
    return gone


def _close_unreported(conn: Connection, candidates: Sequence[int], now: datetime) -> list[int]:
    """Of these open findings, the ones no source reports any more: set them inactive."""
    if not candidates:
        return []
    a = finding_attributions.c
    f = findings.c
    still: set[int] = set()
    states: dict[int, str] = {}
    for part in chunks(list(candidates)):
        still.update(
            r[0]
            for r in conn.execute(sa.select(a.finding_id).where(a.finding_id.in_(part), a.active.is_(True)))
        )
        states.update((r.id, r.state) for r in conn.execute(sa.select(f.id, f.state).where(f.id.in_(part))))
    closed = [i for i in candidates if i not in still and states.get(i) == _OPEN]
    if closed:
        conn.execute(
            sa.update(findings).where(f.id == sa.bindparam("b_id")),
            [{"b_id": i, "state": _INACTIVE, "state_changed_at": now} for i in closed],
        )
    return closed


def _write_details(
    conn: Connection,
    source: str,
    stated: Sequence[tuple[int, StatedFinding]],
    new_ids: set[int],
    now: datetime,
) -> None:
    d = finding_report_details.c
    ids = sorted({i for i, _ in stated} - new_ids)  # a finding created just now has no details yet
    for part in chunks(ids):
        conn.execute(sa.delete(finding_report_details).where(d.source == source, d.finding_id.in_(part)))
    insert_tuples(
        conn,
        finding_report_details,
        _DETAIL_COLUMNS,
        [
            (i, source, s.severity, s.stated_severity, s.title, _json(s.ids), _json(s.fixed_versions), now)
            for i, s in stated
        ],
        json_text=True,
    )


_BAND_ORDER = {"unknown": 0, "info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}


def stated_severities(conn: Connection, finding_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """finding id -> (severity band, source) of the worst severity any active report states for it.

    For the risk model: a finding no advisory in the store describes is still scored by what the
    scanners said ("high (stated)"). Only sources whose attribution is active count.
    """
    d = finding_report_details.c
    a = finding_attributions.c
    worst: dict[int, tuple[str, str]] = {}
    for part in chunks(sorted(set(finding_ids))):
        stmt = (
            sa.select(d.finding_id, d.source, d.severity)
            .join(finding_attributions, sa.and_(a.finding_id == d.finding_id, a.source == d.source))
            .where(d.finding_id.in_(part), a.active.is_(True))
        )
        for r in conn.execute(stmt):
            known = worst.get(r.finding_id)
            if known is None or _BAND_ORDER.get(r.severity, 0) > _BAND_ORDER.get(known[0], 0):
                worst[r.finding_id] = (r.severity, r.source)
    return worst


def report_details(conn: Connection, finding_id: int) -> list[dict[str, Any]]:
    d = finding_report_details.c
    stmt = sa.select(finding_report_details).where(d.finding_id == finding_id).order_by(d.source)
    return [dict(r._mapping) for r in conn.execute(stmt)]


# --- code findings ---------------------------------------------------------------------------------

CodeIdentity = tuple[str, str, str]  # (tool, rule id, fingerprint)


def code_identity(c: CodeFinding) -> CodeIdentity:
    return (c.tool, c.rule_id, c.fingerprint)


def apply_code_findings(
    conn: Connection, asset_id: int, tools: Sequence[str], stated: Sequence[CodeFinding]
) -> Applied:
    """Make ``stated`` the whole view of these tools on the asset's code findings."""
    now = datetime.now(UTC)
    c = code_findings.c
    existing: dict[CodeIdentity, tuple[int, str]] = {}
    for part in chunks(sorted(set(tools))):
        for r in conn.execute(
            sa.select(c.id, c.tool, c.rule_id, c.fingerprint, c.state).where(
                c.asset_id == asset_id, c.tool.in_(part)
            )
        ):
            existing[(r.tool, r.rule_id, r.fingerprint)] = (r.id, r.state)
    applied = Applied()
    new = [s for s in stated if code_identity(s) not in existing]
    before = conn.execute(sa.select(sa.func.coalesce(sa.func.max(c.id), 0))).scalar_one()
    if new:
        tail = (now, now, now)  # first seen, last seen, state changed
        insert_tuples(
            conn,
            code_findings,
            _CODE_COLUMNS,
            [(asset_id, *code_identity(s), _OPEN, s.severity.value, s.level, *_place(s), *tail) for s in new],
        )
        for added in conn.execute(
            sa.select(c.id, c.tool, c.rule_id, c.fingerprint).where(c.asset_id == asset_id, c.id > before)
        ):
            existing[(added.tool, added.rule_id, added.fingerprint)] = (added.id, _OPEN)
    applied.opened = len(new)
    new_keys = {code_identity(s) for s in new}
    events: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    for s in stated:
        key = code_identity(s)
        if key in new_keys:
            continue
        finding_id, state = existing[key]
        row = {"b_id": finding_id, "state": _OPEN, "last_seen": now, **_code_fields(s)}
        row["state_changed_at"] = now if state != _OPEN else None
        updates.append(row)
        if state != _OPEN:
            events.append((finding_id, now, "reopened", json_dumps({"from": state})))
            applied.reopened += 1
    seen = {code_identity(s) for s in stated}
    gone = [v[0] for k, v in existing.items() if k not in seen and v[1] == _OPEN]
    update = sa.update(code_findings).where(c.id == sa.bindparam("b_id"))
    kept = [u for u in updates if u["state_changed_at"] is None]
    moved = [u for u in updates if u["state_changed_at"] is not None]
    for u in kept:
        del u["state_changed_at"]
    for batch in (kept, moved):
        if batch:
            conn.execute(update, batch)
    if gone:
        conn.execute(update, [{"b_id": i, "state": _INACTIVE, "state_changed_at": now} for i in gone])
        why = json_dumps({"reason": "no longer reported"})
        events += [(i, now, "inactive", why) for i in gone]
    applied.inactive = applied.withdrawn = len(gone)
    columns = ("code_finding_id", "at", "event", "detail")
    insert_tuples(conn, code_finding_events, columns, events, json_text=True)
    if new:
        fresh = sa.select(c.id).where(c.asset_id == asset_id, c.id > before)
        _insert_for(conn, code_finding_events, fresh, at=now, event="opened", detail={})
    return applied


def _place(s: CodeFinding) -> tuple[float | None, str, str | None, int | None]:
    return (s.security_severity, s.message, s.file, s.line)


def _code_fields(s: CodeFinding) -> dict[str, Any]:
    return {
        "severity": s.severity.value,
        "level": s.level,
        "security_severity": s.security_severity,
        "message": s.message,
        "file": s.file,
        "line": s.line,
    }


def list_code_findings(
    conn: Connection, *, asset: str | None = None, state: str | None = None
) -> list[dict[str, Any]]:
    c = code_findings.c
    stmt = (
        sa.select(code_findings, assets.c.name.label("asset"))
        .join(assets, assets.c.id == c.asset_id)
        .order_by(assets.c.name, c.tool, c.rule_id, c.file, c.line, c.id)
    )
    if asset is not None:
        stmt = stmt.where(assets.c.name == asset)
    if state is not None:
        stmt = stmt.where(c.state == state)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def open_code_findings(conn: Connection, asset_id: int) -> int:
    c = code_findings.c
    return int(
        conn.execute(sa.select(sa.func.count()).where(c.asset_id == asset_id, c.state == _OPEN)).scalar_one()
    )
