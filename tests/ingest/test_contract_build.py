"""Reading a contract's compiler, settings and libraries from the build files Foundry, Hardhat and
solc write (shapes as those tools emit them, around the real OptionsVault.sol)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from patchbook.errors import InputError
from patchbook.ingest.contract_build import read_build
from patchbook.model.contract import CompilerSettings, Library

OZ = "// OpenZeppelin Contracts (last updated v{}) (x.sol)\npragma solidity ^0.8.0;\n"


@pytest.fixture(scope="module")
def vault(shared_data: Path) -> str:
    return (shared_data / "reports" / "slither-cli" / "OptionsVault.sol").read_text()


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "build.json"
    path.write_text(json.dumps(doc))
    return path


def test_foundry_build_info_with_remapped_openzeppelin_and_via_ir(tmp_path: Path, vault: str) -> None:
    doc = {
        "id": "a1b2",
        "source_id_to_path": {"0": "src/OptionsVault.sol"},
        "language": "Solidity",
        "solcVersion": "0.8.20",
        "input": {
            "language": "Solidity",
            "sources": {
                "src/OptionsVault.sol": {"content": "pragma abicoder v2;\n" + vault},
                "lib/openzeppelin-contracts-upgradeable/contracts/proxy/utils/UUPSUpgradeable.sol": {
                    "content": OZ.format("4.9.0")
                },
            },
            "settings": {
                "optimizer": {"enabled": True, "runs": 10000, "details": {"yul": False}},
                "viaIR": True,
                "evmVersion": "shanghai",
            },
        },
        "output": {},
    }
    info = read_build(_write(tmp_path, doc))
    assert info.format == "foundry-build-info"
    assert info.compiler_version == "0.8.20"
    assert info.settings == CompilerSettings(
        optimizer=True, runs=10000, via_ir=True, evm_version="shanghai", yul_optimizer=False, abi_coder=2
    )
    assert info.libraries == (Library("@openzeppelin/contracts-upgradeable", "4.9.0"),)
    assert info.warnings == []


def test_artifact_metadata_string_names_the_target(tmp_path: Path, vault: str) -> None:
    metadata = {
        "compiler": {"version": "0.8.15+commit.e14f2714"},
        "language": "Solidity",
        "settings": {
            "compilationTarget": {"contracts/OptionsVault.sol": "OptionsVault"},
            "evmVersion": "london",
            "optimizer": {"enabled": False, "runs": 200},
        },
        "sources": {"node_modules/@openzeppelin/contracts/token/ERC20/IERC20.sol": {"keccak256": "0x00"}},
    }
    info = read_build(_write(tmp_path, {"abi": [], "bytecode": "0x", "metadata": json.dumps(metadata)}))
    assert (info.format, info.compiler_version, info.contract_names) == (
        "solc-metadata",
        "0.8.15",
        ("OptionsVault",),
    )
    assert info.settings.optimizer is False and info.settings.via_ir is False
    assert info.libraries == ()  # metadata has no source text, so no version: a warning, not a guess
    assert info.warnings == [
        "@openzeppelin/contracts is imported but its version is unknown; "
        "give it with --library @openzeppelin/contracts@VERSION"
    ]


def test_standard_json_input_needs_the_version_from_outside(tmp_path: Path, vault: str) -> None:
    doc = {"language": "Solidity", "sources": {"OptionsVault.sol": {"content": vault}}, "settings": {}}
    path = _write(tmp_path, doc)
    unknown = read_build(path)
    assert unknown.compiler_version is None and "--compiler-version" in unknown.warnings[0]
    given = read_build(path, compiler_version="v0.8.19", libraries={"@openzeppelin/contracts": "4.9.3"})
    assert given.compiler_version == "0.8.19"
    assert given.libraries == (Library("@openzeppelin/contracts", "4.9.3"),)
    assert given.settings.optimizer is False  # solc's default when the settings do not say


def test_not_a_build_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a contract build file"):
        read_build(_write(tmp_path, {"bomFormat": "CycloneDX"}))
    with pytest.raises(InputError, match="compiler version: 'latest' is not a solc version"):
        read_build(_write(tmp_path, {"solcVersion": "latest", "input": {"sources": {}, "settings": {}}}))
    with pytest.raises(InputError, match="cannot read"):
        read_build(tmp_path / "missing.json")
