"""Use case: ingest a scanner report (or, when the file is not one, an SBOM) into an asset.

``ingest_any`` is what ``patchbook ingest FILE`` calls: a JSON file is decoded once and offered to
the report parsers, then to the JSON SBOM sniffers; anything else (XML, lock files, package databases)
goes to the SBOM ingest unchanged. A report is parsed completely before the transaction opens, so bad
input writes nothing; then its findings are resolved to the store's identities and applied in one
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from patchbook import versions
from patchbook.errors import InputError
from patchbook.ingest import reports as report_parsers
from patchbook.ingest.base import registered as sbom_parsers
from patchbook.ingest.detect import head_of
from patchbook.match import Unmatched, resolve
from patchbook.model.component import Component
from patchbook.model.report import CodeFinding, DependencyFinding, ParsedReport
from patchbook.service import inventory
from patchbook.service.inventory import IngestResult, UnknownAsset
from patchbook.service.progress import NoProgress, Progress
from patchbook.store import Store
from patchbook.store import inventory as inventory_repo
from patchbook.store import reports as report_repo
from patchbook.store.reports import StatedFinding

# Ecosystems whose advisories name the source package (as patchbook's own matching keys them).
_SOURCE_PACKAGE_ECOSYSTEMS = frozenset({"Debian", "Ubuntu", "Alpine", "Wolfi", "Chainguard"})


def ingest_any(store: Store, asset_name: str, path: Path, progress: Progress | None = None) -> IngestResult:
    """Ingest ``path`` as a scanner report or, if it is none, as an SBOM / lock file / package list."""
    progress = progress or NoProgress()
    try:
        return _ingest_any(store, asset_name, Path(path), progress)
    finally:
        progress.finish()  # also on bad input: the bar must not stay on the terminal


def _ingest_any(store: Store, asset_name: str, path: Path, progress: Progress) -> IngestResult:
    if not report_parsers.looks_like_json(path):
        try:
            return inventory.ingest_file(store, asset_name, path)
        except InputError as exc:
            if not exc.message.startswith("unrecognised format"):
                raise
            raise InputError(
                exc.source,
                f"{exc.message}; and the scanner reports (JSON): {', '.join(report_parsers.formats())}",
                exc.position,
            ) from None
    if _json_sbom_head(path):  # a JSON SBOM says so in its first bytes: no need to decode it twice
        return inventory.ingest_file(store, asset_name, path)
    progress.start(f"read {path.name}", None)
    doc = report_parsers.load_document(path)
    parser = report_parsers.detect(doc)
    if parser is None:
        if _json_sbom_doc(doc):
            return inventory.ingest_file(store, asset_name, path)
        sboms = "; ".join(p.name for p in _json_sniffers())
        raise InputError(
            str(path),
            f"unrecognised report format: valid JSON ({report_parsers.describe(doc)}); tried: "
            f"{report_parsers.tried()}; and the JSON SBOM formats: {sboms}",
        )
    progress.start(f"parse {parser.name}", None)
    parsed = parser.parse(doc, str(path))
    del doc  # the decoded document of a large report is the biggest thing in memory: drop it early
    progress.start(f"store {parsed.findings:,} findings", None)
    return ingest_parsed(store, asset_name, parsed, inventory.file_sha256(path))


def _json_sniffers() -> list[Any]:
    return [p for p in sbom_parsers() if hasattr(p, "sniff_json")]


def _json_sbom_head(path: Path) -> bool:
    with path.open("rb") as handle:
        head = head_of(handle.read(64 * 1024))
    return any(p.sniff(head) for p in _json_sniffers())


def _json_sbom_doc(doc: Any) -> bool:
    """A JSON SBOM whose telling key lay beyond the head (sorted keys)."""
    return any(p.sniff_json(doc) for p in _json_sniffers())


def ingest_report(store: Store, asset_name: str, path: Path) -> IngestResult:
    """Ingest a file that must be a scanner report (a JSON SBOM here is an unrecognised report)."""
    parsed = report_parsers.parse_report(Path(path))
    return ingest_parsed(store, asset_name, parsed, inventory.file_sha256(Path(path)))


def ingest_parsed(store: Store, asset_name: str, parsed: ParsedReport, sha256: str) -> IngestResult:
    with store.transaction() as conn:
        return apply_report(conn, asset_name, parsed, sha256)


def apply_report(conn: Connection, asset_name: str, parsed: ParsedReport, sha256: str) -> IngestResult:
    """Apply a parsed report to the asset inside the caller's transaction."""
    found = inventory_repo.get_asset(conn, asset_name)
    if found is None:
        raise UnknownAsset(asset_name)
    asset_id, _ = found
    stated, packages, unresolved = resolve_dependency_findings(conn, parsed.dependency_findings)
    code = _distinct_code(parsed)
    result = IngestResult(
        asset=asset_name,
        format=parsed.format,
        source=parsed.source,
        components=packages,
        unmatched=unresolved,
        findings=len(stated) + len(code),
        new_findings=0,
        warnings=list(parsed.warnings),
    )
    if report_repo.last_import_sha(conn, asset_id, parsed.tools) == sha256:
        result.unchanged = True  # the same report again: nothing to change
        return result
    # A report is the tool's whole view, even an empty one ("nothing vulnerable any more"): what it no
    # longer states loses the tool's attribution.
    if parsed.format not in _CODE_FORMATS:
        _add(result, report_repo.apply_dependency_findings(conn, asset_id, parsed.tools[0], stated))
    _add(result, report_repo.apply_code_findings(conn, asset_id, parsed.tools, code))
    report_repo.record_import(
        conn,
        asset_id,
        format=parsed.format,
        tools=parsed.tools,
        source=parsed.source,
        sha256=sha256,
        held=result.findings,
        new=result.new_findings,
    )
    return result


