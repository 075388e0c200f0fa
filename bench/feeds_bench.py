"""Advisory import speed: the whole PyPI advisory set plus >= 100,000 synthetic OSV records, into
SQLite and PostgreSQL, as `patchbook feeds import` runs for a user (whole process, wall time, peak RSS).

Baseline in the same run: only decoding the same files (orjson / libyaml, no validation, no store),
the floor any importer pays; the ratio says what validation and storage add. Target: < 60 s, < 1 GiB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from rich.table import Table

from bench._measure import measure, patchbook_command, wrapped
from bench._postgres import PG_URL, create_schema, drop_schema
from patchbook.feeds import sources

SCALE_TO = 100_000


def _synthetic_zip(shared: Path, workdir: Path) -> tuple[Path, int]:
    """gen.py's realistic records, replicated under new ids and package names up to SCALE_TO."""
    gen_dir = workdir / "gen"
    subprocess.run(
        [sys.executable, str(shared / "peers" / "bench" / "gen.py"), str(gen_dir)],
        check=True,
        capture_output=True,
    )
    base = [
        json.loads(p.read_bytes())
        for eco in ("PyPI", "npm")
        for p in sorted((gen_dir / "osv" / eco).glob("*.json"))
    ]
    archive = workdir / "synthetic-all.zip"
    written = 0
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        copy = 0
        while written < SCALE_TO:
            for record in base:
                rec = dict(record)
                rec["id"] = f"{record['id']}-{copy}"
                rec["aliases"] = [f"{a}-{copy}" for a in record.get("aliases", [])]
                rec["affected"] = [
                    {**a, "package": {**a["package"], "name": f"{a['package']['name']}-{copy}"}}
                    for a in record["affected"]
                ]
                zf.writestr(f"{rec['id']}.json", json.dumps(rec))
                written += 1
            copy += 1
    return archive, written


def _decode_only(paths: list[Path]) -> tuple[float, int]:
    started, count = time.perf_counter(), 0
    for path in paths:
        if zipfile.is_zipfile(path):
            count += sum(1 for _ in sources.iter_zip(path, sources.zip_members(path)))
        else:
            for file in sources.iter_directory(path):
                count += sum(1 for _ in sources.iter_file(file))
    return time.perf_counter() - started, count


def run(shared: Path, workdir: Path) -> Table:
    synthetic, n_synth = _synthetic_zip(shared, workdir)
    paths = [shared / "data" / "osv" / "pypi", synthetic]
    decode_s, n_records = _decode_only(paths)

    table = Table(
        title=f"feeds import: PyPI advisory set + {n_synth:,} synthetic OSV records ({n_records:,} in all)"
    )
    for col in ("run", "wall s", "records/s", "peak RSS MiB", "vs decode-only", "target < 60 s"):
        table.add_column(col, justify="left" if col == "run" else "right")
    table.add_row(
        "decode only (orjson + libyaml), baseline",
        f"{decode_s:.1f}",
        f"{n_records / decode_s:,.0f}",
        "",
        "1.0x",
        "",
    )

    targets: list[tuple[str, dict[str, str], str | None]] = [
        ("patchbook → SQLite", {"PATCHBOOK_HOME": str(workdir / "home")}, None)
    ]
    pg = create_schema("pbbench")
    if pg:
        url, schema = pg
        targets.append(
            (
                "patchbook → PostgreSQL",
                {"PATCHBOOK_DATABASE_URL": url, "PATCHBOOK_HOME": str(workdir / "home-pg")},
                schema,
            )
        )
    for label, env, schema in targets:
        try:
            if "PATCHBOOK_DATABASE_URL" in env:
                subprocess.run(
                    [*patchbook_command(), "db", "upgrade"],
                    env={**os.environ, **env},
                    check=True,
                    capture_output=True,
                )
            m = measure(
                wrapped([*patchbook_command(), "feeds", "import", *map(str, paths), "--json"]), env=env
            )
            if m.returncode != 0:
                table.add_row(label, "failed", "", "", "", m.stderr.strip().splitlines()[-1][:80])
                continue
            imported = sum(i["records"] for i in json.loads(m.stdout)["imports"])
            table.add_row(
                label,
                f"{m.seconds:.1f}",
                f"{imported / m.seconds:,.0f}",
                f"{m.peak_rss_mib:,.0f}",
                f"{m.seconds / decode_s:.1f}x",
                "met" if m.seconds < 60 and m.peak_rss_mib < 1024 else "MISSED",
            )
        finally:
            if schema:
                drop_schema(schema)
    if not pg:
        table.add_row("patchbook → PostgreSQL", "skipped: no PostgreSQL at " + PG_URL, "", "", "", "")
    return table
