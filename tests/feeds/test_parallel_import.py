"""Imports decoded by worker processes: the same store as in-process, clean aborts, no workers left."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from patchbook.errors import InputError
from patchbook.feeds import decode, osv, sources
from patchbook.service import feeds as service
from patchbook.store import Store, open_store
from patchbook.store.schema import advisories, affected_packages, alias_members, feed_imports


def _record(n: int) -> dict[str, Any]:
    return {
        "id": f"PYSEC-2024-{n}",
        "modified": f"2024-01-{1 + n % 28:02d}T00:00:00Z",
        "aliases": [f"CVE-2024-{n}", f"GHSA-{n}"] if n % 3 else [],
        "summary": f"record {n}",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": f"Pkg_{n % 17}"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": f"1.{n}"}]}],
                "versions": ["0.9", "1.0"],
            }
        ],
    }


def _archive(path: Path, count: int, *, invalid_every: int = 0) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(count):
            record = _record(n)
            if invalid_every and n % invalid_every == 0:
                record["affected"][0]["ranges"][0]["events"] = [{"fixed": "1.0"}]  # no 'introduced'
            archive.writestr(f"PYSEC-2024-{n}.json", json.dumps(record))
        # the same id again, newer: a duplicate inside one import is resolved the same way in both modes
        newer = {**_record(5), "modified": "2024-06-01T00:00:00Z", "summary": "newer copy"}
        archive.writestr("dup/PYSEC-2024-5.json", json.dumps(newer))
    return path


@pytest.fixture
def small_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers even for a small input, and many units, so ordering across units is exercised."""
    monkeypatch.setattr(decode, "PARALLEL_MIN_ITEMS", 0)
    monkeypatch.setattr(decode, "MEMBERS_PER_UNIT", 7)
    monkeypatch.setattr(decode, "FILES_PER_UNIT", 3)


def _contents(store: Store) -> dict[str, list[Any]]:
    queries = {
        "advisories": sa.select(advisories).order_by(advisories.c.id),
        "affected": sa.select(affected_packages).order_by(affected_packages.c.id),
        "aliases": sa.select(alias_members).order_by(alias_members.c.identifier),
    }
    with store.engine.connect() as conn:
        return {name: [tuple(row) for row in conn.execute(q)] for name, q in queries.items()}


def test_parallel_import_writes_the_same_store_as_in_process(tmp_path: Path, small_units: None) -> None:
    archive = _archive(tmp_path / "all.zip", 120, invalid_every=40)
    tree = tmp_path / "tree"
    for n in range(200, 215):
        (tree / f"{n % 4}").mkdir(parents=True, exist_ok=True)
        (tree / f"{n % 4}" / f"PYSEC-2024-{n}.json").write_text(json.dumps(_record(n)))
    results = []
    for workers in (0, 2):
        store = open_store(f"sqlite:///{tmp_path / f'w{workers}.db'}")
        reports = service.import_paths(store, [archive, tree], strict=False, workers=workers)
        results.append(([r.as_dict() | {"rematch": None} for r in reports], _contents(store)))
        store.engine.dispose()
    serial, parallel = results
    assert parallel == serial
    zip_report = serial[0][0]
    assert (zip_report["records"], zip_report["skipped"], zip_report["inserted"]) == (121, 3, 117)
    assert ("PYSEC-2024-5", "newer copy") in {(row[0], row[4]) for row in serial[1]["advisories"]}


def _corrupt_member(archive: Path, name: str) -> None:
    """Flip bytes inside one member's compressed data (its CRC no longer matches)."""
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(name)
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.orig_filename.encode()) + len(info.extra)
    for i in range(start + 2, start + min(info.compress_size, 12)):
        data[i] ^= 0xFF
    archive.write_bytes(bytes(data))


def test_damaged_member_found_by_a_worker_aborts_the_import(
    store: Store, tmp_path: Path, small_units: None
) -> None:
    good = _archive(tmp_path / "good.zip", 30)
    bad = _archive(tmp_path / "bad.zip", 60)
    _corrupt_member(bad, "PYSEC-2024-44.json")
    with pytest.raises(InputError) as info:
        service.import_paths(store, [good, bad], workers=2)
    message = str(info.value)
    assert message.startswith(f"{bad}!PYSEC-2024-44.json: damaged archive member")
    assert "\n" not in message
    with store.engine.connect() as conn:  # one transaction: the good archive was rolled back too
        for table in (advisories, affected_packages, alias_members, feed_imports):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0
    assert multiprocessing.active_children() == []  # every worker was stopped


def test_malformed_file_in_a_tree_names_file_and_position(tmp_path: Path, small_units: None) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for n in range(12):
        (tree / f"{n:02d}.json").write_text(json.dumps(_record(n)))
    (tree / "07.json").write_text('{"id": "PYSEC-2024-7",\n  "modified": }')
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(InputError, match=r"07\.json:2:15: malformed JSON"):
        service.import_paths(store, [tree], workers=2)
    assert multiprocessing.active_children() == []
    store.engine.dispose()


def test_strict_import_rejects_invalid_records_found_by_workers(tmp_path: Path, small_units: None) -> None:
    archive = _archive(tmp_path / "all.zip", 50, invalid_every=20)
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(service.InvalidRecords) as info:
        service.import_paths(store, [archive], workers=2)
    assert [s.record_id for s in info.value.skips] == ["PYSEC-2024-0", "PYSEC-2024-20", "PYSEC-2024-40"]
    assert multiprocessing.active_children() == []
    store.engine.dispose()


def test_errors_survive_pickling() -> None:
    error = pickle.loads(pickle.dumps(InputError("a.zip!x.json", "malformed JSON: x", "1:2")))
    assert (str(error), error.source, error.position) == (
        "a.zip!x.json:1:2: malformed JSON: x",
        "a.zip!x.json",
        "1:2",
    )
    invalid = pickle.loads(pickle.dumps(osv.InvalidRecord("GHSA-1", "bad range")))
    assert (invalid.record_id, invalid.reason, str(invalid)) == ("GHSA-1", "bad range", "GHSA-1: bad range")


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_zip_reader_matches_zipfile(tmp_path: Path, compression: int) -> None:
    path = tmp_path / "all.zip"
    with zipfile.ZipFile(path, "w", compression) as archive:
        for n in range(5):
            archive.writestr(f"r/{n}.json", json.dumps(_record(n)))
    with zipfile.ZipFile(path) as archive:
        expected = [json.loads(archive.read(i)) for i in archive.infolist()]
    assert [r.data for r in sources.iter_zip(path, sources.zip_member_list(path))] == expected


def test_zip_reader_refuses_a_stored_member_with_a_bad_crc(tmp_path: Path) -> None:
    path = tmp_path / "all.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.json", json.dumps(_record(1)))
    path.write_bytes(path.read_bytes().replace(b"record 1", b"record 2"))
    with pytest.raises(InputError, match=r"all\.zip!a\.json: damaged archive member: Bad CRC-32"):
        list(sources.iter_zip(path, sources.zip_member_list(path)))
