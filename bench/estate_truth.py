"""Reference findings for the estate: an independent OSV matcher, written for the bench.

The OSV schema's algorithm (as ``peers/bench/truth.py`` applies it): a component is affected by an
``affected`` entry when its version is in the entry's ``versions`` list, or lies in one of its ECOSYSTEM /
SEMVER ranges, the range's events walked in version order (``introduced`` opens, ``fixed`` closes at
that version, ``last_affected`` closes above it). Withdrawn records are skipped. PyPI versions and names
follow PEP 440 / PEP 503 (``packaging``); npm versions are SemVer 2.0 precedence tuples, names as written.

Vulnerabilities are compared by alias group: every id and alias of a record joins one group (union-find
over the whole advisory set), so a tool that reports a record's CVE counts the same as one that reports
its PYSEC id. A finding is ``(asset, ecosystem, name, version, group)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import orjson
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from bench.estate_gen import semver_key

Finding = tuple[str, str, str, str, str]  # asset, ecosystem, name key, version, alias group
Item = tuple[str, str, str]  # ecosystem, name key, version


def name_key(eco: str, name: str) -> str:
    """The form names are compared in: PEP 503 for PyPI, as written (``@scope/name``) for npm."""
    if eco == "PyPI":
        return str(canonicalize_name(name))
    if "/" in name and not name.startswith("@"):
        return "@" + name
    return name


@cache
def _vkey(eco: str, version: str) -> Any:
    return Version(version) if eco == "PyPI" else semver_key(version)


def _event_order(eco: str, event: dict[str, str]) -> tuple[int, Any]:
    if event.get("introduced") == "0":
        return (0, 0)
    return (1, _vkey(eco, next(iter(event.values()))))


class AliasGroups:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent.setdefault(x, x)
        if parent == x:
            return x
        root = self.find(parent)
        self.parent[x] = root
        return root

    def join(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        roots = sorted({self.find(i) for i in ids})
        for r in roots[1:]:
            self.parent[r] = roots[0]

    def group(self, vuln_id: str) -> str:
        return self.find(vuln_id) if vuln_id in self.parent else vuln_id


class Reference:
    def __init__(self, osv_dir: Path) -> None:
        self.groups = AliasGroups()
        self.index: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        self.skipped_ranges = 0
        for path in sorted(osv_dir.glob("*/*.json")):
            record = orjson.loads(path.read_bytes())
            self.groups.join([record["id"], *record.get("aliases", [])])
            if record.get("withdrawn"):
                continue
            for affected in record.get("affected", []):
                pkg = affected["package"]
                if pkg["ecosystem"] in ("PyPI", "npm"):
                    key = (pkg["ecosystem"], name_key(pkg["ecosystem"], pkg["name"]))
                    self.index[key].append((record["id"], affected))

    def _hit(self, eco: str, affected: dict[str, Any], version: str) -> bool:
        listed = affected.get("versions", [])
        if version in listed:
            return True
        try:
            installed = _vkey(eco, version)
        except (InvalidVersion, ValueError):
            return False
        if eco == "PyPI" and listed:
            for v in listed:
                try:
                    if _vkey(eco, v) == installed:
                        return True
                except InvalidVersion:
                    continue
        for rng in affected.get("ranges", []):
            if rng["type"] not in ("ECOSYSTEM", "SEMVER"):
                continue
            try:
                events = sorted(rng["events"], key=lambda e: _event_order(eco, e))
            except (InvalidVersion, ValueError):
                self.skipped_ranges += 1
                continue
            inside = False
            for event in events:
                if "introduced" in event:
                    if event["introduced"] == "0" or installed >= _vkey(eco, event["introduced"]):
                        inside = True
                elif "fixed" in event:
                    if installed >= _vkey(eco, event["fixed"]):
                        inside = False
                elif "last_affected" in event and installed > _vkey(eco, event["last_affected"]):
                    inside = False
            if inside:
                return True
        return False

    def vulnerabilities(self, eco: str, name: str, version: str) -> set[str]:
        """The alias groups that affect this component."""
        return {
            self.groups.group(vid)
            for vid, affected in self.index.get((eco, name_key(eco, name)), [])
            if self._hit(eco, affected, version)
        }


def sbom_items(path: Path) -> list[Item]:
    """(ecosystem, name key, version) of every PyPI / npm component, from the purls."""
    doc = orjson.loads(path.read_bytes())
    out = []
    for comp in doc.get("components", []):
        purl = comp.get("purl", "")
        kind, _, rest = purl.removeprefix("pkg:").partition("/")
        eco = {"pypi": "PyPI", "npm": "npm"}.get(kind)
        if not eco:
            continue
        name, _, version = unquote(rest).rpartition("@")
        out.append((eco, name_key(eco, name), version))
    return out


def expected(reference: Reference, sboms: dict[str, Path]) -> set[Finding]:
    """Every (asset, ecosystem, name, version, alias group) the estate should report."""
    per_item: dict[Item, set[str]] = {}
    out: set[Finding] = set()
    for asset, path in sboms.items():
        for item in sbom_items(path):
            if item not in per_item:
                per_item[item] = reference.vulnerabilities(*item)
            out.update((asset, *item, group) for group in per_item[item])
    return out
