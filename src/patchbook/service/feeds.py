"""Importing advisory feeds into the store: OSV trees, zips and files, the KEV catalog, EPSS scores.

One call is one transaction: an import that meets damaged input (or, when strict, an invalid record)
leaves the store exactly as it was. Re-importing is idempotent; a record replaces the stored one
only when its ``modified`` is newer. Each import ends by re-scoring the estate's findings (the risk
model reads advisories, KEV and EPSS) in the same transaction.
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
from patchbook.feeds import decode, sources
from patchbook.feeds import epss as epss_feed
from patchbook.feeds import kev as kev_feed
from patchbook.feeds import solidity as solidity_feed
from patchbook.feeds import sync as remote
from patchbook.service import inventory as inventory_service
from patchbook.service import risk as risk_service
from patchbook.service.progress import NoProgress, Progress
from patchbook.store import Store
from patchbook.store import advisories as repo
from patchbook.store import findings as finding_repo
from patchbook.store import risk as risk_repo
from patchbook.store.maintenance import PlannerStats

BATCH = 2000
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
    unknown_cves: int = 0  # EPSS: scored CVEs that no stored advisory names (counted, not an error)
    rescored: int = 0  # findings re-scored after this import (set on the last import of a batch)
    rescore_seconds: float = 0.0

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
            "unknown_cves": self.unknown_cves,
            "rescore": {"findings": self.rescored, "seconds": round(self.rescore_seconds, 4)},
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


def download_changed(
    store: Store,
    client: httpx.Client,
    directory: Path,
    wanted: Sequence[tuple[str, str, str]],
    progress: Progress,
) -> tuple[list[dict[str, object]], list[tuple[Path, FetchInfo]]]:
    """Download each (url, file name, label) into ``directory`` with a progress bar. Returns what was
    fetched (for the sync's report) and the files whose content the store has not imported yet, in order:
    a download identical to an earlier import is not imported again."""
    fetched: list[remote.Download] = []
    for url, name, label in wanted:
        progress.start(f"download {label}", None)
        target = directory / name
        fetched.append(remote.download(client, url, target, on_bytes=lambda n, _t: progress.advance(n)))
        progress.finish()
    downloads: list[dict[str, object]] = []
    changed: list[tuple[Path, FetchInfo]] = []
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
                changed.append((item.path, FetchInfo(item.url, item.fetched_at, item.sha256)))
    return downloads, changed


# --- what a path holds ----------------------------------------------------------------------------


def _detect(path: Path) -> str:
    if path.is_dir():
        return "osv-dir"
    if not path.exists():
        raise InputError(str(path), "no such file or directory")
    if not path.is_file():
        raise InputError(str(path), "not a regular file or directory (a FIFO or device would never end)")
    if zipfile.is_zipfile(path):
        return "osv-zip"
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "osv-zip"  # is_zipfile() said no, so zip_members() reports it as damaged
    if b"catalogVersion" in head:
        return "kev"
    if solidity_feed.sniff(head):
        return "solidity-bugs"  # bugs.json or bugs_by_version.json of ethereum/solidity
    if epss_feed.looks_like_epss(head):
        return "epss"
    return "osv-file"


def _osv_entries(
    path: Path, kind: str, progress: Progress, decoder: decode.Decoder
) -> Iterator[list[decode.Entry]]:
    """The records of one input as rows to write (or skips), in input order, unit by unit; large
    inputs are decoded by the decoder's worker processes while the caller writes."""
    if kind == "osv-file":
        progress.start(f"OSV {path.name}", None)
        yield decode.decode_unit(decode.Unit("", files=(str(path),)))
        progress.finish()
        return
    if kind == "osv-dir":
        files = list(sources.iter_directory(path))
        progress.start(f"OSV {path.name or path}", len(files))
        units = decode.file_units(files)
    else:
        members = sources.zip_member_list(path)
        progress.start(f"OSV {path.name}", len(members))
        units = decode.zip_units(path, members)
    for unit, entries in decoder.decode(units):
        yield entries
        progress.advance(unit.size)
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
    decoder: decode.Decoder,
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
    batch: list[repo.AdvisoryRow] = []

    groups = repo.AliasGroups(conn)
    stats = PlannerStats(conn, ("advisories", "affected_packages", "alias_members"))

    def flush() -> None:
        nonlocal batch
        stats.grew(len(batch))
        if batch:
            renamed = _write_batch(conn, batch, import_id, report.counts, report.packages_touched, groups)
            report.alias_groups_merged += len(renamed)
            finding_repo.regroup(conn, renamed)
            batch = []

    for entries in _osv_entries(path, kind, progress, decoder):
        for row in entries:
            report.counts.records_seen += 1
            if isinstance(row, repo.Skip):
                report.skips.append(row)
                continue
            earlier = seen.get(row.id)
            if earlier is not None and earlier >= row.modified:
                report.counts.unchanged += 1
                continue
            if earlier is not None:  # a newer copy later in the same import: write what we have first
                flush()
            seen[row.id] = row.modified
            max_modified = row.modified if max_modified is None else max(max_modified, row.modified)
            batch.append(row)
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
    batch: list[repo.AdvisoryRow],
    import_id: int,
    counts: repo.ImportCounts,
    packages: set[tuple[str, str]],
    groups: repo.AliasGroups,
) -> dict[str, str]:
    """Write one batch: new records inserted, newer ones updated, alias groups merged first so every
    row is written with its final group key. Returns the groups renamed (old -> new key)."""
    stored = repo.stored_versions(conn, [item.id for item in batch])
    inserts: list[repo.AdvisoryRow] = []
    updates: list[repo.AdvisoryRow] = []
    for item in batch:
        previous = stored.get(item.id)
        if previous is None:
            inserts.append(item)
        elif item.modified > previous[0]:
            updates.append(item)
        else:
            counts.unchanged += 1
    merge = groups.merge([item.identifiers for item in (*inserts, *updates)])
    # An edit may drop a package: its cached matches must be re-done too, so take the packages the
    # stored revisions named before they are replaced.
    packages.update(repo.packages_named(conn, [item.id for item in updates]))
    repo.insert_advisories(conn, inserts, import_id, merge.keys)
    repo.update_advisories(conn, updates, import_id, merge.keys)
    counts.inserted += len(inserts)
    counts.updated += len(updates)
    packages.update((p.ecosystem, p.name) for item in (*inserts, *updates) for p in item.affected)
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


