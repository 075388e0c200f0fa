"""Repository for advisory data: set-based writes of OSV records, alias groups, KEV, import records.

Every function takes the caller's ``Connection``: a command's writes commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from patchbook.model.advisory import KevEntry
from patchbook.model.advisory_rows import AdvisoryRow, AffectedRow, Skip, advisory_row
from patchbook.store.batching import chunks
from patchbook.store.bulk import insert_rows, insert_tuples
from patchbook.store.schema import (
    advisories,
    affected_packages,
    alias_members,
    feed_imports,
    feed_skips,
    kev_entries,
)


@dataclass
class ImportCounts:
    records_seen: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0


__all__ = ["AdvisoryRow", "AffectedRow", "Skip", "advisory_row"]  # rows as the importer builds them


# --- import records -------------------------------------------------------------------------------


def start_import(
    conn: Connection, kind: str, source: str, *, fetched_at: datetime | None = None, sha256: str | None = None
) -> int:
    result = conn.execute(
        sa.insert(feed_imports).values(
            kind=kind,
            source=source,
            started_at=datetime.now(UTC),
            fetched_at=fetched_at,
            sha256=sha256,
            **{
                name: 0 for name in ("records_seen", "inserted", "updated", "unchanged", "removed", "skipped")
            },
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_import(
    conn: Connection, import_id: int, counts: ImportCounts, upstream_marker: str | None, skips: Sequence[Skip]
) -> None:
    conn.execute(
        sa.update(feed_imports)
        .where(feed_imports.c.id == import_id)
        .values(
            finished_at=datetime.now(UTC),
            upstream_marker=upstream_marker,
            records_seen=counts.records_seen,
            inserted=counts.inserted,
            updated=counts.updated,
            unchanged=counts.unchanged,
            removed=counts.removed,
            skipped=counts.skipped,
        )
    )
    if skips:
        conn.execute(
            sa.insert(feed_skips),
            [
                {"import_id": import_id, "record_id": s.record_id, "location": s.location, "reason": s.reason}
                for s in skips
            ],
        )


def last_import_with_sha(conn: Connection, source: str, sha256: str) -> datetime | None:
    """When this exact download was last imported (lets `sync` skip an unchanged feed)."""
    row = conn.execute(
        sa.select(feed_imports.c.finished_at)
        .where(feed_imports.c.source == source, feed_imports.c.sha256 == sha256)
        .where(feed_imports.c.finished_at.is_not(None))
        .order_by(feed_imports.c.id.desc())
        .limit(1)
    ).first()
    return row[0] if row else None


# --- OSV advisories -------------------------------------------------------------------------------


def stored_versions(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[datetime, str]]:
    """``id -> (modified, sha256)`` for the ids already in the store."""
    found: dict[str, tuple[datetime, str]] = {}
    for part in chunks(ids):
        rows = conn.execute(
            sa.select(advisories.c.id, advisories.c.modified, advisories.c.sha256).where(
                advisories.c.id.in_(part)
            )
        )
        found.update((r.id, (r.modified, r.sha256)) for r in rows)
    return found


_ADVISORY_COLUMNS = (
    "id",
    "alias_group",
    "modified",
    "published",
    "withdrawn",
    "summary",
    "aliases",
    "severity",
    "record",
    "sha256",
    "source",
    "import_id",
)
_AFFECTED_COLUMNS = ("advisory_id", *AffectedRow._fields)


def _affected_tuples(items: Sequence[AdvisoryRow]) -> list[tuple[Any, ...]]:
    return [(item.id, *row) for item in items for row in item.affected]


def insert_advisories(
    conn: Connection, items: Sequence[AdvisoryRow], import_id: int, groups: dict[str, str]
) -> None:
    """Insert new advisories; ``groups`` (from :func:`merge_alias_groups`) gives each its group key.

    The rows' JSON columns are already serialised text (see :mod:`patchbook.model.advisory_rows`)."""
    if not items:
        return
    insert_tuples(
        conn,
        advisories,
        _ADVISORY_COLUMNS,
        [
            (
                i.id,
                groups[i.id],
                i.modified,
                i.published,
                i.withdrawn,
                i.summary,
                i.aliases,
                i.severity,
                i.record,
                i.sha256,
                i.source,
                import_id,
            )
            for i in items
        ],
        json_text=True,
    )
    insert_tuples(conn, affected_packages, _AFFECTED_COLUMNS, _affected_tuples(items), json_text=True)


