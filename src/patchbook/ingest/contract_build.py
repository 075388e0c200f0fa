"""What a contract's build says about it: compiler version, settings and the libraries it imports.

Reads, by content: a Hardhat build-info (``artifacts/build-info/*.json``), a Foundry build-info
(``out/build-info/*.json``), a Foundry/Hardhat artifact carrying solc ``metadata``, the solc metadata
JSON itself, or a solc standard-JSON input (which names no compiler version: pass it separately).

Libraries are the npm packages the sources import (``@openzeppelin/contracts/...``, also through
``node_modules/`` or Foundry's ``lib/openzeppelin-contracts``). A build does not record a package's
version; OpenZeppelin files carry it in their header ("OpenZeppelin Contracts (last updated v4.8.0)"),
and the newest such header is taken (a lower bound of the installed version; say the exact one with
``--library``). A package whose version cannot be told is named in a warning and left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from patchbook.errors import InputError
from patchbook.match.solidity import InvalidCompilerVersion, normalise_version, parse_version
from patchbook.model.contract import CompilerSettings, Library

MAX_BYTES = 512 * 1024 * 1024

_PACKAGE = re.compile(r"(?:^|/)(?:node_modules/)?(@[a-z0-9][\w.-]*/[\w.-]+)/")
_FOUNDRY_LIBS = {
    "openzeppelin-contracts": "@openzeppelin/contracts",
    "openzeppelin-contracts-upgradeable": "@openzeppelin/contracts-upgradeable",
}
_FOUNDRY_LIB = re.compile(r"(?:^|/)lib/([\w.-]+)/")
_OZ_HEADER = re.compile(r"OpenZeppelin Contracts(?: \(last updated v| v)(\d+\.\d+\.\d+(?:-[\w.]+)?)")
_ABICODER_V2 = re.compile(r"pragma\s+(?:abicoder\s+v2|experimental\s+ABIEncoderV2)\s*;")
_ABICODER_V1 = re.compile(r"pragma\s+abicoder\s+v1\s*;")


@dataclass
class BuildInfo:
    format: str  # hardhat-build-info | foundry-build-info | solc-metadata | standard-json-input
    compiler_version: str | None
    settings: CompilerSettings
    libraries: tuple[Library, ...]
    contract_names: tuple[str, ...]  # compilation targets, where the build names them
    warnings: list[str] = field(default_factory=list)


def _settings(raw: dict[str, Any], sources: dict[str, Any]) -> CompilerSettings:
    optimizer = raw.get("optimizer") or {}
    details = optimizer.get("details") or {}
    contents = [s.get("content") for s in sources.values() if isinstance(s, dict)]
    texts = [c for c in contents if isinstance(c, str)]
    abi = None
    if any(_ABICODER_V2.search(t) for t in texts):
        abi = 2
    elif any(_ABICODER_V1.search(t) for t in texts):
        abi = 1
    return CompilerSettings(
        optimizer=bool(optimizer.get("enabled", False)),  # solc's default is off
        runs=optimizer.get("runs", 200) if isinstance(optimizer.get("runs", 200), int) else None,
        via_ir=bool(raw.get("viaIR", False)),
        evm_version=raw.get("evmVersion") if isinstance(raw.get("evmVersion"), str) else None,
        yul_optimizer=details["yul"] if isinstance(details.get("yul"), bool) else None,
        abi_coder=abi,
    )


def _libraries(sources: dict[str, Any], overrides: dict[str, str]) -> tuple[tuple[Library, ...], list[str]]:
    found: dict[str, str | None] = {}
    for path, body in sources.items():
        m = _PACKAGE.search(path)
        name = m[1] if m else None
        if name is None:
            lib = _FOUNDRY_LIB.search(path)
            name = _FOUNDRY_LIBS.get(lib[1]) if lib else None
        if name is None:
            continue
        content = body.get("content") if isinstance(body, dict) else None
        header = _OZ_HEADER.search(content) if isinstance(content, str) else None
        version = header[1] if header else None
        old = found.get(name)
        if version and (old is None or _newer(version, old)):
            found[name] = version
        else:
            found.setdefault(name, old)
    warnings = []
    libs = {name: version for name, version in found.items() if version}
    libs.update(overrides)
    for name in sorted(n for n, v in found.items() if not v and n not in overrides):
        warnings.append(
            f"{name} is imported but its version is unknown; give it with --library {name}@VERSION"
        )
    return tuple(Library(n, v) for n, v in sorted(libs.items())), warnings


def _newer(a: str, b: str) -> bool:
    try:
        return parse_version(a) > parse_version(b)
    except InvalidCompilerVersion:
        return False


def _version(source: str, value: object) -> str | None:
    if value is None:
        return None
    try:
        return normalise_version(str(value))
    except InvalidCompilerVersion as exc:
        raise InputError(source, f"compiler version: {exc}") from None


def read_build(
    path: Path, *, compiler_version: str | None = None, libraries: dict[str, str] | None = None
) -> BuildInfo:
    source = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(source, f"larger than {MAX_BYTES:,} bytes; not a build file")
        payload = path.read_bytes()
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror}") from None
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise InputError(source, f"malformed JSON: {exc.msg}", f"{exc.lineno}:{exc.colno}") from None
    if not isinstance(doc, dict):
        raise InputError(
            source, "expected a JSON object (build-info, artifact, metadata or standard-JSON input)"
        )
    overrides = libraries or {}
    version: object = None
    if isinstance(doc.get("input"), dict) and ("solcVersion" in doc or "solcLongVersion" in doc):
        fmt = "hardhat-build-info" if str(doc.get("_format", "")).startswith("hh-") else "foundry-build-info"
        std = doc["input"]
        version = doc.get("solcLongVersion") or doc.get("solcVersion")
        raw_settings, sources = std.get("settings") or {}, std.get("sources") or {}
        targets: tuple[str, ...] = ()
    else:
        meta = doc.get("metadata")
        if isinstance(meta, str):  # Hardhat artifacts keep it as a string
            try:
                meta = orjson.loads(meta)
            except orjson.JSONDecodeError:
                meta = None
        if not isinstance(meta, dict) and isinstance(doc.get("compiler"), dict):
            meta = doc
        if isinstance(meta, dict) and isinstance(meta.get("compiler"), dict):
            fmt = "solc-metadata"
            version = meta["compiler"].get("version")
            raw_settings, sources = meta.get("settings") or {}, meta.get("sources") or {}
            targets = tuple(str(v) for v in (raw_settings.get("compilationTarget") or {}).values())
        elif doc.get("language") == "Solidity" and isinstance(doc.get("sources"), dict):
            fmt = "standard-json-input"
            raw_settings, sources = doc.get("settings") or {}, doc["sources"]
            targets = ()
        else:
            raise InputError(
                source,
                "not a contract build file; expected a Hardhat or Foundry build-info, an artifact with "
                "solc metadata, solc metadata, or a solc standard-JSON input",
            )
    if not isinstance(raw_settings, dict) or not isinstance(sources, dict):
        raise InputError(source, "'settings' and 'sources' must be JSON objects")
    libs, warnings = _libraries(sources, overrides)
    resolved = _version(source, compiler_version) or _version(source, version)
    if resolved is None:
        warnings.append("the build does not name the compiler version; give it with --compiler-version")
    return BuildInfo(
        fmt,
        resolved,
        _settings(raw_settings, sources),
        libs,
        targets,
        warnings,
    )
