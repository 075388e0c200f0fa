"""The risk model wired into the store: EPSS history, persisted finding scores, re-scoring after feed
imports, the ranking other stages read. SQLite and PostgreSQL, on the demo venue's real advisories."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa

from patchbook.demo import DATA
from patchbook.errors import InputError
from patchbook.service import feeds as feed_service
from patchbook.service import inventory as inventory_service
from patchbook.service import risk as risk_service
from patchbook.store import Store
from patchbook.store import risk as repo
from patchbook.store.schema import epss_scores, feed_imports, finding_scores, findings
from tests.risk.epss_data import epss_csv, grype_scores, write_epss


def _count(store: Store, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())


def _venue(store: Store) -> None:
    feed_service.import_paths(store, [DATA / "advisories", DATA / "kev.json"])
    inventory_service.apply_inventory(store, DATA / "inventory.yaml")


def test_epss_import_keeps_each_day_and_counts_unknown_cves(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    real = grype_scores(shared_data)
    assert len(real) == 15
    feed_service.import_paths(store, [DATA / "advisories"])
    day1 = write_epss(tmp_path / "epss_scores-2025-06-18.csv.gz", epss_csv(real))
    [report] = feed_service.import_paths(store, [day1])
    assert (report.kind, report.counts.records_seen, report.counts.inserted) == ("epss", 15, 15)
    assert report.unknown_cves == 15  # the demo's advisories name none of the Alpine CVEs: counted, no error
    assert report.upstream_marker == "v2025.03.14 2025-06-18"

    moved = {cve: (min(e * 2, 1.0), p) for cve, (e, p) in real.items()}
    moved["CVE-2021-44228"] = (0.94358, 0.99957)
    day2 = write_epss(tmp_path / "day2.csv", epss_csv(moved, day="2025-06-19"))
    [second] = feed_service.import_paths(store, [day2])
    assert second.unknown_cves == 15  # Log4Shell is known to the store
    again = feed_service.import_paths(store, [day2])[0]  # the same day again replaces it
    assert (again.counts.inserted, again.counts.updated) == (0, 16)

    assert _count(store, epss_scores) == 15 + 16
    assert _count(store, feed_imports, feed_imports.c.kind == "epss") == 3
    with store.engine.connect() as conn:
        latest = repo.latest_epss(conn, ["CVE-2021-28831", "CVE-2021-44228", "CVE-1999-0001"])
        history = repo.epss_history(conn, "CVE-2021-28831")
        status = repo.epss_status(conn)
    assert status == {"days": 2, "latest": "2025-06-19", "model_version": "v2025.03.14", "scores": 16}
    assert set(latest) == {"CVE-2021-28831", "CVE-2021-44228"}
    assert latest["CVE-2021-28831"].epss == pytest.approx(real["CVE-2021-28831"][0] * 2)
    assert latest["CVE-2021-28831"].model_version == "v2025.03.14"
    assert [(d.isoformat(), e) for d, e, _, _ in history] == [
        ("2025-06-18", real["CVE-2021-28831"][0]),
        ("2025-06-19", pytest.approx(real["CVE-2021-28831"][0] * 2)),
    ]


def test_epss_without_header_is_one_clear_error_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    headless = tmp_path / "scores.csv"
    headless.write_text("CVE-2021-44228,0.94358,0.99957\n")
    with pytest.raises(InputError) as info:
        feed_service.import_paths(store, [headless])
    assert str(info.value).startswith(f"{headless}:line 1: expected header 'cve,epss,percentile'")
    undated = tmp_path / "scores.csv.gz"
    undated.write_bytes(gzip.compress(b"cve,epss\nCVE-2021-44228,0.9\n"))  # early-2021 layout, no date
    with pytest.raises(InputError, match=r"scores.csv.gz:line 1: no score date"):
        feed_service.import_paths(store, [undated])
    assert _count(store, feed_imports) == 0 and _count(store, epss_scores) == 0


def test_scores_are_stored_and_epss_import_rescores_the_estate(store: Store, tmp_path: Path) -> None:
    _venue(store)
    n = _count(store, findings)
    assert n >= 16 and _count(store, finding_scores) == n  # the ingest scored what it opened
    ranked = risk_service.ranked_findings(store)
    assert _count(store, finding_scores) == n
    first = ranked[0]
    assert (first.finding.asset, first.finding.alias_group, first.in_kev) == (
        "settlement-service",
        "CVE-2021-44228",
        True,
    )
    assert first.decision in ("immediate", "out-of-cycle") and first.cisa == "act"
    requests_cve = next(r for r in ranked if r.finding.alias_group == "CVE-2023-32681")
    assert requests_cve.epss is None
    assert requests_cve.inputs and requests_cve.inputs["probability"] == 0.01  # assumed: no EPSS yet

    text = epss_csv({"CVE-2023-32681": (0.5, 0.97), "CVE-2021-44228": (0.94358, 0.99957)})
    [report] = feed_service.import_paths(store, [write_epss(tmp_path / "epss.csv", text)])
    assert report.rescored == n
    after = {r.finding.id: r for r in risk_service.ranked_findings(store)}
    moved = after[requests_cve.finding.id]
    assert moved.epss == 0.5 and moved.decision == requests_cve.decision  # EPSS moves the score only
    impact = requests_cve.inputs["impact"]
    assert moved.score == pytest.approx(0.5 * impact, rel=1e-4)
    assert after[first.finding.id].score == first.score  # in KEV: probability 1 whatever EPSS says
    # the set-based EPSS update leaves exactly what a full re-score would compute
    with store.engine.connect() as conn:
        full = {row.id: s for row, s in risk_service.compute(conn)}
    for fid, r in after.items():
        assert (r.score, r.epss, r.decision) == (
            pytest.approx(full[fid].score),
            full[fid].epss,
            full[fid].decision,
        )


def test_stored_scores_equal_a_full_prioritise_of_each_finding(store: Store) -> None:
    _venue(store)
    for r in risk_service.ranked_findings(store, states=None):
        full = risk_service.explain_finding(store, r.finding.id)
        p = full.priority
        assert (r.decision, r.cisa, r.due) == (p.deployer, p.cisa, full.due)
        assert r.score == pytest.approx(p.risk.score)
        assert full.lines[0].startswith(f"{r.finding.alias_group} on {r.finding.asset}: {r.decision}")


def test_missing_or_stale_scores_are_recomputed_when_read(store: Store) -> None:
    _venue(store)
    with store.transaction() as conn:
        conn.execute(sa.delete(finding_scores))
    assert risk_service.refresh(store) == _count(store, findings)
    assert risk_service.refresh(store) == 0
    ranked = risk_service.ranked_findings(store, asset="wallet-signer")
    assert {r.finding.asset for r in ranked} == {"wallet-signer"} and len(ranked) == 2


def test_rescore_of_one_finding_leaves_the_others(store: Store) -> None:
    _venue(store)
    risk_service.refresh(store)
    with store.engine.connect() as conn:
        before = repo.scores_for(conn)
    some = sorted(before)[:3]
    with store.transaction() as conn:
        result = risk_service.rescore(conn, some)
    assert result.findings == 3
    with store.engine.connect() as conn:
        after = repo.scores_for(conn)
    assert set(after) == set(before)
    assert all(after[i].computed_at > before[i].computed_at for i in some)
    assert all(after[i].computed_at == before[i].computed_at for i in set(before) - set(some))


def test_an_advisory_update_rescores_its_group_and_kev_rescores_everything(
    store: Store, tmp_path: Path
) -> None:
    _venue(store)
    risk_service.refresh(store)
    with store.engine.connect() as conn:
        before = repo.scores_for(conn)
        group_of = dict(conn.execute(sa.select(findings.c.id, findings.c.alias_group)).all())
    record = json.loads((DATA / "advisories" / "pypi" / "GHSA-j8r2-6x86-q33q.json").read_text())
    record["modified"] = "2026-11-01T00:00:00Z"  # the source re-rated it: network, no interaction
    record["severity"] = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
    edited = tmp_path / "GHSA-j8r2-6x86-q33q.json"
    edited.write_text(json.dumps(record))
    [report] = feed_service.import_paths(store, [edited])
    requests_ids = {i for i, g in group_of.items() if g == "CVE-2023-32681"}
    assert report.counts.updated == 1 and report.rescored == len(requests_ids) == 1
    with store.engine.connect() as conn:
        after = repo.scores_for(conn)
    for fid in before:
        moved = after[fid].computed_at > before[fid].computed_at
        assert moved == (fid in requests_ids), fid
    [fid] = requests_ids
    assert (before[fid].severity_score, after[fid].severity_score) == (6.1, 9.8)  # PYSEC-2023-74 said 6.1
    assert after[fid].automatable == "yes"

    [kev] = feed_service.import_paths(store, [DATA / "kev.json"])
    assert kev.rescored == len(before)


# --- sync ------------------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def epss_server(tmp_path: Path, shared_data: Path) -> Iterator[str]:
    root = tmp_path / "epss-mirror"
    root.mkdir()
    write_epss(root / "epss_scores-current.csv.gz", epss_csv(grype_scores(shared_data)))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/epss_scores-current.csv.gz"
    finally:
        server.shutdown()
        server.server_close()


def test_sync_fetches_epss_and_skips_it_when_unchanged(store: Store, epss_server: str) -> None:
    first = feed_service.sync(
        store, ecosystems=[], include_kev=False, include_epss=True, epss_source=epss_server
    )
    assert [r.kind for r in first.reports] == ["epss"]
    assert first.reports[0].source == epss_server and first.reports[0].counts.inserted == 15
    again = feed_service.sync(
        store, ecosystems=[], include_kev=False, include_epss=True, epss_source=epss_server
    )
    assert again.reports == [] and again.downloads[0]["unchanged_since"]
    assert _count(store, epss_scores) == 15
