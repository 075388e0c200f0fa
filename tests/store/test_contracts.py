"""Contract assets in the store, on SQLite and PostgreSQL: details, the bug-list feed, compiler-bug
findings and library advisories, declared in an inventory file or saved directly."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from patchbook.errors import InputError
from patchbook.model.asset import Asset, AssetKind
from patchbook.model.contract import (
    CompilerSettings,
    ContractDetails,
    Library,
    Multisig,
    ProxyPattern,
    Timelock,
)
from patchbook.service import contracts as service
from patchbook.service import feeds as feed_service
from patchbook.service import inventory as inventory_service
from patchbook.store import Store
from patchbook.store import contracts as repo
from patchbook.store.findings import list_findings
from patchbook.store.schema import assets, contracts, finding_events, findings

VAULT = ContractDetails(
    chain="ethereum",
    chain_id=1,
    address="0x" + "ab" * 20,
    contract_name="OptionsVault",
    compiler_version="0.8.15",
    settings=CompilerSettings(optimizer=True, runs=200, via_ir=False, evm_version="london"),
    libraries=(Library("@openzeppelin/contracts", "4.8.0"),),
    proxy=ProxyPattern.UUPS,
    implementation="0x" + "cd" * 20,
    owner="0x" + "ef" * 20,
    timelock=Timelock("0x" + "12" * 20, 48 * 3600),
    multisig=Multisig(3, 5, "0x" + "34" * 20),
    pausable=True,
)
ASSET = Asset(name="options-vault", kind=AssetKind.CONTRACT, value_at_risk_usd=42_000_000)

OZ_ADVISORIES = ("GHSA-878m-3g6q-594q.json", "GHSA-wprv-93r4-jj2p.json", "GHSA-4h98-2769-gh6h.json")


@pytest.fixture
def bug_list(store: Store, shared_data: Path) -> None:
    service.import_bug_files(
        store, [shared_data / "solidity" / "bugs.json", shared_data / "solidity" / "bugs_by_version.json"]
    )


def _open(store: Store, asset: str, ecosystem: str) -> dict[str, str]:
    with store.engine.connect() as conn:
        return {
            f.alias_group: f.installed_version or ""
            for f in list_findings(conn, asset=asset, state="open")
            if f.ecosystem == ecosystem
        }


def test_details_round_trip_and_change_detection(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute(
            sa.insert(assets).values(
                name="v",
                kind="contract",
                environment="prod",
                criticality="high",
                exposure="internal",
                tags=[],
                attributes={},
                created_at=sa.func.now(),
                updated_at=sa.func.now(),
            )
        )
        asset_id = conn.execute(sa.select(assets.c.id)).scalar_one()
        assert repo.upsert(conn, asset_id, VAULT, "test") == "added"
        assert repo.get(conn, asset_id) == VAULT
        assert repo.upsert(conn, asset_id, VAULT, "test") == "unchanged"
        assert repo.upsert(conn, asset_id, ContractDetails(proxy=ProxyPattern.NONE), "test") == "changed"
        assert repo.get(conn, asset_id) == ContractDetails()


def test_compiler_bugs_become_findings_and_follow_a_compiler_upgrade(store: Store, bug_list: None) -> None:
    saved = service.save_contract(store, ASSET, VAULT, "test")
    assert saved.compiler is not None
    statuses = {m.bug.name: m.status.value for m in saved.compiler.matches}
    assert statuses["StorageWriteRemovalBeforeConditionalTermination"] == "applies"
    found = _open(store, "options-vault", service.SOLC_ECOSYSTEM)
    assert found["SOL-2022-7"] == "0.8.15"  # StorageWriteRemovalBeforeConditionalTermination
    assert set(found) == {"SOL-2023-3", "SOL-2023-2", "SOL-2023-1", "SOL-2022-7", "SOL-2022-6"}
    with store.engine.connect() as conn:
        f = next(x for x in list_findings(conn, asset="options-vault") if x.alias_group == "SOL-2022-7")
        assert f.sources == (service.SOLC_SOURCE,)
        assert f.fixed_versions == ("0.8.17",)
        stored = {b["name"]: b["status"] for b in service.compiler_bug_status(conn, "options-vault")}
        assert stored == statuses
        # what the risk model can read for the finding's advisory id (the bug's name)
        record = repo.bug_records(conn, f.advisory_ids)["StorageWriteRemovalBeforeConditionalTermination"]
        assert record["database_specific"]["severity"] == "HIGH"  # the bug list says medium/high
        assert record["aliases"] == ["SOL-2022-7"] and record["references"][0]["url"].startswith("https://")
        [affected] = record["affected"]
        assert affected["ranges"][0]["events"] == [{"introduced": "0.8.13"}, {"fixed": "0.8.17"}]
    # same compiler again: nothing changes
    again = service.save_contract(store, ASSET, VAULT, "test")
    assert again.compiler is not None and again.compiler.opened == again.compiler.fixed == 0
    # 0.8.21: everything fixed by 0.8.21 is fixed; VerbatimInvalidDeduplication (fixed 0.8.23) stays
    upgraded = service.save_contract(
        store, ASSET, ContractDetails(**{**_fields(VAULT), "compiler_version": "0.8.21"}), "t"
    )
    assert upgraded.compiler is not None and upgraded.compiler.fixed == 4
    assert set(_open(store, "options-vault", service.SOLC_ECOSYSTEM)) == {"SOL-2023-3"}


def _fields(d: ContractDetails) -> dict[str, object]:
    return {k: getattr(d, k) for k in d.__slots__}


def test_settings_missing_is_conditions_unknown_not_silence(store: Store, bug_list: None) -> None:
    bare = ContractDetails(compiler_version="0.8.15")
    saved = service.save_contract(store, Asset(name="bare", kind=AssetKind.CONTRACT), bare, "test")
    assert saved.compiler is not None
    unknown = {
        m.bug.name: m.unknown for m in saved.compiler.matches if m.status.value == "conditions-unknown"
    }
    assert unknown["StorageWriteRemovalBeforeConditionalTermination"] == ("yulOptimizer",)
    assert "SOL-2022-7" in _open(store, "bare", service.SOLC_ECOSYSTEM)


def test_libraries_match_real_openzeppelin_advisories(store: Store, shared_data: Path) -> None:
    feed_service.import_paths(store, [shared_data / "osv" / "ghsa" / name for name in OZ_ADVISORIES])
    service.save_contract(store, ASSET, VAULT, "test")
    npm = _open(store, "options-vault", "npm")
    # 4.8.0: the mulDiv (4.8.0..4.8.2) and MerkleProof (4.7.0..4.9.2) advisories, not ECDSA (fixed 4.7.3)
    assert set(npm) == {"CVE-2023-26488", "CVE-2023-34459"}
    assert set(npm.values()) == {"4.8.0"}


def test_bug_list_import_later_rematches_contracts(store: Store, shared_data: Path) -> None:
    service.save_contract(store, ASSET, VAULT, "test")
    assert _open(store, "options-vault", service.SOLC_ECOSYSTEM) == {}
    [report] = service.import_bug_files(store, [shared_data / "solidity" / "bugs.json"])
    assert report.kind == "solc-bugs" and report.counts.inserted == 59
    assert report.findings_opened == 5
    assert report.upstream_marker == "59 bugs, newest SOL-2023-3"
    [again] = service.import_bug_files(store, [shared_data / "solidity" / "bugs.json"])
    assert (again.counts.unchanged, again.findings_opened) == (59, 0)


INVENTORY = """\
assets:
  - name: options-vault
    kind: contract
    value_at_risk_usd: 42000000
    contract:
      chain: ethereum
      chain_id: 1
      address: 0x00000000000000000000000000000000000000a1
      contract_name: OptionsVault
      compiler: {version: 0.8.15, optimizer: true, runs: 200, via_ir: false, evm_version: london}
      libraries: {"@openzeppelin/contracts": 4.8.0}
      proxy: uups
      implementation: 0x00000000000000000000000000000000000000a2
      timelock: {address: 0x00000000000000000000000000000000000000a3, min_delay: 48h}
      multisig: {threshold: 3, signers: 5}
      pausable: true
  - name: venue-token
    kind: contract
    contract:
      compiler: {version: 0.8.19, optimizer: false, via_ir: false}
      proxy: none
      pausable: false
