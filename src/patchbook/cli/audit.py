"""``patchbook audit``: the hash-chained audit trail: verify it, read it."""

from __future__ import annotations

import typer

from patchbook.cli.output import console, print_json

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@app.command()
def verify(json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Check every row's hash and link; exit 1 naming the first row that does not hold."""
    from patchbook.service.plan import verify_audit
    from patchbook.store import open_store

    result = verify_audit(open_store())
    if json:
        print_json(
            {
                "ok": result.ok,
                "checked": result.checked,
                "first_bad": result.first_bad,
                "reason": result.reason,
            }
        )
    elif result.ok:
        console.print(f"[green]audit trail intact[/]: {result.checked} events, every hash and link checked")
    else:
        console.print(
            f"[bold red]audit trail broken at row {result.first_bad}[/]: {result.reason} "
            f"({result.checked} rows before it are intact)"
        )
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def log(
    subject: str = typer.Option(None, "--subject", help="Only events about this subject, e.g. patch:3."),
    limit: int = typer.Option(50, "--limit", min=1, help="The newest N events."),
    json: bool = typer.Option(False, "--json", help="Print the events as JSON."),
) -> None:
    """The newest events of the audit trail, oldest first."""
    from patchbook.service.plan import audit_log
    from patchbook.store import open_store

    found = audit_log(open_store(), subject=subject, limit=limit)
    if json:
        print_json({"events": [e.as_dict() for e in found]})
        return
    console.print(f"{len(found)} audit events, oldest first")
    for e in found:
        console.print(
            f"[bold]{e.seq:>5}[/] {e.at:%Y-%m-%d %H:%M:%S} {e.actor:<12} {e.action:<14} {e.subject:<12} "
            f"[dim]{e.hash[:16]}[/]",
            highlight=False,
        )
        payload = ", ".join(f"{k}={v}" for k, v in e.payload.items() if k != "changes")
        console.print(f"      [dim]{payload}[/]", highlight=False)