_CODE_FORMATS = frozenset({"sarif", "slither-json"})


def _add(result: IngestResult, applied: report_repo.Applied) -> None:
    result.new_findings += applied.opened
    result.reopened += applied.reopened
    result.inactive += applied.inactive


def _distinct_code(parsed: ParsedReport) -> list[CodeFinding]:
    by_identity: dict[tuple[str, str, str], CodeFinding] = {}
    for c in parsed.code_findings:
        by_identity.setdefault(report_repo.code_identity(c), c)  # a repeated result is one finding
    return list(by_identity.values())


# --- from the report's package and ids to the store's identity ------------------------------------


def package_key(d: DependencyFinding) -> tuple[str, str, bool]:
    """(ecosystem, package, resolved): the key patchbook's own matching would give this package."""
    return _package_key(
        d.purl, d.ecosystem, d.name, d.installed_version, d.package_type, d.source_name, d.source_version
    )


@lru_cache(maxsize=1 << 16)  # one package is named once per vulnerability it has
def _package_key(
    purl: str | None,
    ecosystem: str | None,
    name: str,
    version: str,
    package_type: str | None,
    source_name: str | None,
    source_version: str | None,
) -> tuple[str, str, bool]:
    if purl:
        component = Component(
            key=purl,
            name=name,
            version=version,
            purl=purl,
            source_name=source_name,
            source_version=source_version,
        )
        resolved = resolve(component)
        if not isinstance(resolved, Unmatched):
            return resolved.ecosystem, resolved.package, True
        try:  # a version patchbook cannot order still names the package
            key = versions.purl_package(purl)
        except versions.InvalidPurl:
            key = None
        if key is not None:
            base = key[0].partition(":")[0]
            package = key[1]
            if base in _SOURCE_PACKAGE_ECOSYSTEMS and source_name:
                package = versions.normalise_name(base, source_name)
            return base, package, True
    if ecosystem:
        base = ecosystem.partition(":")[0]
        return base, versions.normalise_name(base, name), True
    return (package_type or "unknown")[:64], name, False


def group_for(ids: Sequence[str], known: dict[str, str]) -> str:
    """The alias group of a vulnerability: the store's where an advisory names one of its ids, else
    keyed by its CVE id (as the store keys groups), else by its first id."""
    for i in ids:
        if i in known:
            return known[i]
    return next((i for i in ids if i.startswith("CVE-")), ids[0])


def resolve_dependency_findings(
    conn: Connection, found: Sequence[DependencyFinding]
) -> tuple[list[StatedFinding], int, int]:
    """The report's findings as store identities (one per package x alias group, merged), the number
    of distinct packages named, and how many of them could not be resolved to an ecosystem."""
    known = report_repo.alias_groups(conn, {i for d in found for i in d.ids})
    merged: dict[tuple[str, str, str], list[DependencyFinding]] = {}
    packages: dict[tuple[str, str], bool] = {}
    for d in found:
        ecosystem, package, ok = package_key(d)
        packages[(ecosystem, package)] = ok
        merged.setdefault((ecosystem, package, group_for(d.ids, known)), []).append(d)
    stated = [_merge(identity, ds) for identity, ds in merged.items()]
    return stated, len(packages), sum(1 for ok in packages.values() if not ok)


def _merge(identity: tuple[str, str, str], ds: list[DependencyFinding]) -> StatedFinding:
    if len(ds) == 1:  # the common case: one package x vulnerability stated once
        d = ds[0]
        return StatedFinding(
            identity,
            d.installed_version,
            d.ids,
            d.fixed_versions,
            d.severity.value,
            d.stated_severity,
            d.title,
        )
    worst = max(ds, key=lambda d: d.severity.rank)
    return StatedFinding(
        identity=identity,
        installed_version=", ".join(dict.fromkeys(d.installed_version for d in ds)),
        ids=tuple(dict.fromkeys(i for d in ds for i in d.ids)),
        fixed_versions=tuple(dict.fromkeys(v for d in ds for v in d.fixed_versions)),
        severity=worst.severity.value,
        stated_severity=worst.stated_severity,
        title=next((d.title for d in ds if d.title), None),
    )


def is_report_format(name: str) -> bool:
    return name in report_parsers.formats()


def code_findings(
    store: Store, *, asset: str | None = None, state: str | None = None
) -> list[dict[str, Any]]:
    """The code findings (SAST, Slither) of one asset or all, for `findings` listings and the demo."""
    with store.engine.connect() as conn:
        return report_repo.list_code_findings(conn, asset=asset, state=state)
