"""Re-scoring the estate after an EPSS import: 200,000 findings on 200 assets, SQLite and PostgreSQL.

The store is synthetic and built by bulk insert in seconds (matching is measured by the estate bench;
here only the risk stage counts): 5,000 vulnerabilities with real-world CVSS vectors, 1% of them in KEV,
some with exploit references; 200 assets of every kind, exposure, criticality, role and value at risk;
1,000 findings per asset. The EPSS file is the size of a real daily file (300,000 CVEs, gzip), of which
the estate's 5,000 are a part, as in production.

Measured: a full re-score (read inputs, decide, write every score: what follows an advisory or KEV
import), and ``feeds import`` of two daily EPSS files, each storing its day and re-scoring the estate in
the same transaction (EPSS moves only probabilities: one set-based UPDATE). Baseline in the same run:
the straightforward way, ``prioritise`` + ``due_date`` called once per finding (in memory, nothing
written). Target: re-scoring after an EPSS import < 5 s (the full re-score is held to it too).
"""

from __future__ import annotations

import gzip
import hashlib
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from rich.table import Table

from bench._postgres import PG_URL, create_schema, drop_schema
from patchbook.model.asset import AssetKind, Criticality, Environment, Exposure
from patchbook.risk import prioritise
from patchbook.risk.batch import reachability_of
from patchbook.risk.sla import DEFAULT_POLICY, due_date
from patchbook.service import feeds as feed_service
from patchbook.service import risk as risk_service
from patchbook.store import Store, open_store
from patchbook.store import advisories as advisory_repo
from patchbook.store.bulk import insert_tuples
from patchbook.store.schema import advisories, alias_members, assets, findings, kev_entries

ASSETS = 200
FINDINGS_PER_ASSET = 1_000
VULNS = 5_000
EPSS_ROWS = 300_000
TARGET_S = 5.0
SEED = 20261125

# CVSS vectors as advisories carry them (3.1, 3.0 and 4.0; network and local; high and low impact).
VECTORS = (
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N",
    "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    "CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N",
)
ROLES = (
    "matching-engine",
    "risk-engine",
    "order-gateway",
    "wallet-signer",
    "settlement-engine",
    "market-data",
    "reporting",
    "back-office",
    "pricing",
    None,
)


def _cve(i: int) -> str:
    return f"CVE-2099-{i:05d}"


