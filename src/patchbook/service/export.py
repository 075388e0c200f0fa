"""CycloneDX exports of an asset's findings: a VDR (what affects it) and a VEX (what patchbook says about it).

Both are one CycloneDX JSON BOM per asset (spec 1.6 by default, 1.5 on request), written with
cyclonedx-python-lib. The asset is the subject (``metadata.component``); ``components`` holds only the
components of the asset's current snapshot that a finding names (bom-ref = the purl, else the
component's stored key); ``vulnerabilities`` has one entry per finding:

- ``id`` is the alias-group key (the CVE where there is one), ``source`` NVD for CVE ids, GitHub for
  GHSA ids, OSV otherwise; the other ids of the group are ``references``.
- ``ratings``: the finding's best severity (``patchbook.risk.best_severity`` over its advisories): the
  CVSS vector, score and version as ``method``; a severity the source only states (no vector) is
  method ``other`` with the band and no score.
- ``recommendation``: "Upgrade <package> to <smallest fixed version>", or "No fixed version known".
- ``affects``: ``ref`` = the component's bom-ref, ``versions`` = the installed version, ``affected``.
- ``published`` / ``updated``: the earliest ``published`` and latest ``modified`` of its advisories.
- ``properties``: ``patchbook:finding_id``, ``patchbook:state``, ``patchbook:fixed_versions``,
  ``patchbook:sources``, and for a vulnerability in CISA KEV ``patchbook:kev`` and
  ``patchbook:kev_due_date``.

The **VDR** lists the open findings only: a disclosure report says what affects the product now.

The **VEX** lists every finding of the asset (or those of one state) with an ``analysis``. patchbook's
finding states map to CycloneDX ``analysis.state`` through the internal VEX status of
shared/reference/data-formats.md §3.4 (not_affected / affected / fixed / under_investigation):

============ ======================== ========================== ==================================
finding      internal status          ``analysis.state``         ``justification`` / ``response``
============ ======================== ========================== ==================================
open         under_investigation      ``in_triage``              ``update`` if a fixed version
                                                                 exists, else ``can_not_fix``
fixed        fixed                    ``resolved``               ``update``
inactive     not_affected             ``not_affected``           ``code_not_present``
============ ======================== ========================== ==================================

Why: an open finding comes from version matching alone. It says that the installed version is in an
affected range, not that the vulnerable code is reachable or exploitable in this asset. Nobody has
triaged it yet, so ``exploitable`` would claim more than patchbook knows. A finding becomes ``fixed``
when the package is still installed at a version the advisory does not affect: the vulnerability was
remediated by an upgrade (``resolved``, response ``update``). Its ``affects`` lists the old version as
``affected`` and the current one as ``unaffected``. A finding becomes ``inactive`` when the package is
no longer among the asset's components. CycloneDX has no ``component_not_present``.
``code_not_present`` ("the code has been removed") is its nearest value, and it is the mapping that
§3.4 gives. An inactive finding's package is not in the BOM, so its ``affects`` names the asset
itself. A finding whose alias group was later merged into another group is left out of both
exports: the finding it was merged into speaks for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.impact_analysis import (
    ImpactAnalysisAffectedStatus,
    ImpactAnalysisJustification,
    ImpactAnalysisResponse,
    ImpactAnalysisState,
)
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from packageurl import PackageURL
from sqlalchemy.engine import Connection

from patchbook import __version__
from patchbook.errors import InputError
from patchbook.model.asset import Asset, AssetKind
from patchbook.model.finding import Finding, FindingState
from patchbook.model.risk import SeverityAssessment
from patchbook.risk import best_severity
from patchbook.service.findings import FindingView, views
from patchbook.store import inventory as inventory_repo
from patchbook.store.batching import chunks
from patchbook.store.findings import list_findings
from patchbook.store.schema import advisories, alias_members, components, snapshots
from patchbook.versions import InvalidVersion, UnsupportedEcosystem, sort_key

Kind = Literal["vdr", "vex"]
SPEC_VERSIONS = {"1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6}

# How each finding state reads in a VEX: (analysis.state, justification); the response depends on fixes.
VEX_STATE: dict[FindingState, tuple[ImpactAnalysisState, ImpactAnalysisJustification | None]] = {
    FindingState.OPEN: (ImpactAnalysisState.IN_TRIAGE, None),
    FindingState.FIXED: (ImpactAnalysisState.RESOLVED, None),
    FindingState.INACTIVE: (ImpactAnalysisState.NOT_AFFECTED, ImpactAnalysisJustification.CODE_NOT_PRESENT),
}

SUBJECT_TYPE = {
    AssetKind.SERVICE: ComponentType.APPLICATION,
    AssetKind.IMAGE: ComponentType.CONTAINER,
    AssetKind.HOST: ComponentType.OPERATING_SYSTEM,
    AssetKind.CONTRACT: ComponentType.APPLICATION,
}

CVSS_METHOD = {
    "2.0": VulnerabilityScoreSource.CVSS_V2,
    "3.0": VulnerabilityScoreSource.CVSS_V3,
    "3.1": VulnerabilityScoreSource.CVSS_V3_1,
    "4.0": VulnerabilityScoreSource.CVSS_V4,
}


# --- what an export is built from ---------------------------------------------------------------


@dataclass(frozen=True)
class ExportComponent:
    """One component of the asset's current snapshot, as the BOM lists it."""

    ref: str  # bom-ref: the purl, else the stored component key
    name: str
    version: str | None
    purl: str | None
    ecosystem: str
    package: str
    package_version: str | None


