"""Use cases of smart-contract assets: declare or import them, match their compiler against the
Solidity bug list, import that list, and hand the planner a contract's remediation profile.

Compiler bugs become findings of the contract asset with identity (asset, "solidity-compiler",
"solc", bug uid); the bug's name is its advisory id, and the attribution is ``solc-buglist``. The
contract's libraries (npm packages such as ``@openzeppelin/contracts``) are ordinary components, so
the GHSA advisories reach them through the normal matching.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from patchbook.errors import InputError
from patchbook.feeds import solidity as bug_feed
from patchbook.match.lifecycle import reconcile
from patchbook.match.solidity import applicable_bugs
from patchbook.model.asset import Asset, AssetKind
from patchbook.model.component import Component, ParsedInventory
from patchbook.model.contract import BugMatch, ContractDetails, ContractProfile
from patchbook.model.finding import Observation
from patchbook.service.progress import NoProgress, Progress
from patchbook.store import Store
from patchbook.store import advisories as advisory_repo
from patchbook.store import contracts as repo
from patchbook.store import findings as finding_repo
from patchbook.store import inventory as inventory_repo

if TYPE_CHECKING:
    from patchbook.ingest.inventory_file import DeclaredAsset
    from patchbook.service.feeds import FetchInfo, ImportReport
    from patchbook.service.inventory import IngestResult

SOLC_ECOSYSTEM = "solidity-compiler"
SOLC_PACKAGE = "solc"
SOLC_SOURCE = "solc-buglist"  # the attribution of compiler-bug findings
LIBRARY_FORMAT = "contract-libraries"


# --- the contract's libraries as components --------------------------------------------------------


def library_inventory(asset_name: str, details: ContractDetails, source: str) -> tuple[ParsedInventory, str]:
    """The contract's npm libraries as one component set, with a digest of what it holds."""
    comps = []
    for lib in details.libraries:
        scope, _, bare = lib.name.rpartition("/") if lib.name.startswith("@") else ("", "", lib.name)
        comps.append(
            Component(
                key=f"npm:{lib.name}@{lib.version}",
                name=bare,
                version=lib.version,
                purl=lib.purl,
                type="npm",
                namespace=scope or None,
                direct=True,
                kind="library",
            )
        )
    parsed = ParsedInventory(
        format=LIBRARY_FORMAT,
        spec_version=None,
        source=f"{source} (libraries of {asset_name})",
        components=tuple(comps),
        dependencies=(),
        warnings=(),
    )
    digest = hashlib.sha256(
        "\n".join(sorted(f"{lib.name}@{lib.version}" for lib in details.libraries)).encode()
    ).hexdigest()
    return parsed, digest


def contract_parts(declared: DeclaredAsset) -> list[tuple[ParsedInventory, str]]:
    """For ``inventory apply``: the component set a declared contract's libraries add (none if it
    declares none)."""
    if declared.contract is None or not declared.contract.libraries:
        return []
    return [library_inventory(declared.asset.name, declared.contract, "inventory")]


# --- compiler bugs ----------------------------------------------------------------------------------


@dataclass
class CompilerMatch:
    asset: str
    compiler_version: str | None
    matches: list[BugMatch]
    opened: int = 0
    fixed: int = 0
    inactive: int = 0
    reopened: int = 0


def _observations(version: str, matches: Sequence[BugMatch]) -> list[Observation]:
    by_uid: dict[str, list[BugMatch]] = {}
    for m in matches:
        by_uid.setdefault(m.bug.uid, []).append(m)
    return [
        Observation(
            ecosystem=SOLC_ECOSYSTEM,
            package=SOLC_PACKAGE,
            alias_group=uid,
            installed_version=version,
            advisory_ids=tuple(sorted(m.bug.name for m in group)),
            fixed_versions=tuple(sorted({m.bug.fixed for m in group if m.bug.fixed})),
            direct=True,
        )
        for uid, group in by_uid.items()
    ]


def match_compiler_bugs(conn: Connection, asset_ids: Iterable[int] | None = None) -> list[CompilerMatch]:
    """Match these contracts (all, by default) against the stored bug list and bring their compiler
    findings in line. Without a bug list nothing is known, so nothing changes."""
    bugs = repo.load_bugs(conn)
    releases = repo.load_releases(conn)
    wanted = None if asset_ids is None else set(asset_ids)
    out: list[CompilerMatch] = []
    for asset_id, name, details in repo.all_contracts(conn):
        if wanted is not None and asset_id not in wanted:
            continue
        version = details.compiler_version
        result = CompilerMatch(name, version, [])
        out.append(result)
        if not bugs:
            continue
        if version is not None:
            result.matches = applicable_bugs(version, details.settings, bugs, releases or None)
        repo.set_compiler_bugs(conn, asset_id, result.matches)
        installed = {(SOLC_ECOSYSTEM, SOLC_PACKAGE): version} if version else {}
        known = finding_repo.known(conn, asset_id, [(SOLC_ECOSYSTEM, SOLC_PACKAGE)])
        changes = reconcile(known, _observations(version or "", result.matches), installed)
        applied = finding_repo.apply(conn, asset_id, changes, source=SOLC_SOURCE)
        result.opened, result.fixed = applied.opened, applied.fixed
        result.inactive, result.reopened = applied.inactive, applied.reopened
    return out


