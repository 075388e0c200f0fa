"""``patchbook demo``: build the demo venue in the embedded store and show what patchbook sees."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from patchbook.cli.output import RichProgress, console, print_json

if TYPE_CHECKING:
    from patchbook.model.simulation import SimulationRun
    from patchbook.service.demo import DemoResult
    from patchbook.service.risk import RankedFinding


def demo(
    force: bool = typer.Option(
        False, "--force", help="Replace a store that holds data other than the demo's."
    ),
    simulate: bool = typer.Option(
        True,
        "--simulate/--no-simulate",
        help="Also validate a matching-engine patch by simulated deployment.",
    ),
    json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Build the demo venue under $PATCHBOOK_HOME (replacing an earlier demo) and show its findings."""
    from patchbook.service import demo as demo_service
    from patchbook.store import open_store

    store = open_store()
    result = demo_service.build(store, force=force, progress=RichProgress())
    run = _simulate(quiet=json) if simulate else None
    if json:
        from patchbook.cli.contract import contracts_json  # contracts (issue 5)

        print_json({**_as_json(store.display_url, result, run), "contracts": contracts_json(store)})
        return
    console.rule("[bold]patchbook demo: a 24/7 crypto-options venue")
    _print_venue(result)
    _print_ranking(result.findings)
    from patchbook.cli.contract import print_contract_constraints  # contracts (issue 5)

    print_contract_constraints(store)
    clean = [i.asset for i in result.inventory.ingests if i.findings == 0]
    if clean:
        console.print(f"[green]no open findings[/] on {', '.join(clean)}")
    if run is not None:
        _show_simulation(run)
    from patchbook.cli.plan import demo_section  # the two-week plan and demo-plan.ics (issue 6)

    demo_section(store)
    console.print(
        f"store: {store.display_url}\n"
        "explore: `patchbook findings list`, `patchbook findings explain ID`, `patchbook sla report`, "
        "`patchbook asset list`, `patchbook feeds status`"
    )


def _as_json(database: str, result: DemoResult, run: SimulationRun | None) -> dict[str, object]:
    from patchbook.cli.findings import finding_dict

    return {
        "database": database,
        "imports": [r.as_dict() for r in result.reports],
        "ingests": [i.as_dict() for i in result.inventory.ingests],
        "findings": [{**finding_dict(r.finding), **r.as_dict()} for r in result.findings],
        "simulation": None
        if run is None
        else {"verdict": run.verdict.value, "score": run.score, "report": str(_report_path())},
    }


def _print_venue(result: DemoResult) -> None:
    advisories = sum(r.counts.inserted + r.counts.updated for r in result.reports if r.kind == "osv")
    components = sum(i.components for i in result.inventory.ingests)
    console.print(
        f"{len(result.inventory.changes)} assets, {components} components from "
        f"{len(result.inventory.ingests)} SBOMs, lock files and package lists; "
        f"{advisories} advisories and a KEV excerpt in the snapshot"
    )


def _print_ranking(ranked: list[RankedFinding]) -> None:
    """The open findings in the order a security lead should patch them, with the reason for each."""
    from patchbook.cli.findings import decision_markup, due_markup

    table = Table(
        title="Open findings, most urgent first (SSVC decision, then exploit probability x venue impact)",
        title_justify="left",
    )
    for col in ("#", "asset", "package", "vulnerability", "decision", "score", "due", "why", "fixed in"):
        table.add_column(col, justify="right" if col in ("#", "score") else "left", no_wrap=col != "why")
    today = datetime.now(UTC).date()
    for n, r in enumerate(ranked, start=1):
        f = r.finding
        table.add_row(
            str(n),
            f.asset,
            f"{f.package.rsplit(':', 1)[-1].rsplit('/', 1)[-1]} {f.installed_version or ''}",
            f.alias_group + (" [bold red]KEV[/]" if r.in_kev else ""),
            decision_markup(r.decision),
            f"{r.score:.2f}",
            due_markup(r.due, today),
            r.why,
            ", ".join(f.fixed_versions) or "no fix",
        )
    console.print(table)


def _report_path() -> Path:
    from patchbook import config

    return config.home() / "demo-simulation.html"


def _simulate(*, quiet: bool) -> SimulationRun:
    """Validate the matching engine's patch (tokio past the fix, built as venue 1.4.3) before rollout."""
    from patchbook.simulate.demo import demo_simulation
    from patchbook.simulate.report_html import render_html

    if not quiet:
        console.print("simulating the matching-engine patch ...", style="dim")
    run = demo_simulation()
    _report_path().write_text(render_html(run), encoding="utf-8")
    return run


def _show_simulation(run: SimulationRun) -> None:
    from patchbook.cli.simulate import print_summary
    from patchbook.simulate.demo import DEPLOYED

    console.rule("[bold]Simulated deployment of the matching-engine patch")
    console.print(
        f"deployed build {DEPLOYED} and patched build 1.4.3 side by side, 2,000 generated spot and options "
        "orders replayed open-loop into both, 3 rounds each"
    )
    print_summary(console, run)
    console.print(f"report: {_report_path()}")
