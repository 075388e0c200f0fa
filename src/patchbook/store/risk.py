"""Repository for the risk stage: EPSS history, and each finding's current score.

Reads are set-based (a handful of queries for a whole estate); scores are written with COPY (PostgreSQL)
or one executemany (SQLite), below SQLAlchemy's per-row processing, so re-scoring 200,000 findings
costs seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.model.advisory import KevEntry
from patchbook.model.asset import Asset
from patchbook.model.risk import EpssScore, EpssSnapshot
from patchbook.store.advisories import ImportCounts
from patchbook.store.batching import chunks
from patchbook.store.bulk import insert_tuples
from patchbook.store.inventory import _from_row as asset_from_row
from patchbook.store.schema import (
    advisories,
    alias_members,
    assets,
    epss_scores,
    finding_events,
    finding_scores,
    findings,
    kev_entries,
)

# --- EPSS -----------------------------------------------------------------------------------------


def replace_epss_day(conn: Connection, snapshot: EpssSnapshot, day: date, import_id: int) -> ImportCounts:
    """Store one daily file. Each score date is kept (history); re-importing a day replaces that day."""
    e = epss_scores.c
    previous = conn.execute(sa.select(sa.func.count()).where(e.score_date == day)).scalar_one()
    conn.execute(sa.delete(epss_scores).where(e.score_date == day))
    names = ("cve", "score_date", "epss", "percentile", "model_version", "import_id")
    insert_tuples(
        conn,
        epss_scores,
        names,
        [
            (s.cve, day, s.epss, s.percentile, snapshot.model_version, import_id)
            for s in snapshot.scores.values()
        ],
    )
    n = len(snapshot.scores)
    counts = ImportCounts(records_seen=n)
    if previous:
        counts.updated = n
    else:
        counts.inserted = n
    return counts


def epss_status(conn: Connection) -> dict[str, object]:
    """Days of EPSS kept, the newest day with its model and how many CVEs it scores."""
    e = epss_scores.c
    days = conn.execute(sa.select(sa.func.count(sa.distinct(e.score_date)))).scalar_one()
    latest = conn.execute(sa.select(sa.func.max(e.score_date))).scalar_one()
    if latest is None:
        return {"days": 0, "latest": None, "model_version": None, "scores": 0}
    row = conn.execute(
        sa.select(sa.func.count(), sa.func.max(e.model_version)).where(e.score_date == latest)
    ).one()
    return {"days": int(days), "latest": latest.isoformat(), "model_version": row[1], "scores": int(row[0])}


def known_identifiers(conn: Connection, prefix: str = "CVE-") -> set[str]:
    """Every identifier of that kind the advisory store knows (to count EPSS CVEs it does not)."""
    m = alias_members.c
    return {r[0] for r in conn.execute(sa.select(m.identifier).where(m.identifier.like(prefix + "%")))}


def latest_epss(conn: Connection, cves: Collection[str]) -> dict[str, EpssScore]:
    """Each CVE's newest score (by score date)."""
    e = epss_scores.c
    out: dict[str, EpssScore] = {}
    for part in chunks(sorted(cves)):
        rows = conn.execute(
            sa.select(e.cve, e.score_date, e.epss, e.percentile, e.model_version)
            .where(e.cve.in_(part))
            .order_by(e.cve, e.score_date)
        )
        for r in rows:  # ascending dates: the last one written wins
            out[r.cve] = EpssScore(
                cve=r.cve,
                epss=r.epss,
                percentile=r.percentile,
                model_version=r.model_version,
                score_date=datetime(r.score_date.year, r.score_date.month, r.score_date.day, tzinfo=UTC),
            )
    return out


def epss_history(conn: Connection, cve: str) -> list[tuple[date, float, float | None, str | None]]:
    e = epss_scores.c
    rows = conn.execute(
        sa.select(e.score_date, e.epss, e.percentile, e.model_version)
        .where(e.cve == cve.upper())
        .order_by(e.score_date)
    )
    return [(r.score_date, r.epss, r.percentile, r.model_version) for r in rows]


# --- what a re-score reads ------------------------------------------------------------------------


class FindingRow(NamedTuple):
    id: int
    asset_id: int
    alias_group: str
    advisory_ids: tuple[str, ...]
    direct: bool | None
    first_seen: datetime
    state: str


def finding_rows(conn: Connection, ids: Sequence[int] | None = None) -> list[FindingRow]:
    if ids is None:
        return _all_finding_rows(conn)
    f = findings.c
    stmt = sa.select(f.id, f.asset_id, f.alias_group, f.advisory_ids, f.direct, f.first_seen, f.state)
    parts: Iterable[Sequence[int] | None] = [None] if ids is None else chunks(sorted(ids))
    out: list[FindingRow] = []
    for part in parts:
        query = stmt if part is None else stmt.where(f.id.in_(part))
        out.extend(
            FindingRow(
                r.id, r.asset_id, r.alias_group, tuple(r.advisory_ids or ()), r.direct, r.first_seen, r.state
            )
            for r in conn.execute(query)
        )
    return out