# --- declaring contracts ----------------------------------------------------------------------------


def apply_declared(
    conn: Connection,
    declared: Sequence[DeclaredAsset],
    source: str,
    results: Sequence[IngestResult] = (),
) -> list[CompilerMatch]:
    """For ``inventory apply``, in its transaction: store the contract sections, then match the
    contracts' compilers; the ingest results of those assets then count the compiler findings too."""
    ids = inventory_repo.asset_ids(conn)
    touched = []
    for d in declared:
        if d.contract is not None:
            repo.upsert(conn, ids[d.asset.name], d.contract, source)
            touched.append(ids[d.asset.name])
    if not touched:
        return []
    matched = match_compiler_bugs(conn, touched)
    by_name = {m.asset: m for m in matched}
    for r in results:
        m = by_name.get(r.asset)
        if m is not None:
            r.new_findings += m.opened
            r.findings = finding_repo.open_counts(conn, ids[r.asset])
    return matched


@dataclass
class ContractImport:
    asset: str
    asset_change: str  # added | changed | unchanged (the asset row)
    contract_change: str  # added | changed | unchanged (the contract details)
    details: ContractDetails
    libraries: IngestResult | None
    compiler: CompilerMatch | None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "asset_change": self.asset_change,
            "contract_change": self.contract_change,
            "contract": self.details.as_dict(),
            "libraries": self.libraries.as_dict() if self.libraries else None,
            "compiler_bugs": [m.as_dict() for m in self.compiler.matches] if self.compiler else [],
            "warnings": self.warnings,
        }


def save_contract(
    store: Store, asset: Asset, details: ContractDetails, source: str, warnings: Sequence[str] = ()
) -> ContractImport:
    """Declare (or update) a contract asset with its details, its libraries as components, and its
    compiler findings, in one transaction."""
    from patchbook.service import inventory as inventory_service  # inventory apply imports this module

    if asset.kind is not AssetKind.CONTRACT:
        raise InputError(source, f"asset {asset.name!r} is a {asset.kind.value}, not a contract")
    with store.transaction() as conn:
        asset_id, asset_change = inventory_repo.upsert_asset(conn, asset)
        contract_change = repo.upsert(conn, asset_id, details, source)
        ingested = None
        if details.libraries:
            parsed, digest = library_inventory(asset.name, details, source)
            ingested = inventory_service.ingest_parsed(conn, asset.name, parsed, digest)
        matched = match_compiler_bugs(conn, [asset_id])
        if ingested is not None:
            ingested.findings = finding_repo.open_counts(conn, asset_id)
        return ContractImport(
            asset.name,
            asset_change,
            contract_change,
            details,
            ingested,
            matched[0] if matched else None,
            list(warnings),
        )


def merge_build(existing: ContractDetails | None, built: ContractDetails) -> ContractDetails:
    """A build file knows the compiler, its settings and the libraries; what governs the deployed
    contract (address, proxy, timelock, multisig, pause) stays as declared before."""
    if existing is None:
        return built
    return replace(
        existing,
        compiler_version=built.compiler_version or existing.compiler_version,
        settings=built.settings,
        libraries=built.libraries or existing.libraries,
        contract_name=built.contract_name or existing.contract_name,
        address=built.address or existing.address,
        chain=built.chain or existing.chain,
        chain_id=built.chain_id or existing.chain_id,
    )


def existing(store: Store, name: str) -> tuple[Asset, ContractDetails | None] | None:
    with store.engine.connect() as conn:
        found = inventory_repo.get_asset(conn, name)
        if found is None:
            return None
        asset_id, asset = found
        return asset, repo.get(conn, asset_id)


# --- the planner's view -----------------------------------------------------------------------------


def contract_profile(conn: Connection, asset: str | Asset) -> ContractProfile | None:
    """The remediation profile of a contract asset (None for other assets or undeclared details)."""
    name = asset if isinstance(asset, str) else asset.name
    found = inventory_repo.get_asset(conn, name)
    if found is None:
        return None
    asset_id, stored = found
    details = repo.get(conn, asset_id)
    if details is None:
        return None
    return ContractProfile(name, details, stored.value_at_risk_usd)


