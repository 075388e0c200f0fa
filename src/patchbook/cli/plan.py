"""``patchbook plan``: put every open finding's patch into a window the trading calendar allows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from patchbook.cli.output import console, print_json
from patchbook.errors import PatchbookError

if TYPE_CHECKING:
    from patchbook.plan.build import Plan
    from patchbook.service.plan import PlanOutcome
    from patchbook.store import Store

from patchbook.plan.calendar import format_duration


class BadDate(PatchbookError):
    pass


def _start(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise BadDate(
            f"--from: expected a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDTHH:MM), got {text!r}"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def plan(
    calendar: Path = typer.Option(
        None,
        "--calendar",
        help="Venue calendar (YAML). Default: $PATCHBOOK_CALENDAR, $PATCHBOOK_HOME/calendar.yaml, else the "
        "built-in reference calendar.",
    ),
    start: str = typer.Option(
        None, "--from", help="Start of the horizon, YYYY-MM-DD[THH:MM] UTC (default: now)."
    ),
    days: int = typer.Option(14, "--days", min=1, max=366, help="Length of the horizon in days."),
    actor: str = typer.Option(
        None, "--as", help="Who requests the plan (default: $PATCHBOOK_USER or the login)."
    ),
    json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    ics: Path = typer.Option(None, "--ics", help="Also write the windows as an iCalendar file."),
    md: Path = typer.Option(
        None, "--md", help="Also write a Markdown summary for the change-advisory board."
    ),
) -> None:
    """Plan patches: lowest safe upgrade per asset, placed around expiries, halts and freezes."""
    from patchbook.plan.export import ics as to_ics
    from patchbook.plan.export import markdown, plan_dict
    from patchbook.service.plan import make_plan
    from patchbook.store import open_store

    with console.status("planning ...") if not json else _quiet():
        outcome = make_plan(open_store(), calendar_path=calendar, start=_start(start), days=days, actor=actor)
    if ics is not None:
        ics.write_bytes(to_ics(outcome.plan))
    if md is not None:
        md.write_text(markdown(outcome.plan), encoding="utf-8")
    if json:
        data = plan_dict(outcome.plan)
        for change in data["changes"] + data["unscheduled"]:
            change["patch_id"] = outcome.patch_ids.get(change["change"])
        print_json({"plan_run": outcome.run_id, **data})
        return
    print_plan(console, outcome)
    for path, what in ((ics, "iCalendar"), (md, "Markdown")):
        if path is not None:
            console.print(f"{what}: {path}")


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def _when(moment: datetime) -> str:
    return f"{moment:%a %d %b %H:%M}"


def print_plan(out: Console, outcome: PlanOutcome) -> None:
    """The plan as a table a change manager reads: when, what, why there, then what could not be placed."""
    p: Plan = outcome.plan
    s = p.schedule
    out.print(
        f"[bold]{p.venue}[/]: {len(s.placements)} changes from {_when(p.start)} to {_when(p.end)} UTC "
        f"(calendar {p.calendar_source}); plan run {outcome.run_id}"
    )
    if not p.changes and not p.no_fix:
        out.print("nothing to plan: no open finding has a patch (or the estate has no findings yet)")
        return
    table = Table(title="Patch windows (UTC), in time order", title_justify="left")
    for col in ("patch", "window (+ rollback)", "change", "decision", "due"):
        table.add_column(col, no_wrap=True)
    for pl in s.placements:
        c = p.changes[pl.id]
        flags = " [bold red]EMERGENCY[/]" if pl.emergency else ""
        due = f"{pl.due or ''}" + (" [bold red]LATE[/]" if pl.late else "")
        table.add_row(
            str(outcome.patch_ids.get(pl.id, "")),
            f"{_when(pl.start)}-{pl.end:%H:%M} (+{format_duration(c.rollback)})",
            pl.id + flags,
            c.decision,
            due,
        )
    out.print(table)
    for pl in s.placements:
        c = p.changes[pl.id]
        out.print(f"[bold]{outcome.patch_ids.get(pl.id, '')} {pl.id}[/]: {c.label}")
        for line in pl.why[1:]:
            out.print(f"    {line}", highlight=False)
    for u in s.unscheduled:
        out.print(f"[bold red]unschedulable[/] {u.id} (due {u.due or 'none'}): " + "; ".join(u.reasons))
    for patch in p.no_fix:
        for fix in patch.no_fix:
            out.print(
                f"[yellow]no fix[/] {patch.asset}: {fix.package} {fix.installed_version}: {fix.note}; "
                f"mitigations: {'; '.join(fix.mitigations)}"
            )
    for asset, steps in p.contract_steps.items():
        for st in steps:
            out.print(f"contract {asset}: {st.action} earliest {_when(st.earliest)} UTC: {st.detail}")


def demo_section(store: Store, home: Path | None = None) -> None:
    """What ``patchbook demo`` shows of planning: a two-week plan, written as demo-plan.ics too."""
    from patchbook import config
    from patchbook.service.plan import demo_plan

    home = home or config.home()
    console.rule("[bold]Two-week patch plan around the trading calendar")
    outcome = demo_plan(store, home)
    print_plan(console, outcome)
    console.print(
        f"calendar file: {home / 'demo-plan.ics'}; "
        "approve with `patchbook patch approve ID --as NAME --role owner`"
    )
