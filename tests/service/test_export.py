"""CycloneDX VDR and VEX of an asset's findings, from the real juice-shop SBOM and the real GHSA
advisories, on SQLite and PostgreSQL; every document is checked against the CycloneDX JSON schema."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from patchbook.errors import InputError
from patchbook.model.asset import Asset, AssetKind, Exposure
from patchbook.model.finding import Finding, FindingState
from patchbook.model.risk import SeverityAssessment
from patchbook.service import export
from patchbook.service import feeds as feed_service
from patchbook.service import inventory as service
from patchbook.service.findings import FindingView
from patchbook.store import Store
from patchbook.store.findings import list_findings
from tests.store.test_inventory_findings import JUICE, _edit_sbom

SUBJECT = "patchbook:asset:juice-shop"


@pytest.fixture
def juice(store: Store, shared_data: Path) -> Store:
    feed_service.import_paths(store, [shared_data / "osv" / "ghsa"])
    service.add_asset(store, Asset("juice-shop", AssetKind.SERVICE, exposure=Exposure.INTERNET))
    service.ingest_file(store, "juice-shop", shared_data / JUICE)
    return store


def _document(store: Store, kind: export.Kind, spec: str = "1.6", **kw: Any) -> dict[str, Any]:
    with store.engine.connect() as conn:
        text = export.render(export.load(conn, "juice-shop", kind, **kw), kind, spec)
    error = JsonStrictValidator(SchemaVersion.from_version(spec)).validate_str(text)
    assert error is None, str(error)
    doc: dict[str, Any] = json.loads(text)
    assert (doc["bomFormat"], doc["specVersion"]) == ("CycloneDX", spec)
    # every affects ref names a component of the BOM or its subject
    refs = {c["bom-ref"] for c in doc.get("components", [])} | {doc["metadata"]["component"]["bom-ref"]}
    assert all(t["ref"] in refs for v in doc["vulnerabilities"] for t in v["affects"])
    return doc


def _by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["id"]: v for v in doc["vulnerabilities"]}


def _props(v: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in v.get("properties", [])}


def test_vdr_of_the_real_sbom(juice: Store) -> None:
    doc = _document(juice, "vdr")
    assert doc["metadata"]["component"]["name"] == "juice-shop"
    assert sorted(c["bom-ref"] for c in doc["components"]) == [
        "pkg:npm/express@4.18.2",
        "pkg:npm/lodash@2.4.2",
        "pkg:npm/ws@7.4.6",
    ]
    vulns = _by_id(doc)
    assert sorted(vulns) == ["CVE-2020-8203", "CVE-2021-23337", "CVE-2024-29041", "CVE-2024-37890"]
    express = vulns["CVE-2024-29041"]
    assert express["source"] == {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2024-29041"}
    assert express["references"] == [
        {
            "id": "GHSA-rv95-896h-c2vc",
            "source": {"name": "GitHub", "url": "https://github.com/advisories/GHSA-rv95-896h-c2vc"},
        }
    ]
    (rating,) = express["ratings"]
    assert (rating["method"], rating["score"], rating["severity"]) == ("CVSSv31", 6.1, "medium")
    assert rating["vector"] == "AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"  # the library drops "CVSS:3.1/"
    assert express["recommendation"] == "Upgrade express to 4.19.2"
    assert express["affects"] == [
        {"ref": "pkg:npm/express@4.18.2", "versions": [{"status": "affected", "version": "4.18.2"}]}
    ]
    assert express["published"].startswith("2024-03-25") and "analysis" not in express
    assert vulns["CVE-2020-8203"]["recommendation"] == "Upgrade lodash to 4.17.20"
    assert vulns["CVE-2021-23337"]["recommendation"] == "Upgrade lodash to 4.17.21"
    assert vulns["CVE-2024-37890"]["recommendation"] == "Upgrade ws to 7.5.10"
    assert vulns["CVE-2020-8203"]["description"] == "Prototype Pollution in lodash"
    assert 1321 in vulns["CVE-2020-8203"]["cwes"]
    with juice.engine.connect() as conn:
        ids = {f.alias_group: str(f.id) for f in list_findings(conn, asset="juice-shop")}
    for vid, v in vulns.items():
        assert _props(v)["patchbook:finding_id"] == ids[vid]
        assert _props(v)["patchbook:state"] == "open" and "patchbook:kev" not in _props(v)
    assert _by_id(_document(juice, "vdr", "1.5")).keys() == vulns.keys()


def test_vex_states_follow_the_lifecycle(juice: Store, shared_data: Path, tmp_path: Path) -> None:
    before = _by_id(_document(juice, "vex"))
    assert {v["analysis"]["state"] for v in before.values()} == {"in_triage"}
    assert {tuple(v["analysis"]["response"]) for v in before.values()} == {("update",)}

    upgraded = _edit_sbom(shared_data / JUICE, tmp_path / "v2.json", {"lodash": "4.17.21", "ws": None})
    service.ingest_file(juice, "juice-shop", upgraded)
    vulns = _by_id(_document(juice, "vex"))
    assert {k: v["analysis"]["state"] for k, v in vulns.items()} == {
        "CVE-2024-29041": "in_triage",
        "CVE-2020-8203": "resolved",
        "CVE-2021-23337": "resolved",
        "CVE-2024-37890": "not_affected",
    }
    lodash = vulns["CVE-2020-8203"]
    assert lodash["analysis"]["response"] == ["update"]
    assert lodash["affects"] == [
        {
            "ref": "pkg:npm/lodash@4.17.21",
            "versions": [
                {"status": "affected", "version": "2.4.2"},
                {"status": "unaffected", "version": "4.17.21"},
            ],
        }
    ]
    ws = vulns["CVE-2024-37890"]
    assert ws["analysis"]["justification"] == "code_not_present"
    assert ws["affects"] == [{"ref": SUBJECT}]  # ws is gone from the BOM: the statement is about the asset
    assert _props(ws)["patchbook:state"] == "inactive"
    assert _by_id(_document(juice, "vex", "1.5")).keys() == vulns.keys()

    # the VDR now discloses only what still affects the asset
    vdr = _document(juice, "vdr")
    assert list(_by_id(vdr)) == ["CVE-2024-29041"]
    assert [c["bom-ref"] for c in vdr["components"]] == ["pkg:npm/express@4.18.2"]
    fixed_only = _by_id(_document(juice, "vex", state=FindingState.FIXED))
    assert sorted(fixed_only) == ["CVE-2020-8203", "CVE-2021-23337"]


def test_bad_requests(juice: Store) -> None:
    with juice.engine.connect() as conn:
        with pytest.raises(InputError, match="no asset named 'ghost'"):
            export.load(conn, "ghost", "vdr")
        with pytest.raises(InputError, match="open findings only"):
            export.load(conn, "juice-shop", "vdr", FindingState.FIXED)
        data = export.load(conn, "juice-shop", "vex")
    with pytest.raises(InputError, match=r"expected one of 1\.5, 1\.6"):
        export.render(data, "vex", "1.4")


# --- without a store: KEV, a stated severity, no fix ----------------------------------------------


def _finding(**kw: Any) -> Finding:
    now = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
    base: dict[str, Any] = {
        "id": 7,
        "asset": "order-gateway",
        "ecosystem": "npm",
        "package": "undici",
        "alias_group": "GHSA-aaaa-bbbb-cccc",
        "state": FindingState.OPEN,
        "installed_version": "5.28.2",
        "fixed_versions": (),
        "advisory_ids": ("GHSA-aaaa-bbbb-cccc",),
        "direct": True,
        "first_seen": now,
        "last_seen": now,
        "state_changed_at": now,
        "sources": ("patchbook",),
    }
    return Finding(**{**base, **kw})


def _data(view: FindingView) -> export.ExportData:
    component = export.ExportComponent(
        "pkg:npm/undici@5.28.2", "undici", "5.28.2", "pkg:npm/undici@5.28.2", "npm", "undici", "5.28.2"
    )
    return export.ExportData(
        asset=Asset("order-gateway", AssetKind.SERVICE),
        views=[view],
        components=[component],
        aliases={},
        advisories={},
    )


def test_kev_stated_severity_and_no_fix() -> None:
    stated = SeverityAssessment("high", None, None, None, True, "database_specific.severity")
    view = FindingView(_finding(), stated, date(2025, 2, 1), True, "a made-up advisory")
    for kind in ("vdr", "vex"):
        text = export.render(_data(view), kind)  # type: ignore[arg-type]
        assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
        (v,) = json.loads(text)["vulnerabilities"]
        assert v["source"]["name"] == "GitHub" and "references" not in v
        (rating,) = v["ratings"]
        assert (rating["method"], rating["severity"]) == ("other", "high") and "score" not in rating
        assert v["recommendation"] == "No fixed version known"
        assert _props(v)["patchbook:kev"] == "true"
        assert _props(v)["patchbook:kev_due_date"] == "2025-02-01"
    assert v["analysis"]["state"] == "in_triage" and v["analysis"]["response"] == ["can_not_fix"]


def test_first_fix_orders_by_ecosystem() -> None:
    assert export.first_fix(_finding(fixed_versions=("10.0.0", "9.3.1"))) == "9.3.1"
    assert export.first_fix(_finding(ecosystem="PyPI", fixed_versions=("2.0", "1.10", "1.9"))) == "1.9"
    assert export.first_fix(_finding()) is None
