"""From components to lookup keys, and the matcher over real advisories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchbook.match import Candidate, PackageKey, Unmatched, match, resolve
from patchbook.model.component import Component


@pytest.mark.parametrize(
    ("component", "expected"),
    [
        (
            Component("a", "Django_Package", "1.0", "pkg:pypi/Django_Package@1.0"),
            PackageKey("PyPI", "django-package", "1.0"),
        ),
        (
            Component("b", "contracts", "4.9.2", "pkg:npm/%40openzeppelin/contracts@4.9.2"),
            PackageKey("npm", "@openzeppelin/contracts", "4.9.2"),
        ),
        (
            Component("c", "log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"),
            PackageKey("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
        ),
        (
            Component("d", "x/net", "v0.7.0", "pkg:golang/golang.org/x/net@v0.7.0"),
            PackageKey("Go", "golang.org/x/net", "0.7.0"),
        ),
        (
            Component(
                "e",
                "libssl3",
                "3.0.11-1~deb12u2",
                "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12",
                source_name="openssl",
                source_version="3.0.11-1~deb12u2",
            ),
            PackageKey("Debian", "openssl", "3.0.11-1~deb12u2", "12"),
        ),
        (Component("f", "thing", None, "pkg:pypi/thing"), Unmatched("no version")),
        (Component("g", "thing", "1.0", None), Unmatched("no purl")),
        (
            Component("h", "thing", "1.0", "pkg:generic/thing@1.0"),
            Unmatched("purl type 'generic' has no OSV ecosystem"),
        ),
    ],
)
def test_resolve(component: Component, expected: PackageKey | Unmatched) -> None:
    assert resolve(component) == expected


def test_resolve_rejects_a_version_the_ecosystem_cannot_order() -> None:
    result = resolve(Component("x", "x", "1.0 beta", "pkg:gem/x@1.0%20beta"))
    assert isinstance(result, Unmatched) and "not a valid RubyGems version" in result.reason


def _candidates(path: Path) -> dict[tuple[str, str], list[Candidate]]:
    record = json.loads(path.read_text())
    out: dict[tuple[str, str], list[Candidate]] = {}
    for entry in record["affected"]:
        eco, name = entry["package"]["ecosystem"], entry["package"]["name"]
        out.setdefault((eco, name), []).append(Candidate(record["id"], "CVE-2021-44228", eco, entry))
    return out


def test_log4shell_entries_combine_into_one_hit_with_the_right_fix(shared_data: Path) -> None:
    cands = _candidates(shared_data / "osv" / "ghsa" / "GHSA-jfh8-c2jp-5v3q.json")
    name = "org.apache.logging.log4j:log4j-core"
    keys = [
        PackageKey("Maven", name, v) for v in ("2.14.1", "2.12.1", "2.3", "2.15.0", "2.17.1", "2.0-beta9")
    ]
    hits = {h.key.version: h.fixed for h in match(keys, cands)}
    assert hits == {"2.14.1": ("2.15.0",), "2.12.1": ("2.12.2",), "2.3": ("2.3.1",), "2.0-beta9": ("2.3.1",)}
