"""Repository for assets, their dependencies, ingest snapshots and components."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.model.asset import Asset, AssetKind, Criticality, Environment, Exposure
from patchbook.store.batching import chunks
from patchbook.store.bulk import insert_rows
from patchbook.store.schema import asset_dependencies, assets, components, snapshots


def _to_row(asset: Asset) -> dict[str, Any]:
    row = asset.as_dict()
    del row["depends_on"]  # a relation, kept in asset_dependencies
    return row


def _from_row(row: Any, depends_on: tuple[str, ...]) -> Asset:
    return Asset(
        name=row.name,
        kind=AssetKind(row.kind),
        owner=row.owner,
        environment=Environment(row.environment),
        trading_role=row.trading_role,
        criticality=Criticality(row.criticality),
        exposure=Exposure(row.exposure),
        value_at_risk_usd=row.value_at_risk_usd,
        depends_on=depends_on,
        tags=tuple(row.tags or ()),
    )


def asset_ids(conn: Connection) -> dict[str, int]:
    return {r.name: r.id for r in conn.execute(sa.select(assets.c.name, assets.c.id))}


def list_assets(conn: Connection) -> list[Asset]:
    names = {r.id: r.name for r in conn.execute(sa.select(assets.c.id, assets.c.name))}
    deps: dict[int, list[str]] = {}
    for r in conn.execute(sa.select(asset_dependencies)):
        deps.setdefault(r.asset_id, []).append(names[r.depends_on_id])
    rows = conn.execute(sa.select(assets).order_by(assets.c.name))
    return [_from_row(r, tuple(sorted(deps.get(r.id, ())))) for r in rows]


def get_asset(conn: Connection, name: str) -> tuple[int, Asset] | None:
    row = conn.execute(sa.select(assets).where(assets.c.name == name)).first()
    if row is None:
        return None
    dep_names = conn.execute(
        sa.select(assets.c.name)
        .join(asset_dependencies, asset_dependencies.c.depends_on_id == assets.c.id)
        .where(asset_dependencies.c.asset_id == row.id)
        .order_by(assets.c.name)
    ).scalars()
    return row.id, _from_row(row, tuple(dep_names))


def upsert_asset(conn: Connection, asset: Asset) -> tuple[int, str]:
    """Insert or update; returns (id, "added" | "changed" | "unchanged")."""
    now = datetime.now(UTC)
    existing = get_asset(conn, asset.name)
    if existing is None:
        result = conn.execute(
            sa.insert(assets).values(**_to_row(asset), attributes={}, created_at=now, updated_at=now)
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0]), "added"
    asset_id, old = existing
    if _to_row(old) == _to_row(asset):
        return asset_id, "unchanged"
    conn.execute(sa.update(assets).where(assets.c.id == asset_id).values(**_to_row(asset), updated_at=now))
    return asset_id, "changed"


def set_dependencies(conn: Connection, asset_id: int, depends_on_ids: Sequence[int]) -> None:
    conn.execute(sa.delete(asset_dependencies).where(asset_dependencies.c.asset_id == asset_id))
    if depends_on_ids:
        conn.execute(
            sa.insert(asset_dependencies),
            [{"asset_id": asset_id, "depends_on_id": d} for d in depends_on_ids],
        )


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    sha256: str
    format: str
    ingested_at: datetime


def current_snapshot(conn: Connection, asset_id: int) -> SnapshotInfo | None:
    row = conn.execute(
        sa.select(snapshots.c.id, snapshots.c.sha256, snapshots.c.format, snapshots.c.ingested_at).where(
            snapshots.c.asset_id == asset_id, snapshots.c.current.is_(True)
        )
    ).first()
    return SnapshotInfo(row.id, row.sha256, row.format, row.ingested_at) if row else None


def add_snapshot(
    conn: Connection,
    asset_id: int,
    *,
    format: str,
    spec_version: str | None,
    source: str,
    sha256: str,
    component_rows: Sequence[dict[str, Any]],
    unmatched: int,
) -> int:
    """Record a new component set as the asset's current one; the previous stays as history."""
    conn.execute(
        sa.update(snapshots)
        .where(snapshots.c.asset_id == asset_id, snapshots.c.current.is_(True))
        .values(current=False)
    )
    result = conn.execute(
        sa.insert(snapshots).values(
            asset_id=asset_id,
            ingested_at=datetime.now(UTC),
            format=format,
            spec_version=spec_version,
            source=source,
            sha256=sha256,
            components=len(component_rows),
            unmatched=unmatched,
            current=True,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    snapshot_id = int(key[0])
    if component_rows:
        insert_rows(conn, components, [{**row, "snapshot_id": snapshot_id} for row in component_rows])
    return snapshot_id


def current_packages(
    conn: Connection, asset_ids: Sequence[int], packages: Collection[tuple[str, str]] | None = None
) -> dict[int, list[Any]]:
    """asset id -> the matchable components of its current snapshot (only these packages, if given),
    read for all the assets at once (a feed import touches hundreds of them)."""
    c = components.c
    stmt = (
        sa.select(snapshots.c.asset_id, c.ecosystem, c.ecosystem_qualifier, c.package, c.package_version,
                  c.direct)
        .join(snapshots, snapshots.c.id == c.snapshot_id)
        .where(snapshots.c.current.is_(True))
        .where(c.package.is_not(None))
    )
    out: dict[int, list[Any]] = {asset_id: [] for asset_id in asset_ids}
    for ids in chunks(sorted(out)):
        scoped = stmt.where(snapshots.c.asset_id.in_(ids))
        queries = [scoped] if packages is None else [
            scoped.where(sa.tuple_(c.ecosystem, c.package).in_(part)) for part in chunks(sorted(packages))
        ]
        for query in queries:
            for r in conn.execute(query):
                out[r.asset_id].append(r)
    return out


def assets_with_packages(conn: Connection, packages: Sequence[tuple[str, str]]) -> list[int]:
    """Ids of the assets whose current snapshot contains any of these (ecosystem, package)."""
    found: set[int] = set()
    for part in chunks(list(packages)):
        rows = conn.execute(
            sa.select(snapshots.c.asset_id)
            .join(components, components.c.snapshot_id == snapshots.c.id)
            .where(snapshots.c.current.is_(True))
            .where(sa.tuple_(components.c.ecosystem, components.c.package).in_(part))
            .distinct()
        )
        found.update(r[0] for r in rows)
    return sorted(found)
