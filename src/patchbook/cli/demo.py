"""``patchbook demo``: build the demo venue in the embedded store and show what patchbook sees."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from patchbook.cli.output import RichProgress, console, print_json


def demo(
    force: bool = typer.Option(
        False, "--force", help="Replace a store that holds data other than the demo's."
    ),
    json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Build the demo venue under $PATCHBOOK_HOME (replacing an earlier demo) and summarise it."""
    from patchbook.service import demo as demo_service
    from patchbook.store import open_store

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
                        "advisories": [asdict(h) for h in c.hits],
                    }
                    for c in result.checks
                ],
            }
        )
        return
    console.rule("[bold]patchbook demo: a crypto-options venue")
    for r in result.reports:
        what = f"KEV catalog {r.upstream_marker}" if r.kind == "kev" else "OSV advisories"
        console.print(f"imported {r.counts.inserted + r.counts.updated} {what}")
    table = Table(title="Known vulnerabilities in what the demo venue runs", title_justify="left")
    for col in ("asset", "package", "installed", "advisory", "vulnerability", "severity", "KEV", "fixed in"):
        table.add_column(col, no_wrap=col in ("advisory", "vulnerability"))
    clean = []
    for check in result.checks:
        if not check.hits:
            clean.append(f"{check.package} {check.version}")
        for h in check.hits:
            table.add_row(
                check.asset,
                check.package.rsplit(":", 1)[-1],
                check.version,
                "\n".join(h.advisory_ids),
                h.alias_group,
                h.severity,
                "[bold red]yes[/]" if h.in_kev else "",
                ", ".join(h.fixed_in) or "no fix",
            )
    console.print(table)
    if clean:
        console.print(f"[green]no known advisory[/] for {', '.join(clean)}")
    console.print(
        f"store: {store.display_url}\nnext: `patchbook feeds status`, "
        "`patchbook feeds import PATH` (an OSV tree, all.zip or the KEV JSON), `patchbook feeds sync`"
    )
