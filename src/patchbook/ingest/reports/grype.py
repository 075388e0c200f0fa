"""Grype JSON (``grype IMAGE -o json``): each of ``matches[]`` is one package x vulnerability.

Ids: ``vulnerability.id`` first, then the ``relatedVulnerabilities`` (Grype lists the CVE a GHSA or
distro advisory is about there). Severity as Grype states it: Critical, High, Medium, Low, Negligible
(-> low), Unknown.
"""

from __future__ import annotations

from typing import Any

from patchbook.errors import InputError
from patchbook.ingest.reports.base import need, obj, register, seq, split_versions, text, unique
from patchbook.ingest.reports.packages import purl_for
from patchbook.model.report import DependencyFinding, ParsedReport, Severity

SEVERITIES = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "negligible": Severity.LOW,
    "unknown": Severity.UNKNOWN,
}


class GrypeParser:
    name = "grype-json"
    signature = 'a JSON object with "matches" and a "descriptor" or "source"'

    def sniff(self, doc: object) -> bool:
        return isinstance(doc, dict) and "matches" in doc and ("descriptor" in doc or "source" in doc)

    def parse(self, doc: Any, source: str) -> ParsedReport:
        matches = need(doc.get("matches"), list, source, "matches", "a list of matches")
        distro_info = obj(doc.get("distro"))
        family = text(distro_info.get("name"))
        distro = (family.lower(), text(distro_info.get("version")) or "") if family else None
        findings = [_match(m, f"matches[{i}]", source, distro) for i, m in enumerate(matches)]
        return ParsedReport(
            format=self.name, source=source, tools=("grype",), dependency_findings=tuple(findings)
        )


def _match(match: object, at: str, source: str, distro: tuple[str, str] | None) -> DependencyFinding:
    m = need(match, dict, source, at, "a match object")
    vuln = need(m.get("vulnerability"), dict, source, f"{at}.vulnerability", "a vulnerability object")
    artifact = need(m.get("artifact"), dict, source, f"{at}.artifact", "an artifact object")
    vid = need(text(vuln.get("id")), str, source, f"{at}.vulnerability.id", "a vulnerability id")
    name = need(text(artifact.get("name")), str, source, f"{at}.artifact.name", "a package name")
    version = need(
        text(artifact.get("version")), str, source, f"{at}.artifact.version", "the installed version"
    )
    related = seq(m.get("relatedVulnerabilities"))
    ids = unique(
        [vid, *(r.get("id", "") for r in related if isinstance(r, dict) and isinstance(r.get("id"), str))]
    )
    stated = text(vuln.get("severity"))
    severity = SEVERITIES.get((stated or "unknown").lower())
    if severity is None:
        raise InputError(
            source,
            f"severity {stated!r} is not a Grype severity; expected one of {sorted(SEVERITIES)}",
            f"{at}.vulnerability.severity",
        )
    fix = obj(vuln.get("fix"))
    kind = text(artifact.get("type"))
    metadata = obj(artifact.get("metadata"))
    locations = seq(artifact.get("locations"))
    first = locations[0] if locations and isinstance(locations[0], dict) else {}
    return DependencyFinding(
        name=name,
        installed_version=version,
        purl=text(artifact.get("purl")) or purl_for(kind, name, version, distro),
        ids=ids,
        package_type=kind,
        fixed_versions=split_versions(fix.get("versions")),
        severity=severity,
        stated_severity=stated,
        title=text(vuln.get("description")),
        target=text(first.get("path")),
        source_name=text(metadata.get("Source")) or text(metadata.get("source")),
        source_version=text(metadata.get("SourceVersion")),
    )


PARSER = register(GrypeParser(), 30)
