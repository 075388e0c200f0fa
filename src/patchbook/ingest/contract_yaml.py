"""The ``contract:`` section of an inventory asset (kind ``contract``), checked with line numbers.

    contract:
      chain: ethereum
      chain_id: 1
      address: "0x..."            # the address users call (the proxy when upgradeable)
      contract_name: OptionsVault
      compiler: {version: 0.8.15, optimizer: true, runs: 200, via_ir: false, evm_version: london}
      libraries: {"@openzeppelin/contracts": 4.8.0}
      proxy: uups                 # none | transparent | uups | beacon
      implementation: "0x..."
      admin: "0x..."
      owner: "0x..."
      timelock: {address: "0x...", min_delay: 48h}
      multisig: {address: "0x...", threshold: 3, signers: 5}
      pausable: true

Addresses and versions are read as written (YAML would otherwise turn ``0x...`` into a number).
"""

from __future__ import annotations

import re

import yaml

from patchbook.match.solidity import EVM_VERSIONS, InvalidCompilerVersion, normalise_version
from patchbook.model.contract import (
    CompilerSettings,
    ContractDetails,
    Library,
    Multisig,
    ProxyPattern,
    Timelock,
)
from patchbook.yamlconfig import ConfigReader

CONTRACT_KEYS = (
    "chain",
    "chain_id",
    "address",
    "contract_name",
    "compiler",
    "libraries",
    "proxy",
    "implementation",
    "admin",
    "owner",
    "timelock",
    "multisig",
    "pausable",
)
COMPILER_KEYS = ("version", "optimizer", "runs", "via_ir", "evm_version", "yul_optimizer", "abi_coder")

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_DELAY = re.compile(r"(\d+)\s*(s|m|min|h|d)?")
_UNIT = {None: 1, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def _raw(r: ConfigReader, node: yaml.Node, path: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise r.fail(node, path, "expected a value")
    return str(node.value).strip()


def address(r: ConfigReader, node: yaml.Node, path: str) -> str:
    text = _raw(r, node, path)
    if not _ADDRESS.fullmatch(text):
        raise r.fail(node, path, f"expected a 20-byte hex address (0x and 40 hex digits), got {text!r}")
    return text


def _whole(r: ConfigReader, node: yaml.Node, path: str, minimum: int) -> int:
    value = r.value(node)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise r.fail(node, path, f"expected a whole number >= {minimum}, got {value!r}")
    return value


def delay_seconds(r: ConfigReader, node: yaml.Node, path: str) -> int:
    text = _raw(r, node, path)
    m = _DELAY.fullmatch(text)
    if m is None:
        raise r.fail(node, path, f"expected a delay such as 172800, 48h, 2d or 30min, got {text!r}")
    return int(m[1]) * _UNIT[m[2]]


def _compiler(r: ConfigReader, node: yaml.Node, path: str) -> tuple[str | None, CompilerSettings]:
    fields = r.mapping(node, path, COMPILER_KEYS)
    version = None
    if "version" in fields:
        text = _raw(r, fields["version"], f"{path}.version")
        try:
            version = normalise_version(text)
        except InvalidCompilerVersion as exc:
            raise r.fail(fields["version"], f"{path}.version", str(exc)) from None
    flags = {
        key: r.flag(fields[key], f"{path}.{key}")
        for key in ("optimizer", "via_ir", "yul_optimizer")
        if key in fields
    }
    evm = (
        r.text(fields["evm_version"], f"{path}.evm_version", EVM_VERSIONS)
        if "evm_version" in fields
        else None
    )
    abi = None
    if "abi_coder" in fields:
        abi = int(r.text(fields["abi_coder"], f"{path}.abi_coder", ("v1", "v2"))[1])
    return version, CompilerSettings(
        optimizer=flags.get("optimizer"),
        runs=_whole(r, fields["runs"], f"{path}.runs", 0) if "runs" in fields else None,
        via_ir=flags.get("via_ir"),
        evm_version=evm,
        yul_optimizer=flags.get("yul_optimizer"),
        abi_coder=abi,
    )


def _libraries(r: ConfigReader, node: yaml.Node, path: str) -> tuple[Library, ...]:
    if not isinstance(node, yaml.MappingNode):
        raise r.fail(
            node, path, 'expected a mapping of npm package to version, e.g. "@openzeppelin/contracts": 4.8.0'
        )
    out = []
    for key_node, value_node in node.value:
        name = _raw(r, key_node, path)
        out.append(Library(name, _raw(r, value_node, f"{path}.{name}")))
    return tuple(out)


def parse_contract(r: ConfigReader, node: yaml.Node, path: str) -> ContractDetails:
    f = r.mapping(node, path, CONTRACT_KEYS)
    version, settings = (
        _compiler(r, f["compiler"], f"{path}.compiler") if "compiler" in f else (None, CompilerSettings())
    )
    addresses = {
        key: address(r, f[key], f"{path}.{key}")
        for key in ("address", "implementation", "admin", "owner")
        if key in f
    }
    proxy = (
        ProxyPattern(r.text(f["proxy"], f"{path}.proxy", [p.value for p in ProxyPattern]))
        if "proxy" in f
        else ProxyPattern.NONE
    )
    if proxy is ProxyPattern.NONE and "implementation" in f:
        raise r.fail(
            f["implementation"],
            f"{path}.implementation",
            "an implementation address needs a proxy pattern (proxy: transparent | uups | beacon)",
        )
    timelock = None
    if "timelock" in f:
        tf = r.mapping(f["timelock"], f"{path}.timelock", ("address", "min_delay"))
        if "min_delay" not in tf:
            raise r.fail(f["timelock"], f"{path}.timelock", "a timelock needs 'min_delay' (e.g. 48h)")
        timelock = Timelock(
            address(r, tf["address"], f"{path}.timelock.address") if "address" in tf else None,
            delay_seconds(r, tf["min_delay"], f"{path}.timelock.min_delay"),
        )
    multisig = None
    if "multisig" in f:
        mf = r.mapping(f["multisig"], f"{path}.multisig", ("address", "threshold", "signers"))
        if "threshold" not in mf:
            raise r.fail(
                f["multisig"], f"{path}.multisig", "a multisig needs 'threshold' (signatures needed)"
            )
        threshold = _whole(r, mf["threshold"], f"{path}.multisig.threshold", 1)
        signers = _whole(r, mf["signers"], f"{path}.multisig.signers", 1) if "signers" in mf else None
        if signers is not None and signers < threshold:
            raise r.fail(
                mf["signers"],
                f"{path}.multisig.signers",
                f"{signers} signers cannot reach a threshold of {threshold}",
            )
        multisig = Multisig(
            threshold,
            signers,
            address(r, mf["address"], f"{path}.multisig.address") if "address" in mf else None,
        )
    return ContractDetails(
        chain=r.text(f["chain"], f"{path}.chain") if "chain" in f else None,
        chain_id=_whole(r, f["chain_id"], f"{path}.chain_id", 1) if "chain_id" in f else None,
        address=addresses.get("address"),
        contract_name=r.text(f["contract_name"], f"{path}.contract_name") if "contract_name" in f else None,
        compiler_version=version,
        settings=settings,
        libraries=_libraries(r, f["libraries"], f"{path}.libraries") if "libraries" in f else (),
        proxy=proxy,
        implementation=addresses.get("implementation"),
        admin=addresses.get("admin"),
        owner=addresses.get("owner"),
        timelock=timelock,
        multisig=multisig,
        pausable=r.flag(f["pausable"], f"{path}.pausable") if "pausable" in f else None,
    )