def _json_text_param(conn: Connection, name: str) -> Any:
    """A bound parameter holding JSON that is already serialised: PostgreSQL casts the text to jsonb,
    SQLite stores it as it is (what its JSON type would have stored)."""
    param = sa.bindparam(name, type_=sa.Text())
    return sa.cast(param, postgresql.JSONB) if conn.dialect.name == "postgresql" else param


def packages_named(conn: Connection, advisory_ids: Sequence[str]) -> set[tuple[str, str]]:
    """The (ecosystem, package) pairs the stored revisions of these advisories name."""
    ap = affected_packages.c
    named: set[tuple[str, str]] = set()
    for part in chunks(list(advisory_ids)):
        named.update(
            (r.ecosystem, r.name)
            for r in conn.execute(sa.select(ap.ecosystem, ap.name).where(ap.advisory_id.in_(part)).distinct())
        )
    return named


def update_advisories(
    conn: Connection, items: Sequence[AdvisoryRow], import_id: int, groups: dict[str, str]
) -> None:
    if not items:
        return
    stmt = (
        sa.update(advisories)
        .where(advisories.c.id == sa.bindparam("b_id"))
        .values(
            alias_group=sa.bindparam("b_alias_group"),
            modified=sa.bindparam("b_modified", type_=advisories.c.modified.type),
            published=sa.bindparam("b_published", type_=advisories.c.published.type),
            withdrawn=sa.bindparam("b_withdrawn", type_=advisories.c.withdrawn.type),
            summary=sa.bindparam("b_summary"),
            aliases=_json_text_param(conn, "b_aliases"),
            severity=_json_text_param(conn, "b_severity"),
            record=_json_text_param(conn, "b_record"),
            sha256=sa.bindparam("b_sha256"),
            source=sa.bindparam("b_source"),
            import_id=sa.bindparam("b_import_id"),
        )
    )
    conn.execute(
        stmt,
        [
            {
                "b_id": i.id,
                "b_alias_group": groups[i.id],
                "b_modified": i.modified,
                "b_published": i.published,
                "b_withdrawn": i.withdrawn,
                "b_summary": i.summary,
                "b_aliases": i.aliases,
                "b_severity": i.severity,
                "b_record": i.record,
                "b_sha256": i.sha256,
                "b_source": i.source,
                "b_import_id": import_id,
            }
            for i in items
        ],
    )
    ids = [i.id for i in items]
    for part in chunks(ids):
        conn.execute(sa.delete(affected_packages).where(affected_packages.c.advisory_id.in_(part)))
    insert_tuples(conn, affected_packages, _AFFECTED_COLUMNS, _affected_tuples(items), json_text=True)


# --- alias groups ---------------------------------------------------------------------------------


def group_key(members: Iterable[str]) -> str:
    """The stable, human-readable key of an alias group: its CVE id, else its GHSA id, else the least id."""

    def rank(identifier: str) -> tuple[int, str]:
        upper = identifier.upper()
        return (0 if upper.startswith("CVE-") else 1 if upper.startswith("GHSA-") else 2, identifier)

    return min(members, key=rank)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent.setdefault(x, x)
        if parent != x:
            parent = self.parent[x] = self.find(parent)
        return parent

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return out


@dataclass
class AliasMerge:
    """What merging did: group keys that were renamed (old -> new), for whatever references them."""

    renamed: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # every identifier touched -> its group key
    groups_touched: int = 0


