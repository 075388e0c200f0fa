"""``patchbook ingest``: read an SBOM, lock file, package list or scanner report into an asset.

The format is decided from the file's content: scanner reports (SARIF, Trivy, Grype, osv-scanner,
pip-audit, Slither JSON) become findings attributed to their tool; SBOMs and lock files become the
asset's components, matched against the advisories.
"""

from __future__ import annotations

from pathlib import Path

import typer

from patchbook.cli.output import RichProgress, console, err_console, print_json


def ingest(
    file: Path = typer.Argument(
        ...,
        help="CycloneDX/SPDX SBOM, lock file, package list, or a SARIF/Trivy/Grype/osv-scanner/"
        "pip-audit/Slither report",
    ),
    asset: str = typer.Option(..., "--asset", help="The asset it describes (must exist)."),
    json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Ingest FILE (format detected from its content) into ASSET: components and matching for an SBOM,
    findings for a scanner report."""
    from patchbook.service import reports as service
    from patchbook.service.reports import is_report_format
    from patchbook.store import open_store

    result = service.ingest_any(open_store(), asset, file, progress=None if json else RichProgress())
    if json:
        print_json(result.as_dict())
        return
    for warning in result.warnings:
        err_console.print(f"[yellow]warning[/] {file}: {warning}")
    if is_report_format(result.format):
        state = "unchanged (same report as the last import)" if result.unchanged else "ingested"
        console.print(
            f"{asset}: {state} {result.format}, {result.findings} findings "
            f"({result.components} packages, {result.unmatched} without a known ecosystem); "
            f"{result.new_findings} new, {result.reopened} reopened, {result.inactive} no longer reported"
        )
        return
    state = "unchanged (same file as the current snapshot)" if result.unchanged else "ingested"
    console.print(
        f"{asset}: {state} {result.format}, {result.components} components ({result.unmatched} unmatched); "
        f"{result.findings} open findings, {result.new_findings} new, {result.fixed} fixed, "
        f"{result.inactive} no longer present"
    )
