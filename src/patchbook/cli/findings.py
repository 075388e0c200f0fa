"""``patchbook findings``: what affects the estate, with every source that reports it and its history."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from patchbook.cli.output import console, print_json
from patchbook.model.finding import Finding, FindingState

app = typer.Typer(help="Findings: vulnerabilities in the assets' components.", no_args_is_help=True)
JSON_OPT = typer.Option(False, "--json", help="Print the result as JSON.")


def finding_dict(f: Finding) -> dict[str, object]:
    return {
        "id": f.id,
        "asset": f.asset,
        "ecosystem": f.ecosystem,
        "package": f.package,
        "installed_version": f.installed_version,
        "alias_group": f.alias_group,
        "advisory_ids": list(f.advisory_ids),
        "state": f.state.value,
        "fixed_versions": list(f.fixed_versions),
        "direct": f.direct,
        "sources": list(f.sources),
        "first_seen": f.first_seen.isoformat(),
        "last_seen": f.last_seen.isoformat(),
        "state_changed_at": f.state_changed_at.isoformat(),
    }


@app.command("list")
def list_(
    asset: str = typer.Option(None, "--asset", help="Only this asset."),
    state: FindingState = typer.Option(None, "--state", help="Only findings in this state."),
    json: bool = JSON_OPT,
) -> None:
    """List findings (all states unless --state)."""
    from patchbook.store import open_store
    from patchbook.store.findings import list_findings

    with open_store().engine.connect() as conn:
        found = list_findings(conn, asset=asset, state=state.value if state else None)
    if json:
        print_json({"findings": [finding_dict(f) for f in found]})
        return
    table = Table(title=f"{len(found)} findings")
    for col in ("id", "asset", "package", "installed", "vulnerability", "advisories", "state", "fixed in"):
        table.add_column(col)
    for f in found:
        table.add_row(
            str(f.id),
            f.asset,
            f"{f.package} ({f.ecosystem})",
            f.installed_version or "",
            f.alias_group,
            ", ".join(f.advisory_ids),
            f.state.value,
            ", ".join(f.fixed_versions) or "no fix",
        )
    console.print(table)


@app.command()
def show(finding_id: int = typer.Argument(..., help="The finding's id."), json: bool = JSON_OPT) -> None:
    """One finding: its advisories and their ranges, every attribution, and its history."""
    from patchbook.service.findings import detail
    from patchbook.store import open_store

    shown = detail(open_store(), finding_id)
    finding, aliases, attributions, events = shown.finding, shown.aliases, shown.attributions, shown.history
    summaries = {e["advisory"]: e["summary"] for e in shown.entries}
    ranges = [{k: e[k] for k in ("advisory", "ranges", "versions")} for e in shown.entries]
    data = {
        **finding_dict(finding),
        "aliases": aliases,
        "summaries": summaries,
        "affected_ranges": ranges,
        "attributions": [
            {**a, "first_seen": _iso(a["first_seen"]), "last_seen": _iso(a["last_seen"])}
            for a in attributions
        ],
        "history": [{"at": e.at.isoformat(), "event": e.event, **e.detail} for e in events],
    }
    if json:
        print_json(data)
        return
    console.rule(f"finding {finding.id}: {finding.alias_group} in {finding.package} on {finding.asset}")
    fixes = ", ".join(finding.fixed_versions) or "no fix known"
    console.print(f"state {finding.state.value}; installed {finding.installed_version}; fixed in {fixes}")
    console.print(f"aliases: {', '.join(aliases)}")
    for advisory_id, summary in summaries.items():
        console.print(f"[bold]{advisory_id}[/]: {summary}")
    for r in ranges:
        for rng in r["ranges"]:
            walk = ", ".join(f"{k} {v}" for e in rng["events"] for k, v in e.items())
            console.print(f"  {r['advisory']} {rng['type']}: {walk}")
    console.print(
        "sources: "
        + "; ".join(
            f"{a['source']} ({'active' if a['active'] else 'no longer reports it'})" for a in attributions
        )
    )
    for e in events:
        console.print(f"  {e.at:%Y-%m-%d %H:%M} {e.event} {e.detail}")


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@app.command()
def export(
    output: Path = typer.Option(None, "-o", "--output", help="Write here instead of stdout."),
    fmt: str = typer.Option(
        "json", "--format", help="json | csv | cyclonedx-vdr | cyclonedx-vex (the last two need --asset)"
    ),
    asset: str = typer.Option(None, "--asset", help="Only this asset."),
    state: FindingState = typer.Option(None, "--state", help="Only findings in this state."),
    spec_version: str = typer.Option("1.6", "--spec-version", help="CycloneDX spec version: 1.5 | 1.6"),
) -> None:
    """Export findings as JSON, CSV, or one asset's CycloneDX VDR or VEX."""
    import orjson

    from patchbook.errors import InputError
    from patchbook.store import open_store
    from patchbook.store.findings import list_findings

    formats = ("json", "csv", "cyclonedx-vdr", "cyclonedx-vex")
    if fmt not in formats:
        raise InputError("--format", f"unknown export format {fmt!r}; expected one of {', '.join(formats)}")
    if fmt.startswith("cyclonedx-"):
        from patchbook.service import export as export_service

        if asset is None:
            raise InputError("--asset", f"--format {fmt} writes one BOM per asset; name it with --asset")
        kind: export_service.Kind = "vdr" if fmt == "cyclonedx-vdr" else "vex"
        with open_store().engine.connect() as conn:
            data = export_service.load(conn, asset, kind, state)
        text = export_service.render(data, kind, spec_version)
        count = len(data.views)
    else:
        with open_store().engine.connect() as conn:
            found = [
                finding_dict(f)
                for f in list_findings(conn, asset=asset, state=state.value if state else None)
            ]
        count = len(found)
        if fmt == "json":
            text = orjson.dumps({"findings": found}, option=orjson.OPT_INDENT_2).decode() + "\n"
        else:
            buffer = io.StringIO()
            columns = list(found[0]) if found else ["id", "asset", "package", "alias_group", "state"]
            writer = csv.DictWriter(buffer, fieldnames=columns)
            writer.writeheader()
            for row in found:
                writer.writerow(
                    {k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()}
                )
            text = buffer.getvalue()
    if output is None:
        print(text, end="")
    else:
        output.write_text(text)
        console.print(f"wrote {count} findings to {output}")
