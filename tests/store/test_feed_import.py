"""Importing advisory feeds into the store, on SQLite and PostgreSQL, with the real data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from patchbook.errors import InputError
from patchbook.service import feeds as service
from patchbook.store import Store
from patchbook.store import advisories as repo
from patchbook.store.schema import advisories, affected_packages, alias_members, feed_imports, kev_entries

PYPI_RECORDS = 2661  # files in shared/data/osv/pypi (SOURCES.md)
GHSA_RECORDS = 44
KEV_ENTRIES = 1404  # catalogVersion 2025.08.25


def _count(store: Store, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _snapshot(store: Store) -> dict[str, int]:
    return {
        t.name: _count(store, t)
        for t in (advisories, affected_packages, alias_members, kev_entries, feed_imports)
    }


def test_real_data_imports_without_a_skip(store: Store, shared_data: Path) -> None:
    paths = [
        shared_data / "osv" / "pypi",
        shared_data / "osv" / "ghsa",
        shared_data / "kev" / "known_exploited_vulnerabilities.json",
    ]
    pypi, ghsa, kev = service.import_paths(store, paths)
    assert (pypi.counts.records_seen, pypi.counts.inserted, pypi.counts.skipped) == (
        PYPI_RECORDS,
        PYPI_RECORDS,
        0,
    )
    assert (ghsa.counts.records_seen, ghsa.counts.inserted, ghsa.counts.skipped) == (
        GHSA_RECORDS,
        GHSA_RECORDS,
        0,
    )
    assert (kev.counts.inserted, kev.upstream_marker) == (KEV_ENTRIES, "2025.08.25")
    assert _count(store, advisories) == PYPI_RECORDS + GHSA_RECORDS
    assert _count(store, kev_entries) == KEV_ENTRIES

    with store.engine.connect() as conn:
        # PYSEC-2023-74 and GHSA-j8r2-6x86-q33q describe CVE-2023-32681: one group, keyed by the CVE.
        assert repo.alias_group_of(conn, "PYSEC-2023-74") == "CVE-2023-32681"
        assert repo.alias_group_of(conn, "GHSA-j8r2-6x86-q33q") == "CVE-2023-32681"
        groups = dict(conn.execute(sa.select(advisories.c.id, advisories.c.alias_group)).all())
        assert groups["PYSEC-2023-74"] == groups["GHSA-j8r2-6x86-q33q"] == "CVE-2023-32681"
        members = repo.group_members(conn, "CVE-2023-32681")
        assert {"CVE-2023-32681", "GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"} <= set(members)
        log4shell = conn.execute(
            sa.select(affected_packages.c.ecosystem, affected_packages.c.name)
            .where(affected_packages.c.advisory_id == "GHSA-jfh8-c2jp-5v3q")
            .distinct()
        ).all()
        assert log4shell == [("Maven", "org.apache.logging.log4j:log4j-core")]
        status = repo.feed_status(conn)
    assert status.kev_catalog_version == "2025.08.25"
    pypi_sources = {src: n for eco, src, n in status.by_ecosystem_source if eco == "PyPI"}
    assert pypi_sources["PYSEC"] == PYPI_RECORDS


def test_reimport_is_idempotent_and_newer_modified_wins(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    tree = tmp_path / "osv"
    shutil.copytree(shared_data / "osv" / "ghsa", tree)
    first = service.import_paths(store, [tree])[0]
    before = _snapshot(store)
    again = service.import_paths(store, [tree])[0]
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, GHSA_RECORDS)
    after = _snapshot(store)
    assert after["feed_imports"] == before["feed_imports"] + 1
    assert {k: v for k, v in after.items() if k != "feed_imports"} == {
        k: v for k, v in before.items() if k != "feed_imports"
    }
    assert first.counts.inserted == GHSA_RECORDS

    # A newer revision of Log4Shell with a narrower range replaces the stored one; an older one does not.
    path = tree / "GHSA-jfh8-c2jp-5v3q.json"
    record = json.loads(path.read_text())
    record["modified"] = "2030-01-01T00:00:00Z"
    record["affected"] = record["affected"][:1]
    path.write_text(json.dumps(record))
    updated = service.import_paths(store, [tree])[0]
    assert (updated.counts.updated, updated.counts.unchanged) == (1, GHSA_RECORDS - 1)
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(sa.func.count()).where(affected_packages.c.advisory_id == "GHSA-jfh8-c2jp-5v3q")
        ).scalar_one()
    assert rows == 1
    record["modified"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(record))
    older = service.import_paths(store, [tree])[0]
    assert older.counts.updated == 0


def _write_records(directory: Path, records: list[dict[str, object]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for record in records:
        (directory / f"{record['id']}.json").write_text(json.dumps(record))
    return directory


GOOD = {
    "id": "PYSEC-9999-1",
    "modified": "2024-01-01T00:00:00Z",
    "aliases": ["CVE-9999-0001"],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "demo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
        }
    ],
}
UNKNOWN_ECOSYSTEM = {
    **GOOD,
    "id": "X-2",
    "affected": [{"package": {"ecosystem": "Klingon", "name": "bat'leth"}}],
}


def test_strict_import_with_an_invalid_record_writes_nothing(store: Store, tmp_path: Path) -> None:
    tree = _write_records(tmp_path / "osv", [GOOD, UNKNOWN_ECOSYSTEM])
    before = _snapshot(store)
    with pytest.raises(service.InvalidRecords) as info:
        service.import_paths(store, [tree])
    assert "X-2: affected[0]: unknown ecosystem 'Klingon'" in str(info.value)
    assert str(tree / "X-2.json") in str(info.value)
    assert _snapshot(store) == before  # not even the import record


def test_skip_invalid_imports_the_rest_and_records_the_skip(store: Store, tmp_path: Path) -> None:
    tree = _write_records(tmp_path / "osv", [GOOD, UNKNOWN_ECOSYSTEM])
    (report,) = service.import_paths(store, [tree], strict=False)
    assert (report.counts.inserted, report.counts.skipped) == (1, 1)
    with store.engine.connect() as conn:
        status = repo.feed_status(conn)
    assert status.last_skips == [
        {
            "record_id": "X-2",
            "location": str(tree / "X-2.json"),
            "reason": "affected[0]: unknown ecosystem 'Klingon'",
        }
    ]


def test_damaged_file_rolls_back_the_whole_command(store: Store, shared_data: Path, tmp_path: Path) -> None:
    good = _write_records(tmp_path / "good", [GOOD])
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.json").write_text('{"id": "X-3", "modified": ')
    before = _snapshot(store)
    with pytest.raises(InputError, match=r"broken\.json:1:\d+: malformed JSON"):
        service.import_paths(store, [good, shared_data / "kev" / "known_exploited_vulnerabilities.json", bad])
    assert _snapshot(store) == before


def test_alias_groups_merge_across_imports_and_rename_to_the_cve(store: Store, tmp_path: Path) -> None:
    # First two records that only know each other's GHSA id, then one that ties them to a CVE.
    service.import_paths(store, [_write_records(tmp_path / "a", [{**GOOD, "id": "GHSA-1", "aliases": []}])])
    service.import_paths(
        store, [_write_records(tmp_path / "b", [{**GOOD, "id": "OSV-2", "aliases": ["GHSA-1"]}])]
    )
    with store.engine.connect() as conn:
        assert repo.alias_group_of(conn, "OSV-2") == "GHSA-1"
    service.import_paths(
        store,
        [_write_records(tmp_path / "c", [{**GOOD, "id": "PYSEC-3", "aliases": ["OSV-2", "CVE-2024-1"]}])],
    )
    with store.engine.connect() as conn:
        groups = dict(conn.execute(sa.select(advisories.c.id, advisories.c.alias_group)).all())
        assert groups == {"GHSA-1": "CVE-2024-1", "OSV-2": "CVE-2024-1", "PYSEC-3": "CVE-2024-1"}
        assert repo.group_members(conn, "CVE-2024-1") == ["CVE-2024-1", "GHSA-1", "OSV-2", "PYSEC-3"]


def test_kev_reimport_replaces_the_catalog(store: Store, shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "kev" / "known_exploited_vulnerabilities.json"
    service.import_paths(store, [source])
    catalog = json.loads(source.read_text())
    dropped = catalog["vulnerabilities"].pop(0)["cveID"]
    catalog["vulnerabilities"][0]["dueDate"] = "2099-01-01"
    catalog["catalogVersion"] = "2099.01.01"
    newer = tmp_path / "kev.json"
    newer.write_text(json.dumps(catalog))
    (report,) = service.import_paths(store, [newer])
    assert (report.counts.removed, report.counts.updated, report.counts.unchanged) == (1, 1, KEV_ENTRIES - 2)
    with store.engine.connect() as conn:
        assert (
            conn.execute(sa.select(kev_entries.c.cve_id).where(kev_entries.c.cve_id == dropped)).first()
            is None
        )
        assert repo.feed_status(conn).kev_catalog_version == "2099.01.01"


def test_zip_import_matches_directory_import(store: Store, shared_data: Path, tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted((shared_data / "osv" / "ghsa").glob("*.json")):
            zf.write(path, path.name)
    (report,) = service.import_paths(store, [archive])
    assert (report.counts.inserted, report.counts.skipped) == (GHSA_RECORDS, 0)
    assert report.upstream_marker is not None
