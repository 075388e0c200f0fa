"""Triage commands: ``findings triage``, ``findings accept``, and ``patchbook triage show|rule ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from patchbook.cli.output import console, print_json
from patchbook.model.triage import Justification, Rule, TriageState, TriageView

app = typer.Typer(
    help="Triage: decisions, risk acceptances and the rules that triage many findings.", no_args_is_help=True
)
rule_app = typer.Typer(help="Rules that triage every finding they match.", no_args_is_help=True)
app.add_typer(rule_app, name="rule")
JSON_OPT = typer.Option(False, "--json", help="Print the result as JSON.")


def view_dict(view: TriageView | None) -> dict[str, Any]:
    if view is None:
        return {"state": None, "label": "untriaged", "suppressed": False}
    a = view.acceptance
    return {
        "state": view.state.value if view.state else None,
        "justification": view.justification.value if view.justification else None,
        "reason": view.reason,
        "by": view.actor,
        "at": view.at.isoformat() if view.at else None,
        "source": view.source,
        "rule": view.rule_id,
        "acceptance": None
        if a is None
        else {
            "approver": a.approver,
            "reason": a.reason,
            "accepted_at": a.accepted_at.isoformat(),
            "expires": a.expires_at.isoformat(),
            "running": view.accepted,
        },
        "label": view.label,
        "suppressed": view.suppressed,
    }


def triage(
    finding_id: int = typer.Argument(..., help="The finding's id (see `patchbook findings list`)."),
    state: TriageState = typer.Option(..., "--state", help="The triage state."),
    justification: Justification = typer.Option(
        None, "--justification", help="Why it is not affected (required with --state not_affected)."
    ),
    reason: str = typer.Option(None, "--reason", help="Why (the VEX statement's text)."),
    actor: str = typer.Option(None, "--as", help="Who decides."),
    json: bool = JSON_OPT,
) -> None:
    """Triage one finding: every change is kept in its history."""
    from patchbook.service import triage as service
    from patchbook.store import open_store

    view = service.triage(open_store(), finding_id, state, justification, reason, actor)
    if json:
        print_json({"finding_id": finding_id, **view_dict(view)})
        return
    console.print(f"finding {finding_id}: {view.label} (by {view.actor})", markup=False)


def accept(
    finding_id: int = typer.Argument(..., help="The finding's id."),
    approver: str = typer.Option(None, "--approver", help="Who accepts the risk (required)."),
    reason: str = typer.Option(None, "--reason", help="Why the risk is acceptable (required)."),
    expires: str = typer.Option(None, "--expires", help="YYYY-MM-DD: the finding is back on this date."),
    json: bool = JSON_OPT,
) -> None:
    """Accept a finding's risk until a date; after it the finding comes back by itself."""
    from patchbook.service import triage as service
    from patchbook.store import open_store

    day = service.parse_day(expires, "--expires") if expires is not None else None
    view = service.accept(open_store(), finding_id, approver, reason, day)
    if json:
        print_json({"finding_id": finding_id, **view_dict(view)})
        return
    console.print(f"finding {finding_id}: {view.label} (approved by {approver})", markup=False)


@app.command()
def show(finding_id: int = typer.Argument(..., help="The finding's id."), json: bool = JSON_OPT) -> None:
    """One finding's effective triage (its own, a rule's, an acceptance) and its triage history."""
    from patchbook.service import triage as service
    from patchbook.store import open_store

    shown = service.detail(open_store(), finding_id)
    history = [{"at": e.at.isoformat(), "event": e.event, **e.detail} for e in shown.history]
    if json:
        print_json({"finding_id": finding_id, **view_dict(shown.view), "history": history})
        return
    view = shown.view
    console.print(f"finding {finding_id}: {view.label if view else 'untriaged'}", markup=False)
    if view is not None and view.reason:
        console.print(f"  why: {view.reason} (by {view.actor}, {view.source})", markup=False)
    if view is not None and view.acceptance is not None:
        a = view.acceptance
        status = "running" if view.accepted else "expired"
        console.print(
            f"  acceptance ({status}): {a.approver} until {a.expires_at:%Y-%m-%d}: {a.reason}", markup=False
        )
    for e in shown.history:
        console.print(f"  {e.at:%Y-%m-%d %H:%M} {e.event} {e.detail}", markup=False)


@app.command()
def revoke(
    finding_id: int = typer.Argument(..., help="The finding's id."),
    reason: str = typer.Option(None, "--reason", help="Why the acceptance ends early (required)."),
    actor: str = typer.Option(None, "--as", help="Who revokes it."),
) -> None:
    """End a finding's running risk acceptance now: it is back on the working list at once."""
    from patchbook.service import triage as service
    from patchbook.store import open_store

    view = service.revoke(open_store(), finding_id, actor, reason)
    label = view.label if view is not None else "untriaged"
    console.print(f"finding {finding_id}: acceptance revoked; now {label}", markup=False)


