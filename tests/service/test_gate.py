"""The gate's scratch run leaves the store as it was, on both back ends; --record keeps the ingest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import patchbook
from patchbook.model.asset import Asset, AssetKind, Criticality, Exposure
from patchbook.risk.gate import DEFAULT_GATE_POLICY
from patchbook.service.feeds import import_paths
from patchbook.service.gate import run_gate
from patchbook.service.inventory import UnknownAsset, add_asset
from patchbook.store import Store
from patchbook.store.findings import list_findings
from patchbook.store.inventory import asset_ids

DEMO = Path(patchbook.__file__).parent / "demo" / "data"
TODAY = date(2026, 11, 25)


def test_scratch_run_rolls_back_and_record_keeps(store: Store) -> None:
    import_paths(store, [DEMO / "advisories", DEMO / "kev.json"])
    sbom = DEMO / "sboms" / "settlement-service.cdx.xml"
    asset = Asset("settlement-service", AssetKind.SERVICE, criticality=Criticality.CRITICAL,
                  exposure=Exposure.INTERNET, trading_role="settlement", value_at_risk_usd=45e6)
    outcome = run_gate(store, asset, sbom, DEFAULT_GATE_POLICY, today=TODAY)
    assert not outcome.passed and not outcome.recorded
    kev = {v.item.alias_group for v in outcome.violations if v.item.in_kev}
    assert {"CVE-2021-44228", "CVE-2021-45046"} <= kev
    # internet-facing, critical, in KEV: urgent for SSVC too, so two rules fail it
    log4shell = next(v for v in outcome.violations if v.item.alias_group == "CVE-2021-44228")
    assert log4shell.rules == (f"decision {log4shell.item.decision}", "in CISA KEV")
    assert log4shell.item.decision in ("immediate", "out-of-cycle")
    with store.engine.connect() as conn:
        assert asset_ids(conn) == {} and list_findings(conn) == []

    with pytest.raises(UnknownAsset):
        run_gate(store, asset, sbom, DEFAULT_GATE_POLICY, today=TODAY, record=True)
    add_asset(store, asset)
    kept = run_gate(store, asset, sbom, DEFAULT_GATE_POLICY, today=TODAY, record=True)
    assert kept.recorded and {i.finding_id for i in kept.items}
    with store.engine.connect() as conn:
        assert {f.id for f in list_findings(conn, state="open")} == {i.finding_id for i in kept.items}
