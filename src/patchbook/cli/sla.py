"""``patchbook sla``: how the estate stands against the venue's remediation SLAs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from patchbook.cli.output import console, print_json

if TYPE_CHECKING:
    from patchbook.service.risk import SlaLine, SlaReport

app = typer.Typer(help="Remediation SLAs: due dates, breaches, time to remediate.", no_args_is_help=True)


@app.command()
def report(
    policy: Path = typer.Option(
        None,
        "--policy",
        help="SLA policy YAML (default: $PATCHBOOK_SLA_POLICY, $PATCHBOOK_HOME/sla.yaml, or the defaults "
        "immediate 2 days, out-of-cycle 7, scheduled 30, defer 90; KEV dueDate caps).",
    ),
    soon: int = typer.Option(7, "--soon", min=0, help="'Due soon' means due within this many days."),
    json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Open / due soon / breached findings per asset and owner, and mean time to remediate."""
    from patchbook.risk.sla import load_sla_policy
    from patchbook.service.risk import sla_report
    from patchbook.store import open_store

    result = sla_report(open_store(), load_sla_policy(policy) if policy else None, due_soon_days=soon)
    if json:
        print_json(report_dict(result))
        return
    _print(result)


def report_dict(r: SlaReport) -> dict[str, object]:
    return {
        "policy": r.policy,
        "today": r.today.isoformat(),
        "due_soon_days": r.due_soon_days,
        "total": r.total.as_dict(),
        "assets": [a.as_dict() for a in r.assets],
        "owners": [o.as_dict() for o in r.owners],
        "breaches": [
            {
                "finding_id": b.finding_id,
                "asset": b.asset,
                "owner": b.owner,
                "vulnerability": b.vulnerability,
                "decision": b.decision,
                "due": b.due.isoformat(),
                "days_overdue": b.days_overdue,
                "due_reason": b.due_reason,
            }
            for b in r.breaches
        ],
    }


def _lines_table(title: str, first: str, lines: list[SlaLine], total: SlaLine | None) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first)
    if first == "asset":
        table.add_column("owner")
    for col in ("open", "due soon", "breached", "fixed", "on time", "MTTR (days)"):
        table.add_column(col, justify="right")
    rows = [*lines, total] if total is not None else lines
    for line in rows:
        mttr = line.mttr_days
        cells = [line.name] + ([line.owner or ""] if first == "asset" else [])
        cells += [
            str(line.open),
            str(line.due_soon),
            f"[bold red]{line.breached}[/]" if line.breached else "0",
            str(line.fixed),
            str(line.fixed_on_time),
            "" if mttr is None else f"{mttr:.1f}",
        ]
        table.add_row(*cells, end_section=line is lines[-1] if lines else False)
    return table


def _print(r: SlaReport) -> None:
    console.print(
        f"SLA policy: {r.policy}; as of {r.today.isoformat()}; due soon = within {r.due_soon_days} days"
    )
    console.print(_lines_table("Per asset", "asset", r.assets, r.total))
    console.print(_lines_table("Per owner", "owner", r.owners, None))
    if r.breaches:
        table = Table(title=f"{len(r.breaches)} breached, most overdue first", title_justify="left")
        for col in (
            "id",
            "asset",
            "owner",
            "vulnerability",
            "decision",
            "due",
            "overdue",
            "why this due date",
        ):
            table.add_column(col, justify="right" if col in ("id", "overdue") else "left")
        for b in r.breaches:
            table.add_row(
                str(b.finding_id),
                b.asset,
                b.owner or "",
                b.vulnerability,
                b.decision,
                b.due.isoformat(),
                f"{b.days_overdue} d",
                b.due_reason,
            )
        console.print(table)
    else:
        console.print("[green]no open finding is past its due date[/]")
