"""Ingest, matching and the finding lifecycle against the store, on SQLite and PostgreSQL, with the
real juice-shop SBOM and the real GHSA advisories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from patchbook.errors import InputError
from patchbook.model.asset import Asset, AssetKind, Exposure
from patchbook.service import feeds as feed_service
from patchbook.service import inventory as service
from patchbook.store import Store
from patchbook.store.findings import get_finding, list_findings
from patchbook.store.schema import matched_versions, snapshots

JUICE = "sboms/cyclonedx/juice-shop/via_npm/bare/bom.1.4.json"
# (package, alias group) -> installed version, for the juice-shop SBOM against shared/data/osv/ghsa
EXPECTED = {
    ("express", "CVE-2024-29041"): "4.18.2",
    ("lodash", "CVE-2020-8203"): "2.4.2",
    ("lodash", "CVE-2021-23337"): "2.4.2",
    ("ws", "CVE-2024-37890"): "7.4.6",
}


@pytest.fixture
def estate(store: Store, shared_data: Path) -> Store:
    feed_service.import_paths(store, [shared_data / "osv" / "ghsa"])
    service.add_asset(store, Asset("juice-shop", AssetKind.SERVICE, exposure=Exposure.INTERNET))
    return store


def _open(store: Store) -> dict[tuple[str, str], str | None]:
    with store.engine.connect() as conn:
        return {(f.package, f.alias_group): f.installed_version for f in list_findings(conn, state="open")}


def _states(store: Store) -> dict[tuple[str, str], str]:
    with store.engine.connect() as conn:
        return {(f.package, f.alias_group): f.state.value for f in list_findings(conn)}


def _edit_sbom(source: Path, target: Path, change: dict[str, str | None]) -> Path:
    """A copy of the SBOM with some npm packages at other versions (None: removed), nested ones too."""
    bom: dict[str, Any] = json.loads(source.read_text())

    def edit(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = []
        for component in components:
            name = component["name"]
            if name in change:
                if change[name] is None:
                    continue
                component["version"] = change[name]
                component["purl"] = f"pkg:npm/{name}@{change[name]}"
            if "components" in component:
                component["components"] = edit(component["components"])
            kept.append(component)
        return kept

    bom["components"] = edit(bom["components"])
    target.write_text(json.dumps(bom))
    return target


def test_ingest_matches_the_real_sbom(estate: Store, shared_data: Path) -> None:
    result = service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    assert (result.format, result.components, result.unmatched) == ("cyclonedx-json", 1115, 0)
    assert (result.findings, result.new_findings) == (4, 4)
    assert _open(estate) == EXPECTED
    with estate.engine.connect() as conn:
        (express,) = [f for f in list_findings(conn) if f.package == "express"]
        assert express.fixed_versions == ("4.19.2",) and express.sources == ("patchbook",)
        assert express.advisory_ids == ("GHSA-rv95-896h-c2vc",)


def test_reingesting_the_same_file_changes_nothing(estate: Store, shared_data: Path) -> None:
    service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    again = service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    assert again.unchanged and again.new_findings == 0 and again.findings == 4
    with estate.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(snapshots)).scalar_one() == 1


def test_upgrade_fixes_removal_deactivates_and_return_reopens(
    estate: Store, shared_data: Path, tmp_path: Path
) -> None:
    service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    upgraded = _edit_sbom(shared_data / JUICE, tmp_path / "v2.json", {"lodash": "4.17.21", "ws": None})
    result = service.ingest_file(estate, "juice-shop", upgraded)
    assert (result.fixed, result.inactive, result.findings) == (2, 1, 1)
    assert _states(estate) == {
        ("express", "CVE-2024-29041"): "open",
        ("lodash", "CVE-2020-8203"): "fixed",
        ("lodash", "CVE-2021-23337"): "fixed",
        ("ws", "CVE-2024-37890"): "inactive",
    }
    back = service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    assert (back.reopened, back.findings) == (3, 4)
    with estate.engine.connect() as conn:
        (lodash,) = [f for f in list_findings(conn) if f.alias_group == "CVE-2020-8203"]
        found = get_finding(conn, lodash.id)
    assert found is not None
    assert [e.event for e in found[2]] == ["opened", "fixed", "reopened"]
    assert found[2][1].detail == {"from": "2.4.2", "to": "4.17.21"}


def test_each_version_is_matched_once_per_estate(estate: Store, shared_data: Path) -> None:
    service.add_asset(estate, Asset("juice-shop-canary", AssetKind.SERVICE))
    service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    with estate.engine.connect() as conn:
        matched = conn.execute(sa.select(sa.func.count()).select_from(matched_versions)).scalar_one()
    service.ingest_file(estate, "juice-shop-canary", shared_data / JUICE)
    with estate.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(matched_versions)).scalar_one() == matched
        assert len(list_findings(conn, asset="juice-shop-canary", state="open")) == 4


def test_new_advisories_rematch_only_what_they_name(estate: Store, shared_data: Path, tmp_path: Path) -> None:
    service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    feed = tmp_path / "new"
    feed.mkdir()
    (feed / "GHSA-test-0001-0001.json").write_text(
        json.dumps(
            {
                "id": "GHSA-test-0001-0001",
                "modified": "2026-01-01T00:00:00Z",
                "aliases": ["CVE-2026-0001"],
                "affected": [
                    {
                        "package": {"ecosystem": "npm", "name": "express"},
                        "ranges": [
                            {"type": "ECOSYSTEM", "events": [{"introduced": "4.0.0"}, {"fixed": "4.21.0"}]}
                        ],
                    }
                ],
            }
        )
    )
    (report,) = feed_service.import_paths(estate, [feed])
    assert report.packages_touched == {("npm", "express")}
    assert report.findings_opened == 1
    assert _open(estate)[("express", "CVE-2026-0001")] == "4.18.2"


def test_alias_merge_regroups_findings(estate: Store, shared_data: Path, tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    feed.mkdir()
    record = {
        "id": "GHSA-aaaa-0000-0001",
        "modified": "2026-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "express"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.0.0"}]}],
            }
        ],
    }
    (feed / "a.json").write_text(json.dumps(record))
    feed_service.import_paths(estate, [feed])
    service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    assert ("express", "GHSA-aaaa-0000-0001") in _open(estate)
    (feed / "a.json").write_text(
        json.dumps({**record, "modified": "2026-02-01T00:00:00Z", "aliases": ["CVE-2026-0002"]})
    )
    feed_service.import_paths(estate, [feed])
    opened = _open(estate)
    assert ("express", "CVE-2026-0002") in opened and ("express", "GHSA-aaaa-0000-0001") not in opened


def test_unknown_asset_says_how_to_add_it(store: Store, shared_data: Path) -> None:
    with pytest.raises(service.UnknownAsset, match="patchbook asset add nobody --kind service"):
        service.ingest_file(store, "nobody", shared_data / JUICE)


def test_inventory_file_declares_assets_and_ingests(store: Store, shared_data: Path, tmp_path: Path) -> None:
    feed_service.import_paths(store, [shared_data / "osv" / "ghsa"])
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        f"""assets:
  - name: order-gateway
    kind: service
    owner: gateways
    criticality: critical
    exposure: internet-facing
    depends_on: [risk-engine]
    sbom: {shared_data / JUICE}
  - name: risk-engine
    kind: service
    value_at_risk_usd: 5.0e7
