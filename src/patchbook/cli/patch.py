"""``patchbook patch``: the current plan's patches, one patch in full, approvals."""

from __future__ import annotations

import typer
from rich.table import Table

from patchbook.cli.output import console, print_json

app = typer.Typer(help="Patches of the current plan: list, show, approve.", no_args_is_help=True)
JSON_OPT = typer.Option(False, "--json", help="Print the result as JSON.")


def _window(d: dict[str, object]) -> str:
    start, end = d.get("window_start"), d.get("rollback_end")
    if not isinstance(start, str) or not isinstance(end, str):
        return ""
    return f"{start[5:16].replace('T', ' ')}-{end[11:16]}"


@app.command("list")
def list_(
    run: int = typer.Option(None, "--run", help="A plan run (default: the newest)."), json: bool = JSON_OPT
) -> None:
    """The patches of the newest plan run (or --run), in window order, with their approval state."""
    from patchbook.service.plan import list_patches
    from patchbook.store import open_store

    plan_run, views = list_patches(open_store(), run)
    rows = [v.as_dict() for v in views]
    if json:
        print_json({"plan_run": plan_run.id, "created_at": plan_run.created_at.isoformat(), "patches": rows})
        return
    table = Table(
        title=f"plan run {plan_run.id} ({plan_run.created_at:%Y-%m-%d %H:%M} UTC by {plan_run.created_by})"
    )
    for col in ("id", "change", "state", "decision", "window (UTC)", "due", "approvals"):
        table.add_column(col, no_wrap=col in ("id", "window (UTC)", "due"))
    for d in rows:
        state = str(d["state"]) + (" emergency" if d["emergency"] else "") + (" LATE" if d["late"] else "")
        approvals = "approved" if d["approved"] else "needs " + ", ".join(d["missing"])
        table.add_row(
            str(d["id"]),
            str(d["change"]),
            state,
            str(d["decision"]),
            _window(d),
            str(d["due"] or ""),
            approvals if d["state"] == "scheduled" else "",
        )
    console.print(table)


@app.command()
def show(patch_id: int = typer.Argument(..., help="The patch's id."), json: bool = JSON_OPT) -> None:
    """One patch: its upgrades, the findings it closes, its window and why, approvals."""
    from patchbook.service.plan import show_patch
    from patchbook.store import open_store

    d = show_patch(open_store(), patch_id).as_dict()
    if json:
        print_json(d)
        return
    console.rule(f"patch {d['id']}: {d['change']} ({d['state']}, {d['decision']})")
    console.print(f"window: {_window(d) or 'none'} UTC; due {d['due'] or 'none'}; team {d['team']}")
    console.print(f"what: {d.get('label', '')}")
    patch = d.get("patch")
    if isinstance(patch, dict):
        for u in patch.get("upgrades", []):
            breaking = " [bold red]breaking[/]" if u["breaking"] else ""
            console.print(
                f"  {u['package']} {u['installed']} -> {u['target']} ({u['size']}{breaking}; {u['note']}); "
                f"closes findings {', '.join(map(str, u['closes']))}"
            )
            for r in u["rejected"]:
                console.print(f"    not {r['version']}: {r['why']}")
        for u in patch.get("no_fix", []):
            console.print(
                f"  {u['package']} {u['installed']}: {u['note']}; mitigations: {'; '.join(u['mitigations'])}"
            )
    for line in d.get("why") or []:
        console.print(f"  why: {line}")
    for line in d.get("reasons") or []:
        console.print(f"  [red]unschedulable[/]: {line}")
    for step in d.get("steps") or []:
        console.print(f"  step {step['action']}: earliest {step['earliest']}: {step['detail']}")
    console.print(f"approvals needed: {d['approvals_needed']} (requested by {d['requested_by']})")
    for a in d["approvals"]:
        console.print(f"  approved by {a['approver']} as {a['role']} at {a['at']}")
    console.print("[green]approved[/]" if d["approved"] else f"missing: {', '.join(d['missing'])}")
    sim = d.get("simulation")
    if isinstance(sim, dict):
        console.print(
            f"simulated deployment: {sim['verdict'].upper()} (score {sim['score']:g}, run {sim['run']}; "
            f"`patchbook simulate history --patch {d['id']}`)"
        )
    elif d["kind"] == "software":
        console.print(f"not simulated yet: `patchbook simulate patch {d['id']}`")


@app.command()
def approve(
    patch_id: int = typer.Argument(..., help="The patch's id."),
    approver: str = typer.Option(..., "--as", help="Who approves."),
    role: str = typer.Option(
        None, "--role", help="owner | security | change (default: the first role the patch still needs)."
    ),
    json: bool = JSON_OPT,
) -> None:
    """Approve a patch as NAME; refused (exit 1) when the approval policy does not allow it."""
    from patchbook.service.plan import approve as approve_patch
    from patchbook.service.plan import show_patch
    from patchbook.store import open_store

    store = open_store()
    if role is None:
        view = show_patch(store, patch_id)
        given = {a.role for a in view.approvals}
        role = next((r for r in view.requirement.roles if r not in given), "change")
    d = approve_patch(store, patch_id, approver, role).as_dict()
    if json:
        print_json(d)
        return
    state = "[green]approved[/]" if d["approved"] else f"still missing: {', '.join(d['missing'])}"
    console.print(f"patch {patch_id} ({d['change']}): approved by {approver} as {role}; {state}")