@dataclass(frozen=True)
class AdvisoryFacts:
    id: str
    published: datetime | None
    modified: datetime | None
    details: str
    cwes: tuple[int, ...]
    urls: tuple[str, ...]  # the record's references of type ADVISORY
    severity: SeverityAssessment | None


@dataclass(frozen=True)
class ExportData:
    asset: Asset
    views: Sequence[FindingView]
    components: Sequence[ExportComponent]
    aliases: dict[str, tuple[str, ...]]  # alias group -> every identifier in it
    advisories: dict[str, AdvisoryFacts]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def load(conn: Connection, asset_name: str, kind: Kind, state: FindingState | None = None) -> ExportData:
    """Read what an export of one asset needs. The VDR takes open findings only."""
    found = inventory_repo.get_asset(conn, asset_name)
    if found is None:
        raise InputError("--asset", f"no asset named {asset_name!r}; see `patchbook asset list`")
    asset_id, asset = found
    if kind == "vdr":
        if state not in (None, FindingState.OPEN):
            raise InputError("--state", "a VDR lists the open findings only; use --format cyclonedx-vex")
        state = FindingState.OPEN
    chosen = list_findings(conn, asset=asset_name, state=state.value if state else None)
    groups = sorted({f.alias_group for f in chosen})
    members: dict[str, list[str]] = {}
    superseded: set[str] = set()
    for part in chunks(groups):
        for r in conn.execute(
            sa.select(alias_members).where(
                sa.or_(alias_members.c.alias_group.in_(part), alias_members.c.identifier.in_(part))
            )
        ):
            if r.alias_group in part:
                members.setdefault(r.alias_group, []).append(r.identifier)
            if r.identifier in part and r.alias_group != r.identifier:
                superseded.add(r.identifier)  # a group key is its own member until merged into another
    chosen = [f for f in chosen if f.alias_group not in superseded]
    ids = sorted({a for f in chosen for a in f.advisory_ids})
    facts: dict[str, AdvisoryFacts] = {}
    a = advisories.c
    for part in chunks(ids):
        for r in conn.execute(sa.select(a.id, a.published, a.modified, a.record).where(a.id.in_(part))):
            facts[r.id] = _facts(r.id, r.published, r.modified, r.record)
    packages = {(f.ecosystem, f.package) for f in chosen}
    c = components.c
    rows = conn.execute(
        sa.select(c.key, c.name, c.version, c.purl, c.ecosystem, c.package, c.package_version)
        .join(snapshots, snapshots.c.id == c.snapshot_id)
        .where(snapshots.c.asset_id == asset_id, snapshots.c.current.is_(True), c.package.is_not(None))
        .order_by(c.id)
    )
    wanted = [
        ExportComponent(r.purl or r.key, r.name, r.version, r.purl, r.ecosystem, r.package, r.package_version)
        for r in rows
        if (r.ecosystem, r.package) in packages
    ]
    return ExportData(
        asset=asset,
        views=views(conn, chosen),
        components=wanted,
        aliases={g: tuple(sorted(ms)) for g, ms in members.items()},
        advisories=facts,
    )


def _facts(advisory_id: str, published: Any, modified: Any, record: dict[str, Any]) -> AdvisoryFacts:
    specific = record.get("database_specific") or {}
    cwes = []
    for cwe in specific.get("cwe_ids") or () if isinstance(specific, dict) else ():
        m = re.fullmatch(r"CWE-(\d+)", str(cwe))
        if m:
            cwes.append(int(m.group(1)))
    urls = [
        str(ref["url"])
        for ref in record.get("references") or ()
        if isinstance(ref, dict) and ref.get("type") == "ADVISORY" and ref.get("url")
    ]
    return AdvisoryFacts(
        id=advisory_id,
        published=published,
        modified=modified,
        details=str(record.get("details") or ""),
        cwes=tuple(sorted(set(cwes))),
        urls=tuple(dict.fromkeys(urls)),
        severity=best_severity(record.get("severity") or [], specific or None),
    )


