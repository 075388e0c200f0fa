"""VEX in and out: OpenVEX 0.2.0 and CycloneDX VEX (JSON), carrying triage states and justifications.

Import (`patchbook vex import FILE`): the format is told from the content (OpenVEX has ``@context``
and ``statements``; CycloneDX has ``bomFormat``). Each statement names products and a vulnerability:

- a product is an asset (its name, or ``patchbook:asset:<name>`` as patchbook writes it) or a package
  URL; a purl with a version only matches findings at that installed version. OpenVEX
  ``subcomponents`` (purls) narrow an asset product to those packages. In CycloneDX the ``affects``
  refs point at the BOM's components (their purl) or its subject (``metadata.component``, an asset
  when its name is one); a subject naming an asset also narrows the purls to that asset.
- the vulnerability matches a finding by any alias (CVE, GHSA, OSV id) through the alias groups.

A product that is neither an asset nor a package in the inventory is an error naming the file and
the statement (``statements[3]``, ``vulnerabilities[2].affects[0]``), or, with ``skip_unknown``, is
counted and skipped. Statements apply in document order (a later one overrides an earlier one, as
OpenVEX specifies); a statement that says what the finding's triage already says writes nothing. All
of one file is one transaction. An imported decision overrides triage rules like any per-finding one.

Export: every finding of the asset (or of the estate, for OpenVEX) with its effective triage, and,
for findings nobody triaged, the status the lifecycle implies (as ``findings export --format
cyclonedx-vex`` does). The CycloneDX document is the one service/export.py builds, with the analysis
of triaged findings replaced. Exact OpenVEX labels and patchbook-only states travel in properties
(``patchbook:justification``, ``patchbook:triage_state``) so a round trip loses nothing; in OpenVEX a
false positive is ``not_affected`` with ``status_notes`` starting with ``patchbook: false positive``.
A risk acceptance is exported as ``affected`` with the acceptance as the action statement (CycloneDX:
``exploitable``, response ``will_not_fix``); importing it sets ``affected``, not an acceptance, since
an acceptance needs an approver of this venue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson
import sqlalchemy as sa
from cyclonedx.model import Property
from cyclonedx.model.impact_analysis import (
    ImpactAnalysisJustification,
    ImpactAnalysisResponse,
    ImpactAnalysisState,
)
from cyclonedx.model.vulnerability import VulnerabilityAnalysis
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat
from packageurl import PackageURL
from sqlalchemy.engine import Connection

from patchbook import __version__, versions
from patchbook.errors import InputError
from patchbook.model.finding import FindingState
from patchbook.model.triage import (
    FROM_CYCLONEDX,
    FROM_CYCLONEDX_STATE,
    TO_CYCLONEDX,
    TO_CYCLONEDX_STATE,
    Decision,
    FindingFacts,
    Justification,
    TriageState,
    TriageView,
)
from patchbook.service import export as cdx_export
from patchbook.service.triage import triage_map
from patchbook.store import Store
from patchbook.store import triage as repo
from patchbook.store.batching import chunks
from patchbook.store.findings import list_findings
from patchbook.store.schema import alias_members, assets, components, snapshots

OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0"
ASSET_PREFIX = "patchbook:asset:"
FALSE_POSITIVE_NOTE = "patchbook: false positive"
Format = Literal["openvex", "cyclonedx"]


# --- reading a VEX document -----------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    where: str  # "statements[3].products[0]", for messages
    label: str  # the identifier as written
    asset: str | None  # an asset name, when the product is (or is inside) an asset
    purls: tuple[str, ...] = ()  # packages the statement is about; empty: every package of the asset


@dataclass(frozen=True)
class Statement:
    where: str  # "statements[3]" / "vulnerabilities[2]"
    vulnerability_ids: tuple[str, ...]
    products: tuple[Product, ...]
    state: TriageState
    justification: Justification | None
    reason: str


@dataclass(frozen=True)
class VexDocument:
    format: Format
    author: str
    statements: tuple[Statement, ...]
    skipped: int = 0  # entries that state nothing (a CycloneDX vulnerability without analysis)


def read(path: Path) -> VexDocument:
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(source, f"cannot read the VEX file: {exc.strerror}") from None
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        line = raw[: exc.pos].count(b"\n") + 1 if exc.pos is not None else None
        raise InputError(source, f"not valid JSON: {exc.msg}", f"line {line}" if line else None) from None
    return parse(doc, source)


def parse(doc: Any, source: str) -> VexDocument:
    if not isinstance(doc, dict):
        raise InputError(source, "expected a JSON object (an OpenVEX or CycloneDX VEX document)")
    if "statements" in doc and "@context" in doc:
        return _parse_openvex(doc, source)
    if doc.get("bomFormat") == "CycloneDX":
        return _parse_cyclonedx(doc, source)
    raise InputError(
        source,
        "not a VEX document: expected OpenVEX (@context and statements) or CycloneDX (bomFormat)",
    )


def _string(value: Any, source: str, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(source, f"{what}: expected a non-empty string, got {value!r}", where)
    return value.strip()


def _list(value: Any, source: str, where: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(source, f"{what}: expected a list, got {type(value).__name__}", where)
    return value


def _asset_name(identifier: str) -> str:
    return identifier[len(ASSET_PREFIX) :] if identifier.startswith(ASSET_PREFIX) else identifier


def _component_id(item: Any, source: str, where: str) -> str:
    if not isinstance(item, dict):
        raise InputError(source, "expected an object with @id or identifiers.purl", where)
    identifiers = item.get("identifiers")
    ident = item.get("@id") or (identifiers.get("purl") if isinstance(identifiers, dict) else None)
    return _string(ident, source, where, "@id / identifiers.purl")


def _parse_openvex(doc: dict[str, Any], source: str) -> VexDocument:
    author = doc.get("author") if isinstance(doc.get("author"), str) else "unknown"
    out = []
    for i, st in enumerate(_list(doc.get("statements"), source, "statements", "statements")):
        where = f"statements[{i}]"
        if not isinstance(st, dict):
            raise InputError(source, "expected an object", where)
        vuln = st.get("vulnerability")
        if isinstance(vuln, str):  # OpenVEX 0.0.x wrote the id as a plain string
            vuln = {"name": vuln}
        if not isinstance(vuln, dict):
            raise InputError(source, "vulnerability: expected an object with a name", where)
        ids = [_string(vuln.get("name"), source, where, "vulnerability.name")]
        ids += [
            a
            for a in _list(vuln.get("aliases"), source, where, "vulnerability.aliases")
            if isinstance(a, str)
        ]
        status = st.get("status")
        states = {s.value: s for s in TriageState if s is not TriageState.FALSE_POSITIVE}
        if not isinstance(status, str) or status not in states:
            raise InputError(source, f"status {status!r} is not one of {', '.join(states)}", where)
        state: TriageState = states[status]
        justification = None
        notes = str(st.get("status_notes") or "")
        if state is TriageState.NOT_AFFECTED:
            label = st.get("justification")
            if label is not None:
                if not isinstance(label, str) or label not in {j.value for j in Justification}:
                    raise InputError(
                        source,
                        f"justification {label!r} is not one of {', '.join(j.value for j in Justification)}",
                        where,
                    )
                justification = Justification(label)
            elif not st.get("impact_statement"):
                raise InputError(source, "not_affected needs a justification or an impact_statement", where)
            if notes.startswith(FALSE_POSITIVE_NOTE):
                state, justification = TriageState.FALSE_POSITIVE, None
        reason = " ".join(
            str(st[k])
            for k in ("impact_statement", "action_statement", "status_notes")
            if isinstance(st.get(k), str)
        )
        products = []
        for j, prod in enumerate(_list(st.get("products"), source, where, "products")):
            pwhere = f"{where}.products[{j}]"
            ident = _component_id(prod, source, pwhere)
            subs = tuple(
                _component_id(
                    s,
                    source,
                    f"{pwhere}.subcomponents[{k}]",
                )
                for k, s in enumerate(_list(prod.get("subcomponents"), source, pwhere, "subcomponents"))
            )
            if ident.startswith("pkg:"):
                products.append(Product(pwhere, ident, None, (ident,)))
            else:
                products.append(Product(pwhere, ident, _asset_name(ident), subs))
        if not products:
            raise InputError(source, "the statement names no products", where)
        out.append(Statement(where, tuple(dict.fromkeys(ids)), tuple(products), state, justification, reason))
    if not out:
        raise InputError(source, "the document has no statements")
    return VexDocument("openvex", str(author), tuple(out))


def _cdx_refs(doc: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    """bom-ref -> (purl, name) for every component of the BOM, nested ones too."""
    refs: dict[str, tuple[str | None, str | None]] = {}
    top = doc.get("components")
    stack = list(top) if isinstance(top, list) else []
    while stack:
        c = stack.pop()
        if isinstance(c, dict):
            if isinstance(c.get("bom-ref"), str):
                purl, name = c.get("purl"), c.get("name")
                refs[c["bom-ref"]] = (
                    purl if isinstance(purl, str) else None,
                    name if isinstance(name, str) else None,
                )
            nested = c.get("components")
            stack.extend(nested if isinstance(nested, list) else [])
    return refs


def _parse_cyclonedx(doc: dict[str, Any], source: str) -> VexDocument:
    metadata: dict[str, Any] = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
    subject: dict[str, Any] = metadata["component"] if isinstance(metadata.get("component"), dict) else {}
    subject_ref = subject.get("bom-ref")
    subject_name = subject.get("name") if isinstance(subject.get("name"), str) else None
    listed = metadata.get("authors")
    authors = [
        a["name"]
        for a in (listed if isinstance(listed, list) else [])
        if isinstance(a, dict) and isinstance(a.get("name"), str)
    ]
    refs = _cdx_refs(doc)
    out = []
    skipped = 0
    for i, v in enumerate(_list(doc.get("vulnerabilities"), source, "vulnerabilities", "vulnerabilities")):
        where = f"vulnerabilities[{i}]"
        if not isinstance(v, dict):
            raise InputError(source, "expected an object", where)
        analysis = v.get("analysis")
        if not isinstance(analysis, dict) or "state" not in analysis:
            skipped += 1  # a VDR entry: says what affects the product, not what the supplier concluded
            continue
        ids = [_string(v.get("id"), source, where, "id")]
        ids += [
            r["id"]
            for r in _list(v.get("references"), source, where, "references")
            if isinstance(r, dict) and isinstance(r.get("id"), str)
        ]
        props = {
            p["name"]: p.get("value")
            for p in _list(v.get("properties"), source, where, "properties")
            if isinstance(p, dict) and isinstance(p.get("name"), str)
        }
        raw_state = analysis.get("state")
        if not isinstance(raw_state, str) or raw_state not in FROM_CYCLONEDX_STATE:
            raise InputError(
                source, f"analysis.state {raw_state!r} is not one of {', '.join(FROM_CYCLONEDX_STATE)}", where
            )
        state = FROM_CYCLONEDX_STATE[raw_state]
        justification = None
        if state is TriageState.NOT_AFFECTED:
            exact = props.get("patchbook:justification")
            raw_just = analysis.get("justification")
            if isinstance(exact, str) and exact in {j.value for j in Justification}:
                justification = Justification(exact)
            elif raw_just is not None:
                if not isinstance(raw_just, str) or raw_just not in FROM_CYCLONEDX:
                    raise InputError(
                        source,
                        f"analysis.justification {raw_just!r} is not one of {', '.join(FROM_CYCLONEDX)}",
                        where,
                    )
                justification = FROM_CYCLONEDX[raw_just]
        reason = str(analysis.get("detail") or "")
        responses = [
            r
            for r in _list(analysis.get("response"), source, where, "analysis.response")
            if isinstance(r, str)
        ]
        if responses:
            reason = f"{reason} (response: {', '.join(responses)})".strip()
        products = []
        for j, target in enumerate(_list(v.get("affects"), source, where, "affects")):
            pwhere = f"{where}.affects[{j}]"
            ref = _string(target.get("ref") if isinstance(target, dict) else None, source, pwhere, "ref")
            local = ref.rsplit("#", 1)[-1] if ref.startswith("urn:cdx:") else ref  # a BOM-link to this BOM
            if local == subject_ref and subject_name:
                products.append(Product(pwhere, ref, subject_name))
            elif local in refs and refs[local][0]:
                purl = str(refs[local][0])
                products.append(Product(pwhere, purl, subject_name, (purl,)))
            elif local.startswith("pkg:"):
                products.append(Product(pwhere, local, subject_name, (local,)))
            else:
                products.append(
                    Product(pwhere, local, _asset_name(refs.get(local, (None, local))[1] or local))
                )
        if not products:
            raise InputError(source, "the vulnerability affects nothing (no affects refs)", where)
        out.append(Statement(where, tuple(dict.fromkeys(ids)), tuple(products), state, justification, reason))
    author = authors[0] if authors else "unknown"
    return VexDocument("cyclonedx", str(author), tuple(out), skipped)


# --- applying it to the findings ------------------------------------------------------------------


@dataclass
class ImportResult:
    format: Format
    statements: int = 0
    changed: int = 0  # findings whose triage the file changed
    unchanged: int = 0  # findings the file said nothing new about
    unmatched: int = 0  # statements that matched no finding (the vulnerability is not in the estate)
    unknown_products: int = 0  # skipped with skip_unknown
    skipped: int = 0  # entries without a statement (CycloneDX vulnerabilities without analysis)
    unknown: list[str] = field(default_factory=list)  # "where: label" of each skipped product


def _package_of(purl: str) -> tuple[str, str, str | None] | None:
    """(ecosystem, package, version or None) as findings name them; None for an unusable purl."""
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    version = parsed.version
    # purl_package needs a version to name the package; a placeholder gives the name for bare purls.
    probe = (
        parsed
        if version
        else PackageURL(parsed.type, parsed.namespace, parsed.name, "0", parsed.qualifiers, parsed.subpath)
    )
    try:
        key = versions.purl_package(probe)
    except versions.InvalidPurl:
        return None
    if key is None:
        return None
    return key[0].split(":", 1)[0], key[1], key[2] if version else None


class _Estate:
    """The findings, indexed the ways statements name them."""

    def __init__(self, conn: Connection) -> None:
        self.facts = repo.facts(conn, None)
        self.assets = {r[0] for r in conn.execute(sa.select(assets.c.name))}
        self.by_asset: dict[str, list[FindingFacts]] = {}
        self.by_package: dict[tuple[str, str], list[FindingFacts]] = {}
        for f in self.facts:
            self.by_asset.setdefault(f.asset, []).append(f)
            self.by_package.setdefault((f.ecosystem.lower(), f.package), []).append(f)
        self._conn = conn
        self._inventory: dict[tuple[str, str], bool] = {}

    def package_known(self, ecosystem: str, package: str) -> bool:
        key = (ecosystem.lower(), package)
        if key in self.by_package:
            return True
        if key not in self._inventory:
            c = components.c
            self._inventory[key] = (
                self._conn.execute(
                    sa.select(c.id).where(sa.func.lower(c.ecosystem) == key[0], c.package == package).limit(1)
                ).first()
                is not None
            )
        return self._inventory[key]


def _installed(f: FindingFacts) -> set[str]:
    return {v.strip() for v in (f.installed_version or "").split(",") if v.strip()}


def _product_findings(estate: _Estate, product: Product) -> list[FindingFacts] | None:
    """The findings a product covers; None when the product is unknown to the inventory."""
    if product.asset is not None and product.asset not in estate.assets and not product.purls:
        return None
    pool = (
        estate.by_asset.get(product.asset, [])
        if product.asset is not None and product.asset in estate.assets
        else None
    )
    if not product.purls:
        return pool
    chosen: list[FindingFacts] = []
    for purl in product.purls:
        key = _package_of(purl)
        if key is None or not estate.package_known(key[0], key[1]):
            return None
        ecosystem, package, version = key
        candidates = pool if pool is not None else estate.by_package.get((ecosystem.lower(), package), [])
        chosen += [
            f
            for f in candidates
            if f.ecosystem.lower() == ecosystem.lower()
            and f.package == package
            and (version is None or version in _installed(f))
        ]
    return chosen


def import_file(
    store: Store,
    path: Path,
    *,
    skip_unknown: bool = False,
    actor: str | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Apply a VEX file's statements to the matching findings, in one transaction."""
    now = now or datetime.now(UTC)
    document = read(path)
    result = ImportResult(document.format, statements=len(document.statements), skipped=document.skipped)
    with store.transaction() as conn:
        repo.record_expiries(conn, now)
        estate = _Estate(conn)
        ids = {i for st in document.statements for i in st.vulnerability_ids}
        groups = repo.groups_of(conn, ids)
        final: dict[int, Decision] = {}
        for st in document.statements:
            wanted = set(st.vulnerability_ids) | {groups[i] for i in st.vulnerability_ids if i in groups}
            matched = 0
            for product in st.products:
                covered = _product_findings(estate, product)
                if covered is None:
                    if not skip_unknown:
                        raise InputError(
                            str(path),
                            f"product {product.label!r} is neither an asset nor a package in the inventory "
                            "(use --skip-unknown to count and skip such statements)",
                            product.where,
                        )
                    result.unknown_products += 1
                    result.unknown.append(f"{product.where}: {product.label}")
                    continue
                for f in covered:
                    if f.alias_group in wanted or wanted.intersection(f.advisory_ids):
                        matched += 1
                        final[f.finding_id] = Decision(
                            st.state,
                            st.justification,
                            st.reason or f"{document.format} statement",
                            actor or document.author,
                            now,
                            f"vex:{path.name}#{st.where}",
                        )
            if matched == 0:
                result.unmatched += 1
        stored = repo.current(conn, final.keys())
        by_decision: dict[Decision, list[int]] = {}
        for finding_id, decision in final.items():
            old = stored.get(finding_id, (None, None))[0]
            if old is not None and (old.state, old.justification) == (decision.state, decision.justification):
                result.unchanged += 1
                continue
            by_decision.setdefault(decision, []).append(finding_id)
        for decision, finding_ids in by_decision.items():
            repo.set_decision(conn, sorted(finding_ids), decision)
            result.changed += len(finding_ids)
    return result


