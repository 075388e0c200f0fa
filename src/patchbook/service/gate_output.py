"""The gate's machine-readable outputs: JSON, SARIF 2.1.0 (GitHub code scanning) and JUnit XML (CI test
reports). The text table is the CLI's.

SARIF: one rule per vulnerability (alias group) with its CVSS score as ``security-severity`` (GitHub
buckets alerts by it), one result per open finding, located at the SBOM line that names the component
so the alert points somewhere a person can look. Policy violations are ``error``, other findings
``warning`` (``note`` for a decision of defer), findings exempted by an ignore entry carry a SARIF
``suppressions`` entry with the entry's reason, which GitHub shows as dismissed rather than hiding it.
The fingerprint is the finding's identity (asset, package, vulnerability), not a line hash, so an alert
keeps its history when the SBOM is regenerated with the component on another line.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from patchbook import __version__
from patchbook.model.gate import GateItem, GateOutcome

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/patchbook/patchbook"
FINGERPRINT_KEY = "patchbookFinding/v1"


def _item_dict(item: GateItem) -> dict[str, Any]:
    return {
        "finding_id": item.finding_id,
        "package": item.package,
        "ecosystem": item.ecosystem,
        "installed_version": item.installed_version,
        "vulnerability": item.alias_group,
        "identifiers": list(item.identifiers),
        "fixed_versions": list(item.fixed_versions),
        "decision": item.decision,
        "score": round(item.score, 4),
        "in_kev": item.in_kev,
        "severity": item.severity,
        "cvss": item.cvss,
        "summary": item.summary,
        "why": item.why,
        "suppressed_by": item.suppressed_by,
    }


def to_json(outcome: GateOutcome) -> dict[str, Any]:
    p = outcome.policy
    return {
        "asset": outcome.asset,
        "sbom": outcome.sbom,
        "passed": outcome.passed,
        "recorded": outcome.recorded,
        "policy": {
            "source": p.source,
            "decisions": list(p.decisions),
            "kev": p.kev,
            "min_score": p.min_score,
            "severities": list(p.severities),
            "fixable_only": p.fixable_only,
        },
        "findings": len(outcome.items),
        "violations": [{**_item_dict(v.item), "rules": list(v.rules)} for v in outcome.violations],
        "ignored": [
            {**_item_dict(i), "reason": r.reason, "expires": r.expires.isoformat(),
             "approved_by": r.approved_by}
            for i, r in outcome.ignored
        ],
        "expired_ignores": [_rule_dict(r) for r in outcome.expired],
        "unused_ignores": [_rule_dict(r) for r in outcome.unused],
        "warnings": list(outcome.warnings),
    }


def _rule_dict(r: Any) -> dict[str, Any]:
    return {"id": r.id, "package": r.package, "expires": r.expires.isoformat(), "line": r.line}


# --- SARIF -------------------------------------------------------------------------------------------


def _sbom_uri(sbom: str) -> str:
    """The SBOM's path relative to the working directory (GitHub resolves it against the repository root
    the workflow runs in); an absolute path outside it stays absolute, as a file URI."""
    path = Path(sbom)
    try:
        return Path(os.path.relpath(path.resolve(), Path.cwd())).as_posix()
    except ValueError:  # another drive (Windows)
        return path.resolve().as_uri()


def _lines_naming(sbom: str) -> list[str]:
    try:
        return Path(sbom).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _line_of(lines: list[str], item: GateItem) -> int:
    """The first line naming the package (and its version, when a line has both): where the alert points."""
    name = item.package.replace(":", "/").split("/")[-1].lower()  # log4j-core of group:artifact, @s/name
    fallback = 0
    for n, line in enumerate(lines, start=1):
        low = line.lower()
        if name in low:
            if item.installed_version and item.installed_version in line:
                return n
            fallback = fallback or n
    return fallback or 1


def _level(item: GateItem, violating: bool) -> str:
    if violating:
        return "error"
    return "note" if item.decision == "defer" else "warning"


def _fingerprint(item: GateItem) -> str:
    key = "\x1f".join((item.asset, item.ecosystem, item.package, item.alias_group))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _rule(item: GateItem) -> dict[str, Any]:
    advisory = next((i for i in item.identifiers if not i.startswith("CVE-")), item.alias_group)
    props: dict[str, Any] = {"tags": ["security", "vulnerability", "dependency"]}
    if item.cvss is not None:
        props["security-severity"] = f"{item.cvss:.1f}"
    fixes = ", ".join(item.fixed_versions) or "none published"
    return {
        "id": item.alias_group,
        "name": item.alias_group,
        "shortDescription": {"text": item.summary or item.alias_group},
        "fullDescription": {"text": f"{item.alias_group} ({', '.join(item.identifiers)}): {item.summary}"},
        "helpUri": f"https://osv.dev/vulnerability/{advisory}",
        "help": {
            "text": f"Upgrade {item.package} to a fixed version ({fixes}).",
            "markdown": f"Upgrade `{item.package}` to a fixed version: **{fixes}**.\n\nIds: "
            + ", ".join(f"`{i}`" for i in item.identifiers),
        },
        "properties": props,
    }


def to_sarif(outcome: GateOutcome) -> dict[str, Any]:
    violating = {v.item.finding_id: v.rules for v in outcome.violations}
    ignored = {i.finding_id: r for i, r in outcome.ignored}
    lines = _lines_naming(outcome.sbom)
    uri = _sbom_uri(outcome.sbom)
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for item in outcome.items:
        if item.alias_group not in rules:
            rules[item.alias_group] = _rule(item)
        index = list(rules).index(item.alias_group)
        broken = violating.get(item.finding_id)
        version = item.installed_version or "?"
        text = (f"{item.package} {version} is affected by {item.alias_group}: decision {item.decision}, "
                f"risk score {item.score:.2f}. {item.why}")
        if broken:
            text += f" Fails the gate: {'; '.join(broken)}."
        result: dict[str, Any] = {
            "ruleId": item.alias_group,
            "ruleIndex": index,
            "level": _level(item, bool(broken)),
            "message": {"text": text},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": _line_of(lines, item)},
                },
                "logicalLocations": [{"name": f"{item.package}@{version}", "kind": "module"}],
            }],
            "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(item)},
            "properties": {"asset": item.asset, "decision": item.decision, "score": round(item.score, 4),
                           "in_kev": item.in_kev, "fixed_versions": list(item.fixed_versions)},
        }
        rule = ignored.get(item.finding_id)
        if rule is not None:
            result["suppressions"] = [{
                "kind": "external", "status": "accepted",
                "justification": f"{rule.reason} (expires {rule.expires.isoformat()}"
                + (f", approved by {rule.approved_by})" if rule.approved_by else ")"),
            }]
        elif item.suppressed_by is not None:
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": item.suppressed_by}]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "patchbook", "version": __version__, "semanticVersion": __version__,
                "informationUri": INFORMATION_URI, "rules": list(rules.values()),
            }},
            "automationDetails": {"id": f"patchbook-gate/{outcome.asset}/"},
            "results": results,
            "properties": {"passed": outcome.passed, "policy": outcome.policy.source},
        }],
    }


# --- JUnit ---------------------------------------------------------------------------------------------


def to_junit(outcome: GateOutcome) -> bytes:
    """One test suite for the asset, one test case per open finding: a violation is a failure, an
    exempted finding is skipped with its reason, anything else passes (it is listed so a CI dashboard
    shows what the gate looked at)."""
    violating = {v.item.finding_id: v.rules for v in outcome.violations}
    ignored = {i.finding_id: r for i, r in outcome.ignored}
    suites = ET.Element("testsuites", name="patchbook gate")
    skipped = len(outcome.ignored) + sum(1 for i in outcome.items
                                         if i.suppressed_by is not None and i.finding_id not in ignored)
    suite = ET.SubElement(
        suites, "testsuite", name=f"patchbook gate: {outcome.asset}", tests=str(len(outcome.items)),
        failures=str(len(outcome.violations)), errors="0", skipped=str(skipped),
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="sbom", value=outcome.sbom)
    ET.SubElement(props, "property", name="policy", value=outcome.policy.source)
    for item in outcome.items:
        case = ET.SubElement(
            suite, "testcase", classname=f"patchbook.{outcome.asset}.{item.package}",
            name=f"{item.alias_group} in {item.package} {item.installed_version or '?'}",
        )
        broken = violating.get(item.finding_id)
        if broken:
            failure = ET.SubElement(case, "failure", type="policy", message="; ".join(broken))
            fixes = ", ".join(item.fixed_versions) or "none published"
            failure.text = (f"{item.summary}\ndecision {item.decision}, risk score {item.score:.2f}, "
                            f"severity {item.severity}, KEV {'yes' if item.in_kev else 'no'}\n{item.why}\n"
                            f"fixed in: {fixes}")
        elif item.finding_id in ignored:
            rule = ignored[item.finding_id]
            ET.SubElement(case, "skipped", message=f"ignored until {rule.expires.isoformat()}: {rule.reason}")
        elif item.suppressed_by is not None:
            ET.SubElement(case, "skipped", message=item.suppressed_by)
    ET.indent(suites)
    xml: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return xml + b"\n"
