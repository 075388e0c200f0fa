"""``patchbook vex import|export``: OpenVEX and CycloneDX VEX in and out."""

from __future__ import annotations

from pathlib import Path

import typer

from patchbook.cli.output import console, print_json

app = typer.Typer(help="VEX: import statements onto findings, export triage as OpenVEX or CycloneDX.")
JSON_OPT = typer.Option(False, "--json", help="Print the result as JSON.")
FORMATS = ("openvex", "cyclonedx")


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="An OpenVEX or CycloneDX VEX JSON file (told from its content)."),
    skip_unknown: bool = typer.Option(
        False, "--skip-unknown", help="Count and skip statements about products not in the inventory."
    ),
    actor: str = typer.Option(
        None, "--as", help="Record the decisions as this person (default: the author)."
    ),
    json: bool = JSON_OPT,
) -> None:
    """Apply a VEX file's statements to the matching findings (all or nothing)."""
    from patchbook.service import vex
    from patchbook.store import open_store

    result = vex.import_file(open_store(), path, skip_unknown=skip_unknown, actor=actor)
    if json:
        print_json(result.__dict__)
        return
    console.print(
        f"{path}: {result.format}, {result.statements} statements; {result.changed} findings triaged, "
        f"{result.unchanged} already so, {result.unmatched} statements matched no finding"
        + (f", {result.unknown_products} unknown products skipped" if result.unknown_products else "")
        + (f", {result.skipped} entries without analysis" if result.skipped else ""),
        markup=False,
    )


@app.command("export")
def export(
    fmt: str = typer.Option("openvex", "--format", help="openvex | cyclonedx (cyclonedx needs --asset)"),
    asset: str = typer.Option(None, "--asset", help="Only this asset."),
    output: Path = typer.Option(None, "-o", "--output", help="Write here instead of stdout."),
    author: str = typer.Option("patchbook", "--author", help="The OpenVEX document's author."),
    spec_version: str = typer.Option("1.6", "--spec-version", help="CycloneDX spec version: 1.5 | 1.6"),
) -> None:
    """Export every finding's triage (or the status its lifecycle implies) as a VEX document."""
    import orjson

    from patchbook.errors import InputError
    from patchbook.service import vex
    from patchbook.store import open_store

    if fmt not in FORMATS:
        raise InputError("--format", f"unknown VEX format {fmt!r}; expected one of {', '.join(FORMATS)}")
    with open_store().engine.connect() as conn:
        if fmt == "openvex":
            doc = vex.export_openvex(conn, asset, author)
            text = orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"
            count = len(doc["statements"])
        else:
            text = vex.export_cyclonedx(conn, asset, spec_version)
            count = len(orjson.loads(text).get("vulnerabilities", []))
    if output is None:
        print(text, end="")
    else:
        output.write_text(text)
        console.print(f"wrote {count} statements to {output}", markup=False)