class AliasGroups:
    """The alias-group membership an import works against, kept in memory for the import's length.

    A store with up to ``PRELOAD_LIMIT`` identifiers is read once; a larger one is read per batch,
    only for the identifiers (and groups) a batch touches. Either way every merge writes through.
    """

    PRELOAD_LIMIT = 500_000

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.group_of: dict[str, str] = {}
        self.members: dict[str, set[str]] = {}
        count = conn.execute(sa.select(sa.func.count()).select_from(alias_members)).scalar_one()
        self.complete = count <= self.PRELOAD_LIMIT
        if self.complete:
            self._remember(conn.execute(sa.select(alias_members.c.identifier, alias_members.c.alias_group)))

    def _remember(self, rows: Iterable[Any]) -> None:
        for identifier, group in rows:
            self.group_of[identifier] = group
            self.members.setdefault(group, set()).add(identifier)

    def _load(self, identifiers: Iterable[str]) -> None:
        if self.complete:
            return
        missing = [i for i in identifiers if i not in self.group_of]
        groups: set[str] = set()
        for part in chunks(missing):
            rows = list(
                self.conn.execute(sa.select(alias_members).where(alias_members.c.identifier.in_(part)))
            )
            groups.update(r.alias_group for r in rows)
            self._remember((r.identifier, r.alias_group) for r in rows)
        for part in chunks(sorted(groups)):
            self._remember(
                (r.identifier, r.alias_group)
                for r in self.conn.execute(
                    sa.select(alias_members).where(alias_members.c.alias_group.in_(part))
                )
            )

    def merge(self, identifier_sets: Sequence[Sequence[str]]) -> AliasMerge:
        """Join each set of identifiers (a record's id and aliases) into one group with what it touches.

        Groups only ever merge: an alias once asserted by a source keeps the two ids together.
        """
        uf = _UnionFind()
        for ids in identifier_sets:
            for other in ids:
                uf.union(ids[0], other)
        self._load(list(uf.parent))
        for identifier in list(uf.parent):
            group = self.group_of.get(identifier)
            if group is not None:
                for other in self.members[group]:
                    uf.union(identifier, other)
        merge = AliasMerge()
        inserts: list[dict[str, str]] = []
        moves: list[dict[str, str]] = []
        for members in uf.groups().values():
            key = group_key(members)
            merge.groups_touched += 1
            for identifier in members:
                merge.keys[identifier] = key
                old = self.group_of.get(identifier)
                if old == key:
                    continue
                if old is None:
                    inserts.append({"identifier": identifier, "alias_group": key})
                else:
                    moves.append({"b_identifier": identifier, "alias_group": key})
                    merge.renamed[old] = key
                    self.members[old].discard(identifier)
                self.group_of[identifier] = key
                self.members.setdefault(key, set()).add(identifier)
        if inserts:
            insert_rows(self.conn, alias_members, inserts)
        if moves:
            self.conn.execute(
                sa.update(alias_members).where(alias_members.c.identifier == sa.bindparam("b_identifier")),
                moves,
            )
            # Stored advisories carry their group key. Only an identifier already in a group can be a
            # stored advisory (every advisory's id joins a group when it is written), so only moves
            # can rewrite one; rows about to be written take theirs from ``keys``.
            self.conn.execute(
                sa.update(advisories).where(advisories.c.id == sa.bindparam("b_id")),
                [{"b_id": m["b_identifier"], "alias_group": m["alias_group"]} for m in moves],
            )
        return merge


def merge_alias_groups(conn: Connection, identifier_sets: Sequence[Sequence[str]]) -> AliasMerge:
    """One-off merge (tests, small callers); an import keeps one :class:`AliasGroups` for all batches."""
    return AliasGroups(conn).merge(identifier_sets)


def alias_group_of(conn: Connection, identifier: str) -> str | None:
    row = conn.execute(
        sa.select(alias_members.c.alias_group).where(alias_members.c.identifier == identifier)
    ).first()
    return row[0] if row else None


def members_of(conn: Connection, groups: Iterable[str]) -> dict[str, list[str]]:
    """alias group -> its identifiers (CVE, GHSA, PYSEC, ...) in identifier order, for many groups."""
    out: dict[str, list[str]] = {}
    m = alias_members.c
    for part in chunks(sorted(set(groups))):
        rows = conn.execute(
            sa.select(m.alias_group, m.identifier).where(m.alias_group.in_(part)).order_by(m.identifier)
        )
        for r in rows:
            out.setdefault(r.alias_group, []).append(r.identifier)
    return out


def group_members(conn: Connection, group: str) -> list[str]:
    rows = conn.execute(
        sa.select(alias_members.c.identifier)
        .where(alias_members.c.alias_group == group)
        .order_by(alias_members.c.identifier)
    )
    return [r[0] for r in rows]


# --- KEV ------------------------------------------------------------------------------------------


def _kev_row(entry: KevEntry) -> dict[str, Any]:
    return {
        "cve_id": entry.cve_id,
        "vendor": entry.vendor,
        "product": entry.product,
        "name": entry.name,
        "date_added": entry.date_added,
        "due_date": entry.due_date,
        "known_ransomware": entry.known_ransomware,
        "short_description": entry.short_description,
        "required_action": entry.required_action,
        "notes": entry.notes,
        "cwes": list(entry.cwes),
    }


