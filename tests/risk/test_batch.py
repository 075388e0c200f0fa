"""The estate scorer gives exactly what prioritise + due_date give, on real advisories and the real KEV."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from patchbook.model.asset import Asset, AssetKind, Criticality, Environment, Exposure
from patchbook.model.risk import EpssScore, Reachability
from patchbook.risk import best_severity, prioritise
from patchbook.risk.batch import Scorer, VulnerabilityInputs
from patchbook.risk.sla import due_date, parse_sla_policy
from tests.risk.test_exploitation import kev_index

ASSETS = [
    Asset(
        "wallet",
        AssetKind.SERVICE,
        trading_role="wallet-signer",
        criticality=Criticality.CRITICAL,
        value_at_risk_usd=2.5e8,
        tags=("custody",),
    ),
    Asset(
        "gateway",
        AssetKind.SERVICE,
        trading_role="order-gateway",
        criticality=Criticality.CRITICAL,
        exposure=Exposure.INTERNET,
        tags=("pci",),
    ),
    Asset(
        "md",
        AssetKind.SERVICE,
        trading_role="market-data",
        criticality=Criticality.HIGH,
        exposure=Exposure.PARTNER,
    ),
    Asset("vault", AssetKind.CONTRACT, criticality=Criticality.HIGH, value_at_risk_usd=3.8e7),
    Asset("staging", AssetKind.HOST, environment=Environment.STAGING, criticality=Criticality.LOW),
]
POLICY = parse_sla_policy(
    "version: 1\nseverities: {critical: 20}\nkev: {days: 10}\n"
    "rules:\n  - name: pci\n    when: {tags: [pci], severity: [high, critical]}\n    days: 5\n",
    "sla.yaml",
)


def _vulnerabilities(shared_data: Path) -> list[VulnerabilityInputs]:
    kev = kev_index()
    out = []
    for i, path in enumerate(sorted((shared_data / "osv" / "ghsa").glob("*.json"))):
        rec = json.loads(path.read_text())
        cves = [a for a in rec.get("aliases", []) if a.startswith("CVE-")]
        entry = kev.find(cves)
        epss = EpssScore(cves[0], (i % 10) / 10, None, "v2025.03.14", None) if cves and i % 3 else None
        out.append(
            VulnerabilityInputs.build(
                rec["id"],
                severity=best_severity(rec.get("severity") or [], rec.get("database_specific")),
                kev=entry,
                references=rec.get("references") or [],
                epss=epss,
            )
        )
    return out


@pytest.mark.parametrize("reachability", ["direct", "transitive", "unknown"])
def test_scorer_equals_prioritise_and_due_date(shared_data: Path, reachability: Reachability) -> None:
    vulns = _vulnerabilities(shared_data)
    assert any(v.kev for v in vulns) and any(v.epss for v in vulns)
    scorer = Scorer(POLICY)
    first_seen = date(2026, 3, 2)
    for key, asset in enumerate(ASSETS):
        for v in vulns:
            got = scorer.score(key, asset, v, reachability, first_seen)
            p = prioritise(
                v.vulnerability_id,
                asset,
                severity=v.severity,
                epss=v.epss,
                kev=v.kev,
                references=[v.exploit_reference] if v.exploit_reference else [],
                reachability=reachability,
            )
            due = due_date(
                POLICY,
                first_seen=first_seen,
                decision=p.deployer,
                severity=p.severity.band if p.severity else None,
                kev_due_date=v.kev.due_date if v.kev else None,
                in_kev=v.kev is not None,
                exploitation=p.exploitation.value,
                environment=asset.environment.value,
                tags=asset.tags,
            )
            assert (got.decision, got.cisa, got.due, got.due_reason) == (p.deployer, p.cisa, *due)
            assert got.score == pytest.approx(p.risk.score) and got.probability == p.risk.probability
    assert len(scorer._decided) < len(ASSETS) * len(vulns)  # alike vulnerabilities share a decision
