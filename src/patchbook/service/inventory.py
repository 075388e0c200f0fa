"""Use cases of the inventory: declare assets, ingest what they contain, match, keep findings current.

Matching is estate-wide: each distinct (ecosystem, package, version) is matched once and cached in
the store, so a new SBOM only costs the versions nobody else runs, and a feed import re-matches only
the packages its records name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from patchbook import ingest as parsers
from patchbook import versions
from patchbook.errors import PatchbookError
from patchbook.ingest.inventory_file import parse_inventory
from patchbook.ingest.many import file_sha256 as file_sha256  # the one hash of an input file
from patchbook.ingest.many import parse_many
from patchbook.match import PackageKey, Unmatched, match, resolve
from patchbook.match.lifecycle import reconcile
from patchbook.model.asset import Asset
from patchbook.model.component import ParsedInventory
from patchbook.model.finding import Observation
from patchbook.service.progress import NoProgress, Progress
from patchbook.service.risk import refresh_in
from patchbook.store import Store
from patchbook.store import findings as finding_repo
from patchbook.store import inventory as inventory_repo
from patchbook.store import matching as match_repo
from patchbook.store.maintenance import PlannerStats


class UnknownAsset(PatchbookError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"asset {name!r} is not in the inventory; add it with "
            f"`patchbook asset add {name} --kind service` or declare it in an inventory file "
            "(`patchbook inventory apply FILE`)"
        )


@dataclass
class IngestResult:
    asset: str
    format: str
    source: str
    components: int
    unmatched: int
    findings: int  # open findings of the asset after this ingest
    new_findings: int
    fixed: int = 0
    inactive: int = 0
    reopened: int = 0
    unchanged: bool = False  # the same file as the current snapshot: nothing was written
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "format": self.format,
            "components": self.components,
            "unmatched": self.unmatched,
            "findings": self.findings,
            "new_findings": self.new_findings,
            "fixed": self.fixed,
            "inactive": self.inactive,
            "reopened": self.reopened,
            "unchanged": self.unchanged,
            "source": self.source,
            "warnings": self.warnings,
        }


# --- matching, estate-wide -----------------------------------------------------------------------


def refresh_matches(conn: Connection, keys: Iterable[PackageKey]) -> int:
    """Match the versions among ``keys`` that the estate has not matched yet; returns how many."""
    todo = match_repo.unmatched(conn, keys)
    if todo:
        candidates = match_repo.load_candidates(conn, {(k.ecosystem, k.package) for k in todo})
        match_repo.record(conn, todo, match(todo, candidates))
    return len(todo)


def reconcile_assets(
    conn: Connection, asset_ids: Sequence[int], packages: set[tuple[str, str]] | None = None
) -> finding_repo.Applied:
    """Bring the findings of these assets in line with their current components and the match cache.

    With ``packages``, only findings of those (ecosystem, package) are looked at (a feed import).
    The cache is read once for every version the assets run, however many of them share it.
    """
    contents = inventory_repo.current_packages(conn, asset_ids, packages)
    hits = match_repo.vulns_of_assets(conn, asset_ids, packages)
    known = finding_repo.known_by_asset(conn, asset_ids, packages)
    total = finding_repo.Applied()
    for asset_id, rows in contents.items():
        observations, installed = _observe(rows, hits)
        applied = finding_repo.apply(conn, asset_id, reconcile(known[asset_id], observations, installed))
        total.opened += applied.opened
        total.reopened += applied.reopened
        total.fixed += applied.fixed
        total.inactive += applied.inactive
    return total


def _observe(
    rows: Sequence[Any], hits: dict[match_repo.Version, list[Any]]
) -> tuple[list[Observation], dict[tuple[str, str], str]]:
    """What one asset's components say now: one observation per (package, vulnerability), and the
    installed version(s) of every package."""
    installed: dict[tuple[str, str], set[str]] = {}
    direct: dict[tuple[str, str], bool] = {}
    grouped: dict[tuple[str, str, str], tuple[set[str], set[str], set[str]]] = {}
    for r in rows:
        pkg = (r.ecosystem, r.package)
        installed.setdefault(pkg, set()).add(r.package_version)
        if r.direct is not None:  # direct if any occurrence is; unknown only if every one is unknown
            direct[pkg] = direct.get(pkg, False) or r.direct
        for v in hits.get((r.ecosystem, r.ecosystem_qualifier or "", r.package, r.package_version), ()):
            found, ids, fixes = grouped.setdefault(
                (r.ecosystem, r.package, v.alias_group), (set(), set(), set())
            )
            found.add(r.package_version)
            ids.add(v.advisory_id)
            fixes.update(v.fixed)
    observations = [
        Observation(
            ecosystem=eco,
            package=name,
            alias_group=group,
            installed_version=", ".join(_in_order(eco, found)),
            advisory_ids=tuple(sorted(ids)),
            fixed_versions=_in_order(eco, fixes),
            direct=direct.get((eco, name)),
        )
        for (eco, name, group), (found, ids, fixes) in grouped.items()
    ]
    return observations, {pkg: ", ".join(_in_order(pkg[0], vs)) for pkg, vs in installed.items()}


def _in_order(ecosystem: str, values: set[str]) -> tuple[str, ...]:
    """Versions in the ecosystem's order (1.9 before 1.10), text order only if one cannot be placed."""
    try:
        return tuple(sorted(values, key=lambda v: versions.sort_key(ecosystem, v)))
    except versions.InvalidVersion:
        return tuple(sorted(values))