def replace_kev(conn: Connection, entries: Sequence[KevEntry], import_id: int) -> ImportCounts:
    """The catalog is authoritative: entries it no longer lists are removed, the rest upserted."""
    existing = {r.cve_id: dict(r._mapping) for r in conn.execute(sa.select(kev_entries))}
    counts = ImportCounts(records_seen=len(entries))
    incoming = {e.cve_id: _kev_row(e) for e in entries}
    gone = [cve for cve in existing if cve not in incoming]
    for part in chunks(gone):
        conn.execute(sa.delete(kev_entries).where(kev_entries.c.cve_id.in_(part)))
    counts.removed = len(gone)
    inserts, updates = [], []
    for cve, row in incoming.items():
        old = existing.get(cve)
        if old is None:
            inserts.append({**row, "import_id": import_id})
        elif any(old[k] != v for k, v in row.items()):
            updates.append({**row, "b_cve": cve, "import_id": import_id})
        else:
            counts.unchanged += 1
    if inserts:
        conn.execute(sa.insert(kev_entries), inserts)
    if updates:
        conn.execute(sa.update(kev_entries).where(kev_entries.c.cve_id == sa.bindparam("b_cve")), updates)
    counts.inserted, counts.updated = len(inserts), len(updates)
    return counts


# --- status ---------------------------------------------------------------------------------------


@dataclass
class FeedStatus:
    by_ecosystem_source: list[tuple[str, str, int]]  # (ecosystem, source, advisories)
    advisories: int
    withdrawn: int
    identifiers: int
    alias_groups: int
    kev_entries: int
    kev_catalog_version: str | None
    last_imports: list[dict[str, Any]]
    last_skips: list[dict[str, Any]]


def feed_status(conn: Connection, *, recent: int = 5) -> FeedStatus:
    per = conn.execute(
        sa.select(
            affected_packages.c.ecosystem,
            advisories.c.source,
            sa.func.count(sa.distinct(affected_packages.c.advisory_id)),
        )
        .join(advisories, advisories.c.id == affected_packages.c.advisory_id)
        .group_by(affected_packages.c.ecosystem, advisories.c.source)
        .order_by(affected_packages.c.ecosystem, advisories.c.source)
    ).all()

    def scalar(stmt: sa.Select[Any]) -> int:
        return int(conn.execute(stmt).scalar_one())

    count = sa.func.count()
    imports = [
        dict(r._mapping)
        for r in conn.execute(sa.select(feed_imports).order_by(feed_imports.c.id.desc()).limit(recent))
    ]
    last_kev = conn.execute(
        sa.select(feed_imports.c.upstream_marker)
        .where(feed_imports.c.kind == "kev", feed_imports.c.finished_at.is_not(None))
        .order_by(feed_imports.c.id.desc())
        .limit(1)
    ).scalar()
    skips = []
    if imports:
        skips = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(feed_skips.c.record_id, feed_skips.c.location, feed_skips.c.reason)
                .where(feed_skips.c.import_id == imports[0]["id"])
                .order_by(feed_skips.c.id)
            )
        ]
    return FeedStatus(
        by_ecosystem_source=[(r[0], r[1], int(r[2])) for r in per],
        advisories=scalar(sa.select(count).select_from(advisories)),
        withdrawn=scalar(sa.select(count).select_from(advisories).where(advisories.c.withdrawn.is_not(None))),
        identifiers=scalar(sa.select(count).select_from(alias_members)),
        alias_groups=scalar(sa.select(sa.func.count(sa.distinct(alias_members.c.alias_group)))),
        kev_entries=scalar(sa.select(count).select_from(kev_entries)),
        kev_catalog_version=last_kev,
        last_imports=imports,
        last_skips=skips,
    )


def package_entries(
    conn: Connection, advisory_ids: Sequence[str], ecosystem: str, package: str
) -> list[dict[str, Any]]:
    """The affected[] entries these advisories hold for one package, with each advisory's summary."""
    ap, a = affected_packages.c, advisories.c
    out: list[dict[str, Any]] = []
    for part in chunks(list(advisory_ids)):
        rows = conn.execute(
            sa.select(ap.advisory_id, a.summary, ap.ranges, ap.versions)
            .join(advisories, a.id == ap.advisory_id)
            .where(ap.advisory_id.in_(part), ap.ecosystem == ecosystem, ap.name == package)
            .order_by(ap.advisory_id, ap.id)
        )
        out.extend(
            {
                "advisory": r.advisory_id,
                "summary": r.summary,
                "ranges": r.ranges,
                "versions": len(r.versions or []),
            }
            for r in rows
        )
    return out
