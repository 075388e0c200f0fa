"""The inventory file: the assets a venue declares, their trading context, and where their SBOMs are.

    assets:
      - name: matching-engine
        kind: service                 # service | host | image | contract
        owner: trading-systems
        environment: prod             # prod | staging | dev | test
        trading_role: matching-engine
        criticality: critical         # low | medium | high | critical
        exposure: internal            # internal | partner-facing | internet-facing
        value_at_risk_usd: 250000000
        depends_on: [risk-engine]
        tags: [core, latency-critical]
        sbom: sboms/matching-engine.cdx.json   # relative to this file; or a list of files
        contract: {...}               # kind contract only: see patchbook.ingest.contract_yaml

Unknown keys and values are errors that name the file, the key path and the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import yaml

from patchbook.errors import InputError
from patchbook.ingest.contract_yaml import parse_contract
from patchbook.model.asset import Asset, AssetKind, Criticality, Environment, Exposure
from patchbook.model.contract import ContractDetails
from patchbook.yamlconfig import ConfigReader

ASSET_KEYS = (
    "name",
    "kind",
    "owner",
    "environment",
    "trading_role",
    "criticality",
    "exposure",
    "value_at_risk_usd",
    "depends_on",
    "tags",
    "sbom",
    "contract",  # kind contract: chain, address, compiler, libraries, proxy, timelock, ... (contract_yaml)
)


E = TypeVar("E", bound=StrEnum)


def _choice(
    r: ConfigReader, fields: dict[str, yaml.Node], where: str, key: str, enum: type[E], default: E
) -> E:
    if key not in fields:
        return default
    return enum(r.text(fields[key], f"{where}.{key}", [e.value for e in enum]))


@dataclass(frozen=True)
class DeclaredAsset:
    asset: Asset
    sboms: tuple[Path, ...]
    line: int
    contract: ContractDetails | None = None  # the `contract:` section of a kind-contract asset


def parse_inventory(path: Path) -> list[DeclaredAsset]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read the inventory: {exc}") from None
    with ConfigReader(str(path), text) as r:
        if r.root is None:
            raise InputError(str(path), "the inventory is empty; expected 'assets:' with a list of assets")
        top = r.mapping(r.root, "", ("assets",))
        if "assets" not in top:
            raise r.fail(r.root, "", "expected 'assets:' with a list of assets")
        declared: list[DeclaredAsset] = []
        seen: set[str] = set()
        for i, node in enumerate(r.sequence(top["assets"], "assets")):
            where = f"assets[{i}]"
            fields = r.mapping(node, where, ASSET_KEYS)
            for required in ("name", "kind"):
                if required not in fields:
                    raise r.fail(node, where, f"an asset needs '{required}'")
            name = r.text(fields["name"], f"{where}.name")
            if name in seen:
                raise r.fail(fields["name"], f"{where}.name", f"asset {name!r} is declared twice")
            seen.add(name)

            optional = {
                k: r.text(fields[k], f"{where}.{k}") for k in ("owner", "trading_role") if k in fields
            }
            sboms: tuple[str, ...] = r.strings(fields["sbom"], f"{where}.sbom") if "sbom" in fields else ()
            asset = Asset(
                name=name,
                kind=_choice(r, fields, where, "kind", AssetKind, AssetKind.SERVICE),
                owner=optional.get("owner"),
                environment=_choice(r, fields, where, "environment", Environment, Environment.PROD),
                trading_role=optional.get("trading_role"),
                criticality=_choice(r, fields, where, "criticality", Criticality, Criticality.MEDIUM),
                exposure=_choice(r, fields, where, "exposure", Exposure, Exposure.INTERNAL),
                value_at_risk_usd=r.number(fields["value_at_risk_usd"], f"{where}.value_at_risk_usd")
                if "value_at_risk_usd" in fields
                else None,
                depends_on=r.strings(fields["depends_on"], f"{where}.depends_on")
                if "depends_on" in fields
                else (),
                tags=r.strings(fields["tags"], f"{where}.tags") if "tags" in fields else (),
            )
            contract = None
            if "contract" in fields:
                if asset.kind is not AssetKind.CONTRACT:
                    raise r.fail(fields["contract"], f"{where}.contract", "only for kind contract")
                contract = parse_contract(r, fields["contract"], f"{where}.contract")
            files = tuple(path.parent / s for s in sboms)
            declared.append(DeclaredAsset(asset, files, node.start_mark.line + 1, contract))
        names = {d.asset.name for d in declared}
        for d in declared:
            for dep in d.asset.depends_on:
                if dep not in names:
                    raise InputError(
                        str(path),
                        f"asset {d.asset.name!r} depends on {dep!r}, which the inventory does not declare",
                        f"line {d.line}",
                    )
        return declared
