"""``patchbook feeds``: import advisory data from files, sync it from the public feeds, show what is held."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from patchbook.cli.output import RichProgress, console, err_console, print_json
from patchbook.feeds import DEFAULT_ECOSYSTEMS

if TYPE_CHECKING:
    from patchbook.service.feeds import ImportReport

app = typer.Typer(help="Advisory feeds: OSV, GHSA, PyPA, CISA KEV, FIRST EPSS.", no_args_is_help=True)

JSON_OPT = typer.Option(False, "--json", help="Print the result as JSON.")


def _print_reports(reports: list[ImportReport]) -> None:
    from patchbook.service.feeds import MAX_SKIPS_SHOWN

    table = Table(title="Feed import", show_lines=False)
    for col in ("source", "kind", "records", "new", "updated", "unchanged", "removed", "skipped"):
        table.add_column(col, justify="left" if col in ("source", "kind") else "right")
    for r in reports:
        c = r.counts
        table.add_row(
            r.source,
            r.kind,
            *(f"{n:,}" for n in (c.records_seen, c.inserted, c.updated, c.unchanged, c.removed, c.skipped)),
        )
    console.print(table)
    for r in reports:
        if r.kind == "epss":
            console.print(
                f"EPSS {r.upstream_marker}: {r.counts.records_seen:,} scores; "
                f"{r.unknown_cves:,} CVEs no stored advisory names (counted, kept for later)"
            )
        if r.rescored:
            console.print(f"re-scored {r.rescored:,} findings in {r.rescore_seconds:.2f} s")
        for skip in r.skips[:MAX_SKIPS_SHOWN]:
            err_console.print(
                f"[yellow]skipped[/] {skip.location}: {skip.record_id or '<no id>'}: {skip.reason}"
            )
        if len(r.skips) > MAX_SKIPS_SHOWN:
            err_console.print(
                f"[yellow]... {len(r.skips) - MAX_SKIPS_SHOWN} more; see `patchbook feeds status`"
            )


@app.command("import")
def import_(
    paths: list[Path] = typer.Argument(
        ..., help="OSV directories, all.zip files, OSV JSON/YAML files, KEV JSON, EPSS CSV (.csv or .csv.gz)."
    ),
    skip_invalid: bool = typer.Option(
        False,
        "--skip-invalid",
        help="Import valid records and skip (and list) invalid ones instead of failing.",
    ),
    json: bool = JSON_OPT,
) -> None:
    """Import advisory files. All paths are one transaction: on any error nothing is written.

    Re-importing is idempotent; a stored record is replaced only by one with a newer `modified`.
    """
    from patchbook.service import feeds as service
    from patchbook.store import open_store

    store = open_store()
    reports = service.import_paths(store, paths, strict=not skip_invalid, progress=RichProgress())
    if json:
        print_json({"imports": [r.as_dict() for r in reports]})
    else:
        _print_reports(reports)


@app.command()
def sync(
    ecosystem: list[str] = typer.Option(
        list(DEFAULT_ECOSYSTEMS), "--ecosystem", "-e", help="OSV ecosystem to fetch (repeatable)."
    ),
    kev: bool = typer.Option(True, "--kev/--no-kev", help="Also fetch the CISA KEV catalog."),
    epss: bool = typer.Option(False, "--epss/--no-epss", help="Also fetch today's FIRST EPSS scores."),
    solidity: bool = typer.Option(
        False,
        "--solidity/--no-solidity",
        help="Also fetch the Solidity compiler bug list (env PATCHBOOK_SOLIDITY_BUGS_URL and "
        "PATCHBOOK_SOLIDITY_BY_VERSION_URL for mirrors).",
    ),
    osv_base_url: str = typer.Option(
        None, help="Mirror of the OSV bucket (default: env PATCHBOOK_OSV_BASE_URL or osv.dev's)."
    ),
    kev_url: str = typer.Option(
        None, help="Where to fetch KEV from (default: env PATCHBOOK_KEV_URL or CISA's)."
    ),
    epss_url: str = typer.Option(
        None, help="Where to fetch EPSS from (default: env PATCHBOOK_EPSS_URL or FIRST's daily file)."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Fail the sync on any invalid record instead of skipping it."
    ),
    json: bool = JSON_OPT,
) -> None:
    """Download the OSV per-ecosystem zips, the KEV catalog (and EPSS), and import what changed."""
    from patchbook.service import feeds as service
    from patchbook.store import open_store

    store = open_store()
    result = service.sync(
        store,
        ecosystems=ecosystem,
        include_kev=kev,
        osv_base=osv_base_url,
        kev_source=kev_url,
        include_epss=epss,
        epss_source=epss_url,
        strict=strict,
        progress=RichProgress(),
    )
    if solidity:  # the compiler bug list re-matches the contracts (issue 5)
        from patchbook.service.contracts import sync_bug_list

        solc = sync_bug_list(store, progress=RichProgress())
        result.downloads += solc.downloads
        result.reports += solc.reports
    if json:
        print_json({"downloads": result.downloads, "imports": [r.as_dict() for r in result.reports]})
        return
    for d in result.downloads:
        note = f"unchanged since {d['unchanged_since']}" if d["unchanged_since"] else "imported"
        console.print(f"{d['url']}  {d['bytes']:,} bytes  sha256 {str(d['sha256'])[:16]}…  {note}")
    if result.reports:
        _print_reports(result.reports)


@app.command()
def status(json: bool = JSON_OPT) -> None:
    """Records per ecosystem and source, alias groups, KEV entries, and the last imports."""
    from patchbook.store import open_store
    from patchbook.store.advisories import feed_status
    from patchbook.store.risk import epss_status

    store = open_store()
    with store.engine.connect() as conn:
        st = feed_status(conn)
        epss = epss_status(conn)
    if json:
        print_json(
            {
                "database": store.display_url,
                "advisories": st.advisories,
                "withdrawn": st.withdrawn,
                "by_ecosystem": [
                    {"ecosystem": e, "source": s, "advisories": n} for e, s, n in st.by_ecosystem_source
                ],
                "aliases": {"identifiers": st.identifiers, "groups": st.alias_groups},
                "kev": {"entries": st.kev_entries, "catalog_version": st.kev_catalog_version},
                "epss": epss,
                "last_imports": st.last_imports,
                "last_import_skips": st.last_skips,
            }
        )
        return
    table = Table(title=f"Advisories in {store.display_url}")
    table.add_column("ecosystem")
    table.add_column("source")
    table.add_column("advisories", justify="right")
    for eco, src, n in st.by_ecosystem_source:
        table.add_row(eco, src, f"{n:,}")
    console.print(table)
    console.print(
        f"{st.advisories:,} advisories ({st.withdrawn:,} withdrawn); {st.identifiers:,} identifiers in "
        f"{st.alias_groups:,} alias groups; {st.kev_entries:,} KEV entries"
        + (f" (catalog {st.kev_catalog_version})" if st.kev_catalog_version else "")
    )
    if epss["latest"]:
        console.print(
            f"EPSS: {epss['scores']:,} scores for {epss['latest']} (model {epss['model_version'] or '?'}); "
            f"{epss['days']} day(s) of history"
        )
    if st.last_imports:
        imports = Table(title="Last imports")
        for col in ("#", "kind", "source", "finished", "records", "new", "updated", "skipped", "marker"):
            imports.add_column(col)
        for r in st.last_imports:
            imports.add_row(
                str(r["id"]),
                r["kind"],
                r["source"],
                r["finished_at"].strftime("%Y-%m-%d %H:%M UTC") if r["finished_at"] else "unfinished",
                f"{r['records_seen']:,}",
                f"{r['inserted']:,}",
                f"{r['updated']:,}",
                f"{r['skipped']:,}",
                r["upstream_marker"] or "",
            )
        console.print(imports)
    for skip in st.last_skips[:50]:
        console.print(
            f"[yellow]skipped[/] {skip['location']}: {skip['record_id'] or '<no id>'}: {skip['reason']}"
        )
