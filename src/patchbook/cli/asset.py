"""``patchbook asset``: declare and look at the assets the venue deploys and patches."""

from __future__ import annotations

import typer
from rich.table import Table

from patchbook.cli.output import console, print_json
from patchbook.model.asset import Asset, AssetKind, Criticality, Environment, Exposure

app = typer.Typer(help="Assets: trading services, hosts, images, contracts.", no_args_is_help=True)
JSON_OPT = typer.Option(False, "--json", help="Print the result as JSON.")


@app.command()
def add(
    name: str = typer.Argument(..., help="Unique asset name, e.g. matching-engine."),
    kind: AssetKind = typer.Option(..., "--kind", help="What it is."),
    owner: str = typer.Option(None, help="The team that patches it."),
    environment: Environment = typer.Option(Environment.PROD, help="Where it runs."),
    trading_role: str = typer.Option(None, "--trading-role", help="e.g. matching-engine, wallet-signer."),
    criticality: Criticality = typer.Option(Criticality.MEDIUM, help="How much trading depends on it."),
    exposure: Exposure = typer.Option(Exposure.INTERNAL, help="Who can reach it."),
    value_at_risk: float = typer.Option(None, "--value-at-risk", help="USD at risk (hot wallet, TVL, ...)."),
    depends_on: list[str] = typer.Option(
        [], "--depends-on", help="Another asset it depends on (repeatable)."
    ),
    tag: list[str] = typer.Option([], "--tag", help="A tag (repeatable)."),
    json: bool = JSON_OPT,
) -> None:
    """Add an asset, or update it when it exists (idempotent)."""
    from patchbook.service import inventory as service
    from patchbook.store import open_store

    asset = Asset(
        name=name,
        kind=kind,
        owner=owner,
        environment=environment,
        trading_role=trading_role,
        criticality=criticality,
        exposure=exposure,
        value_at_risk_usd=value_at_risk,
        depends_on=tuple(depends_on),
        tags=tuple(tag),
    )
    change = service.add_asset(open_store(), asset)
    if json:
        print_json({"asset": asset.as_dict(), "change": change})
    else:
        console.print(f"{name}: {change}")


@app.command("list")
def list_(json: bool = JSON_OPT) -> None:
    """List the assets with their trading context."""
    from patchbook.store import open_store
    from patchbook.store.inventory import list_assets

    with open_store().engine.connect() as conn:
        assets = list_assets(conn)
    if json:
        print_json({"assets": [a.as_dict() for a in assets]})
        return
    table = Table(title=f"{len(assets)} assets")
    for col in (
        "name",
        "kind",
        "owner",
        "env",
        "role",
        "criticality",
        "exposure",
        "value at risk",
        "depends on",
    ):
        table.add_column(col)
    for a in assets:
        table.add_row(
            a.name,
            a.kind.value,
            a.owner or "",
            a.environment.value,
            a.trading_role or "",
            a.criticality.value,
            a.exposure.value,
            f"${a.value_at_risk_usd:,.0f}" if a.value_at_risk_usd is not None else "",
            ", ".join(a.depends_on),
        )
    console.print(table)


@app.command()
def show(name: str = typer.Argument(..., help="The asset's name."), json: bool = JSON_OPT) -> None:
    """Show one asset, its current component set and its open findings."""
    from patchbook.service.inventory import UnknownAsset
    from patchbook.store import open_store
    from patchbook.store.findings import list_findings
    from patchbook.store.inventory import current_snapshot, get_asset

    with open_store().engine.connect() as conn:
        found = get_asset(conn, name)
        if found is None:
            raise UnknownAsset(name)
        asset_id, asset = found
        snapshot = current_snapshot(conn, asset_id)
        open_findings = list_findings(conn, asset=name, state="open")
    data = {
        **asset.as_dict(),
        "snapshot": None
        if snapshot is None
        else {
            "format": snapshot.format,
            "ingested_at": snapshot.ingested_at.isoformat(),
            "sha256": snapshot.sha256,
        },
        "open_findings": len(open_findings),
    }
    if json:
        print_json(data)
        return
    for key, value in data.items():
        console.print(f"[bold]{key}[/]: {value}")
