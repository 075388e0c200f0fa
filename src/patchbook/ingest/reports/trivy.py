"""Trivy JSON (``trivy image|fs|rootfs|sbom --format json``, schema 2; the Kubernetes report; the old
schema-1 list of results).

``Results[].Vulnerabilities`` become dependency findings (severity as Trivy states it: CRITICAL, HIGH,
MEDIUM, LOW, UNKNOWN). Misconfigurations and secrets have no package: they become code findings of the
tool "trivy" (rule = the check id, fingerprint = hash of rule, target and cause).
"""

from __future__ import annotations

import re
from typing import Any

from patchbook.errors import InputError
from patchbook.ingest.reports import fingerprint
from patchbook.ingest.reports.base import need, obj, register, seq, split_versions, text, unique
from patchbook.ingest.reports.packages import purl_for
from patchbook.model.report import CodeFinding, DependencyFinding, ParsedReport, Severity

SEVERITIES = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "UNKNOWN": Severity.UNKNOWN,
}
_TARGET_OS = re.compile(r"\((\w+) ([\w.~+-]+)\)\s*$")


class TrivyParser:
    name = "trivy-json"
    signature = 'a JSON object with "SchemaVersion" and "Results" (or a Kubernetes "ClusterName" report)'

    def sniff(self, doc: object) -> bool:
        if isinstance(doc, dict):
            if "SchemaVersion" in doc and ("Results" in doc or "ArtifactName" in doc):
                return True
            return "ClusterName" in doc and any(
                k in doc for k in ("Vulnerabilities", "Misconfigurations", "Resources")
            )
        # schema 1: a bare list of results
        return (
            isinstance(doc, list)
            and bool(doc)
            and isinstance(doc[0], dict)
            and "Target" in doc[0]
            and ("Vulnerabilities" in doc[0] or "Type" in doc[0])
        )

    def parse(self, doc: Any, source: str) -> ParsedReport:
        state = _State(source)
        if isinstance(doc, list):
            state.results(doc, "", None)
        elif "ClusterName" in doc:
            for key in ("Vulnerabilities", "Misconfigurations", "Resources"):
                resources = doc.get(key) or []
                need(resources, list, source, key, "a list of resources")
                for i, resource in enumerate(resources):
                    need(resource, dict, source, f"{key}[{i}]", "a resource object")
                    state.results(resource.get("Results") or [], f"{key}[{i}].", None)
        else:
            metadata = obj(doc.get("Metadata"))
            os_info = obj(metadata.get("OS"))
            family, release = text(os_info.get("Family")), text(os_info.get("Name"))
            distro = (family.lower(), release or "") if family else None
            state.results(doc.get("Results") or [], "", distro)
        return ParsedReport(
            format=self.name,
            source=source,
            tools=("trivy",),
            dependency_findings=tuple(state.deps),
            code_findings=tuple(state.code),
        )