"""


def test_inventory_apply_declares_contracts(
    store: Store, tmp_path: Path, shared_data: Path, bug_list: None
) -> None:
    feed_service.import_paths(store, [shared_data / "osv" / "ghsa" / name for name in OZ_ADVISORIES])
    path = tmp_path / "inventory.yaml"
    path.write_text(INVENTORY)
    applied = inventory_service.apply_inventory(store, path)
    [vault] = applied.ingests
    assert (vault.asset, vault.format, vault.components) == ("options-vault", "contract-libraries", 1)
    assert vault.findings == 7  # 5 compiler bugs + 2 OpenZeppelin advisories
    with store.engine.connect() as conn:
        profile = service.contract_profile(conn, "options-vault")
        assert profile is not None
        assert profile.details.timelock == Timelock("0x" + "0" * 38 + "a3", 172800)
        assert (profile.fix_path, profile.containment, profile.min_lead_time_seconds) == (
            "timelocked upgrade",
            "pause",
            172800,
        )
        assert "timelock: minimum delay 48 h" in profile.constraints()
        assert profile.value_at_risk_usd == 42_000_000
        token = service.contract_profile(conn, "venue-token")
        assert token is not None and (token.fix_path, token.containment) == ("migration", None)
        assert service.contract_profile(conn, "no-such-asset") is None
    # the token is built without the optimizer: no Yul-optimizer bug
    assert set(_open(store, "venue-token", service.SOLC_ECOSYSTEM)) == {"SOL-2023-3", "SOL-2023-1"}
    again = inventory_service.apply_inventory(store, path)
    assert again.ingests[0].unchanged and again.ingests[0].new_findings == 0
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(contracts)).scalar_one() == 2


BAD_SECTIONS = (
    (
        "address: 0x00000000000000000000000000000000000000a1",
        "address: 0x12",
        "line 8: assets[0].contract.address: expected a 20-byte hex address",
    ),
    ("proxy: uups", "proxy: diamond", "line 12: assets[0].contract.proxy: unknown value 'diamond'"),
    (
        "min_delay: 48h",
        "min_delay: soon",
        "line 14: assets[0].contract.timelock.min_delay: expected a delay",
    ),
    (
        "{threshold: 3, signers: 5}",
        "{threshold: 3, signers: 2}",
        "line 15: assets[0].contract.multisig.signers: 2 signers cannot reach",
    ),
    (
        "version: 0.8.15,",
        "version: latest,",
        "line 10: assets[0].contract.compiler.version: 'latest' is not a solc version",
    ),
    (
        "evm_version: london",
        "evm_version: merge",
        "line 10: assets[0].contract.compiler.evm_version: unknown value 'merge'",
    ),
    (
        "    kind: contract\n    value_at_risk_usd",
        "    kind: service\n    value_at_risk_usd",
        "line 6: assets[0].contract: only for kind contract",
    ),
)


def test_bad_contract_sections_name_the_line_and_write_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    for old, new, expected in BAD_SECTIONS:  # one store for all cases: each must leave it empty
        assert old in INVENTORY
        path.write_text(INVENTORY.replace(old, new, 1))
        with pytest.raises(InputError) as info:
            inventory_service.apply_inventory(store, path)
        assert expected in str(info.value)
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(assets)).scalar_one() == 0


def test_a_library_change_leaves_compiler_findings_alone(store: Store, bug_list: None) -> None:
    service.save_contract(store, ASSET, VAULT, "test")
    newer = ContractDetails(**{**_fields(VAULT), "libraries": (Library("@openzeppelin/contracts", "4.9.3"),)})
    service.save_contract(store, ASSET, newer, "test")
    assert len(_open(store, "options-vault", service.SOLC_ECOSYSTEM)) == 5
    with store.engine.connect() as conn:
        events = conn.execute(
            sa.select(finding_events.c.event)
            .join(findings, findings.c.id == finding_events.c.finding_id)
            .where(findings.c.ecosystem == service.SOLC_ECOSYSTEM)
        ).scalars()
        assert set(events) == {"opened"}  # the dependency ingest neither closed nor reopened them