# --- building the BOM ---------------------------------------------------------------------------


def render(data: ExportData, kind: Kind, spec_version: str = "1.6") -> str:
    """The CycloneDX JSON document (a VDR or a VEX) for one asset."""
    schema = SPEC_VERSIONS.get(spec_version)
    if schema is None:
        raise InputError("--spec-version", f"unsupported {spec_version!r}; expected one of 1.5, 1.6")
    return make_outputter(build(data, kind), OutputFormat.JSON, schema).output_as_string(indent=2) + "\n"


def build(data: ExportData, kind: Kind) -> Bom:
    asset = data.asset
    subject = Component(
        type=SUBJECT_TYPE.get(asset.kind, ComponentType.APPLICATION),
        name=asset.name,
        bom_ref=f"patchbook:asset:{asset.name}",
        properties=[
            Property(name=f"patchbook:{k}", value=str(v))
            for k, v in (
                ("kind", asset.kind.value),
                ("environment", asset.environment.value),
                ("criticality", asset.criticality.value),
                ("exposure", asset.exposure.value),
                ("trading_role", asset.trading_role),
                ("owner", asset.owner),
            )
            if v
        ],
    )
    by_package: dict[tuple[str, str], list[ExportComponent]] = {}
    for c in data.components:
        by_package.setdefault((c.ecosystem, c.package), []).append(c)
    used: dict[str, ExportComponent] = {}
    vulnerabilities = []
    for view in data.views:
        targets, refs = _affects(view.finding, by_package, subject, kind)
        for c in refs:
            used.setdefault(c.ref, c)
        vulnerabilities.append(_vulnerability(data, view, targets, kind))
    listed = [_component(c) for c in used.values()]
    bom = Bom(
        metadata=BomMetaData(
            component=subject,
            timestamp=data.generated_at,
            properties=[Property(name="patchbook:export", value=kind)],
        ),
        components=listed,
        vulnerabilities=vulnerabilities,
    )
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="patchbook", version=__version__)
    )
    if listed:
        bom.register_dependency(subject, listed)  # the asset contains them (directly or not)
    return bom


def _component(c: ExportComponent) -> Component:
    purl: PackageURL | None = None
    if c.purl:
        try:
            purl = PackageURL.from_string(c.purl)
        except ValueError:
            purl = None
    return Component(type=ComponentType.LIBRARY, name=c.name, version=c.version, purl=purl, bom_ref=c.ref)


def _installed(finding: Finding) -> set[str]:
    return {v.strip() for v in (finding.installed_version or "").split(",") if v.strip()}


def _affects(
    finding: Finding,
    by_package: dict[tuple[str, str], list[ExportComponent]],
    subject: Component,
    kind: Kind,
) -> tuple[list[BomTarget], list[ExportComponent]]:
    present = by_package.get((finding.ecosystem, finding.package), [])
    installed = _installed(finding)
    affected = ImpactAnalysisAffectedStatus.AFFECTED
    if finding.state is FindingState.OPEN:
        hits = [c for c in present if c.package_version in installed] or present
        return [
            BomTarget(ref=c.ref, versions=[BomTargetVersionRange(version=c.version, status=affected)])
            for c in _unique(hits)
        ], hits
    if finding.state is FindingState.FIXED and present:
        old = [BomTargetVersionRange(version=v, status=affected) for v in sorted(installed)]
        return [
            BomTarget(
                ref=c.ref,
                versions=[
                    *old,
                    BomTargetVersionRange(version=c.version, status=ImpactAnalysisAffectedStatus.UNAFFECTED),
                ],
            )
            for c in _unique(present)
        ], present
    # Inactive (or fixed with the package since gone): the statement is about the asset itself.
    assert subject.bom_ref.value is not None
    return [BomTarget(ref=subject.bom_ref.value)], []


def _unique(found: Iterable[ExportComponent]) -> list[ExportComponent]:
    return list({c.ref: c for c in found}.values())