def compiler_bug_status(conn: Connection, asset: str) -> list[dict[str, Any]]:
    """The latest compiler-bug match of a contract (status, unknown conditions), for show/explain."""
    found = inventory_repo.get_asset(conn, asset)
    return repo.compiler_bugs(conn, found[0]) if found else []


def finding_context(
    conn: Connection, asset: str, ecosystem: str, advisory_ids: Sequence[str]
) -> dict[str, Any] | None:
    """For `findings show` / `explain` of a finding on a contract: the remediation profile (proxy,
    timelock, multisig, pause, fix path and lead time) and, for a compiler bug, the bug list's entry
    with the match verdict (applies, or which conditions are unknown)."""
    profile = contract_profile(conn, asset)
    if profile is None:
        return None
    out: dict[str, Any] = {"profile": profile.as_dict()}
    if ecosystem == SOLC_ECOSYSTEM:
        verdicts = {b["name"]: b for b in compiler_bug_status(conn, asset)}
        out["compiler_bugs"] = [verdicts[name] for name in advisory_ids if name in verdicts]
    return out


def profiles(store: Store) -> list[tuple[ContractProfile, list[dict[str, Any]]]]:
    with store.engine.connect() as conn:
        out = []
        for asset_id, name, details in repo.all_contracts(conn):
            found = inventory_repo.get_asset(conn, name)
            var = found[1].value_at_risk_usd if found else None
            out.append((ContractProfile(name, details, var), repo.compiler_bugs(conn, asset_id)))
        return out


# --- the bug-list feed ------------------------------------------------------------------------------


def import_bug_list(conn: Connection, path: Path, fetch: FetchInfo | None = None) -> ImportReport:
    """Import ``bugs.json`` or ``bugs_by_version.json`` (told apart by content) in the caller's
    transaction, then re-match every contract's compiler."""
    from patchbook.service.feeds import ImportReport

    source = fetch.url if fetch else str(path)
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror}") from None
    bug_list = bug_feed.load(source, payload)
    kind = "solc-bugs" if bug_list.bugs else "solc-versions"
    import_id = advisory_repo.start_import(
        conn,
        kind,
        source,
        fetched_at=fetch.fetched_at if fetch else None,
        sha256=fetch.sha256 if fetch else hashlib.sha256(payload).hexdigest(),
    )
    if bug_list.bugs:
        counts = repo.replace_bugs(conn, bug_list.bugs, import_id)
        newest = max(bug_list.bugs, key=lambda bug: tuple(int(n) for n in bug.uid.split("-")[1:]))
        marker = f"{len(bug_list.bugs)} bugs, newest {newest.uid}"
    else:
        assert bug_list.by_version is not None
        counts = repo.replace_releases(conn, bug_list.by_version, import_id)
        marker = max(bug_list.by_version, key=_version_key)
    advisory_repo.finish_import(conn, import_id, counts, marker, [])
    report = ImportReport(kind, source, import_id, counts, upstream_marker=marker)
    matched = match_compiler_bugs(conn)
    report.findings_opened = sum(m.opened + m.reopened for m in matched)
    report.findings_closed = sum(m.fixed + m.inactive for m in matched)
    return report


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def import_bug_files(store: Store, paths: Sequence[Path]) -> list[ImportReport]:
    with store.transaction() as conn:
        return [import_bug_list(conn, p) for p in paths]


@dataclass
class BugListSync:
    downloads: list[dict[str, object]]
    reports: list[ImportReport]


def sync_bug_list(
    store: Store,
    *,
    bugs_url: str | None = None,
    by_version_url: str | None = None,
    progress: Progress | None = None,
) -> BugListSync:
    """Fetch bugs.json and bugs_by_version.json (default: ethereum/solidity's develop branch, or the
    PATCHBOOK_SOLIDITY_*_URL mirrors) and import what changed since the last sync, in one transaction."""
    import tempfile

    import httpx

    from patchbook.feeds import sync as remote
    from patchbook.service.feeds import download_changed

    progress = progress or NoProgress()
    default_bugs, default_by_version = bug_feed.urls()
    urls = [bugs_url or default_bugs, by_version_url or default_by_version]
    with (
        tempfile.TemporaryDirectory(prefix="patchbook-solc-") as tmp,
        httpx.Client(timeout=remote.TIMEOUT, follow_redirects=True) as client,
    ):
        labels = ("solidity bugs", "solidity bugs by version")
        wanted = [(url, f"solc-{i}.json", labels[i]) for i, url in enumerate(urls)]
        downloads, todo = download_changed(store, client, Path(tmp), wanted, progress)
        with store.transaction() as conn:
            reports = [import_bug_list(conn, path, fetch) for path, fetch in todo]
    return BugListSync(downloads, reports)
