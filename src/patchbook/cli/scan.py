"""``patchbook scan``: run an optional scanner as a separate program and ingest its report.

``scan contract DIR --asset NAME`` runs Slither (AGPL-3.0, never imported) on a contract project and
attaches its findings to the contract asset. When the scanner is not installed, one line says what is
missing and how to install it (exit 2).
"""

from __future__ import annotations

from pathlib import Path

import typer

from patchbook.cli.output import console, err_console, print_json

app = typer.Typer(help="Run optional scanners (Slither) and ingest their findings.", no_args_is_help=True)


@app.command()
def contract(
    target: Path = typer.Argument(
        ..., help="The contract project directory (Foundry, Hardhat, or .sol files)."
    ),
    asset: str = typer.Option(..., "--asset", help="The contract asset the findings belong to."),
    timeout: float = typer.Option(
        600.0, "--timeout", min=1, help="Give up (and write nothing) after this many seconds."
    ),
    slither: str = typer.Option(None, "--slither", help="The slither executable (default: slither on PATH)."),
    json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Run `slither DIR --json -` and ingest its findings into ASSET."""
    from patchbook.service import scan as service
    from patchbook.store import open_store

    result = service.scan_contract(open_store(), target, asset, timeout=timeout, slither=slither)
    ingest = result.ingest
    if json:
        print_json(
            {
                "tool": result.tool,
                "command": result.command,
                "exit_code": result.exit_code,
                "seconds": round(result.seconds, 3),
                **ingest.as_dict(),
            }
        )
        return
    for warning in ingest.warnings:
        err_console.print(f"[yellow]warning[/] {warning}")
    state = "unchanged (same report as the last scan)" if ingest.unchanged else "ingested"
    console.print(
        f"{asset}: slither ran in {result.seconds:.1f} s (exit {result.exit_code}); {state}: "
        f"{ingest.findings} findings, {ingest.new_findings} new, {ingest.reopened} reopened, "
        f"{ingest.inactive} no longer reported"
    )
