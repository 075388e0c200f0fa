"""Reading OSV files and archives: damaged input names the file and the position."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.feeds import sources


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "id": "X-1",\n  "modified": \n}\n')
    with pytest.raises(InputError) as info:
        list(sources.iter_file(bad))
    assert str(info.value).startswith(f"{bad}:4:1: malformed JSON")


def test_malformed_yaml_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: X-1\naffected:\n  - package: [unclosed\n")
    with pytest.raises(InputError) as info:
        list(sources.iter_file(bad))
    assert f"{bad}:4:1: malformed YAML" in str(info.value)


def test_api_answer_and_lists_yield_each_record(shared_data: Path) -> None:
    api = shared_data / "osv" / "osv-dev-api" / "osv-scalibr_zeppelin-server_vulnerabilities.json"
    records = list(sources.iter_file(api))
    assert len(records) == 356
    assert records[0].location.endswith("[0]")


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return path


def test_zip_path_traversal_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "all.zip", {"ok.json": b"{}", "../../etc/evil.json": b"{}"})
    with pytest.raises(InputError, match="unsafe path"):
        sources.zip_members(archive)


def test_zip_huge_member_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_RECORD_BYTES", 1024)
    archive = _zip(tmp_path / "all.zip", {"big.json": b" " * 5000})
    with pytest.raises(InputError, match="uncompressed, over"):
        sources.zip_members(archive)


def test_not_a_zip(tmp_path: Path) -> None:
    fake = tmp_path / "all.zip"
    fake.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(InputError, match="not a valid zip"):
        sources.zip_members(fake)


def test_zip_records_carry_member_location(tmp_path: Path) -> None:
    record = {"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z"}
    archive = _zip(tmp_path / "all.zip", {"PYSEC-1.json": json.dumps(record).encode(), "README.txt": b"hi"})
    members = sources.zip_members(archive)
    (only,) = list(sources.iter_zip(archive, members))
    assert only.location == f"{archive}!PYSEC-1.json"
    assert only.data == record


def test_directory_walk_is_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in ("b/2.json", "a/1.yaml", ".git/x.json", "a/notes.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = [p.relative_to(tmp_path).as_posix() for p in sources.iter_directory(tmp_path)]
    assert found == ["a/1.yaml", "b/2.json"]