"""
    )
    first = service.apply_inventory(store, inventory)
    assert first.changes == [("order-gateway", "added"), ("risk-engine", "added")]
    assert [r.new_findings for r in first.ingests] == [4]
    second = service.apply_inventory(store, inventory)
    assert second.changes == [("order-gateway", "unchanged"), ("risk-engine", "unchanged")]
    assert second.ingests[0].unchanged


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "assets:\n  - name: a\n    kind: service\n    colour: blue\n",
            "line 4: assets[0].colour: unknown key",
        ),
        ("assets:\n  - name: a\n    kind: spaceship\n", "line 3: assets[0].kind: unknown value 'spaceship'"),
        (
            "assets:\n  - name: a\n    kind: service\n    depends_on: [b]\n",
            "line 2: asset 'a' depends on 'b'",
        ),
        ("assets:\n  - kind: service\n", "line 2: assets[0]: an asset needs 'name'"),
        ("assets: [\n", "not valid YAML"),
    ],
)
def test_inventory_errors_name_line_and_key(store: Store, tmp_path: Path, body: str, message: str) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(body)
    with pytest.raises(InputError) as info:
        service.apply_inventory(store, inventory)
    assert message in str(info.value) and str(inventory) in str(info.value)


def _record(
    rid: str, package: str, *, modified: str = "2026-01-01T00:00:00Z", **extra: Any
) -> dict[str, Any]:
    return {
        "id": rid,
        "modified": modified,
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0.0"}]}],
            }
        ],
        **extra,
    }


def _import(store: Store, directory: Path, *records: dict[str, Any]) -> feed_service.ImportReport:
    directory.mkdir(exist_ok=True)
    for record in records:
        (directory / f"{record['id']}.json").write_text(json.dumps(record))
    (report,) = feed_service.import_paths(store, [directory])
    return report


def _history(store: Store, package: str, group: str) -> list[str]:
    with store.engine.connect() as conn:
        (finding,) = [f for f in list_findings(conn) if f.package == package and f.alias_group == group]
        found = get_finding(conn, finding.id)
    assert found is not None
    return [e.event for e in found[2]]


def test_an_edit_that_drops_a_package_closes_its_finding(
    estate: Store, shared_data: Path, tmp_path: Path
) -> None:
    _import(estate, tmp_path / "feed", _record("GHSA-edit-0000-0001", "express"))
    service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    assert ("express", "GHSA-edit-0000-0001") in _open(estate)
    report = _import(
        estate, tmp_path / "feed", _record("GHSA-edit-0000-0001", "left-pad", modified="2026-02-01T00:00:00Z")
    )
    assert ("npm", "express") in report.packages_touched  # the package the old revision named
    assert ("express", "GHSA-edit-0000-0001") not in _open(estate)
    # Nothing was upgraded: the finding is not "fixed", the advisory no longer covers the version.
    assert _history(estate, "express", "GHSA-edit-0000-0001") == ["opened", "not-affected"]


def test_a_withdrawn_advisory_is_not_a_fix(estate: Store, shared_data: Path, tmp_path: Path) -> None:
    _import(estate, tmp_path / "feed", _record("GHSA-wdrn-0000-0001", "express"))
    service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    _import(
        estate,
        tmp_path / "feed",
        _record(
            "GHSA-wdrn-0000-0001",
            "express",
            modified="2026-03-01T00:00:00Z",
            withdrawn="2026-03-01T00:00:00Z",
        ),
    )
    assert _states(estate)[("express", "GHSA-wdrn-0000-0001")] == "inactive"
    assert _history(estate, "express", "GHSA-wdrn-0000-0001") == ["opened", "not-affected"]


def test_a_merge_named_through_another_package_still_moves_the_finding(
    estate: Store, shared_data: Path, tmp_path: Path
) -> None:
    _import(estate, tmp_path / "a", _record("GHSA-mrge-0000-0001", "express"))
    service.ingest_file(estate, "juice-shop", shared_data / JUICE)
    # A PYSEC record for another package ties the GHSA to a CVE: the group is renamed without the
    # import naming express, so express is not re-matched; its finding must still follow the merge.
    _import(
        estate,
        tmp_path / "b",
        _record("PYSEC-2026-1", "left-pad", aliases=["CVE-2026-7777", "GHSA-mrge-0000-0001"]),
    )
    assert ("express", "CVE-2026-7777") in _open(estate)
    edited = _edit_sbom(shared_data / JUICE, tmp_path / "v2.json", {"ws": "8.17.1"})
    service.ingest_file(estate, "juice-shop", edited)  # a re-ingest reconciles express from the cache
    assert ("express", "CVE-2026-7777") in _open(estate)
    assert ("express", "GHSA-mrge-0000-0001") not in _states(estate)
    assert _history(estate, "express", "CVE-2026-7777") == ["opened", "regrouped"]


def test_feeds_import_refuses_a_fifo(store: Store, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "feed.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        feed_service.import_paths(store, [fifo])
