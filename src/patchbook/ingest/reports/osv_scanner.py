"""osv-scanner JSON (``osv-scanner --format json``): ``results[].packages[]`` with full OSV records.

osv-scanner already groups the records of one vulnerability (``groups[].ids``, e.g. a GO- id with its
GHSA); each group becomes one dependency finding whose ids are the group's ids and their aliases.
Severity: the group's ``max_severity`` (a CVSS base score, newer osv-scanner) on the CVSS scale, else
the records' ``database_specific.severity`` (GHSA's LOW / MODERATE / HIGH / CRITICAL). Fixed versions
come from the records' ``affected`` ranges for this package.
"""

from __future__ import annotations

from typing import Any

from patchbook.ingest.reports.base import need, obj, register, seq, text, unique
from patchbook.model.report import DependencyFinding, ParsedReport, Severity, severity_from_score

GHSA_SEVERITIES = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}


class OsvScannerParser:
    name = "osv-scanner-json"
    signature = 'a JSON object with "results": a list of {"source", "packages"}'

    def sniff(self, doc: object) -> bool:
        if not isinstance(doc, dict) or not isinstance(doc.get("results"), list) or "success" in doc:
            return False
        results = doc["results"]
        if not results:  # an empty run: only osv-scanner's own keys, so bandit's empty "results" is not it
            return set(doc) <= {"results", "experimental_config"}
        return isinstance(results[0], dict) and "packages" in results[0] and "source" in results[0]

    def parse(self, doc: Any, source: str) -> ParsedReport:
        findings: list[DependencyFinding] = []
        for i, result in enumerate(doc["results"]):
            at = f"results[{i}]"
            need(result, dict, source, at, "a result object")
            origin = obj(result.get("source"))
            target = text(origin.get("path"))
            packages = need(
                result.get("packages") or [], list, source, f"{at}.packages", "a list of packages"
            )
            for j, entry in enumerate(packages):
                findings.extend(_package(entry, f"{at}.packages[{j}]", source, target))
        return ParsedReport(
            format=self.name, source=source, tools=("osv-scanner",), dependency_findings=tuple(findings)
        )


def _package(entry: object, at: str, source: str, target: str | None) -> list[DependencyFinding]:
    e = need(entry, dict, source, at, "a package entry")
    package = need(e.get("package"), dict, source, f"{at}.package", "a package object")
    commit = text(package.get("commit"))
    if commit and not text(package.get("name")):
        # A source tree scanned by commit (osv-scanner --recursive on a git checkout): no package, the
        # commit is what is vulnerable; keyed as ecosystem "GIT", package and version = the commit.
        name, version, ecosystem = commit, commit, "GIT"
    else:
        name = need(text(package.get("name")), str, source, f"{at}.package.name", "a package name")
        version = need(text(package.get("version")), str, source, f"{at}.package.version", "the version")
        ecosystem = need(
            text(package.get("ecosystem")), str, source, f"{at}.package.ecosystem", "an ecosystem"
        )
    records: dict[str, dict[str, Any]] = {}
    listed = need(
        e.get("vulnerabilities") or [], list, source, f"{at}.vulnerabilities", "a list of OSV records"
    )
    for k, record in enumerate(listed):
        r = need(record, dict, source, f"{at}.vulnerabilities[{k}]", "an OSV record")
        records[need(text(r.get("id")), str, source, f"{at}.vulnerabilities[{k}].id", "an OSV id")] = r
    groups = [g for g in seq(e.get("groups")) if isinstance(g, dict) and isinstance(g.get("ids"), list)]
    if not groups:
        groups = [{"ids": [rid]} for rid in records]
    out = []
    for group in groups:
        members = [records[i] for i in group["ids"] if isinstance(i, str) and i in records]
        aliases = [*seq(group.get("aliases")), *(a for r in members for a in seq(r.get("aliases")))]
        ids = unique([i for i in (*group["ids"], *aliases) if isinstance(i, str)])
        if not ids:
            continue
        severity, stated = _severity(group, members)
        out.append(
            DependencyFinding(
                name=name,
                installed_version=version,
                purl=None,
                ids=ids,
                ecosystem=ecosystem,
                package_type=ecosystem,
                fixed_versions=_fixed(members, ecosystem, name),
                severity=severity,
                stated_severity=stated,
                title=next((text(r.get("summary")) for r in members if text(r.get("summary"))), None),
                target=target,
            )
        )
    return out


def _severity(group: dict[str, Any], records: list[dict[str, Any]]) -> tuple[Severity, str | None]:
    score = group.get("max_severity")
    try:
        if score not in (None, ""):
            return severity_from_score(float(score)), str(score)
    except (TypeError, ValueError):
        pass
    best: tuple[Severity, str | None] = (Severity.UNKNOWN, None)
    for r in records:
        specific = obj(r.get("database_specific"))
        stated = text(specific.get("severity"))
        found = GHSA_SEVERITIES.get((stated or "").upper())
        if found is not None and found.rank > best[0].rank:
            best = (found, stated)
    return best


def _fixed(records: list[dict[str, Any]], ecosystem: str, name: str) -> tuple[str, ...]:
    fixed: list[str] = []
    for r in records:
        for affected in seq(r.get("affected")):
            pkg = affected.get("package") if isinstance(affected, dict) else None
            if not isinstance(pkg, dict) or pkg.get("name") != name:
                continue
            if str(pkg.get("ecosystem", "")).split(":")[0] != ecosystem.split(":")[0]:
                continue
            for rng in seq(affected.get("ranges")):
                for event in seq(rng.get("events")) if isinstance(rng, dict) else []:
                    if isinstance(event, dict) and isinstance(event.get("fixed"), str):
                        fixed.append(event["fixed"])
    return unique(fixed)


PARSER = register(OsvScannerParser(), 40)
