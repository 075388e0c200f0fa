"""``patchbook contract``: smart contracts as assets — import one from its build, show what governs
an upgrade (proxy, timelock, multisig, pause), and which compiler bugs apply to it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from patchbook.cli.output import console, err_console, print_json
from patchbook.errors import InputError
from patchbook.model.asset import Criticality, Exposure
from patchbook.model.contract import ContractProfile, format_delay

if TYPE_CHECKING:
    from patchbook.model.finding import Finding
    from patchbook.store import Store

app = typer.Typer(
    help="Smart contracts: build metadata, upgrade constraints, compiler bugs.", no_args_is_help=True
)
JSON_OPT = typer.Option(False, "--json", help="Print the result as JSON.")


def _libraries(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        name, sep, version = spec.rpartition("@")
        if not sep or not name or not version:
            raise InputError(
                "--library", f"expected NAME@VERSION (e.g. @openzeppelin/contracts@4.8.0), got {spec!r}"
            )
        out[name] = version
    return out


@app.command("import")
def import_(
    build: Path = typer.Argument(
        ..., help="Hardhat/Foundry build-info, an artifact with solc metadata, or a standard-JSON input."
    ),
    name: str = typer.Option(..., "--name", help="The asset name (created as kind contract if new)."),
    address: str = typer.Option(None, "--address", help="The deployed address (the proxy, if upgradeable)."),
    chain: str = typer.Option(None, "--chain", help="e.g. ethereum, arbitrum."),
    chain_id: int = typer.Option(None, "--chain-id", help="EIP-155 chain id."),
    compiler_version: str = typer.Option(
        None, "--compiler-version", help="solc version, when the file does not say (standard-JSON input)."
    ),
    library: list[str] = typer.Option(
        [],
        "--library",
        help="NAME@VERSION of an npm library, overriding what the sources suggest (repeatable).",
    ),
    criticality: Criticality = typer.Option(None, help="For a new asset (default medium)."),
    exposure: Exposure = typer.Option(None, help="For a new asset (default internet-facing)."),
    value_at_risk: float = typer.Option(None, "--value-at-risk", help="TVL in USD."),
    json: bool = JSON_OPT,
) -> None:
    """Import a contract's compiler, settings and libraries from its build; what governs the deployed
    contract (proxy, timelock, multisig) stays as declared in the inventory."""
    import re
    from dataclasses import replace

    from patchbook.ingest.contract_build import read_build
    from patchbook.model.asset import Asset, AssetKind
    from patchbook.model.contract import ContractDetails
    from patchbook.service import contracts as service
    from patchbook.store import open_store

    if address is not None and not re.fullmatch(r"0x[0-9a-fA-F]{40}", address):
        raise InputError("--address", f"expected 0x and 40 hex digits, got {address!r}")
    info = read_build(build, compiler_version=compiler_version, libraries=_libraries(library))
    store = open_store()
    found = service.existing(store, name)
    asset = (
        found[0]
        if found
        else Asset(
            name=name,
            kind=AssetKind.CONTRACT,
            criticality=criticality or Criticality.MEDIUM,
            exposure=exposure or Exposure.INTERNET,
        )
    )
    if found and (criticality or exposure):
        asset = replace(
            asset, criticality=criticality or asset.criticality, exposure=exposure or asset.exposure
        )
    if value_at_risk is not None:
        asset = replace(asset, value_at_risk_usd=value_at_risk)
    built = ContractDetails(
        chain=chain,
        chain_id=chain_id,
        address=address,
        contract_name=info.contract_names[0] if len(info.contract_names) == 1 else None,
        compiler_version=info.compiler_version,
        settings=info.settings,
        libraries=info.libraries,
    )
    details = service.merge_build(found[1] if found else None, built)
    result = service.save_contract(store, asset, details, str(build), info.warnings)
    if json:
        print_json({"format": info.format, **result.as_dict()})
        return
    for w in result.warnings:
        err_console.print(f"[yellow]warning[/] {w}")
    s = details.settings
    console.print(
        f"{name}: asset {result.asset_change}, contract {result.contract_change} ({info.format}); "
        f"solc {details.compiler_version or 'unknown'}, optimizer {_onoff(s.optimizer)}"
        + (f" ({s.runs} runs)" if s.optimizer and s.runs is not None else "")
        + f", viaIR {_onoff(s.via_ir)}, evm {s.evm_version or 'default'}"
    )
    if details.libraries:
        console.print("libraries: " + ", ".join(f"{lib.name} {lib.version}" for lib in details.libraries))
    _print_bugs([m.as_dict() for m in result.compiler.matches] if result.compiler else [])


def _onoff(value: bool | None) -> str:
    return "unknown" if value is None else "on" if value else "off"


def _print_bugs(bugs: list[dict[str, Any]]) -> None:
    if not bugs:
        console.print("compiler bugs: none known for this compiler and settings")
        return
    table = Table(title=f"{len(bugs)} compiler bug(s)")
    for col in ("uid", "bug", "severity", "fixed in", "status"):
        table.add_column(col)
    for b in bugs:
        status = b["status"] + (f" ({', '.join(b['unknown'])})" if b["unknown"] else "")
        table.add_row(b["uid"], b["name"], b["severity"], b["fixed"] or "", status)
    console.print(table)


def _profile_lines(profile: ContractProfile) -> list[str]:
    d = profile.details
    where = " ".join(x for x in (d.chain, f"(chain id {d.chain_id})" if d.chain_id else None, d.address) if x)
    lines = [f"{profile.asset}: {d.contract_name or 'contract'}" + (f" on {where}" if where else "")]
    if d.implementation:
        lines.append(f"implementation {d.implementation}")
    lines += profile.constraints()
    lines.append(
        f"fix path: {profile.fix_path}"
        + (
            f", at least {format_delay(profile.min_lead_time_seconds)} lead time"
            if profile.min_lead_time_seconds
            else ""
        )
        + (f"; containment: {profile.containment}()" if profile.containment else "; no on-chain containment")
    )
    if profile.value_at_risk_usd:
        lines.append(f"value at risk: {profile.value_at_risk_usd:,.0f} USD")
    return lines


@app.command()
def show(name: str = typer.Argument(..., help="The contract asset."), json: bool = JSON_OPT) -> None:
    """A contract's remediation profile (proxy, timelock, multisig, pause) and its compiler bugs."""
    from patchbook.service import contracts as service
    from patchbook.store import open_store

    with open_store().engine.connect() as conn:
        profile = service.contract_profile(conn, name)
        bugs = service.compiler_bug_status(conn, name)
    if profile is None:
        raise InputError(
            "contract",
            f"{name!r} is not a contract with details; declare it in the inventory "
            "or use `patchbook contract import`",
        )
    if json:
        print_json({**profile.as_dict(), "compiler_bugs": bugs})
        return
    for line in _profile_lines(profile):
        console.print(line)
    _print_bugs(bugs)


