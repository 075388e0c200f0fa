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
from patchbook.store.schema import advisories, affected_packages, matched_versions, version_vulns

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


def vulns_for(conn: Connection, versions: Iterable[Version]) -> dict[Version, list[Any]]:
    """What affects each of these versions, from the cache, with each advisory's current alias group.

    The group is read from the advisory, not cached: a later import may merge groups without naming
    this package, and the finding must follow the merge.
    """
    vv = version_vulns.c
    out: dict[Version, list[Any]] = {}
    for part in chunks(sorted(set(versions))):
        rows = conn.execute(
            sa.select(version_vulns, advisories.c.alias_group)
            .join(advisories, advisories.c.id == vv.advisory_id)
            .where(sa.tuple_(vv.ecosystem, vv.qualifier, vv.package, vv.version).in_(part))
        )
        for r in rows:
            out.setdefault((r.ecosystem, r.qualifier, r.package, r.version), []).append(r)
    return out
