"""The demo's smart contracts: an options vault behind a UUPS proxy (48 h timelock, 3-of-5 multisig,
pausable) built with solc 0.8.15 and OpenZeppelin 4.8.0, and an immutable token built without the
optimizer; their findings and remediation constraints show in the demo."""

from __future__ import annotations

import json

from tests.cli.conftest import Run


def test_demo_shows_contract_findings_and_their_constraints(run: Run) -> None:
    result = run("demo", "--no-simulate", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    by_asset: dict[str, set[str]] = {}
    for f in data["findings"]:
        by_asset.setdefault(f["asset"], set()).add(f"{f['ecosystem']}:{f['alias_group']}")
    vault = by_asset["options-vault"]
    # the Yul-optimizer bug applies (optimizer on); the OpenZeppelin advisories reach 4.8.0
    assert {"solidity-compiler:SOL-2022-7", "npm:CVE-2023-26488", "npm:CVE-2023-34459"} <= vault
    # the token is built without the optimizer: no Yul-optimizer bug, no library advisory for 4.9.3
    assert by_asset["venue-token"] == {"solidity-compiler:SOL-2023-3", "solidity-compiler:SOL-2023-1"}
    contracts = {c["asset"]: c for c in data["contracts"]}
    v = contracts["options-vault"]
    assert (v["proxy"], v["timelock"]["min_delay_seconds"], v["multisig"]["threshold"], v["pausable"]) == (
        "uups",
        172800,
        3,
        True,
    )
    assert (v["fix_path"], v["containment"]) == ("timelocked upgrade", "pause")
    assert contracts["venue-token"]["fix_path"] == "migration"

    shown = run("contract", "show", "options-vault")
    assert "timelock: minimum delay 48 h" in shown.stdout
    assert "pausable: yes" in shown.stdout and "multisig: 3 of 5" in shown.stdout

    # findings show / explain of a contract's finding carry its remediation constraints
    ids = {(f["asset"], f["alias_group"]): f["id"] for f in data["findings"]}
    compiler_bug = str(ids[("options-vault", "SOL-2022-7")])
    shown_finding = json.loads(run("findings", "show", compiler_bug, "--json").stdout)
    assert shown_finding["contract"]["profile"]["min_lead_time_seconds"] == 172800
    [bug] = shown_finding["contract"]["compiler_bugs"]
    assert (bug["name"], bug["status"], bug["conditions"]) == (
        "StorageWriteRemovalBeforeConditionalTermination",
        "applies",
        {"yulOptimizer": True},
    )
    library = str(ids[("options-vault", "CVE-2023-26488")])
    explained = json.loads(run("findings", "explain", library, "--json").stdout)
    assert explained["contract"]["profile"]["containment"] == "pause"
    text = run("findings", "explain", library).stdout
    assert "timelock: minimum delay 48 h" in text and "containment: pause()" in text
    service_finding = next(f for f in data["findings"] if f["asset"] == "order-gateway")
    assert "contract" not in json.loads(run("findings", "show", str(service_finding["id"]), "--json").stdout)