# --- writing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """One finding as an export statement needs it."""

    finding_id: int
    asset: str
    alias_group: str
    aliases: tuple[str, ...]
    package: str
    ecosystem: str
    state: FindingState
    installed_version: str | None
    fix: str | None
    purls: tuple[str, ...]  # of the package: at the installed versions while open, else bare
    changed_at: datetime


def _superseded(conn: Connection, groups: Sequence[str]) -> tuple[set[str], dict[str, list[str]]]:
    gone: set[str] = set()
    members: dict[str, list[str]] = {}
    a = alias_members.c
    for part in chunks(groups):
        for r in conn.execute(
            sa.select(alias_members).where(sa.or_(a.alias_group.in_(part), a.identifier.in_(part)))
        ):
            if r.alias_group in part:
                members.setdefault(r.alias_group, []).append(r.identifier)
            if r.identifier in part and r.alias_group != r.identifier:
                gone.add(r.identifier)  # merged into another group: that finding speaks for it
    return gone, members


def _purls(
    conn: Connection, asset_names: Iterable[str], packages: Iterable[str]
) -> dict[tuple[str, str, str], list[tuple[str, str | None]]]:
    """(asset, ecosystem, package) -> [(purl, version)] of the package in the newest snapshot that had it."""
    c, s = components.c, snapshots.c
    out: dict[tuple[str, str, str], list[tuple[str, str | None]]] = {}
    newest: dict[tuple[str, str, str], int] = {}
    names, wanted = sorted(set(asset_names)), sorted(set(packages))
    for part in chunks(names):
        for pkgs in chunks(wanted):
            rows = conn.execute(
                sa.select(s.id, assets.c.name, c.ecosystem, c.package, c.purl, c.package_version)
                .join(snapshots, s.id == c.snapshot_id)
                .join(assets, assets.c.id == s.asset_id)
                .where(assets.c.name.in_(part), c.package.in_(pkgs), c.purl.is_not(None))
                .order_by(s.id.desc(), c.id)
            )
            for r in rows:
                key = (r.name, r.ecosystem, r.package)
                if newest.setdefault(key, r.id) == r.id:
                    out.setdefault(key, []).append((r.purl, r.package_version))
    return out


