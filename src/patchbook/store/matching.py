"""Repository for the estate-wide match cache: which package versions were matched, and what hit them.

``matched_versions`` says a (ecosystem, package, version) has been matched against the advisories
as they are now; ``version_vulns`` holds what affects it. A new SBOM only matches versions the estate
has not seen; a feed import invalidates just the packages its records name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.model.matching import Candidate, PackageKey, VersionVuln
from patchbook.store.batching import chunks
from patchbook.store.bulk import insert_rows
from patchbook.store.schema import (
    advisories,
    affected_packages,
    components,
    matched_versions,
    snapshots,
    version_vulns,
)

Package = tuple[str, str]  # (ecosystem, normalised package name)
Version = tuple[str, str, str, str]  # (ecosystem, qualifier or "", package, version)


def version_of(key: PackageKey) -> Version:
    return (key.ecosystem, key.qualifier or "", key.package, key.version)


def load_candidates(conn: Connection, packages: Iterable[Package]) -> dict[Package, list[Candidate]]:
    """The affected[] entries of non-withdrawn advisories that name these packages."""
    wanted = sorted(set(packages))
    out: dict[Package, list[Candidate]] = {}
    for part in chunks(wanted):
        rows = conn.execute(
            sa.select(
                affected_packages.c.ecosystem,
                affected_packages.c.ecosystem_qualifier,
                affected_packages.c.name,
                affected_packages.c.ranges,
                affected_packages.c.versions,
                advisories.c.id,
                advisories.c.alias_group,
            )
            .join(advisories, advisories.c.id == affected_packages.c.advisory_id)
            .where(advisories.c.withdrawn.is_(None))
            .where(sa.tuple_(affected_packages.c.ecosystem, affected_packages.c.name).in_(part))
        )
        for r in rows:
            ecosystem = f"{r.ecosystem}:{r.ecosystem_qualifier}" if r.ecosystem_qualifier else r.ecosystem
            entry = {
                "package": {"ecosystem": ecosystem, "name": r.name},
                "ranges": r.ranges,
                "versions": r.versions,
            }
            out.setdefault((r.ecosystem, r.name), []).append(Candidate(r.id, r.alias_group, ecosystem, entry))
    return out


def unmatched(conn: Connection, keys: Iterable[PackageKey]) -> list[PackageKey]:
    """The keys whose version the estate has not matched yet (one key per distinct version)."""
    by_version: dict[Version, PackageKey] = {}
    for key in keys:
        by_version.setdefault(version_of(key), key)
    mv = matched_versions.c
    for part in chunks(list(by_version)):
        rows = conn.execute(
            sa.select(mv.ecosystem, mv.qualifier, mv.package, mv.version).where(
                sa.tuple_(mv.ecosystem, mv.qualifier, mv.package, mv.version).in_(part)
            )
        )
        for r in rows:
            by_version.pop((r.ecosystem, r.qualifier, r.package, r.version), None)
    return list(by_version.values())


_VERSION_COLUMNS = ("ecosystem", "qualifier", "package", "version")


def record(conn: Connection, keys: Sequence[PackageKey], hits: Sequence[VersionVuln]) -> None:
    """Store the outcome of matching ``keys``: each is now matched, with what affects it."""
    if not keys:
        return
    now = datetime.now(UTC)
    unique = {version_of(k) for k in keys}
    insert_rows(
        conn,
        matched_versions,
        [{**dict(zip(_VERSION_COLUMNS, v, strict=True)), "matched_at": now} for v in unique],
    )
    rows: dict[tuple[Version, str], dict[str, Any]] = {}
    for h in hits:
        v = version_of(h.key)
        rows.setdefault(
            (v, h.advisory_id),
            {
                **dict(zip(_VERSION_COLUMNS, v, strict=True)),
                "advisory_id": h.advisory_id,
                "fixed": list(h.fixed),
            },
        )
    if rows:
        insert_rows(conn, version_vulns, list(rows.values()))


def any_matched(conn: Connection) -> bool:
    return conn.execute(sa.select(matched_versions.c.package).limit(1)).first() is not None


def forget_packages(conn: Connection, packages: Iterable[Package]) -> list[Version]:
    """Drop the cached matches of these packages; returns the versions that must be matched again."""
    mv, vv = matched_versions.c, version_vulns.c
    versions: list[Version] = []
    for part in chunks(sorted(set(packages))):
        where = sa.tuple_(mv.ecosystem, mv.package).in_(part)
        rows = conn.execute(sa.select(mv.ecosystem, mv.qualifier, mv.package, mv.version).where(where))
        versions.extend((r.ecosystem, r.qualifier, r.package, r.version) for r in rows)
        conn.execute(sa.delete(matched_versions).where(where))
        conn.execute(sa.delete(version_vulns).where(sa.tuple_(vv.ecosystem, vv.package).in_(part)))
    return versions


def vulns_of_assets(
    conn: Connection, asset_ids: Sequence[int], packages: Iterable[Package] | None = None
) -> dict[Version, list[Any]]:
    """What affects the versions these assets run now (only these packages, if given), in one join.

    Joined in the database rather than sending every version back as a parameter (compiling a
    10,000-tuple IN list costs more than the lookup). Rows carry ``advisory_id``, ``fixed`` and the
    advisory's current ``alias_group``.
    """
    c, vv = components.c, version_vulns.c
    stmt = (
        sa.select(vv.ecosystem, vv.qualifier, vv.package, vv.version, vv.advisory_id, vv.fixed,
                  advisories.c.alias_group)
        .distinct()
        .select_from(components)
        .join(snapshots, snapshots.c.id == c.snapshot_id)
        .join(
            version_vulns,
            sa.and_(
                vv.ecosystem == c.ecosystem,
                vv.qualifier == sa.func.coalesce(c.ecosystem_qualifier, ""),
                vv.package == c.package,
                vv.version == c.package_version,
            ),
        )
        .join(advisories, advisories.c.id == vv.advisory_id)
        .where(snapshots.c.current.is_(True))
    )
    wanted = sorted(set(packages)) if packages is not None else None
    out: dict[Version, list[Any]] = {}
    for ids in chunks(sorted(set(asset_ids))):
        scoped = stmt.where(snapshots.c.asset_id.in_(ids))
        parts = [scoped] if wanted is None else [
            scoped.where(sa.tuple_(c.ecosystem, c.package).in_(part)) for part in chunks(wanted)
        ]
        for query in parts:
            for r in conn.execute(query):
                out.setdefault((r.ecosystem, r.qualifier, r.package, r.version), []).append(r)
    return out
