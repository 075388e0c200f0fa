"""``patchbook inventory``: declare the venue's assets (and where their SBOMs are) from one YAML file."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from patchbook.cli.output import RichProgress, console, print_json

app = typer.Typer(help="The inventory file: assets, trading context, SBOM locations.", no_args_is_help=True)


@app.command()
def apply(
    file: Path = typer.Argument(..., help="Inventory YAML (see docs/formats.md)."),
    json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Add or update every asset in FILE and ingest the SBOMs it names, in one transaction."""
    from patchbook.service import inventory as service
    from patchbook.store import open_store

    result = service.apply_inventory(open_store(), file, progress=RichProgress())
    if json:
        print_json(
            {
                "assets": [{"asset": name, "change": change} for name, change in result.changes],
                "ingests": [r.as_dict() for r in result.ingests],
            }
        )
        return
    changed = [(n, c) for n, c in result.changes if c != "unchanged"]
    for name, change in changed:
        colour = "green" if change == "added" else "yellow"
        console.print(f"[{colour}]{change:>9}[/] {name}")
    console.print(f"{len(result.changes)} assets, {len(changed)} added or changed")
    if result.ingests:
        table = Table(title="Ingested")
        for col in ("asset", "format", "components", "unmatched", "open findings", "new", "fixed"):
            table.add_column(col, justify="left" if col in ("asset", "format") else "right")
        for r in result.ingests:
            table.add_row(
                r.asset,
                r.format + (" (unchanged)" if r.unchanged else ""),
                str(r.components),
                str(r.unmatched),
                str(r.findings),
                str(r.new_findings),
                str(r.fixed),
            )
        console.print(table)
