"""Importing advisory feeds into the store: OSV trees, zips and files, and the KEV catalog.

One call is one transaction: an import that meets damaged input (or, when strict, an invalid record)
leaves the store exactly as it was. Re-importing is idempotent; a record replaces the stored one
only when its ``modified`` is newer.
"""

from __future__ import annotations

import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import orjson
from sqlalchemy.engine import Connection

from patchbook.errors import InputError, PatchbookError
from patchbook.feeds import kev as kev_feed
from patchbook.feeds import osv, sources
from patchbook.feeds import sync as remote
from patchbook.service import inventory as inventory_service
from patchbook.service.progress import NoProgress, Progress
from patchbook.store import Store
from patchbook.store import advisories as repo
from patchbook.store import findings as finding_repo

BATCH = 2000
ANALYZE_EVERY = 20_000
MAX_SKIPS_SHOWN = 20


@dataclass
class ImportReport:
    kind: str  # osv | kev
    source: str
    import_id: int
    counts: repo.ImportCounts
    skips: list[repo.Skip] = field(default_factory=list)
    upstream_marker: str | None = None
    alias_groups_merged: int = 0
    packages_touched: set[tuple[str, str]] = field(default_factory=set)  # (ecosystem, package) named
    rematch_seconds: float = 0.0
    findings_opened: int = 0
    findings_closed: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "source": self.source,
            "import_id": self.import_id,
            "records": self.counts.records_seen,
            "inserted": self.counts.inserted,
            "updated": self.counts.updated,
            "unchanged": self.counts.unchanged,
            "removed": self.counts.removed,
            "skipped": self.counts.skipped,
            "skips": [{"id": s.record_id, "location": s.location, "reason": s.reason} for s in self.skips],
            "upstream_marker": self.upstream_marker,
            "rematch": {
                "packages": len(self.packages_touched),
                "seconds": round(self.rematch_seconds, 4),
                "findings_opened": self.findings_opened,
                "findings_closed": self.findings_closed,
            },
        }


class InvalidRecords(PatchbookError):
    """Strict import met records that do not validate: nothing was written."""

    one_line = False  # a summary line, then one line per invalid record

    def __init__(self, skips: Sequence[repo.Skip]) -> None:
        self.skips = list(skips)
        shown = [f"{s.location}: {s.record_id or '<no id>'}: {s.reason}" for s in skips[:MAX_SKIPS_SHOWN]]
        more = len(skips) - len(shown)
        lines = "\n".join(shown) + (f"\n... and {more} more" if more else "")
        super().__init__(
            f"{len(skips)} invalid record(s); nothing was imported "
            f"(use --skip-invalid to import the rest):\n{lines}"
        )


@dataclass(frozen=True)
class FetchInfo:
    """Where a downloaded file came from (``feeds sync``), recorded on its import."""

    url: str
    fetched_at: datetime
    sha256: str


# --- what a path holds ----------------------------------------------------------------------------


def _detect(path: Path) -> str:
    if path.is_dir():
        return "osv-dir"
    if not path.exists():
        raise InputError(str(path), "no such file or directory")
    if zipfile.is_zipfile(path):
        return "osv-zip"
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "osv-zip"  # is_zipfile() said no, so zip_members() reports it as damaged
    if b"catalogVersion" in head:
        return "kev"
    return "osv-file"


def _osv_records(path: Path, kind: str, progress: Progress) -> Iterator[sources.RawRecord]:
    if kind == "osv-dir":
        files = list(sources.iter_directory(path))
        progress.start(f"OSV {path.name or path}", len(files))
        for file in files:
            yield from sources.iter_file(file)
            progress.advance()
    elif kind == "osv-zip":
        members = sources.zip_members(path)
        progress.start(f"OSV {path.name}", len(members))
        for record in sources.iter_zip(path, members):
            yield record
            progress.advance()
    else:
        progress.start(f"OSV {path.name}", None)
        yield from sources.iter_file(path)
    progress.finish()


# --- OSV ------------------------------------------------------------------------------------------


