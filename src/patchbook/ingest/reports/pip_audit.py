"""pip-audit JSON (``pip-audit -f json``): ``{"dependencies": [...]}``, or the legacy top-level list.

Every ``vulns[]`` entry of a dependency is one dependency finding in PyPI (ids: its id, then its
``aliases``). pip-audit states no severity (unknown here; the advisory's own CVSS scores it once the
advisory is in the store). Dependencies pip-audit skipped (``skip_reason``) become warnings.
"""

from __future__ import annotations

from typing import Any

from patchbook.ingest.reports.base import need, register, seq, split_versions, text, unique
from patchbook.model.report import DependencyFinding, ParsedReport, Severity


def _is_dependency(item: object) -> bool:
    return isinstance(item, dict) and "name" in item and ("vulns" in item or "skip_reason" in item)


class PipAuditParser:
    name = "pip-audit-json"
    signature = 'a JSON object with "dependencies" of {"name", "version", "vulns"} (or that list alone)'

    def sniff(self, doc: object) -> bool:
        if isinstance(doc, dict) and "bomFormat" not in doc and isinstance(doc.get("dependencies"), list):
            deps = doc["dependencies"]
            return not deps or _is_dependency(deps[0])
        return isinstance(doc, list) and bool(doc) and _is_dependency(doc[0])

    def parse(self, doc: Any, source: str) -> ParsedReport:
        deps, prefix = (doc["dependencies"], "dependencies") if isinstance(doc, dict) else (doc, "")
        findings: list[DependencyFinding] = []
        warnings: list[str] = []
        for i, dep in enumerate(deps):
            at = f"{prefix}[{i}]"
            d = need(dep, dict, source, at, "a dependency object")
            name = need(text(d.get("name")), str, source, f"{at}.name", "a package name")
            if d.get("skip_reason"):
                warnings.append(f"{name}: skipped by pip-audit: {d['skip_reason']}")
                continue
            version = need(text(d.get("version")), str, source, f"{at}.version", "the installed version")
            vulns = need(d.get("vulns") or [], list, source, f"{at}.vulns", "a list of vulnerabilities")
            for j, vuln in enumerate(vulns):
                v = need(vuln, dict, source, f"{at}.vulns[{j}]", "a vulnerability object")
                vid = need(text(v.get("id")), str, source, f"{at}.vulns[{j}].id", "a vulnerability id")
                aliases = [a for a in seq(v.get("aliases")) if isinstance(a, str)]
                findings.append(
                    DependencyFinding(
                        name=name,
                        installed_version=version,
                        purl=None,
                        ids=unique([vid, *aliases]),
                        ecosystem="PyPI",
                        package_type="PyPI",
                        fixed_versions=split_versions(v.get("fix_versions")),
                        severity=Severity.UNKNOWN,
                        title=text(v.get("description")),
                    )
                )
        return ParsedReport(
            format=self.name,
            source=source,
            tools=("pip-audit",),
            dependency_findings=tuple(findings),
            warnings=tuple(warnings),
        )


PARSER = register(PipAuditParser(), 50)
