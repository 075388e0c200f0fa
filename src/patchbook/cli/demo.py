"""``patchbook demo``: build the demo venue in the embedded store and show what patchbook sees."""

from __future__ import annotations

import typer
from rich.table import Table

from patchbook.cli.output import RichProgress, console, print_json
from patchbook.service import demo as demo_service
from patchbook.store import open_store


def demo(
    force: bool = typer.Option(
        False, "--force", help="Replace a store that holds data other than the demo's."
    ),
    json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Build the demo venue under $PATCHBOOK_HOME (replacing an earlier demo) and summarise it."""
    store = open_store()
    result = demo_service.build(store, force=force, progress=RichProgress())
    if json:
        print_json(
            {
                "database": store.display_url,
                "imports": [r.as_dict() for r in result.reports],
                "checks": [
                    {
                        "asset": c.asset,
                        "package": c.package,
                        "ecosystem": c.ecosystem,
                        "version": c.version,
                        "advisories": [{"id": a, "alias_group": g, "summary": s} for a, g, s in c.advisories],
                    }
                    for c in result.checks
                ],
            }
        )
        return
    console.rule("[bold]patchbook demo: a crypto-options venue")
    for r in result.reports:
        c = r.counts
        what = f"KEV catalog {r.upstream_marker}" if r.kind == "kev" else "OSV advisories"
        console.print(f"imported {c.inserted + c.updated} {what} ({c.unchanged} unchanged)")
    table = Table(title="What the demo venue runs, checked against the advisory snapshot")
    for col in ("asset", "ecosystem", "package", "installed", "advisories (alias group)"):
        table.add_column(col)
    for c in result.checks:
        hits = "\n".join(f"[red]{a}[/] ({g}): {s}" for a, g, s in c.advisories) or "[green]none known"
        table.add_row(c.asset, c.ecosystem, c.package, c.version, hits)
    console.print(table)
    console.print(
        f"store: {store.display_url}\nnext: `patchbook feeds status`, "
        "`patchbook feeds import PATH` (an OSV tree, all.zip or the KEV JSON), `patchbook feeds sync`"
    )
