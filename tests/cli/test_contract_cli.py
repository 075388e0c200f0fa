"""`patchbook contract import/show/list` and the bug list through `patchbook feeds import`, as a user
runs them: a Hardhat build-info and a Foundry artifact built around the real OptionsVault.sol."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run

OZ_HEADER = (
    "// SPDX-License-Identifier: MIT\n"
    "// OpenZeppelin Contracts (last updated v{v}) ({f})\n"
    "pragma solidity ^0.8.0;\n"
)


@pytest.fixture
def build_info(tmp_path: Path, shared_data: Path) -> Path:
    vault = (shared_data / "reports" / "slither-cli" / "OptionsVault.sol").read_text()
    sources = {
        "contracts/OptionsVault.sol": {"content": vault},
        "@openzeppelin/contracts/access/Ownable.sol": {
            "content": OZ_HEADER.format(v="4.7.0", f="access/Ownable.sol")
        },
        "@openzeppelin/contracts/utils/math/Math.sol": {
            "content": OZ_HEADER.format(v="4.8.0", f="utils/math/Math.sol")
        },
        "@chainlink/contracts/src/v0.8/interfaces/AggregatorV3Interface.sol": {
            "content": "pragma solidity ^0.8.0;"
        },
    }
    doc = {
        "_format": "hh-sol-build-info-1",
        "id": "0f1e",
        "solcVersion": "0.8.15",
        "solcLongVersion": "0.8.15+commit.e14f2714",
        "input": {
            "language": "Solidity",
            "sources": sources,
            "settings": {
                "optimizer": {"enabled": True, "runs": 200},
                "evmVersion": "london",
                "outputSelection": {},
            },
        },
        "output": {},
    }
    path = tmp_path / "build-info.json"
    path.write_text(json.dumps(doc))
    return path


def test_bug_list_import_then_contract_import_show_and_list(
    run: Run, shared_data: Path, build_info: Path
) -> None:
    solidity = shared_data / "solidity"
    imported = run(
        "feeds", "import", str(solidity / "bugs.json"), str(solidity / "bugs_by_version.json"), "--json"
    )
    assert imported.returncode == 0, imported.stderr
    kinds = [(r["kind"], r["records"]) for r in json.loads(imported.stdout)["imports"]]
    assert kinds == [("solc-bugs", 59), ("solc-versions", 112)]

    result = run(
        "contract", "import", str(build_info), "--name", "options-vault",
        "--address", "0x" + "a1" * 20, "--chain", "ethereum", "--chain-id", "1",
        "--library", "@chainlink/contracts@0.8.0", "--value-at-risk", "42000000", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format"] == "hardhat-build-info"
    contract = data["contract"]
    assert contract["compiler_version"] == "0.8.15"
    assert contract["settings"]["optimizer"] is True and contract["settings"]["via_ir"] is False
    # the newest OpenZeppelin header among the imported files, and the version given for chainlink
    assert contract["libraries"] == [
        {"name": "@chainlink/contracts", "version": "0.8.0"},
        {"name": "@openzeppelin/contracts", "version": "4.8.0"},
    ]
    assert {b["name"] for b in data["compiler_bugs"]} >= {"StorageWriteRemovalBeforeConditionalTermination"}
    assert data["libraries"]["components"] == 2

    shown = run("contract", "show", "options-vault", "--json")
    assert shown.returncode == 0, shown.stderr
    profile = json.loads(shown.stdout)
    assert (profile["proxy"], profile["fix_path"], profile["value_at_risk_usd"]) == (
        "none",
        "migration",
        42000000,
    )
    assert len(profile["compiler_bugs"]) == 5

    text = run("contract", "show", "options-vault")
    assert "immutable: a fix is a migration" in text.stdout and "StorageWriteRemoval" in text.stdout
    listed = run("contract", "list", "--json")
    assert [c["asset"] for c in json.loads(listed.stdout)["contracts"]] == ["options-vault"]
    findings = run("findings", "list", "--asset", "options-vault", "--json")
    groups = {
        f["alias_group"]
        for f in json.loads(findings.stdout)["findings"]
        if f["ecosystem"] == "solidity-compiler"
    }
    assert "SOL-2022-7" in groups


def test_unknown_library_version_is_a_warning_not_a_guess(run: Run, tmp_path: Path, build_info: Path) -> None:
    result = run("contract", "import", str(build_info), "--name", "v")
    assert result.returncode == 0, result.stderr
    assert "@chainlink/contracts is imported but its version is unknown" in result.stderr


def test_bad_build_files_and_options_exit_2(run: Run, tmp_path: Path, build_info: Path) -> None:
    not_build = tmp_path / "x.json"
    not_build.write_text('{"bomFormat": "CycloneDX"}')
    result = run("contract", "import", str(not_build), "--name", "v")
    assert result.returncode == 2 and "not a contract build file" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"solcVersion": ')
    result = run("contract", "import", str(broken), "--name", "v")
    assert result.returncode == 2 and "malformed JSON" in result.stderr
    result = run("contract", "import", str(build_info), "--name", "v", "--address", "0x12")
    assert result.returncode == 2 and "40 hex digits" in result.stderr
    result = run("contract", "import", str(build_info), "--name", "v", "--library", "openzeppelin")
    assert result.returncode == 2 and "NAME@VERSION" in result.stderr
    result = run("contract", "show", "nope")
    assert result.returncode == 2 and "not a contract" in result.stderr
    assert run("asset", "list", "--json").stdout.count('"name"') == 0
