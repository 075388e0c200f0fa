"""Report findings against the store, on SQLite and PostgreSQL: one finding from many sources (Trivy and
patchbook's own matching of the real juice-shop SBOM against the real GHSA records), re-imports that
end one source's attribution, code findings that survive unrelated edits, nothing written on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from patchbook.errors import InputError
from patchbook.model.asset import Asset, AssetKind
from patchbook.service import feeds as feed_service
from patchbook.service import inventory
from patchbook.service import reports as service
from patchbook.service.inventory import UnknownAsset
from patchbook.store import Store
from patchbook.store.findings import get_finding, list_findings
from patchbook.store.reports import list_code_findings, report_details, stated_severities
from patchbook.store.schema import code_findings, findings, report_imports

JUICE = "sboms/cyclonedx/juice-shop/via_npm/bare/bom.1.4.json"


@pytest.fixture
def estate(store: Store, shared_data: Path) -> Store:
    feed_service.import_paths(store, [shared_data / "osv" / "ghsa"])
    inventory.add_asset(store, Asset("juice-shop", AssetKind.SERVICE))
    return store


def _vuln(vid: str, pkg: str, version: str, severity: str = "HIGH", **extra: Any) -> dict[str, Any]:
    return {
        "VulnerabilityID": vid,
        "PkgName": pkg,
        "InstalledVersion": version,
        "Severity": severity,
        **extra,
    }


def trivy_report(shared_data: Path, path: Path, vulns: list[dict[str, Any]]) -> Path:
    """The real Trivy sample's envelope around the juice-shop's npm packages."""
    doc = json.loads((shared_data / "reports" / "trivy" / "scheme_2_many_vulns.json").read_text())
    doc["ArtifactName"] = "juice-shop:latest"
    doc["Results"] = [
        {
            "Target": "juice-shop/package-lock.json",
            "Class": "lang-pkgs",
            "Type": "npm",
            "Vulnerabilities": vulns,
        }
    ]
    path.write_text(json.dumps(doc))
    return path


FULL = [
    _vuln("CVE-2020-8203", "lodash", "2.4.2", FixedVersion="4.17.19"),
    # Trivy names it by GHSA only: the store's alias group (keyed by the CVE) must still be found
    _vuln("GHSA-rv95-896h-c2vc", "express", "4.18.2", "MEDIUM"),
    _vuln("CVE-2099-0001", "left-pad", "1.3.0", "LOW"),  # no advisory in the store knows it
]


def _by_key(store: Store) -> dict[tuple[str, str], Any]:
    with store.engine.connect() as conn:
        return {(f.package, f.alias_group): f for f in list_findings(conn, asset="juice-shop")}


def test_trivy_and_own_matching_give_one_finding_with_two_attributions(
    estate: Store, shared_data: Path, tmp_path: Path
) -> None:
    inventory.ingest_file(estate, "juice-shop", shared_data / JUICE)
    result = service.ingest_any(estate, "juice-shop", trivy_report(shared_data, tmp_path / "t.json", FULL))
    assert (result.format, result.findings, result.new_findings, result.components) == ("trivy-json", 3, 1, 3)
    found = _by_key(estate)
    assert len(found) == 5  # the SBOM's 4 + left-pad
    assert found[("lodash", "CVE-2020-8203")].sources == ("patchbook", "trivy")
    assert found[("express", "CVE-2024-29041")].sources == ("patchbook", "trivy")
    assert found[("left-pad", "CVE-2099-0001")].sources == ("trivy",)
    assert found[("ws", "CVE-2024-37890")].sources == ("patchbook",)
    with estate.engine.connect() as conn:
        details = report_details(conn, found[("express", "CVE-2024-29041")].id)
    assert [(d["source"], d["severity"], d["stated_severity"]) for d in details] == [
        ("trivy", "medium", "MEDIUM")
    ]
    assert details[0]["ids"] == ["GHSA-rv95-896h-c2vc"]
    with estate.engine.connect() as conn:
        stated = stated_severities(conn, [f.id for f in found.values()])
    assert stated[found[("left-pad", "CVE-2099-0001")].id] == ("low", "trivy")
    assert stated[found[("lodash", "CVE-2020-8203")].id] == ("high", "trivy")
    assert found[("ws", "CVE-2024-37890")].id not in stated  # no report states it


def test_the_order_of_the_sources_does_not_matter(estate: Store, shared_data: Path, tmp_path: Path) -> None:
    first = service.ingest_any(estate, "juice-shop", trivy_report(shared_data, tmp_path / "t.json", FULL))
    assert first.new_findings == 3
    sbom = inventory.ingest_file(estate, "juice-shop", shared_data / JUICE)
    assert sbom.new_findings == 2  # lodash and express were already there: attributed, not duplicated
    found = _by_key(estate)
    assert len(found) == 5
    assert found[("lodash", "CVE-2020-8203")].sources == ("patchbook", "trivy")
    lodash = found[("lodash", "CVE-2020-8203")]
    # patchbook's own matching refreshes the finding with what the advisories say
    assert lodash.advisory_ids == ("GHSA-p6mc-m468-83gw",) and lodash.installed_version == "2.4.2"


def test_a_newer_report_ends_only_its_own_attribution(
    estate: Store, shared_data: Path, tmp_path: Path
) -> None:
    inventory.ingest_file(estate, "juice-shop", shared_data / JUICE)
    service.ingest_any(estate, "juice-shop", trivy_report(shared_data, tmp_path / "t1.json", FULL))
    newer = service.ingest_any(
        estate, "juice-shop", trivy_report(shared_data, tmp_path / "t2.json", FULL[1:2])
    )
    assert (newer.new_findings, newer.inactive) == (0, 1)
    found = _by_key(estate)
    lodash = found[("lodash", "CVE-2020-8203")]
    assert (lodash.state.value, lodash.sources) == ("open", ("patchbook",))  # patchbook still reports it
    left_pad = found[("left-pad", "CVE-2099-0001")]
    assert (left_pad.state.value, left_pad.sources) == ("inactive", ())
    with estate.engine.connect() as conn:
        got = get_finding(conn, left_pad.id)
    assert got is not None
    _, attributions, events = got
    assert [(a["source"], a["active"]) for a in attributions] == [("trivy", False)]
    assert [e.event for e in events] == ["opened", "inactive"] and events[1].detail["source"] == "trivy"
    # and the tool reporting it again reopens it
    again = service.ingest_any(estate, "juice-shop", trivy_report(shared_data, tmp_path / "t3.json", FULL))
    assert again.reopened == 1 and _by_key(estate)[("left-pad", "CVE-2099-0001")].state.value == "open"


def test_an_upgrade_seen_by_the_sbom_keeps_the_finding_open_while_trivy_reports_it(
    estate: Store, shared_data: Path, tmp_path: Path
) -> None:
    inventory.ingest_file(estate, "juice-shop", shared_data / JUICE)
    service.ingest_any(estate, "juice-shop", trivy_report(shared_data, tmp_path / "t1.json", FULL))
    bom = json.loads((shared_data / JUICE).read_text())

    def upgrade(components: list[dict[str, Any]]) -> None:
        for component in components:
            if component["name"] == "lodash":
                component["version"], component["purl"] = "4.17.21", "pkg:npm/lodash@4.17.21"
            upgrade(component.get("components", []))

    upgrade(bom["components"])
    upgraded = tmp_path / "bom.json"
    upgraded.write_text(json.dumps(bom))
    result = inventory.ingest_file(estate, "juice-shop", upgraded)
    assert result.fixed == 1  # CVE-2021-23337: only patchbook reported it
    found = _by_key(estate)
    assert found[("lodash", "CVE-2021-23337")].state.value == "fixed"
    lodash = found[("lodash", "CVE-2020-8203")]
    assert (lodash.state.value, lodash.sources) == ("open", ("trivy",))


def test_same_report_twice_changes_nothing(estate: Store, shared_data: Path, tmp_path: Path) -> None:
    path = trivy_report(shared_data, tmp_path / "t.json", FULL)
    service.ingest_any(estate, "juice-shop", path)
    again = service.ingest_any(estate, "juice-shop", path)
    assert again.unchanged and again.findings == 3 and again.new_findings == 0
    with estate.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(report_imports)).scalar_one() == 1


def test_slither_json_and_sarif_are_one_set_of_code_findings(estate: Store, shared_data: Path) -> None:
    cli = shared_data / "reports" / "slither-cli"
    first = service.ingest_any(estate, "juice-shop", cli / "options-vault.json")
    second = service.ingest_any(estate, "juice-shop", cli / "options-vault.sarif")
    assert (first.findings, first.new_findings) == (14, 14)
    assert (second.format, second.findings, second.new_findings, second.inactive) == ("sarif", 14, 0, 0)
    with estate.engine.connect() as conn:
        stored = list_code_findings(conn, asset="juice-shop")
    assert len(stored) == 14 and {c["tool"] for c in stored} == {"slither"}
    sweep = next(c for c in stored if c["rule_id"] == "arbitrary-send-eth")
    assert (sweep["severity"], sweep["file"], sweep["line"]) == ("high", "OptionsVault.sol", 38)


def _moved(source: Path, target: Path, shift: int, drop: int = 0) -> Path:
    """The SARIF with its fingerprints removed and every line moved (an unrelated edit above)."""
    doc = json.loads(source.read_text())
    results = doc["runs"][0]["results"]
    for r in results:
        r.pop("partialFingerprints", None)
        r.pop("fingerprints", None)
        for loc in r.get("locations", []):
            region = loc.get("physicalLocation", {}).get("region", {})
            if "startLine" in region:
                region["startLine"] += shift
    doc["runs"][0]["results"] = results[drop:]
    target.write_text(json.dumps(doc))
    return target


def test_code_findings_survive_unrelated_edits_and_newer_scans_close_the_rest(
    estate: Store, shared_data: Path, tmp_path: Path
) -> None:
    semgrep = shared_data / "reports" / "sarif" / "semgrep-oss-1.69.0.sarif"
    first = service.ingest_any(estate, "juice-shop", _moved(semgrep, tmp_path / "a.sarif", 0))
    moved = service.ingest_any(estate, "juice-shop", _moved(semgrep, tmp_path / "b.sarif", 12))
    assert first.new_findings == 77 and (moved.new_findings, moved.inactive) == (0, 0)
    fewer = service.ingest_any(estate, "juice-shop", _moved(semgrep, tmp_path / "c.sarif", 12, drop=5))
    assert (fewer.new_findings, fewer.inactive) == (0, 5)
    with estate.engine.connect() as conn:
        states = [c["state"] for c in list_code_findings(conn, asset="juice-shop")]
    assert states.count("open") == 72 and states.count("inactive") == 5


def test_bad_report_writes_nothing(estate: Store, shared_data: Path, tmp_path: Path) -> None:
    vulns = [*FULL, {"VulnerabilityID": "CVE-2099-0002", "InstalledVersion": "1.0.0"}]  # no PkgName
    with pytest.raises(InputError, match=r"Results\[0\]\.Vulnerabilities\[3\]\.PkgName"):
        service.ingest_any(estate, "juice-shop", trivy_report(shared_data, tmp_path / "bad.json", vulns))
    with pytest.raises(UnknownAsset):
        service.ingest_any(estate, "nobody", trivy_report(shared_data, tmp_path / "ok.json", FULL))
    with estate.engine.connect() as conn:
        for table in (findings, code_findings, report_imports):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0
