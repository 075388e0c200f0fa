"""The ``patchbook`` console script: one sub-app per noun, registered here.

Exit codes: 0 ok; 1 a policy was violated (a hold/rollback verdict); 2 usage or input error, with
one line on stderr naming the file, the place and what was expected (also a database that refused the
command); 3 an internal error (a bug), with its trace.
"""

from __future__ import annotations

import sys

import typer

from patchbook import __version__
from patchbook.errors import PatchbookError

app = typer.Typer(
    name="patchbook",
    help="Patch lifecycle for trading venues: identify, evaluate, plan, validate, roll out, audit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"patchbook {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """patchbook: from advisory to verified fix, around the trading calendar."""


def _register() -> None:
    # Imported here so that `patchbook --help` lists every noun and each module stays independent.
    from patchbook.cli import asset, db, demo, feeds, findings, ingest, inventory
    from patchbook.cli import flow as flow_cli
    from patchbook.cli import simulate as simulate_cli

    app.add_typer(asset.app, name="asset")
    app.add_typer(db.app, name="db")
    app.add_typer(findings.app, name="findings")
    app.add_typer(inventory.app, name="inventory")
    app.command(name="ingest")(ingest.ingest)
    app.add_typer(feeds.app, name="feeds")
    app.add_typer(flow_cli.app, name="flow")
    app.add_typer(simulate_cli.app, name="simulate")
    app.command(name="demo")(demo.demo)
    from patchbook.cli import gate as gate_cli

    app.command(name="gate")(gate_cli.gate)
    from patchbook.cli import sla as sla_cli

    app.add_typer(sla_cli.app, name="sla")
    from patchbook.cli import contract as contract_cli

    app.add_typer(contract_cli.app, name="contract")
    from patchbook.cli import scan as scan_cli

    app.add_typer(scan_cli.app, name="scan")
    from patchbook.cli import triage as triage_cli
    from patchbook.cli import vex as vex_cli

    findings.app.command(name="triage")(triage_cli.triage)
    findings.app.command(name="accept")(triage_cli.accept)
    app.add_typer(triage_cli.app, name="triage")
    app.add_typer(vex_cli.app, name="vex")
    from patchbook.cli import audit as audit_cli
    from patchbook.cli import patch as patch_cli
    from patchbook.cli import plan as plan_cli

    app.command(name="plan")(plan_cli.plan)
    app.add_typer(patch_cli.app, name="patch")
    app.add_typer(audit_cli.app, name="audit")


_register()


def main() -> None:
    # Typer's standalone mode prints usage errors and exits 2 itself; errors patchbook raises on
    # purpose become one line on stderr with their exit code, never a traceback.
    from sqlalchemy.exc import DBAPIError

    try:
        app()
    except PatchbookError as exc:
        message = " ".join(str(exc).split("\n", 1)[0].split()) if exc.one_line else str(exc)
        print(f"patchbook: error: {message}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except DBAPIError as exc:
        # A busy SQLite file, a PostgreSQL server that went away, a lock timeout: the transaction was
        # rolled back, so nothing half-written stays; say what the database said, on one line.
        reason = " ".join(str(exc.orig).split()) if exc.orig is not None else type(exc).__name__
        print(
            f"patchbook: error: the database refused the command (nothing was written): {reason}",
            file=sys.stderr,
        )
        sys.exit(2)
    except KeyboardInterrupt:
        print("patchbook: interrupted; nothing half-written was kept", file=sys.stderr)
        sys.exit(130)
    except Exception:
        import traceback

        traceback.print_exc()
        print(
            "patchbook: internal error (a bug in patchbook; please report it with the trace above)",
            file=sys.stderr,
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
