"""OSV range evaluation on real records (PyPA, GHSA) and hand-made edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from patchbook.versions import affected, fixed_for, range_contains
from patchbook.versions.osv import ecosystem_matches

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    return data


def _yaml(shared: Path, rel: str) -> dict[str, Any]:
    return _load(shared / "osv" / rel)


def _json(shared: Path, rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared / "osv" / rel).read_text(encoding="utf-8"))
    return data


# -- real records ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "want"),
    [
        ("1.11.26", True),  # first interval [0, 1.11.27)
        ("1.11.27", False),
        ("2.0", False),  # between the two disjoint intervals
        ("2.1.15", False),
        ("2.2", True),  # second interval [2.2, 2.2.9)
        ("2.2.8", True),
        ("2.2.9", False),
        ("3.0", False),
        ("6.0.4", False),  # DT#6989: falsely matched by tools that merge the intervals
        ("0.1-legacy", True),  # "0" is below every version, legacy ones included
    ],
)
def test_django_pysec_2019_16_disjoint_intervals(shared_data: Path, version: str, want: bool) -> None:
    record = _yaml(shared_data, "pypi/django/PYSEC-2019-16.yaml")
    assert affected(record, "PyPI", "Django", version) is want


def test_django_fixed_for_picks_the_interval_of_the_version(shared_data: Path) -> None:
    record = _yaml(shared_data, "pypi/django/PYSEC-2019-16.yaml")
    assert fixed_for(record, "PyPI", "django", "2.2.3") == ["2.2.9"]
    assert fixed_for(record, "PyPI", "django", "1.8") == ["1.11.27"]
    assert fixed_for(record, "PyPI", "django", "2.1") == []
    assert fixed_for(record, "PyPI", "django", "2.2.9") == []


@pytest.mark.parametrize(
    ("version", "want"),
    [
        ("2.14.1", True),
        ("2.0-beta9", True),
        ("2.3", True),
        ("2.3.1", False),
        ("2.12.1", True),
        ("2.12.2", False),
        ("2.13.0", True),
        ("2.15.0", False),
        ("2.17.1", False),
    ],
)
def test_log4shell_maven_ranges(shared_data: Path, version: str, want: bool) -> None:
    record = _json(shared_data, "ghsa/GHSA-jfh8-c2jp-5v3q.json")
    assert affected(record, "Maven", "org.apache.logging.log4j:log4j-core", version) is want


def test_log4shell_fixed_for(shared_data: Path) -> None:
    record = _json(shared_data, "ghsa/GHSA-jfh8-c2jp-5v3q.json")
    name = "org.apache.logging.log4j:log4j-core"
    assert fixed_for(record, "Maven", name, "2.14.1") == ["2.15.0"]
    assert fixed_for(record, "Maven", name, "2.10.0") == ["2.12.2"]
    assert fixed_for(record, "Maven", name, "2.1") == ["2.3.1"]
    assert not affected(record, "Maven", "org.apache.logging.log4j:log4j-api", "2.14.1")


def test_last_affected_record(shared_data: Path) -> None:
    record = _yaml(shared_data, "pypi/py/PYSEC-2022-42969.yaml")
    assert affected(record, "PyPI", "py", "1.11.0")
    assert affected(record, "PyPI", "py", "1.4.0")
    assert not affected(record, "PyPI", "py", "1.11.1")
    assert fixed_for(record, "PyPI", "py", "1.11.0") == []  # no fix is known


def test_withdrawn_record_affects_nothing(shared_data: Path) -> None:
    record = _yaml(shared_data, "pypi/redis/PYSEC-2023-73.yaml")
    assert record.get("withdrawn")
    for entry in record["affected"]:
        name = entry["package"]["name"]
        for version in entry.get("versions", [])[:3]:
            assert not affected(record, "PyPI", name, version)


def test_every_pypa_record_agrees_with_its_versions_list(shared_data: Path) -> None:
    """PyPA lists every affected release explicitly; the ranges alone must cover each of them."""
    checked = 0
    for path in sorted((shared_data / "osv" / "pypi").glob("*/PYSEC-*.yaml"))[::10]:
        record = _load(path)
        if record.get("withdrawn"):
            continue
        for entry in record.get("affected", []):
            ranges = [r for r in entry.get("ranges", []) if r.get("type") == "ECOSYSTEM"]
            if not ranges:
                continue
            for version in entry.get("versions", []):
                hit = any(range_contains("PyPI", r["events"], str(version)) for r in ranges)
                assert hit, f"{path.name}: {version} listed but outside the ranges"
                checked += 1
    assert checked > 1000


# -- hand-made edge cases ----------------------------------------------------------------------------


def _record(
    *ranges: dict[str, Any],
    versions: list[str] | None = None,
    eco: str = "PyPI",
    name: str = "pkg",
    **top: Any,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"package": {"ecosystem": eco, "name": name}, "ranges": list(ranges)}
    if versions is not None:
        entry["versions"] = versions
    return {"id": "TEST-1", "affected": [entry], **top}


def _eco(*events: dict[str, str], type_: str = "ECOSYSTEM") -> dict[str, Any]:
    return {"type": type_, "events": list(events)}


def test_events_sorted_by_version_not_text() -> None:
    # lexically "10.0" < "9.0"; the walk must sort with the ecosystem order
    rec = _record(_eco({"fixed": "10.0"}, {"introduced": "9.0"}))
    assert affected(rec, "PyPI", "pkg", "9.5")
    assert not affected(rec, "PyPI", "pkg", "10.0")
    assert not affected(rec, "PyPI", "pkg", "8.0")


def test_limit_caps_the_range() -> None:
    rec = _record(_eco({"introduced": "1.0"}, {"limit": "2.0"}))
    assert affected(rec, "PyPI", "pkg", "1.5")
    assert not affected(rec, "PyPI", "pkg", "2.0")
    assert not affected(rec, "PyPI", "pkg", "3.0")
    star = _record(_eco({"introduced": "1.0"}, {"limit": "*"}))
    assert affected(star, "PyPI", "pkg", "99")


def test_ranges_are_ored_and_versions_list_counts() -> None:
    rec = _record(
        _eco({"introduced": "1.0"}, {"fixed": "1.1"}), _eco({"introduced": "3.0"}), versions=["2.5"]
    )
    assert affected(rec, "PyPI", "pkg", "1.0.5")
    assert affected(rec, "PyPI", "pkg", "2.5")
    assert affected(rec, "PyPI", "pkg", "4")
    assert not affected(rec, "PyPI", "pkg", "2.0")


def test_git_ranges_only_count_through_versions_list() -> None:
    git = {
        "type": "GIT",
        "repo": "https://example.com/r.git",
        "events": [{"introduced": "0"}, {"fixed": "a" * 40}],
    }
    rec = _record(git, versions=["1.2.0"])
    assert affected(rec, "PyPI", "pkg", "1.2.0")
    assert not affected(rec, "PyPI", "pkg", "1.1.0")
    assert not affected(_record(git), "PyPI", "pkg", "1.2.0")


def test_semver_range_in_go_without_v() -> None:
    rec = _record(
        _eco({"introduced": "0"}, {"fixed": "1.8.1"}, type_="SEMVER"), eco="Go", name="github.com/gorilla/mux"
    )
    assert affected(rec, "Go", "github.com/gorilla/mux", "1.8.0")
    assert affected(rec, "Go", "github.com/gorilla/mux", "v1.8.0")
    assert not affected(rec, "Go", "github.com/gorilla/mux", "v1.8.1")
    assert fixed_for(rec, "Go", "github.com/gorilla/mux", "v1.7.0") == ["1.8.1"]


def test_name_normalisation_and_withdrawn() -> None:
    rec = _record(_eco({"introduced": "0"}, {"fixed": "2"}), name="Foo_Bar")
    assert affected(rec, "PyPI", "foo-bar", "1")
    assert affected(rec, "PyPI", "FOO.bar", "1")
    rec["withdrawn"] = "2024-01-01T00:00:00Z"
    assert not affected(rec, "PyPI", "foo-bar", "1")
    assert fixed_for(rec, "PyPI", "foo-bar", "1") == []


def test_distro_suffix_rule() -> None:
    rec = _record(_eco({"introduced": "0"}, {"fixed": "7.74.0-1.3+deb11u1"}), eco="Debian:11", name="curl")
    assert affected(rec, "Debian:11", "curl", "7.74.0-1.3")
    assert affected(rec, "Debian", "curl", "7.74.0-1.3")
    assert not affected(rec, "Debian:12", "curl", "7.74.0-1.3")
    assert not affected(rec, "Ubuntu", "curl", "7.74.0-1.3")
    assert not affected(rec, "Debian:11", "curl", "7.74.0-1.3+deb11u1")
    assert ecosystem_matches("Debian", "Debian:11")
    assert ecosystem_matches("Alpine:v3.16", "Alpine:v3.16")
    assert not ecosystem_matches("Alpine:v3.16", "Alpine:v3.17")


def test_fixed_for_takes_smallest_fix_above_version() -> None:
    rec = _record(
        _eco({"introduced": "1.0"}, {"fixed": "1.2"}, {"introduced": "1.5"}, {"fixed": "1.7"}),
        _eco({"introduced": "1.6"}, {"fixed": "1.6.3"}),
    )
    assert fixed_for(rec, "PyPI", "pkg", "1.6.1") == ["1.6.3", "1.7"]
    assert fixed_for(rec, "PyPI", "pkg", "1.1") == ["1.2"]
    assert fixed_for(rec["affected"][0], "PyPI", "pkg", "1.5") == ["1.7"]
    assert fixed_for(rec, "PyPI", "pkg", "1.3") == []


def test_unparseable_installed_version_is_not_in_a_range() -> None:
    rec = _record(_eco({"introduced": "1.0"}, {"fixed": "2.0"}), eco="CRAN", name="x")
    assert not affected(rec, "CRAN", "x", "not-a-version")