def _all_finding_rows(conn: Connection) -> list[FindingRow]:
    """Every finding, read below SQLAlchemy's per-value result processing (the estate re-score reads
    200,000 rows): an ingest gives all its findings one timestamp and a vulnerability one advisory list,
    so each distinct raw value is converted once."""
    times: dict[Any, datetime] = {}
    lists: dict[Any, tuple[str, ...]] = {}
    # PostgreSQL would decode every row's jsonb; as text, each distinct list is decoded once below
    ids_column = "advisory_ids::text" if conn.dialect.name == "postgresql" else "advisory_ids"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            f"SELECT id, asset_id, alias_group, {ids_column}, direct, first_seen, state FROM findings"
        )
        fetched = cursor.fetchall()
    finally:
        cursor.close()
    out: list[FindingRow] = []
    for fid, asset_id, group, raw_ids, direct, raw_seen, state in fetched:
        seen = times.get(raw_seen)
        if seen is None:
            seen = times[raw_seen] = _utc(raw_seen)
        key = raw_ids if isinstance(raw_ids, str) else tuple(raw_ids or ())
        advisory_ids = lists.get(key)
        if advisory_ids is None:
            parsed = orjson.loads(raw_ids) if isinstance(raw_ids, str) else raw_ids
            advisory_ids = lists[key] = tuple(parsed or ())
        out.append(
            FindingRow(
                fid, asset_id, group, advisory_ids, None if direct is None else bool(direct), seen, state
            )
        )
    return out


def _utc(value: Any) -> datetime:
    """A stored UTC timestamp as the driver returns it (SQLite: ISO text) -> an aware datetime."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def assets_by_id(conn: Connection) -> dict[int, Asset]:
    return {r.id: asset_from_row(r, ()) for r in conn.execute(sa.select(assets))}


def advisory_records(conn: Connection, ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """OSV id -> its severity, database_specific and references (what risk reads of a record)."""
    a = advisories.c
    out: dict[str, dict[str, Any]] = {}
    for part in chunks(sorted(ids)):
        for r in conn.execute(sa.select(a.id, a.record).where(a.id.in_(part))):
            rec = r.record or {}
            out[r.id] = {
                "severity": rec.get("severity") or [],
                "database_specific": rec.get("database_specific"),
                "references": rec.get("references") or [],
                "summary": rec.get("summary") or "",
            }
    return out


def group_cves(conn: Connection, groups: Collection[str]) -> dict[str, list[str]]:
    """Alias group -> its CVE ids (sorted)."""
    m = alias_members.c
    out: dict[str, list[str]] = {}
    for part in chunks(sorted(groups)):
        for r in conn.execute(
            sa.select(m.alias_group, m.identifier).where(m.alias_group.in_(part), m.identifier.like("CVE-%"))
        ):
            out.setdefault(r.alias_group, []).append(r.identifier)
    for cves in out.values():
        cves.sort()
    return out


def kev_index(conn: Connection) -> dict[str, KevEntry]:
    return {
        r.cve_id: KevEntry(
            cve_id=r.cve_id,
            vendor=r.vendor,
            product=r.product,
            name=r.name,
            date_added=r.date_added,
            due_date=r.due_date,
            known_ransomware=r.known_ransomware,
            short_description=r.short_description,
            required_action=r.required_action,
            notes=r.notes,
            cwes=tuple(r.cwes or ()),
        )
        for r in conn.execute(sa.select(kev_entries))
    }


# --- finding scores -------------------------------------------------------------------------------

SCORE_COLUMNS = (
    "finding_id",
    "decision",
    "cisa",
    "score",
    "probability",
    "impact",
    "criticality_weight",
    "value_at_risk_factor",
    "exposure_weight",
    "reachability_weight",
    "severity",
    "severity_score",
    "in_kev",
    "epss",
    "due_date",
    "exploitation",
    "system_exposure",
    "automatable",
    "human_impact",
    "computed_at",
)


def replace_scores(conn: Connection, rows: Sequence[Sequence[Any]], ids: Sequence[int] | None) -> None:
    """Write scores (tuples in ``SCORE_COLUMNS`` order): all of them (``ids`` None) or those findings'."""
    if ids is None:
        conn.execute(sa.delete(finding_scores))
    else:
        for part in chunks(sorted(ids)):
            conn.execute(sa.delete(finding_scores).where(finding_scores.c.finding_id.in_(part)))
    if conn.dialect.name == "postgresql":
        # COPY; psycopg adapts the dates and the aware timestamp itself (no per-row bind processing)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY finding_scores ({', '.join(SCORE_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    # SQLite keeps dates and timestamps as the text SQLAlchemy's types write. A re-score has a few
    # hundred distinct due dates and one timestamp, so each is converted once instead of per row.
    due_at, stamp_at = SCORE_COLUMNS.index("due_date"), SCORE_COLUMNS.index("computed_at")
    to_date = finding_scores.c.due_date.type.bind_processor(conn.dialect) or _iso
    to_stamp = finding_scores.c.computed_at.type.bind_processor(conn.dialect) or _same
    texts: dict[Any, Any] = {None: None}
    values = []
    for row in rows:
        due, stamp = row[due_at], row[stamp_at]
        if due not in texts:
            texts[due] = to_date(due)
        if stamp not in texts:
            texts[stamp] = to_stamp(stamp)
        values.append((*row[:due_at], texts[due], *row[due_at + 1 : stamp_at], texts[stamp]))
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(
            f"INSERT INTO finding_scores ({', '.join(SCORE_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in SCORE_COLUMNS)})",
            values,
        )
    finally:
        cursor.close()


