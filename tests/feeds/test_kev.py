"""The KEV catalog parser: real catalog facts, and bad entries named by position and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.feeds.kev import parse_catalog


def test_real_catalog(shared_data: Path) -> None:
    doc = json.loads((shared_data / "kev" / "known_exploited_vulnerabilities.json").read_text())
    catalog = parse_catalog("kev.json", doc)
    assert (catalog.catalog_version, len(catalog.entries)) == ("2025.08.25", 1404)
    assert sum(e.known_ransomware for e in catalog.entries) == 293
    assert sum(e.due_date is None for e in catalog.entries) == 0


@pytest.mark.parametrize(
    ("entries", "where", "message"),
    [
        ([{"cveID": "CVE-2020-0001"}, {}], "vulnerabilities[0].dateAdded", "expected a YYYY-MM-DD date"),
        ([{}], "vulnerabilities[0].cveID", "expected cveID like CVE-YYYY-NNNN"),
        ([{"cveID": "CVE-2020-0001", "dateAdded": "soon"}], "vulnerabilities[0].dateAdded", "got 'soon'"),
        (
            [{"cveID": "CVE-2020-0001", "dateAdded": "2020-01-01", "vendorProject": "", "product": "p"}],
            "vulnerabilities[0].vendorProject",
            "non-empty string",
        ),
        (["x"], "vulnerabilities[0]", "expected an object"),
    ],
)
def test_bad_entries_name_position_and_field(entries: list[object], where: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_catalog("kev.json", {"catalogVersion": "x", "vulnerabilities": entries})
    assert info.value.position == where and message in info.value.message


def test_not_a_catalog() -> None:
    with pytest.raises(InputError, match="not a KEV catalog"):
        parse_catalog("kev.json", {"vulnerabilities": []})


def test_duplicate_cve() -> None:
    entry = {
        "cveID": "CVE-2020-0001",
        "dateAdded": "2020-01-01",
        "vendorProject": "v",
        "product": "p",
        "vulnerabilityName": "n",
    }
    with pytest.raises(InputError, match="listed twice"):
        parse_catalog("kev.json", {"catalogVersion": "x", "vulnerabilities": [entry, entry]})