def _bare(purl: str) -> str:
    try:
        p = PackageURL.from_string(purl)
    except ValueError:
        return purl
    return str(PackageURL(p.type, p.namespace, p.name, None, p.qualifiers, p.subpath).to_string())


def _rows(conn: Connection, asset: str | None) -> list[_Row]:
    if (
        asset is not None
        and conn.execute(sa.select(assets.c.id).where(assets.c.name == asset)).first() is None
    ):
        raise InputError("--asset", f"no asset named {asset!r}; see `patchbook asset list`")
    found = list_findings(conn, asset=asset)
    gone, members = _superseded(conn, sorted({f.alias_group for f in found}))
    purls = _purls(conn, {f.asset for f in found}, {f.package for f in found})
    rows = []
    for f in found:
        if f.alias_group in gone:
            continue
        known = purls.get((f.asset, f.ecosystem, f.package), [])
        installed = {v.strip() for v in (f.installed_version or "").split(",") if v.strip()}
        # An open finding names the installed versions; otherwise the package is at another version
        # (fixed) or gone (inactive), so the statement names the package without a version.
        exact = [p for p, v in known if v in installed] if f.state is FindingState.OPEN else []
        subs = tuple(dict.fromkeys(exact or [_bare(p) for p, _ in known[:1]]))
        rows.append(
            _Row(
                f.id,
                f.asset,
                f.alias_group,
                tuple(sorted((set(members.get(f.alias_group, [])) | set(f.advisory_ids)) - {f.alias_group})),
                f.package,
                f.ecosystem,
                f.state,
                f.installed_version,
                cdx_export.first_fix(f),
                subs,
                f.state_changed_at,
            )
        )
    return rows


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _who(view: TriageView) -> str:
    return f" (by {view.actor}, {view.source})" if view.actor else ""


