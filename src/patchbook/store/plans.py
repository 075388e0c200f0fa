"""Plan runs, their patches and approvals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.store.bulk import insert_rows
from patchbook.store.schema import patch_approvals, patches, plan_runs


@dataclass(frozen=True, slots=True)
class PlanRun:
    id: int
    created_at: datetime
    created_by: str
    venue: str
    calendar_source: str
    calendar_sha256: str | None
    horizon_start: datetime
    horizon_end: datetime
    summary: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredPatch:
    id: int
    plan_run_id: int
    change_key: str
    asset: str
    kind: str
    decision: str
    state: str
    environment: str
    team: str
    emergency: bool
    late: bool
    due_date: date | None
    window_start: datetime | None
    window_end: datetime | None
    rollback_end: datetime | None
    risk_reduction: float
    requested_by: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredApproval:
    patch_id: int
    approver: str
    role: str
    at: datetime


def add_run(
    conn: Connection, run: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]
) -> tuple[int, list[int]]:
    """Insert a plan run and its patches; returns the run id and the patch ids in ``rows`` order."""
    run_id = int(conn.execute(plan_runs.insert().values(**run).returning(plan_runs.c.id)).scalar_one())
    if rows:
        insert_rows(conn, patches, [{**r, "plan_run_id": run_id} for r in rows])
    stmt = sa.select(patches.c.change_key, patches.c.id).where(patches.c.plan_run_id == run_id)
    ids = {r.change_key: int(r.id) for r in conn.execute(stmt)}
    return run_id, [int(ids[r["change_key"]]) for r in rows]


def _run(row: Any) -> PlanRun:
    return PlanRun(
        int(row.id),
        row.created_at,
        row.created_by,
        row.venue,
        row.calendar_source,
        row.calendar_sha256,
        row.horizon_start,
        row.horizon_end,
        dict(row.summary or {}),
    )


def latest_run(conn: Connection) -> PlanRun | None:
    row = conn.execute(sa.select(plan_runs).order_by(plan_runs.c.id.desc()).limit(1)).first()
    return _run(row) if row else None


def get_run(conn: Connection, run_id: int) -> PlanRun | None:
    row = conn.execute(sa.select(plan_runs).where(plan_runs.c.id == run_id)).first()
    return _run(row) if row else None


def _patch(row: Any) -> StoredPatch:
    return StoredPatch(
        id=int(row.id),
        plan_run_id=int(row.plan_run_id),
        change_key=row.change_key,
        asset=row.asset,
        kind=row.kind,
        decision=row.decision,
        state=row.state,
        environment=row.environment,
        team=row.team,
        emergency=bool(row.emergency),
        late=bool(row.late),
        due_date=row.due_date,
        window_start=row.window_start,
        window_end=row.window_end,
        rollback_end=row.rollback_end,
        risk_reduction=float(row.risk_reduction),
        requested_by=row.requested_by,
        detail=dict(row.detail or {}),
    )


def run_patches(conn: Connection, run_id: int) -> list[StoredPatch]:
    """The run's patches: scheduled ones by window start, then the unscheduled ones."""
    c = patches.c
    stmt = (
        sa.select(patches)
        .where(c.plan_run_id == run_id)
        .order_by(c.window_start.is_(None), c.window_start, c.change_key)
    )
    return [_patch(r) for r in conn.execute(stmt)]


def get_patch(conn: Connection, patch_id: int) -> StoredPatch | None:
    row = conn.execute(sa.select(patches).where(patches.c.id == patch_id)).first()
    return _patch(row) if row else None


def approvals(conn: Connection, patch_ids: Sequence[int]) -> dict[int, list[StoredApproval]]:
    out: dict[int, list[StoredApproval]] = {i: [] for i in patch_ids}
    if not patch_ids:
        return out
    a = patch_approvals.c
    stmt = sa.select(patch_approvals).where(a.patch_id.in_(list(patch_ids))).order_by(a.patch_id, a.at, a.id)
    for r in conn.execute(stmt):
        out[int(r.patch_id)].append(StoredApproval(int(r.patch_id), r.approver, r.role, r.at))
    return out


def add_approval(conn: Connection, patch_id: int, approver: str, role: str, at: datetime) -> None:
    conn.execute(patch_approvals.insert().values(patch_id=patch_id, approver=approver, role=role, at=at))
