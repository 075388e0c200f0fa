"""The CI gate: ingest one SBOM for an asset, score its open findings, judge them against a policy.

By default the gate is a scratch run: the ingest, the matching and the scoring happen inside one
transaction of the real store (so they see its advisories, KEV, EPSS and the asset's context) and that
transaction is rolled back, so a pull request's SBOM never becomes the asset's current inventory.
``record=True`` commits it, as ``patchbook ingest`` would (for the pipeline that builds what is deployed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook import ingest
from patchbook.ingest.many import file_sha256
from patchbook.model.asset import Asset
from patchbook.model.finding import Finding
from patchbook.model.gate import GateItem, GateOutcome, GatePolicy
from patchbook.model.triage import TriageView
from patchbook.risk.explain import why_line
from patchbook.risk.gate import evaluate
from patchbook.risk.priority import DEPLOYER_ORDER
from patchbook.service import risk as risk_service
from patchbook.service.inventory import UnknownAsset, ingest_parsed
from patchbook.service.triage import triage_map
from patchbook.store import Store
from patchbook.store import inventory as inventory_repo
from patchbook.store import risk as risk_repo
from patchbook.store.advisories import members_of
from patchbook.store.batching import chunks
from patchbook.store.findings import list_findings
from patchbook.store.schema import advisories


class _Discard(Exception):
    """Not an error: carries a scratch run's outcome out of the block whose transaction it rolls back."""

    def __init__(self, outcome: GateOutcome) -> None:
        self.outcome = outcome


def run_gate(
    store: Store,
    asset: Asset,
    sbom: Path,
    policy: GatePolicy,
    *,
    today: date,
    record: bool = False,
) -> GateOutcome:
    """Judge ``sbom`` as the component set of ``asset``.

    ``asset`` is looked up by name; its stored context (criticality, exposure, value at risk...) wins. In a
    scratch run an asset the inventory does not know is judged with the context given here, and the
    outcome says so; recording needs a declared asset.
    """
    parsed = ingest.parse(sbom)  # bad input fails before the store is touched
    sha = file_sha256(sbom)
    try:
        with store.transaction() as conn:
            warnings: list[str] = [f"{sbom}: {w}" for w in parsed.warnings]
            if inventory_repo.get_asset(conn, asset.name) is None:
                if record:
                    raise UnknownAsset(asset.name)
                inventory_repo.upsert_asset(conn, asset)
                warnings.append(
                    f"asset {asset.name!r} is not in the inventory: judged as a {asset.criticality.value}-"
                    f"criticality {asset.kind.value} with {asset.exposure.value} exposure"
                )
            ingest_parsed(conn, asset.name, parsed, sha)
            items = gate_items(conn, list_findings(conn, asset=asset.name, state="open"))
            outcome = evaluate(asset.name, str(sbom), items, policy, today, recorded=record)
            outcome = replace(outcome, warnings=tuple(warnings))
            if not record:
                raise _Discard(outcome)
            return outcome
    except _Discard as scratch:
        return scratch.outcome


def gate_items(conn: Connection, findings: Sequence[Finding]) -> list[GateItem]:
    """The findings with their priority, most urgent first.

    The ingest just scored what it changed on this connection: the stored scores are read (and any
    still missing computed) rather than the whole priority worked out a second time."""
    by_id = {f.id: f for f in findings}
    ids = inventory_repo.asset_ids(conn)
    risk_service.refresh_in(conn, sorted({ids[f.asset] for f in findings}))
    scores = risk_repo.scores_for(conn, list(by_id))
    summaries = _summaries(conn, sorted({a for f in findings for a in f.advisory_ids}))
    members = members_of(conn, {f.alias_group for f in findings})
    triaged = {i: t for i, t in triage_map(conn, list(by_id)).items() if t.suppressed}
    items = []
    for f in findings:
        s = scores[f.id]
        items.append(GateItem(
            finding_id=f.id,
            asset=f.asset,
            ecosystem=f.ecosystem,
            package=f.package,
            installed_version=f.installed_version,
            alias_group=f.alias_group,
            identifiers=tuple(members.get(f.alias_group) or [f.alias_group]),
            fixed_versions=tuple(f.fixed_versions),
            decision=s.decision,
            score=s.score,
            in_kev=s.in_kev,
            severity=s.severity or "unknown",
            cvss=s.severity_score,
            summary=next((summaries[a] for a in f.advisory_ids if summaries.get(a)), ""),
            why=why_line(s.severity, s.severity_score, s.exploitation, s.system_exposure, s.automatable,
                         s.human_impact),
            suppressed_by=_triage_text(triaged[f.id]) if f.id in triaged else None,
        ))
    items.sort(key=lambda i: (DEPLOYER_ORDER[i.decision], -i.score, i.package, i.alias_group))
    return items


def _summaries(conn: Connection, advisory_ids: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in chunks(list(advisory_ids)):
        rows = conn.execute(sa.select(advisories.c.id, advisories.c.summary).where(advisories.c.id.in_(part)))
        out.update((r.id, r.summary or "") for r in rows)
    return out


def _triage_text(t: TriageView) -> str:
    by = f" by {t.actor}" if t.actor else ""
    return f"triage: {t.label}{by}" + (f": {t.reason}" if t.reason else "")
