"""Parsing an estate's files in worker processes gives what parsing them one by one gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.ingest import parse
from patchbook.ingest.many import PARALLEL_MIN_FILES, file_sha256, parse_many


def _estate(shared_data: Path, tmp_path: Path, n: int) -> list[Path]:
    real = sorted(p for p in (shared_data / "sboms").rglob("*") if p.is_file() and p.suffix == ".json")[:4]
    paths = []
    for i in range(n):
        dest = tmp_path / f"{i:02d}-{real[i % len(real)].name}"
        shutil.copyfile(real[i % len(real)], dest)
        paths.append(dest)
    return paths


def test_workers_return_the_same_inventories_in_order(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _estate(shared_data, tmp_path, PARALLEL_MIN_FILES + 2)
    monkeypatch.setenv("PATCHBOOK_INGEST_WORKERS", "2")
    ticks: list[int] = []
    got = parse_many(paths, lambda: ticks.append(1))
    assert len(ticks) == len(paths)
    assert [(p.source, p.format, len(p.components)) for p, _ in got] == [
        (str(x), parse(x).format, len(parse(x).components)) for x in paths
    ]
    assert [sha for _, sha in got] == [file_sha256(x) for x in paths]
    assert got[0][0] == parse(paths[0])  # the whole inventory survives the trip between processes


def test_a_bad_file_fails_the_batch_naming_it(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _estate(shared_data, tmp_path, PARALLEL_MIN_FILES)
    bad = tmp_path / "broken.cdx.json"
    bad.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [')
    monkeypatch.setenv("PATCHBOOK_INGEST_WORKERS", "2")
    with pytest.raises(InputError) as exc:
        parse_many([*paths[:4], bad, *paths[4:]])
    assert str(bad) in str(exc.value)