# --- ingest ---------------------------------------------------------------------------------------


def _component_rows(parsed: ParsedInventory) -> tuple[list[dict[str, Any]], list[PackageKey], int]:
    rows: list[dict[str, Any]] = []
    keys: list[PackageKey] = []
    unmatched = 0
    for c in parsed.components:
        resolved = resolve(c)
        row: dict[str, Any] = {
            "key": c.key,
            "name": c.name,
            "version": c.version,
            "purl": c.purl,
            "direct": c.direct,
            "scope": c.scope,
            "ecosystem": None,
            "ecosystem_qualifier": None,
            "package": None,
            "package_version": None,
            "unmatched_reason": None,
        }
        if isinstance(resolved, Unmatched):
            unmatched += 1
            row["unmatched_reason"] = resolved.reason
        else:
            keys.append(resolved)
            row.update(
                ecosystem=resolved.ecosystem,
                ecosystem_qualifier=resolved.qualifier,
                package=resolved.package,
                package_version=resolved.version,
            )
        rows.append(row)
    return rows, keys, unmatched


@dataclass
class _Staged:
    asset_id: int
    result: IngestResult
    keys: list[PackageKey]


def _stage(conn: Connection, asset_name: str, parsed: ParsedInventory, sha256: str) -> _Staged:
    """Record the new component set as the asset's current snapshot (unless it is the same file)."""
    found = inventory_repo.get_asset(conn, asset_name)
    if found is None:
        raise UnknownAsset(asset_name)
    asset_id, _ = found
    current = inventory_repo.current_snapshot(conn, asset_id)
    rows, keys, unmatched = _component_rows(parsed)
    result = IngestResult(
        asset=asset_name,
        format=parsed.format,
        source=parsed.source,
        components=len(rows),
        unmatched=unmatched,
        findings=0,
        new_findings=0,
        warnings=list(parsed.warnings),
    )
    if current is not None and current.sha256 == sha256:
        result.unchanged = True  # re-ingesting the same file changes nothing
        return _Staged(asset_id, result, [])
    inventory_repo.add_snapshot(
        conn,
        asset_id,
        format=parsed.format,
        spec_version=parsed.spec_version,
        source=parsed.source,
        sha256=sha256,
        component_rows=rows,
        unmatched=unmatched,
    )
    return _Staged(asset_id, result, keys)


def ingest_many(
    conn: Connection, items: Sequence[tuple[str, ParsedInventory, str]], progress: Progress | None = None
) -> list[IngestResult]:
    """Ingest several assets' component sets in the caller's transaction.

    All snapshots are written first, then every version the estate has not matched yet is matched in
    one pass (a package's candidate advisories are read once, however many assets run it), then each
    asset's findings are reconciled.
    """
    progress = progress or NoProgress()
    stats = PlannerStats(conn, ("components", "snapshots", "matched_versions", "version_vulns", "findings"))
    progress.start("store components", len(items))
    staged = []
    for asset_name, parsed, sha in items:
        staged.append(_stage(conn, asset_name, parsed, sha))
        stats.grew(len(parsed.components))
        progress.advance()
    progress.finish()
    refresh_matches(conn, [k for s in staged for k in s.keys])
    stats.grew(stats.every)  # the match cache just grew by up to every distinct version
    progress.start("reconcile findings", len(staged))
    for s in staged:
        if not s.result.unchanged:
            applied = reconcile_assets(conn, [s.asset_id])
            s.result.new_findings, s.result.fixed = applied.opened, applied.fixed
            s.result.inactive, s.result.reopened = applied.inactive, applied.reopened
        s.result.findings = finding_repo.open_counts(conn, s.asset_id)
        progress.advance()
    progress.finish()
    # score what changed before committing, so the ranking is ready when the ingest returns and the next
    # feed import re-scores only what it touches
    refresh_in(conn, [s.asset_id for s in staged])
    return [s.result for s in staged]


