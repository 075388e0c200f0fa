"""``patchbook gate``: the CI gate. Exit 0 pass, 1 the policy is violated, 2 usage or input error."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import orjson
import typer
from rich.table import Table

from patchbook.cli.output import console, err_console
from patchbook.model.asset import AssetKind, Criticality, Exposure
from patchbook.model.gate import GateOutcome

UNKNOWN_ASSET = "Context of an asset the inventory does not know (scratch runs only)."
COLUMNS = ("vulnerability", "package", "installed", "fixed in", "decision", "score", "KEV", "fails on")


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"


def gate(
    asset: str = typer.Option(..., "--asset", help="The asset the SBOM describes."),
    sbom: Path = typer.Option(..., "--sbom", help="CycloneDX/SPDX SBOM, lock file or package list to judge."),
    policy: Path | None = typer.Option(
        None, "--policy", help="Gate policy YAML (default: fail on KEV and immediate/out-of-cycle decisions)."
    ),
    fmt: Format = typer.Option(Format.TEXT, "--format", help="Report format on stdout (or in --output)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to FILE instead."),
    record: bool = typer.Option(
        False, "--record", help="Keep the SBOM as the asset's inventory (default: scratch run, nothing kept)."
    ),
    kind: AssetKind = typer.Option(AssetKind.SERVICE, "--kind", help=UNKNOWN_ASSET),
    criticality: Criticality = typer.Option(Criticality.MEDIUM, "--criticality", help=UNKNOWN_ASSET),
    exposure: Exposure = typer.Option(Exposure.INTERNAL, "--exposure", help=UNKNOWN_ASSET),
) -> None:
    """Judge SBOM's open findings for ASSET against a policy; exit 1 when a finding violates it."""
    from patchbook.model.asset import Asset
    from patchbook.risk.gate import DEFAULT_GATE_POLICY, load_gate_policy
    from patchbook.service import gate_output
    from patchbook.service.gate import run_gate
    from patchbook.store import open_store

    today = datetime.now(UTC).date()
    rules = load_gate_policy(policy, today) if policy is not None else DEFAULT_GATE_POLICY
    described = Asset(name=asset, kind=kind, criticality=criticality, exposure=exposure)
    outcome = run_gate(open_store(), described, sbom, rules, today=today, record=record)
    for warning in outcome.warnings:
        err_console.print(f"[yellow]warning[/] {warning}")
    for r in outcome.expired:
        err_console.print(
            f"[yellow]warning[/] {rules.source}:{r.line}: ignore of {r.id} expired on "
            f"{r.expires.isoformat()}; it no longer exempts anything"
        )
    for r in outcome.unused:
        err_console.print(
            f"[yellow]warning[/] {rules.source}:{r.line}: ignore of {r.id} matches no finding "
            "(stale? remove it)"
        )
    if fmt is Format.TEXT:
        if output is not None:
            raise typer.BadParameter("--output needs --format json, sarif or junit", param_hint="--output")
        _print_text(outcome)
    else:
        if fmt is Format.JSON:
            data = orjson.dumps(gate_output.to_json(outcome), option=orjson.OPT_INDENT_2) + b"\n"
        elif fmt is Format.SARIF:
            data = orjson.dumps(gate_output.to_sarif(outcome), option=orjson.OPT_INDENT_2) + b"\n"
        else:
            data = gate_output.to_junit(outcome)
        if output is None:
            typer.echo(data.decode(), nl=False)
        else:
            _write_atomically(output, data)
            console.print(_verdict_line(outcome) + f" (report: {output})")
    raise typer.Exit(0 if outcome.passed else 1)


def _write_atomically(path: Path, data: bytes) -> None:
    """A CI step that reads the report never sees half of it, and a failed write leaves no file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _verdict_line(outcome: GateOutcome) -> str:
    mode = "recorded" if outcome.recorded else "scratch run, nothing kept"
    head = "[bold green]PASS[/]" if outcome.passed else "[bold red]FAIL[/]"
    return (
        f"gate {head} {outcome.asset}: {len(outcome.items)} open findings, "
        f"{len(outcome.violations)} violate {outcome.policy.source}, {len(outcome.ignored)} ignored "
        f"({mode})"
    )


def _print_text(outcome: GateOutcome) -> None:
    if outcome.violations:
        table = Table(title=f"policy violations on {outcome.asset}", title_justify="left")
        for col in COLUMNS:
            table.add_column(col, overflow="fold")
        for v in outcome.violations:
            i = v.item
            fixes = ", ".join(i.fixed_versions) or "-"
            table.add_row(
                i.alias_group,
                i.package,
                i.installed_version or "?",
                fixes,
                i.decision,
                f"{i.score:.2f}",
                "yes" if i.in_kev else "",
                "; ".join(v.rules),
            )
        console.print(table)
    if outcome.ignored:
        for i, r in outcome.ignored:
            console.print(f"ignored {i.alias_group} in {i.package} until {r.expires.isoformat()}: {r.reason}")
    console.print(_verdict_line(outcome))
