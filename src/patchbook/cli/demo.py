"""``patchbook demo``: build the demo venue in the embedded store and show what patchbook sees."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from patchbook.cli.output import RichProgress, console, print_json

if TYPE_CHECKING:
    from patchbook.service.demo import DemoResult
    from patchbook.service.risk import RankedFinding
    from patchbook.service.simulations import PatchSimulation
    from patchbook.store import Store


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
    if json:
        from patchbook import config
        from patchbook.cli.contract import contracts_json  # contracts (issue 5)
        from patchbook.service.plan import demo_plan

        demo_plan(store, config.home())
        done = _simulate(store, quiet=True) if simulate else None
        print_json({**_as_json(store.display_url, result, done), "contracts": contracts_json(store)})
        return
    console.rule("[bold]patchbook demo: a 24/7 crypto-options venue")
    _print_venue(result)
    _print_ranking(result.findings)
    _print_scans(store, result)
    from patchbook.cli.contract import print_contract_constraints  # contracts (issue 5)

    print_contract_constraints(store)
    clean = [i.asset for i in result.inventory.ingests if i.findings == 0]
    if clean:
        console.print(f"[green]no open findings[/] on {', '.join(clean)}")
    from patchbook.cli.plan import demo_section  # the two-week plan and demo-plan.ics (issue 6)

    demo_section(store)
    if simulate:
        done = _simulate(store, quiet=False)
        if done is not None:
            _show_simulation(done)
    console.print(
        f"store: {store.display_url}\n"
        "explore: `patchbook findings list`, `patchbook findings explain ID`, `patchbook sla report`, "
        "`patchbook asset list`, `patchbook feeds status`"
    )


def _as_json(database: str, result: DemoResult, done: PatchSimulation | None) -> dict[str, object]:
    from patchbook.cli.findings import finding_dict

    return {
        "database": database,
        "imports": [r.as_dict() for r in result.reports],
        "ingests": [i.as_dict() for i in result.inventory.ingests],
        "findings": [{**finding_dict(r.finding), **r.as_dict()} for r in result.findings],
        "scans": [s.as_dict() for s in result.scans],
        "simulation": None
        if done is None
        else {"patch": done.patch_id, "run": done.run_id, "verdict": done.run.verdict.value,
              "score": done.run.score, "report": str(_report_path())},
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


def _simulate(store: Store, *, quiet: bool) -> PatchSimulation | None:
    """Validate the plan's matching-engine patch (tokio past the fix, built as venue 1.4.3) before rollout,
    through the asset's simulation profile; the run is stored with the patch."""
    from patchbook.service.demo import simulate_planned_patch
    from patchbook.simulate.report_html import render_html

    if not quiet:
        console.print("simulating the matching-engine patch ...", style="dim")
    done = simulate_planned_patch(store)
    if done is None:
        if not quiet:
            console.print("the plan holds no matching-engine patch to simulate", style="yellow")
        return None
    _report_path().write_text(render_html(done.run), encoding="utf-8")
    return done


def _show_simulation(done: PatchSimulation) -> None:
    from patchbook.cli.simulate import print_summary

    console.rule(f"[bold]Simulated deployment of patch {done.patch_id} ({done.asset})")
    console.print(
        "deployed build 1.4.2 and patched build 1.4.3 side by side (the asset's simulation profile), "
        "2,000 generated spot and options orders replayed open-loop into both, 3 rounds each"
    )
    print_summary(console, done.run)
    console.print(f"report: {_report_path()}; stored with the patch as simulation run {done.run_id} "
                  f"(`patchbook patch show {done.patch_id}`)")


def _print_scans(store: Store, result: DemoResult) -> None:
    """What the scanners added: dependency findings merged with patchbook's own, and code findings."""
    from patchbook.service.reports import code_findings

    for scan in result.scans:
        if scan.components == 0:  # a code scan: its findings are listed below
            console.print(f"{scan.format} report on {scan.asset}: {scan.findings} code findings")
            continue
        console.print(
            f"{scan.format} report on {scan.asset}: {scan.findings} findings, {scan.new_findings} not "
            "already found by patchbook's own matching (the others gained a second source)"
        )
    found = code_findings(store, state="open")
    if found:
        table = Table(title="Code findings from scanner reports", title_justify="left")
        for col in ("asset", "tool", "rule", "severity", "where", "message"):
            table.add_column(col, overflow="fold")
        for c in found:
            where = f"{c['file']}:{c['line']}" if c.get("file") else "-"
            table.add_row(c["asset"], c["tool"], c["rule_id"], c["severity"], where, c["message"])
        console.print(table)