def _openvex_statement(row: _Row, view: TriageView | None) -> dict[str, Any]:
    product: dict[str, Any] = {"@id": ASSET_PREFIX + row.asset}
    if row.purls:
        product["subcomponents"] = [{"@id": p} for p in row.purls]
    vulnerability: dict[str, Any] = {"name": row.alias_group}
    if row.aliases:
        vulnerability["aliases"] = list(row.aliases)
    st: dict[str, Any] = {"vulnerability": vulnerability, "products": [product]}
    upgrade = f"Upgrade {row.package} to {row.fix}" if row.fix else "No fixed version is known"
    if view is not None and view.accepted and view.acceptance is not None:
        a = view.acceptance
        st["status"] = "affected"
        st["action_statement"] = f"Risk accepted by {a.approver} until {a.expires_at:%Y-%m-%d}: {a.reason}"
        st["action_statement_timestamp"] = _iso(a.accepted_at)
        st["timestamp"] = _iso(a.accepted_at)
        return st
    if view is None or view.state is None:
        derived = {
            FindingState.OPEN: ("under_investigation", "matched by version; not triaged yet"),
            FindingState.FIXED: ("fixed", f"{row.package} was upgraded past the fix"),
            FindingState.INACTIVE: (
                "not_affected",
                f"{row.package} is no longer among the asset's components",
            ),
        }[row.state]
        st["status"] = derived[0]
        st["status_notes"] = f"patchbook: {derived[1]}"
        if row.state is FindingState.INACTIVE:
            st["justification"] = Justification.COMPONENT_NOT_PRESENT.value
        st["timestamp"] = _iso(row.changed_at)
        return st
    reason = (view.reason or "") + _who(view)
    assert view.at is not None
    st["timestamp"] = _iso(view.at)
    if view.state is TriageState.FALSE_POSITIVE:
        st["status"] = "not_affected"
        st["impact_statement"] = view.reason or "false positive"
        st["status_notes"] = f"{FALSE_POSITIVE_NOTE}: {reason}"
    elif view.state is TriageState.NOT_AFFECTED:
        st["status"] = "not_affected"
        if view.justification is not None:
            st["justification"] = view.justification.value
        else:
            st["impact_statement"] = view.reason or "not affected"
        st["status_notes"] = reason
    elif view.state is TriageState.AFFECTED:
        st["status"] = "affected"
        st["action_statement"] = upgrade
        st["status_notes"] = reason
    else:
        st["status"] = view.state.value
        st["status_notes"] = reason
    return st