class _State:
    def __init__(self, source: str) -> None:
        self.source = source
        self.deps: list[DependencyFinding] = []
        self.code: list[CodeFinding] = []
        self.hasher = fingerprint.Hasher()

    def results(self, results: object, prefix: str, distro: tuple[str, str] | None) -> None:
        need(results, list, self.source, f"{prefix}Results", "a list of results")
        assert isinstance(results, list)
        for i, result in enumerate(results):
            at = f"{prefix}Results[{i}]"
            need(result, dict, self.source, at, "a result object")
            target = text(result.get("Target"))
            kind = text(result.get("Type"))
            result_distro = distro
            if target and (m := _TARGET_OS.search(target)) and (kind or "").lower() == m.group(1).lower():
                result_distro = (m.group(1).lower(), m.group(2))
            for j, vuln in enumerate(self.listed(result, "Vulnerabilities", at)):
                self.deps.append(
                    self._vulnerability(vuln, f"{at}.Vulnerabilities[{j}]", kind, target, result_distro)
                )
            for j, misconf in enumerate(self.listed(result, "Misconfigurations", at)):
                self.code.append(self._misconfiguration(misconf, f"{at}.Misconfigurations[{j}]", target))
            for j, secret in enumerate(self.listed(result, "Secrets", at)):
                self.code.append(self._secret(secret, f"{at}.Secrets[{j}]", target))

    def listed(self, result: dict[str, Any], key: str, at: str) -> list[Any]:
        found: list[Any] = need(result.get(key) or [], list, self.source, f"{at}.{key}", "a list")
        return found

    def _vulnerability(
        self, vuln: object, at: str, kind: str | None, target: str | None, distro: tuple[str, str] | None
    ) -> DependencyFinding:
        v = need(vuln, dict, self.source, at, "a vulnerability object")
        vid = need(
            text(v.get("VulnerabilityID")), str, self.source, f"{at}.VulnerabilityID", "a vulnerability id"
        )
        name = need(text(v.get("PkgName")), str, self.source, f"{at}.PkgName", "a package name")
        version = need(
            text(v.get("InstalledVersion")),
            str,
            self.source,
            f"{at}.InstalledVersion",
            "the installed version",
        )
        identifier = obj(v.get("PkgIdentifier"))
        purl = text(identifier.get("PURL")) or purl_for(kind, name, version, distro)
        vendor_ids = seq(v.get("VendorIDs"))
        stated = text(v.get("Severity"))
        severity = SEVERITIES.get((stated or "UNKNOWN").upper())
        if severity is None:
            raise InputError(
                self.source,
                f"severity {stated!r} is not a Trivy severity; expected one of {sorted(SEVERITIES)}",
                f"{at}.Severity",
            )
        return DependencyFinding(
            name=name,
            installed_version=version,
            purl=purl,
            ids=unique([vid, *(i for i in vendor_ids if isinstance(i, str))]),
            package_type=kind,
            fixed_versions=split_versions(v.get("FixedVersion")),
            severity=severity,
            stated_severity=stated,
            title=text(v.get("Title")),
            target=target,
            source_name=text(v.get("SrcName")),
            source_version=text(v.get("SrcVersion")),
        )

    def _misconfiguration(self, misconf: object, at: str, target: str | None) -> CodeFinding:
        m = need(misconf, dict, self.source, at, "a misconfiguration object")
        rule = text(m.get("AVDID")) or text(m.get("ID"))
        rule = need(rule, str, self.source, f"{at}.ID", "a check id")
        cause = obj(m.get("CauseMetadata"))
        line = cause.get("StartLine") if isinstance(cause.get("StartLine"), int) else None
        snippet = text(cause.get("Resource")) or text(m.get("Message"))
        return self._code(rule, m, target, line, snippet, at)

    def _secret(self, secret: object, at: str, target: str | None) -> CodeFinding:
        s = need(secret, dict, self.source, at, "a secret object")
        rule = need(text(s.get("RuleID")), str, self.source, f"{at}.RuleID", "a rule id")
        line = s.get("StartLine") if isinstance(s.get("StartLine"), int) else None
        return self._code(rule, s, target, line, text(s.get("Match")), at)

    def _code(
        self,
        rule: str,
        item: dict[str, Any],
        target: str | None,
        line: int | None,
        snippet: str | None,
        at: str,
    ) -> CodeFinding:
        stated = text(item.get("Severity")) or "UNKNOWN"
        severity = SEVERITIES.get(stated.upper())
        if severity is None:
            raise InputError(self.source, f"severity {stated!r} is not a Trivy severity", f"{at}.Severity")
        return CodeFinding(
            tool="trivy",
            rule_id=rule,
            fingerprint=self.hasher("trivy", rule, target, snippet, line),
            severity=severity,
            level=stated,
            security_severity=None,
            message=text(item.get("Message")) or text(item.get("Title")) or rule,
            file=target,
            line=line,
        )


PARSER = register(TrivyParser(), 20)