@app.command("list")
def list_(json: bool = JSON_OPT) -> None:
    """Every contract with its upgrade path and compiler-bug count."""
    from patchbook.service import contracts as service
    from patchbook.store import open_store

    found = service.profiles(open_store())
    if json:
        print_json({"contracts": [{**p.as_dict(), "compiler_bugs": bugs} for p, bugs in found]})
        return
    table = Table(title=f"{len(found)} contracts")
    for col in (
        "asset",
        "chain",
        "solc",
        "proxy",
        "timelock",
        "multisig",
        "pausable",
        "fix path",
        "compiler bugs",
    ):
        table.add_column(col)
    for p, bugs in found:
        d = p.details
        table.add_row(
            p.asset,
            d.chain or "",
            d.compiler_version or "?",
            d.proxy.value,
            format_delay(d.timelock.min_delay_seconds) if d.timelock else "",
            d.multisig.label if d.multisig else "",
            "" if d.pausable is None else "yes" if d.pausable else "no",
            p.fix_path,
            str(len(bugs)),
        )
    console.print(table)


# --- the demo's contract section (called from cli/demo.py) ------------------------------------------


def contracts_json(store: Store) -> list[dict[str, Any]]:
    from patchbook.service import contracts as service

    return [{**p.as_dict(), "compiler_bugs": bugs} for p, bugs in service.profiles(store)]


def print_contract_constraints(store: Store) -> None:
    """How each contract's findings can be remediated: the path, its lead time, and containment."""
    from patchbook.service import contracts as service

    found = service.profiles(store)
    if not found:
        return
    table = Table(
        title="Smart contracts: remediation constraints (a contract is patched through governance)",
        title_justify="left",
    )
    for col in ("contract", "proxy", "timelock", "multisig", "pausable", "fix path", "compiler bugs"):
        table.add_column(col)
    for p, bugs in found:
        d = p.details
        table.add_row(
            p.asset,
            d.proxy.value,
            f"{format_delay(d.timelock.min_delay_seconds)} minimum delay" if d.timelock else "none",
            d.multisig.label if d.multisig else "",
            "yes: pause() at once" if d.pausable else "no",
            p.fix_path
            + (f" (>= {format_delay(p.min_lead_time_seconds)})" if p.min_lead_time_seconds else ""),
            ", ".join(f"{b['uid']} {b['severity']}" for b in bugs) or "none",
        )
    console.print(table)


# --- findings show / explain of a contract's finding (called from cli/findings.py) -------------------


def contract_context(finding: Finding) -> dict[str, Any] | None:
    """The contract's remediation constraints for one of its findings; None for other assets."""
    from patchbook.service import contracts as service
    from patchbook.store import open_store

    with open_store().engine.connect() as conn:
        return service.finding_context(conn, finding.asset, finding.ecosystem, finding.advisory_ids)


def print_contract_context(context: dict[str, Any] | None) -> None:
    if context is None:
        return
    from patchbook.model.contract import ContractDetails

    p = context["profile"]
    profile = ContractProfile(p["asset"], ContractDetails.from_dict(p), p["value_at_risk_usd"])
    console.print("[bold]remediation constraints[/] (a contract is patched through governance):")
    for line in _profile_lines(profile)[1:]:
        console.print(f"  {line}", markup=False, highlight=False)
    for b in context.get("compiler_bugs", ()):
        unknown = f"; conditions unknown: {', '.join(b['unknown'])}" if b["unknown"] else ""
        console.print(
            f"  compiler bug {b['uid']} {b['name']} ({b['severity']}): {b['status']}{unknown}; fixed in "
            f"solc {b['fixed'] or '?'}; conditions {b['conditions'] or 'none'}",
            markup=False,
            highlight=False,
        )
