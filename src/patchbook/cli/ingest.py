"""``patchbook ingest``: read an SBOM, lock file or package list into an asset and match it."""

from __future__ import annotations

from pathlib import Path

import typer

from patchbook.cli.output import console, err_console, print_json


def ingest(
    file: Path = typer.Argument(..., help="CycloneDX/SPDX SBOM, requirements.txt, package-lock.json, ..."),
    asset: str = typer.Option(..., "--asset", help="The asset it describes (must exist)."),
    json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Ingest FILE (format detected from its content) as ASSET's current components, then match."""
    from patchbook.service import inventory as service
    from patchbook.store import open_store

    result = service.ingest_file(open_store(), asset, file)
    if json:
        print_json(result.as_dict())
        return
    for warning in result.warnings:
        err_console.print(f"[yellow]warning[/] {file}: {warning}")
    state = "unchanged (same file as the current snapshot)" if result.unchanged else "ingested"
    console.print(
        f"{asset}: {state} {result.format}, {result.components} components ({result.unmatched} unmatched); "
        f"{result.findings} open findings, {result.new_findings} new, {result.fixed} fixed, "
        f"{result.inactive} no longer present"
    )