def fixed_at(conn: Connection) -> dict[int, datetime]:
    """Fixed findings -> when they were last fixed (the end of their time to remediate)."""
    e, f = finding_events.c, findings.c
    rows = conn.execute(
        sa.select(e.finding_id, sa.func.max(e.at).label("at"))
        .join(findings, f.id == e.finding_id)
        .where(e.event == "fixed", f.state == "fixed")
        .group_by(e.finding_id)
    )
    out: dict[int, datetime] = {}
    for r in rows:
        at = r.at
        if isinstance(at, str):  # SQLite returns max() of a timestamp column as text
            at = datetime.fromisoformat(at)
        out[r.finding_id] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return out


def findings_of_imports(conn: Connection, import_ids: Sequence[int]) -> list[int]:
    """Findings whose alias group holds an advisory these imports wrote (new or updated)."""
    f, a = findings.c, advisories.c
    out: set[int] = set()
    for part in chunks(sorted(import_ids)):
        groups = sa.select(a.alias_group).where(a.import_id.in_(part)).distinct()
        out.update(r[0] for r in conn.execute(sa.select(f.id).where(f.alias_group.in_(groups))))
    return sorted(out)


def count_findings(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(findings)).scalar_one())


def any_findings(conn: Connection) -> bool:
    return conn.execute(sa.select(findings.c.id).limit(1)).first() is not None


def finding_groups(conn: Connection) -> list[str]:
    """The alias groups the estate's findings name."""
    return [r[0] for r in conn.execute(sa.select(findings.c.alias_group).distinct())]


def update_probabilities(
    conn: Connection, group_epss: dict[str, float | None], assumed: dict[str, float]
) -> int:
    """Set every stored score's EPSS, probability and score from its group's new EPSS, in one statement.

    Decisions do not read EPSS, so after an EPSS import nothing else changes: probability = 1 when
    exploitation is active, else the EPSS, else the assumed floor for the exploitation state (``assumed``);
    score = probability x impact. ``group_epss`` names every group of the estate (None: no score).
    """
    tmp = sa.Table(
        "pb_group_epss",
        sa.MetaData(),
        sa.Column("alias_group", sa.String(128), primary_key=True),
        sa.Column("epss", sa.Float),
        prefixes=["TEMPORARY"],
    )
    tmp.create(conn)
    try:
        if group_epss:
            conn.execute(sa.insert(tmp), [{"alias_group": g, "epss": e} for g, e in group_epss.items()])
        s, f, t = finding_scores.c, findings.c, tmp.c
        cases = [(s.exploitation == state, p) for state, p in assumed.items()]
        p = sa.case((s.exploitation == "active", 1.0), (t.epss.is_not(None), t.epss), *cases, else_=1.0)
        stmt = (
            sa.update(finding_scores)
            .where(f.id == s.finding_id, t.alias_group == f.alias_group)
            .values(epss=t.epss, probability=p, score=p * s.impact)
        )
        return int(conn.execute(stmt).rowcount)
    finally:
        tmp.drop(conn)


def _same(value: Any) -> Any:
    return value


def _iso(value: date | None) -> str | None:
    """A date as SQLite's adapter writes it (pysqlite adapts dates itself, SQLAlchemy leaves them)."""
    return None if value is None else value.isoformat()


def stale_findings(conn: Connection, asset_ids: Sequence[int] | None = None) -> list[int]:
    """Findings (of these assets, if given) whose score is missing or older than the finding's or its
    asset's last change."""
    f, s, a = findings.c, finding_scores.c, assets.c
    stmt = (
        sa.select(f.id)
        .select_from(
            findings.join(assets, a.id == f.asset_id).outerjoin(finding_scores, s.finding_id == f.id)
        )
        .where(
            sa.or_(
                s.finding_id.is_(None),
                s.computed_at < f.last_seen,
                s.computed_at < f.state_changed_at,
                s.computed_at < a.updated_at,
            )
        )
    )
    if asset_ids is None:
        return [r[0] for r in conn.execute(stmt)]
    parts = chunks(sorted(set(asset_ids)))
    return [r[0] for part in parts for r in conn.execute(stmt.where(f.asset_id.in_(part)))]


def scores_for(conn: Connection, ids: Sequence[int] | None = None) -> dict[int, Any]:
    """finding id -> its stored score row."""
    stmt = sa.select(finding_scores)
    parts: Iterator[Sequence[int] | None] = iter([None]) if ids is None else chunks(sorted(ids))
    out: dict[int, Any] = {}
    for part in parts:
        query = stmt if part is None else stmt.where(finding_scores.c.finding_id.in_(part))
        out.update((r.finding_id, r) for r in conn.execute(query))
    return out