def _import_osv(
    conn: Connection,
    path: Path,
    kind: str,
    *,
    strict: bool,
    progress: Progress,
    fetch: FetchInfo | None,
) -> ImportReport:
    source = fetch.url if fetch else str(path)
    import_id = repo.start_import(
        conn,
        "osv",
        source,
        fetched_at=fetch.fetched_at if fetch else None,
        sha256=fetch.sha256 if fetch else None,
    )
    report = ImportReport("osv", source, import_id, repo.ImportCounts())
    seen: dict[str, datetime] = {}  # ids already taken in this import (a tree may hold duplicates)
    max_modified: datetime | None = None
    batch: list[repo.StoredAdvisory] = []

    groups = repo.AliasGroups(conn)
    analysed_at = 0  # records written when the planner statistics were last refreshed

    def flush() -> None:
        nonlocal batch, analysed_at
        written = report.counts.inserted + report.counts.updated
        if conn.dialect.name == "postgresql" and written - analysed_at >= ANALYZE_EVERY:
            # A bulk load inside one transaction outgrows the planner's idea of these tables (autovacuum
            # cannot see uncommitted rows), and lookups turn into sequential scans; refresh the stats.
            conn.exec_driver_sql("ANALYZE advisories, affected_packages, alias_members")
            analysed_at = written
        if batch:
            renamed = _write_batch(conn, batch, import_id, report.counts, report.packages_touched, groups)
            report.alias_groups_merged += len(renamed)
            finding_repo.regroup(conn, renamed)
            batch = []

    for raw in _osv_records(path, kind, progress):
        report.counts.records_seen += 1
        try:
            advisory = osv.parse_record(raw.data)
        except osv.InvalidRecord as exc:
            report.skips.append(repo.Skip(raw.location, exc.record_id, exc.reason))
            continue
        earlier = seen.get(advisory.id)
        if earlier is not None and earlier >= advisory.modified:
            report.counts.unchanged += 1
            continue
        if earlier is not None:  # a newer copy later in the same import: write what we have first
            flush()
        seen[advisory.id] = advisory.modified
        max_modified = advisory.modified if max_modified is None else max(max_modified, advisory.modified)
        batch.append(repo.StoredAdvisory(advisory, osv.record_sha256(raw.data), osv.source_of(advisory.id)))
        if len(batch) >= BATCH:
            flush()
    flush()
    if report.skips and strict:
        raise InvalidRecords(report.skips)
    report.counts.skipped = len(report.skips)
    started = time.perf_counter()
    applied = inventory_service.rematch_packages(conn, report.packages_touched)
    report.rematch_seconds = time.perf_counter() - started
    report.findings_opened = applied.opened + applied.reopened
    report.findings_closed = applied.fixed + applied.inactive
    report.upstream_marker = max_modified.isoformat() if max_modified else None
    repo.finish_import(conn, import_id, report.counts, report.upstream_marker, report.skips)
    return report


def _write_batch(
    conn: Connection,
    batch: list[repo.StoredAdvisory],
    import_id: int,
    counts: repo.ImportCounts,
    packages: set[tuple[str, str]],
    groups: repo.AliasGroups,
) -> dict[str, str]:
    """Write one batch: new records inserted, newer ones updated, alias groups merged first so every
    row is written with its final group key. Returns the groups renamed (old -> new key)."""
    stored = repo.stored_versions(conn, [item.advisory.id for item in batch])
    inserts: list[repo.StoredAdvisory] = []
    updates: list[repo.StoredAdvisory] = []
    for item in batch:
        previous = stored.get(item.advisory.id)
        if previous is None:
            inserts.append(item)
        elif item.advisory.modified > previous[0]:
            updates.append(item)
        else:
            counts.unchanged += 1
    merge = groups.merge([item.advisory.identifiers for item in (*inserts, *updates)])
    repo.insert_advisories(conn, inserts, import_id, merge.keys)
    repo.update_advisories(conn, updates, import_id, merge.keys)
    counts.inserted += len(inserts)
    counts.updated += len(updates)
    packages.update((p.ecosystem, p.name) for item in (*inserts, *updates) for p in item.advisory.affected)
    return merge.renamed