def _source(identifier: str) -> VulnerabilitySource:
    if identifier.startswith("CVE-"):
        return VulnerabilitySource(name="NVD", url=XsUri(f"https://nvd.nist.gov/vuln/detail/{identifier}"))
    if identifier.startswith("GHSA-"):
        return VulnerabilitySource(name="GitHub", url=XsUri(f"https://github.com/advisories/{identifier}"))
    return VulnerabilitySource(name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{identifier}"))


def _rating(view: FindingView, facts: Sequence[AdvisoryFacts]) -> VulnerabilityRating | None:
    s = view.severity
    if s is None:
        return None
    origin = next((f.id for f in facts if f.severity == s), None)
    source = _source(origin) if origin else None
    band = VulnerabilitySeverity(s.band)
    if s.stated or s.score is None or s.vector is None:
        where = f" by {origin}" if origin else ""
        return VulnerabilityRating(
            source=source,
            severity=band,
            method=VulnerabilityScoreSource.OTHER,
            justification=f"severity stated{where} ({s.source}); no CVSS vector to score",
        )
    method = CVSS_METHOD.get(s.version or "", VulnerabilityScoreSource.get_from_vector(s.vector))
    return VulnerabilityRating(
        source=source, score=Decimal(str(s.score)), severity=band, method=method, vector=s.vector
    )


def first_fix(finding: Finding) -> str | None:
    """The smallest of the finding's fixed versions, in its ecosystem's order."""
    fixes = list(finding.fixed_versions)
    if not fixes:
        return None
    try:
        return min(fixes, key=lambda v: sort_key(finding.ecosystem, v))
    except (InvalidVersion, UnsupportedEcosystem):
        return sorted(fixes)[0]


def _vulnerability(
    data: ExportData, view: FindingView, targets: list[BomTarget], kind: Kind
) -> Vulnerability:
    f = view.finding
    facts = [data.advisories[a] for a in f.advisory_ids if a in data.advisories]
    others = sorted((set(data.aliases.get(f.alias_group, ())) | set(f.advisory_ids)) - {f.alias_group})
    fix = first_fix(f)
    recommendation = f"Upgrade {f.package} to {fix}" if fix else "No fixed version known"
    published = [x.published for x in facts if x.published]
    updated = [x.modified for x in facts if x.modified]
    properties = [
        Property(name="patchbook:finding_id", value=str(f.id)),
        Property(name="patchbook:state", value=f.state.value),
        Property(name="patchbook:ecosystem", value=f.ecosystem),
        Property(name="patchbook:package", value=f.package),
    ]
    if f.installed_version:
        properties.append(Property(name="patchbook:installed_version", value=f.installed_version))
    if f.fixed_versions:
        properties.append(Property(name="patchbook:fixed_versions", value=", ".join(f.fixed_versions)))
    if f.sources:
        properties.append(Property(name="patchbook:sources", value=", ".join(f.sources)))
    if view.in_kev:
        properties.append(Property(name="patchbook:kev", value="true"))
        if view.kev_due:
            properties.append(Property(name="patchbook:kev_due_date", value=view.kev_due.isoformat()))
    rating = _rating(view, facts)
    return Vulnerability(
        bom_ref=f"patchbook:finding:{f.id}",
        id=f.alias_group,
        source=_source(f.alias_group),
        references=[VulnerabilityReference(id=o, source=_source(o)) for o in others],
        ratings=[rating] if rating else [],
        cwes=sorted({c for x in facts for c in x.cwes}),
        description=view.summary or None,
        detail=next((x.details for x in facts if x.details), None),
        recommendation=recommendation,
        advisories=[
            VulnerabilityAdvisory(url=XsUri(u)) for u in dict.fromkeys(u for x in facts for u in x.urls)
        ],
        published=min(published) if published else None,
        updated=max(updated) if updated else None,
        analysis=_analysis(f, fix) if kind == "vex" else None,
        affects=targets,
        properties=properties,
    )


def _analysis(f: Finding, fix: str | None) -> VulnerabilityAnalysis:
    state, justification = VEX_STATE[f.state]
    since = f.state_changed_at.date().isoformat()
    if f.state is FindingState.OPEN:
        responses = [ImpactAnalysisResponse.UPDATE if fix else ImpactAnalysisResponse.CAN_NOT_FIX]
        detail = (
            f"{f.package} {f.installed_version} is in an affected range (matched by version); "
            "reachability not yet triaged. "
            + (f"Fixed in {', '.join(f.fixed_versions)}." if fix else "No fixed version is known.")
        )
    elif f.state is FindingState.FIXED:
        responses = [ImpactAnalysisResponse.UPDATE]
        detail = f"{f.package} was upgraded from {f.installed_version} past the fix (on {since})."
    else:
        responses = []
        detail = f"{f.package} is no longer among the asset's components (since {since})."
    return VulnerabilityAnalysis(
        state=state,
        justification=justification,
        responses=responses,
        detail=detail,
        first_issued=f.first_seen,
        last_updated=f.state_changed_at,
    )
