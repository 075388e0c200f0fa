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
