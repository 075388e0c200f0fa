"""``patchbook db``: the store's schema and where it lives.

Store modules are imported inside the commands: `patchbook --help` should not pay for SQLAlchemy.
"""

from __future__ import annotations

import typer

from patchbook.cli.output import console, print_json

app = typer.Typer(help="The store: schema migrations and location.", no_args_is_help=True)


@app.command()
def upgrade(json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Migrate the store (SQLite file or PATCHBOOK_DATABASE_URL) to this version's schema."""
    from patchbook.store import migrate as migrations
    from patchbook.store import open_store

    store = open_store(migrate=False, check=False)
    before, after = migrations.upgrade(store)
    if json:
        print_json({"database": store.display_url, "before": before, "after": after})
    elif before == after:
        console.print(f"{store.display_url}: already at schema revision {after}")
    else:
        console.print(f"{store.display_url}: migrated {before or 'empty'} -> {after}")


@app.command()
def status(json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Show which database is in use and its schema revision."""
    from patchbook.store import migrate as migrations
    from patchbook.store import open_store

    store = open_store(migrate=False, check=False)
    current, head = migrations.current_revision(store), migrations.head_revision()
    data = {"database": store.display_url, "backend": store.backend, "revision": current, "head": head}
    if json:
        print_json(data)
    else:
        state = "up to date" if current == head else "needs `patchbook db upgrade`"
        console.print(f"{store.display_url} ({store.backend}): revision {current or 'none'}, {state}")