# --- KEV ------------------------------------------------------------------------------------------


def _import_kev(conn: Connection, path: Path, fetch: FetchInfo | None) -> ImportReport:
    source = fetch.url if fetch else str(path)
    payload = path.read_bytes()
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise InputError(source, f"malformed JSON: {exc.msg}", f"{exc.lineno}:{exc.colno}") from None
    catalog = kev_feed.parse_catalog(source, document)
    import_id = repo.start_import(
        conn,
        "kev",
        source,
        fetched_at=fetch.fetched_at if fetch else None,
        sha256=fetch.sha256 if fetch else None,
    )
    counts = repo.replace_kev(conn, catalog.entries, import_id)
    repo.finish_import(conn, import_id, counts, catalog.catalog_version, [])
    return ImportReport("kev", source, import_id, counts, upstream_marker=catalog.catalog_version)


# --- the use case ---------------------------------------------------------------------------------


def import_paths(
    store: Store,
    paths: Iterable[Path],
    *,
    strict: bool = True,
    progress: Progress | None = None,
    fetch: dict[Path, FetchInfo] | None = None,
) -> list[ImportReport]:
    """Import every path in one transaction; any error rolls all of them back."""
    progress = progress or NoProgress()
    fetch = fetch or {}
    reports: list[ImportReport] = []
    with store.transaction() as conn:
        for path in paths:
            kind = _detect(path)
            if kind == "kev":
                reports.append(_import_kev(conn, path, fetch.get(path)))
            else:
                reports.append(
                    _import_osv(conn, path, kind, strict=strict, progress=progress, fetch=fetch.get(path))
                )
    return reports


# --- sync -----------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    downloads: list[dict[str, object]]
    reports: list[ImportReport]


def sync(
    store: Store,
    *,
    ecosystems: Sequence[str],
    include_kev: bool,
    osv_base: str | None = None,
    kev_source: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> SyncResult:
    """Download the feeds, then import what changed since the last sync, in one transaction.

    A nightly sync of upstream data skips invalid records by default (they are counted and listed by
    ``feeds status``); ``strict`` makes any invalid record fail the sync instead.
    """
    progress = progress or NoProgress()
    base = osv_base or remote.osv_base_url()
    urls = [remote.osv_zip_url(base, eco) for eco in ecosystems]
    if include_kev:
        urls.append(kev_source or remote.kev_url())
    with (
        tempfile.TemporaryDirectory(prefix="patchbook-sync-") as tmp,
        httpx.Client(timeout=remote.TIMEOUT, follow_redirects=True) as client,
    ):
        fetched: list[remote.Download] = []
        for i, url in enumerate(urls):
            progress.start(f"download {url.rsplit('/', 2)[-2] if url.endswith('all.zip') else 'KEV'}", None)
            name = "kev.json" if include_kev and i == len(urls) - 1 else f"osv-{i}.zip"
            fetched.append(
                remote.download(client, url, Path(tmp) / name, on_bytes=lambda n, _t: progress.advance(n))
            )
            progress.finish()
        downloads: list[dict[str, object]] = []
        to_import: list[Path] = []
        fetch: dict[Path, FetchInfo] = {}
        with store.engine.connect() as conn:
            for item in fetched:
                previous = repo.last_import_with_sha(conn, item.url, item.sha256)
                downloads.append(
                    {
                        "url": item.url,
                        "sha256": item.sha256,
                        "bytes": item.size,
                        "fetched_at": item.fetched_at.isoformat(),
                        "unchanged_since": previous.isoformat() if previous else None,
                    }
                )
                if previous is None:
                    to_import.append(item.path)
                    fetch[item.path] = FetchInfo(item.url, item.fetched_at, item.sha256)
        reports = import_paths(store, to_import, strict=strict, progress=progress, fetch=fetch)
    return SyncResult(downloads=downloads, reports=reports)