def _build(store: Store, rng: random.Random) -> int:
    """The synthetic estate, written with the store's bulk path in one transaction."""
    now = datetime.now(UTC)
    with store.transaction() as conn:
        import_id = advisory_repo.start_import(conn, "osv", "bench:risk")
        adv_rows, member_rows = [], []
        for i in range(VULNS):
            vector = rng.choice(VECTORS)
            kind = "CVSS_V4" if vector.startswith("CVSS:4.0") else "CVSS_V3"
            refs = [{"type": "ADVISORY", "url": f"https://example.org/advisory/{i}"}]
            if rng.random() < 0.03:
                refs.append({"type": "WEB", "url": f"https://www.exploit-db.com/exploits/{50000 + i}"})
            severity = [{"type": kind, "score": vector}]
            record = {"id": f"BENCH-{i:05d}", "aliases": [_cve(i)], "severity": severity, "references": refs}
            digest = hashlib.sha256(str(record).encode()).hexdigest()
            adv_rows.append(
                (
                    f"BENCH-{i:05d}",
                    now,
                    now,
                    None,
                    f"synthetic vulnerability {i}",
                    [_cve(i)],
                    severity,
                    _cve(i),
                    record,
                    digest,
                    "bench",
                    import_id,
                )
            )
            member_rows += [(f"BENCH-{i:05d}", _cve(i)), (_cve(i), _cve(i))]
        insert_tuples(
            conn,
            advisories,
            (
                "id",
                "modified",
                "published",
                "withdrawn",
                "summary",
                "aliases",
                "severity",
                "alias_group",
                "record",
                "sha256",
                "source",
                "import_id",
            ),
            adv_rows,
        )
        insert_tuples(conn, alias_members, ("identifier", "alias_group"), member_rows)
        kev = rng.sample(range(VULNS), VULNS // 100)
        insert_tuples(
            conn,
            kev_entries,
            (
                "cve_id",
                "vendor",
                "product",
                "name",
                "date_added",
                "due_date",
                "known_ransomware",
                "short_description",
                "required_action",
                "notes",
                "cwes",
                "import_id",
            ),
            [
                (
                    _cve(i),
                    "vendor",
                    "product",
                    f"synthetic {i}",
                    date(2026, 1, 1),
                    date(2026, 1, 1) + timedelta(days=rng.randint(7, 400)),
                    rng.random() < 0.2,
                    "",
                    "apply updates",
                    "",
                    [],
                    import_id,
                )
                for i in kev
            ],
        )
        asset_rows = []
        for a in range(ASSETS):
            role = rng.choice(ROLES)
            asset_rows.append(
                (
                    f"asset-{a:03d}",
                    rng.choice([AssetKind.SERVICE, AssetKind.SERVICE, AssetKind.HOST, AssetKind.IMAGE]).value,
                    f"team-{a % 12}",
                    rng.choice([Environment.PROD] * 4 + [Environment.STAGING]).value,
                    role,
                    rng.choice(list(Criticality)).value,
                    rng.choice(list(Exposure)).value,
                    rng.choice([None, 0.0, 5e5, 2e7, 1.8e8, 2.5e8, 1.2e9]),
                    [f"tier-{a % 3}"],
                    {},
                    now,
                    now,
                )
            )
        insert_tuples(
            conn,
            assets,
            (
                "name",
                "kind",
                "owner",
                "environment",
                "trading_role",
                "criticality",
                "exposure",
                "value_at_risk_usd",
                "tags",
                "attributes",
                "created_at",
                "updated_at",
            ),
            asset_rows,
        )
        ids = [r[0] for r in conn.execute(sa.select(assets.c.id).order_by(assets.c.id))]
        finding_rows = []
        for asset_id in ids:
            for i in rng.sample(range(VULNS), FINDINGS_PER_ASSET):
                seen = now - timedelta(days=rng.randint(0, 120))
                finding_rows.append(
                    (
                        asset_id,
                        "PyPI",
                        f"pkg-{i}",
                        _cve(i),
                        "open",
                        "1.0.0",
                        ["1.0.1"],
                        [f"BENCH-{i:05d}"],
                        rng.choice([True, False, None]),
                        seen,
                        now,
                        seen,
                    )
                )
        insert_tuples(
            conn,
            findings,
            (
                "asset_id",
                "ecosystem",
                "package",
                "alias_group",
                "state",
                "installed_version",
                "fixed_versions",
                "advisory_ids",
                "direct",
                "first_seen",
                "last_seen",
                "state_changed_at",
            ),
            finding_rows,
        )
    if store.backend == "postgresql":
        with store.engine.begin() as conn:  # a live store's autovacuum would have done this
            conn.exec_driver_sql("ANALYZE")
    return len(finding_rows)


def _epss_file(workdir: Path, rng: random.Random, day: str) -> Path:
    lines = [f"#model_version:v2025.03.14,score_date:{day}T00:00:00Z", "cve,epss,percentile"]
    lines += [f"{_cve(i)},{rng.random() ** 4:.5f},{rng.random():.5f}" for i in range(VULNS)]
    lines += [
        f"CVE-2098-{i:06d},{rng.random() ** 6:.5f},{rng.random():.5f}" for i in range(EPSS_ROWS - VULNS)
    ]
    path = workdir / f"epss_scores-{day}.csv.gz"
    path.write_bytes(gzip.compress("\n".join(lines).encode() + b"\n", compresslevel=6))
    return path


def _naive(store: Store) -> float:
    """The baseline: a full prioritise + due_date per finding, no caches, nothing written."""
    with store.engine.connect() as conn:
        rows = risk_service.repo.finding_rows(conn)
        inputs = risk_service._Inputs(conn, rows)
        started = time.perf_counter()
        for r in rows:
            asset = inputs.assets[r.asset_id]
            vuln = inputs.vulnerability(r.alias_group, r.advisory_ids)
            p = prioritise(
                r.alias_group,
                asset,
                severity=vuln.severity,
                epss=vuln.epss,
                kev=vuln.kev,
                references=inputs.references(r.advisory_ids),
                reachability=reachability_of(r.direct),
            )
            due_date(
                DEFAULT_POLICY,
                first_seen=r.first_seen,
                decision=p.deployer,
                severity=p.severity.band if p.severity else None,
                kev_due_date=vuln.kev.due_date if vuln.kev else None,
                exploitation=p.exploitation.value,
                environment=asset.environment.value,
                tags=asset.tags,
            )
        return time.perf_counter() - started


def _measure(label: str, url: str, workdir: Path, table: Table) -> None:
    rng = random.Random(SEED)
    store = open_store(url, migrate=True)
    try:
        started = time.perf_counter()
        n = _build(store, rng)
        built = time.perf_counter() - started
        with store.transaction() as conn:
            full = risk_service.rescore(conn)
        epss = [_epss_file(workdir, rng, day) for day in ("2026-11-24", "2026-11-25")]
        imports = []
        for path in epss:  # the second day lands on a store that already keeps a day of history
            started = time.perf_counter()
            [report] = feed_service.import_paths(store, [path], progress=None)
            imports.append((time.perf_counter() - started, report.rescore_seconds))
        naive = _naive(store)
        epss_rescore = max(r for _, r in imports)
        table.add_row(
            label,
            f"{n:,}",
            f"{built:.1f}",
            f"{full.seconds:.2f} ({full.compute_seconds:.2f} + {full.write_seconds:.2f})",
            " / ".join(f"{wall:.2f}" for wall, _ in imports),
            " / ".join(f"{r:.2f}" for _, r in imports),
            f"{n / epss_rescore:,.0f}",
            f"{naive:.2f}",
            f"{naive / full.seconds:.1f}x",
            "met" if epss_rescore < TARGET_S else "MISSED",
            "met" if full.seconds < TARGET_S else "MISSED",
        )
    finally:
        store.dispose()


def run(shared: Path, workdir: Path) -> Table:
    table = Table(
        title=f"risk re-score: {ASSETS * FINDINGS_PER_ASSET:,} findings on {ASSETS} assets, {VULNS:,} "
        f"vulnerabilities; EPSS file of {EPSS_ROWS:,} CVEs"
    )
    for col in (
        "store",
        "findings",
        "build s",
        "full re-score s (read+decide + write)",
        "EPSS import s, day 1 / 2",
        "of which re-score s",
        "findings/s",
        "naive prioritise() s (compute only)",
        "full vs naive",
        f"EPSS re-score < {TARGET_S:g} s",
        f"full < {TARGET_S:g} s",
    ):
        table.add_column(col, justify="left" if col == "store" else "right")
    _measure("SQLite", f"sqlite:///{workdir / 'risk.db'}", workdir, table)
    pg = create_schema("pbrisk")
    if pg is None:
        table.add_row("PostgreSQL", "skipped: no PostgreSQL at " + PG_URL, *[""] * 9)
        return table
    url, schema = pg
    try:
        _measure("PostgreSQL", url, workdir, table)
    finally:
        drop_schema(schema)
    return table