# --- EPSS ------------------------------------------------------------------------------------------


def _import_epss(conn: Connection, path: Path, fetch: FetchInfo | None) -> ImportReport:
    source = fetch.url if fetch else str(path)
    snapshot, day = epss_feed.read_epss(path, source)
    import_id = repo.start_import(
        conn,
        "epss",
        source,
        fetched_at=fetch.fetched_at if fetch else None,
        sha256=fetch.sha256 if fetch else None,
    )
    counts = risk_repo.replace_epss_day(conn, snapshot, day, import_id)
    marker = f"{snapshot.model_version or 'no model_version'} {day.isoformat()}"
    repo.finish_import(conn, import_id, counts, marker, [])
    known = risk_repo.known_identifiers(conn)
    report = ImportReport("epss", source, import_id, counts, upstream_marker=marker)
    report.unknown_cves = sum(1 for cve in snapshot.scores if cve not in known)
    return report


# --- the use case ---------------------------------------------------------------------------------


def import_paths(
    store: Store,
    paths: Iterable[Path],
    *,
    strict: bool = True,
    progress: Progress | None = None,
    fetch: dict[Path, FetchInfo] | None = None,
    workers: int | None = None,
) -> list[ImportReport]:
    """Import every path in one transaction; any error rolls all of them back.

    ``workers``: processes decoding large inputs while this one writes (default: one per CPU, or
    ``PATCHBOOK_IMPORT_WORKERS``; 0 decodes in this process). The result is the same either way.
    """
    progress = progress or NoProgress()
    fetch = fetch or {}
    reports: list[ImportReport] = []
    # The decoder stops its workers on the way out, on success, error or Ctrl-C alike; it is left
    # before the transaction ends, so no worker outlives a failed import.
    with store.transaction() as conn, decode.Decoder(workers) as decoder:
        for path in paths:
            kind = _detect(path)
            if kind == "kev":
                reports.append(_import_kev(conn, path, fetch.get(path)))
            elif kind == "solidity-bugs":
                from patchbook.service.contracts import import_bug_list  # it imports this module

                reports.append(import_bug_list(conn, path, fetch.get(path)))
            elif kind == "epss":
                reports.append(_import_epss(conn, path, fetch.get(path)))
            else:
                reports.append(
                    _import_osv(
                        conn,
                        path,
                        kind,
                        strict=strict,
                        progress=progress,
                        fetch=fetch.get(path),
                        decoder=decoder,
                    )
                )
        if reports and risk_repo.any_findings(conn):
            rescored = risk_service.after_import(conn, [(r.kind, r.import_id) for r in reports])
            reports[-1].rescored, reports[-1].rescore_seconds = rescored.findings, rescored.seconds
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
    include_epss: bool = False,
    epss_source: str | None = None,
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
    names = [f"osv-{i}.zip" for i in range(len(urls))]
    if include_kev:
        urls.append(kev_source or remote.kev_url())
        names.append("kev.json")
    if include_epss:
        urls.append(epss_source or epss_feed.epss_url())
        # the file keeps its published name: early files carry their score date only there
        names.append(urls[-1].rsplit("/", 1)[-1] or "epss.csv.gz")
    with (
        tempfile.TemporaryDirectory(prefix="patchbook-sync-") as tmp,
        httpx.Client(timeout=remote.TIMEOUT, follow_redirects=True) as client,
    ):
        wanted = []
        for i, (url, name) in enumerate(zip(urls, names, strict=True)):
            label = (
                "KEV" if name == "kev.json" else "EPSS" if i >= len(ecosystems) else url.rsplit("/", 2)[-2]
            )
            wanted.append((url, name, label))
        downloads, changed = download_changed(store, client, Path(tmp), wanted, progress)
        fetch = dict(changed)
        reports = import_paths(store, list(fetch), strict=strict, progress=progress, fetch=fetch)
    return SyncResult(downloads=downloads, reports=reports)
