"""Repository for asset simulation profiles and the stored simulated deployments of patches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.store.schema import simulation_profiles, simulation_runs


@dataclass(frozen=True, slots=True)
class AssetProfile:
    asset: str
    source: str
    sha256: str
    set_by: str
    set_at: datetime


@dataclass(frozen=True, slots=True)
class StoredRun:
    id: int
    patch_id: int | None
    asset: str
    verdict: str
    score: float
    started_at: datetime
    finished_at: datetime
    profile_source: str
    profile_sha256: str
    baseline_cmd: str
    candidate_cmd: str
    flow_sha256: str
    run: dict[str, Any]


def set_profile(conn: Connection, asset: str, source: str, sha256: str, set_by: str, at: datetime) -> None:
    conn.execute(sa.delete(simulation_profiles).where(simulation_profiles.c.asset == asset))
    conn.execute(simulation_profiles.insert().values(asset=asset, source=source, sha256=sha256, set_by=set_by,
                                                     set_at=at))


def get_profile(conn: Connection, asset: str) -> AssetProfile | None:
    row = conn.execute(sa.select(simulation_profiles).where(simulation_profiles.c.asset == asset)).first()
    return None if row is None else AssetProfile(row.asset, row.source, row.sha256, row.set_by, row.set_at)


def add_run(conn: Connection, **values: Any) -> int:
    result = conn.execute(simulation_runs.insert().values(**values).returning(simulation_runs.c.id))
    return int(result.scalar_one())


def _run(row: Any) -> StoredRun:
    return StoredRun(row.id, row.patch_id, row.asset, row.verdict, row.score, row.started_at, row.finished_at,
                     row.profile_source, row.profile_sha256, row.baseline_cmd, row.candidate_cmd,
                     row.flow_sha256, dict(row.run))


def runs(conn: Connection, *, patch_id: int | None = None, asset: str | None = None) -> list[StoredRun]:
    """Stored runs, newest first."""
    stmt = sa.select(simulation_runs).order_by(simulation_runs.c.id.desc())
    if patch_id is not None:
        stmt = stmt.where(simulation_runs.c.patch_id == patch_id)
    if asset is not None:
        stmt = stmt.where(simulation_runs.c.asset == asset)
    return [_run(r) for r in conn.execute(stmt)]


def latest_verdicts(conn: Connection, patch_ids: list[int]) -> dict[int, tuple[str, float, int]]:
    """patch id -> (verdict, score, run id) of its newest simulated deployment."""
    out: dict[int, tuple[str, float, int]] = {}
    if not patch_ids:
        return out
    rows = conn.execute(
        sa.select(simulation_runs.c.patch_id, simulation_runs.c.verdict, simulation_runs.c.score,
                  simulation_runs.c.id)
        .where(simulation_runs.c.patch_id.in_(patch_ids))
        .order_by(simulation_runs.c.id)
    )
    for r in rows:
        out[int(r.patch_id)] = (r.verdict, float(r.score), int(r.id))
    return out