def rule_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "package": rule.package,
        "ecosystem": rule.ecosystem,
        "version": rule.version,
        "advisory": rule.advisory,
        "asset_tag": rule.asset_tag,
        "state": rule.state.value,
        "justification": rule.justification.value if rule.justification else None,
        "reason": rule.reason,
        "created_by": rule.created_by,
        "created_at": rule.created_at.isoformat(),
        "expires": rule.expires_at.isoformat() if rule.expires_at else None,
        "removed_at": rule.removed_at.isoformat() if rule.removed_at else None,
    }


@rule_app.command("add")
def rule_add(
    package: str = typer.Option(None, "--package", help="Findings in this package."),
    ecosystem: str = typer.Option(None, "--ecosystem", help="Only in this ecosystem (with --package)."),
    version: str = typer.Option(
        None, "--version", help="Only at this installed version (with --package): an upgrade ends the rule."
    ),
    advisory: str = typer.Option(None, "--advisory", help="Findings of this vulnerability (any alias)."),
    asset_tag: str = typer.Option(None, "--asset-tag", help="Findings on assets with this tag."),
    state: TriageState = typer.Option(..., "--state", help="The triage state the rule sets."),
    justification: Justification = typer.Option(None, "--justification", help="With not_affected."),
    reason: str = typer.Option(None, "--reason", help="Why (required)."),
    expires: str = typer.Option(None, "--expires", help="YYYY-MM-DD: the rule stops applying then."),
    actor: str = typer.Option(None, "--as", help="Who adds the rule."),
    json: bool = JSON_OPT,
) -> None:
    """Add a rule; it applies to every finding it matches, now and later, until removed or expired."""
    from patchbook.service import triage as service
    from patchbook.store import open_store

    rule = service.new_rule(
        state=state,
        justification=justification,
        reason=reason,
        by=actor,
        package=package,
        ecosystem=ecosystem,
        version=version,
        advisory=advisory,
        asset_tag=asset_tag,
        expires=service.parse_day(expires, "--expires") if expires is not None else None,
    )
    (added,) = service.add_rules(open_store(), [rule])
    if json:
        print_json(rule_dict(added))
        return
    console.print(f"rule {added.id}: {added.describe()} -> {added.state.value}", markup=False)


@rule_app.command("load")
def rule_load(
    path: Path = typer.Argument(..., help="A YAML file with `rules:` (keys as the options of rule add)."),
    actor: str = typer.Option(None, "--as", help="Who adds the rules (unless a rule names `by`)."),
    json: bool = JSON_OPT,
) -> None:
    """Add every rule of a YAML file, all or none."""
    from patchbook.service import triage as service
    from patchbook.store import open_store

    added = service.add_rules(open_store(), service.read_rules_file(path, actor))
    if json:
        print_json({"rules": [rule_dict(r) for r in added]})
        return
    console.print(f"added {len(added)} rules from {path}", markup=False)


@rule_app.command("list")
def rule_list(
    include_removed: bool = typer.Option(False, "--all", help="Also list removed rules."),
    json: bool = JSON_OPT,
) -> None:
    """The rules, newest first (the newest matching rule wins), with how many findings each decides."""
    from patchbook.service import triage as service
    from patchbook.store import open_store

    listed = service.list_rules(open_store(), include_removed=include_removed)
    if json:
        print_json(
            {
                "rules": [
                    {**rule_dict(s.rule), "removed_by": s.removed_by, "applies_to": s.applies_to}
                    for s in listed
                ]
            }
        )
        return
    table = Table(title=f"{len(listed)} triage rules")
    for col in ("id", "matches", "state", "reason", "by", "expires", "applies to"):
        table.add_column(col)
    for s in listed:
        r = s.rule
        state = r.state.value + (f" ({r.justification.value})" if r.justification else "")
        if r.removed_at is not None:
            state += f" [removed by {s.removed_by}]"
        table.add_row(  # user text: escaped, so "[...]" in a reason is not read as markup
            str(r.id),
            escape(r.describe()),
            escape(state),
            escape(r.reason),
            escape(r.created_by),
            f"{r.expires_at:%Y-%m-%d}" if r.expires_at else "",
            str(s.applies_to),
        )
    console.print(table)


@rule_app.command("remove")
def rule_remove(
    rule_id: int = typer.Argument(..., help="The rule's id."),
    actor: str = typer.Option(None, "--as", help="Who removes it."),
) -> None:
    """Remove a rule: the findings it decided come back (the rule is kept, marked removed)."""
    from patchbook.service import triage as service
    from patchbook.store import open_store

    removed = service.remove_rule(open_store(), rule_id, actor)
    console.print(f"removed rule {removed.id} ({removed.describe()})", markup=False)