def ingest_parsed(conn: Connection, asset_name: str, parsed: ParsedInventory, sha256: str) -> IngestResult:
    return ingest_many(conn, [(asset_name, parsed, sha256)])[0]


def ingest_file(store: Store, asset_name: str, path: Path) -> IngestResult:
    """Parse one SBOM / lock file / package list and make it the asset's current component set."""
    parsed = parsers.parse(path)  # parse before the transaction: bad input writes nothing
    sha = file_sha256(path)
    with store.transaction() as conn:
        return ingest_parsed(conn, asset_name, parsed, sha)


# --- assets and the inventory file ---------------------------------------------------------------


@dataclass
class ApplyResult:
    changes: list[tuple[str, str]]  # (asset, "added" | "changed" | "unchanged")
    ingests: list[IngestResult]


def apply_inventory(store: Store, path: Path, progress: Progress | None = None) -> ApplyResult:
    """Declare the assets of an inventory file (idempotent) and ingest the SBOMs it names, atomically.

    An asset that names several files gets their components together as one snapshot.
    """
    from patchbook.service import contracts  # imports this module: import here, not at the top

    progress = progress or NoProgress()
    declared = parse_inventory(path)
    items: list[tuple[str, ParsedInventory, str]] = []
    progress.start("parse SBOMs", sum(len(d.sboms) for d in declared))
    parsed = iter(parse_many([sbom for d in declared for sbom in d.sboms], progress.advance))
    for d in declared:
        parts = [next(parsed) for _ in d.sboms]
        parts += contracts.contract_parts(d)  # a contract's declared libraries are components too
        if parts:
            items.append((d.asset.name, *_combined(parts)))
    progress.finish()
    with store.transaction() as conn:
        changes = [(d.asset.name, upsert_asset(conn, d.asset)) for d in declared]
        ids = inventory_repo.asset_ids(conn)
        for d in declared:
            inventory_repo.set_dependencies(conn, ids[d.asset.name], [ids[n] for n in d.asset.depends_on])
        results = ingest_many(conn, items, progress)
        contracts.apply_declared(conn, declared, str(path), results)  # contract details, compiler bugs
    return ApplyResult(changes, results)


def _combined(parts: list[tuple[ParsedInventory, str]]) -> tuple[ParsedInventory, str]:
    if len(parts) == 1:
        return parts[0]
    inventories = [p for p, _ in parts]
    merged = ParsedInventory(
        format="+".join(p.format for p in inventories),
        spec_version=None,
        source=", ".join(p.source for p in inventories),
        components=tuple(c for p in inventories for c in p.components),
        dependencies=tuple(d for p in inventories for d in p.dependencies),
        warnings=tuple(w for p in inventories for w in p.warnings),
    )
    return merged, hashlib.sha256("".join(sha for _, sha in parts).encode()).hexdigest()


def upsert_asset(conn: Connection, asset: Asset) -> str:
    _, change = inventory_repo.upsert_asset(conn, asset)
    return change


def add_asset(store: Store, asset: Asset) -> str:
    with store.transaction() as conn:
        ids = inventory_repo.asset_ids(conn)
        missing = [d for d in asset.depends_on if d not in ids]
        if missing:
            raise UnknownAsset(missing[0])
        asset_id, change = inventory_repo.upsert_asset(conn, asset)
        inventory_repo.set_dependencies(conn, asset_id, [ids[d] for d in asset.depends_on])
        return change


# --- after a feed import --------------------------------------------------------------------------


def rematch_packages(conn: Connection, packages: set[tuple[str, str]]) -> finding_repo.Applied:
    """New or changed advisories for these packages: re-match the versions the estate runs, then
    update the findings of the assets that contain them."""
    if not packages or not match_repo.any_matched(conn):
        return finding_repo.Applied()  # no estate matched yet: nothing to re-match
    forgotten = match_repo.forget_packages(conn, packages)
    keys = [PackageKey(eco, pkg, version, qual or None) for eco, qual, pkg, version in forgotten]
    refresh_matches(conn, keys)
    return reconcile_assets(conn, inventory_repo.assets_with_packages(conn, sorted(packages)), packages)