def export_openvex(conn: Connection, asset: str | None = None, author: str = "patchbook") -> dict[str, Any]:
    """An OpenVEX 0.2.0 document: one statement per finding (of the asset, or of the estate)."""
    rows = _rows(conn, asset)
    if not rows:
        raise InputError("--asset" if asset else "vex export", "no findings to state anything about")
    views = triage_map(conn, [r.finding_id for r in rows])
    statements = [_openvex_statement(r, views.get(r.finding_id)) for r in rows]
    digest = hashlib.sha256(orjson.dumps(statements, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return {
        "@context": OPENVEX_CONTEXT,
        "@id": f"urn:patchbook:vex:{digest[:32]}",
        "author": author,
        "role": "Document Creator",
        "timestamp": _iso(datetime.now(UTC)),
        "version": 1,
        "tooling": f"patchbook {__version__}",
        "statements": statements,
    }


def _cdx_analysis(view: TriageView, fix: str | None, first_seen: datetime) -> VulnerabilityAnalysis:
    responses: list[ImpactAnalysisResponse] = []
    justification = None
    if view.accepted and view.acceptance is not None:
        a = view.acceptance
        state = ImpactAnalysisState.EXPLOITABLE
        responses = [ImpactAnalysisResponse.WILL_NOT_FIX]
        detail = f"Risk accepted by {a.approver} until {a.expires_at:%Y-%m-%d}: {a.reason}"
        updated = a.accepted_at
    else:
        assert view.state is not None and view.at is not None
        state = ImpactAnalysisState(TO_CYCLONEDX_STATE[view.state])
        if view.justification is not None:
            justification = ImpactAnalysisJustification(TO_CYCLONEDX[view.justification])
        if view.state is TriageState.AFFECTED:
            responses = [ImpactAnalysisResponse.UPDATE if fix else ImpactAnalysisResponse.CAN_NOT_FIX]
        elif view.state is TriageState.FIXED:
            responses = [ImpactAnalysisResponse.UPDATE]
        detail = (view.reason or "") + _who(view)
        updated = view.at
    return VulnerabilityAnalysis(
        state=state,
        justification=justification,
        responses=responses,
        detail=detail,
        first_issued=first_seen,
        last_updated=updated,
    )


def _triage_properties(view: TriageView) -> list[Property]:
    props = []
    if view.state is not None:
        props.append(Property(name="patchbook:triage_state", value=view.state.value))
        if view.justification is not None:
            props.append(Property(name="patchbook:justification", value=view.justification.value))
        if view.actor:
            props.append(Property(name="patchbook:triage_by", value=view.actor))
        if view.source:
            props.append(Property(name="patchbook:triage_source", value=view.source))
    if view.acceptance is not None:
        a = view.acceptance
        props.append(Property(name="patchbook:accepted_by", value=a.approver))
        props.append(Property(name="patchbook:accepted_until", value=a.expires_at.date().isoformat()))
        props.append(Property(name="patchbook:acceptance", value="running" if view.accepted else "expired"))
    return props


def export_cyclonedx(conn: Connection, asset: str | None, spec_version: str = "1.6") -> str:
    """The asset's CycloneDX VEX (service/export.py) with each triaged finding's analysis."""
    if asset is None:
        raise InputError("--asset", "a CycloneDX VEX is one BOM per asset; name it with --asset")
    schema = cdx_export.SPEC_VERSIONS.get(spec_version)
    if schema is None:
        raise InputError("--spec-version", f"unsupported {spec_version!r}; expected one of 1.5, 1.6")
    data = cdx_export.load(conn, asset, "vex")
    bom = cdx_export.build(data, "vex")
    by_id = {v.finding.id: v.finding for v in data.views}
    views = triage_map(conn, by_id.keys())
    for vuln in bom.vulnerabilities:
        ref = vuln.bom_ref.value or ""
        finding_id = int(ref.rsplit(":", 1)[-1]) if ref.startswith("patchbook:finding:") else None
        view = views.get(finding_id) if finding_id is not None else None
        if view is None or finding_id is None:
            continue
        if view.state is None and not view.accepted:
            # A lapsed acceptance alone says nothing more than the lifecycle already does.
            vuln.properties.update(_triage_properties(view))
            continue
        finding = by_id[finding_id]
        vuln.analysis = _cdx_analysis(view, cdx_export.first_fix(finding), finding.first_seen)
        vuln.properties.update(_triage_properties(view))
    return make_outputter(bom, OutputFormat.JSON, schema).output_as_string(indent=2) + "\n"
