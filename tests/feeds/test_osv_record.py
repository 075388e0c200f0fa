"""OSV record validation: what matching depends on is checked, with the reason named."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from patchbook.feeds.osv import InvalidRecord, parse_record, source_of
from patchbook.feeds.yamlload import load

GOOD: dict[str, Any] = {
    "id": "GHSA-aaaa-bbbb-cccc",
    "modified": "2024-01-02T03:04:05.123456789Z",
    "aliases": ["CVE-2024-0001", "PYSEC-2024-1"],
    "summary": "something bad",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "Django_Package"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.3"}]}],
            "versions": ["1.0", "1.1"],
        },
        {
            "package": {"ecosystem": "Debian:11", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1n-0+deb11u1"}]}],
        },
    ],
}


def test_parses_a_valid_record() -> None:
    adv = parse_record(copy.deepcopy(GOOD))
    assert adv.id == "GHSA-aaaa-bbbb-cccc"
    assert adv.modified == datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)  # nanoseconds truncated
    assert adv.identifiers == ("GHSA-aaaa-bbbb-cccc", "CVE-2024-0001", "PYSEC-2024-1")
    pypi, debian = adv.affected
    assert pypi.name == "django-package"  # PEP 503
    assert pypi.fixed_versions == ("1.2.3",)
    assert (debian.ecosystem, debian.ecosystem_qualifier) == ("Debian", "11")
    assert source_of(adv.id) == "GHSA"


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    record = copy.deepcopy(GOOD)
    target = record
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return record


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (["id"], _DELETE, "missing required field 'id'"),
        (["modified"], _DELETE, "missing required field 'modified'"),
        (["modified"], "yesterday", "RFC 3339"),
        (["aliases"], "CVE-1", "'aliases' must be a list"),
        (["affected", 0, "package", "ecosystem"], "Nonesuch", "unknown ecosystem 'Nonesuch'"),
        (["affected", 0, "package", "name"], "", "has no 'name'"),
        (["affected", 0, "ranges", 0, "type"], "RANGE", "range type must be one of"),
        (["affected", 0, "ranges", 0, "events"], [{"fixed": "1.0"}], "no 'introduced' event"),
        (["affected", 0, "ranges", 0, "events", 1], {"fixed": "1", "limit": "2"}, "exactly one of"),
        (
            ["affected", 0, "ranges", 0, "events"],
            [{"introduced": "0"}, {"fixed": "2"}, {"last_affected": "3"}],
            "mixes 'fixed' and 'last_affected'",
        ),
        (
            ["affected", 1, "ranges", 0, "events", 1],
            {"fixed": "x:1.0"},
            "not a valid Debian version",
        ),
        (["affected", 0, "ranges", 0], {"type": "GIT", "events": [{"introduced": "abc"}]}, "needs 'repo'"),
    ],
)
def test_invalid_records_name_the_reason(path: list[Any], value: Any, reason: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        parse_record(_broken(path, value))
    assert reason in info.value.reason
    if path != ["id"]:
        assert info.value.record_id == "GHSA-aaaa-bbbb-cccc"


def test_unparsable_ecosystem_event_is_invalid() -> None:
    record = _broken(
        ["affected", 0],
        {
            "package": {"ecosystem": "RubyGems", "name": "x"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0 beta"}]}],
        },
    )
    with pytest.raises(InvalidRecord, match=r"'1\.0 beta' is not a valid RubyGems version"):
        parse_record(record)


def test_ecosystem_without_ordering_is_kept_unvalidated() -> None:
    record = _broken(
        ["affected", 0],
        {
            "package": {"ecosystem": "Linux", "name": "Kernel"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "whatever"}]}],
        },
    )
    assert parse_record(record).affected[0].ecosystem == "Linux"


def test_yaml_scalars_stay_strings() -> None:
    doc = load("id: X-1\nmodified: 2021-01-01T00:00:00Z\nfixed: 1.10\nzero: 0\nflag: true\nnothing: ~\n")
    assert doc == {
        "id": "X-1",
        "modified": "2021-01-01T00:00:00Z",
        "fixed": "1.10",
        "zero": "0",
        "flag": True,
        "nothing": None,
    }
