"""SARIF 2.1.0 from any tool (CodeQL, Semgrep, bandit, Slither, Trivy's SARIF, dependency-check).

Every result becomes a code finding of the run's tool. Severity: the rule's (or result's)
``security-severity`` property where the tool sets one (GitHub's convention, a 0-10 score), else the
result's ``level`` (falling back to the rule's ``defaultConfiguration.level``, then SARIF's default
"warning"): error -> high, warning -> medium, note -> low, none -> info. Slither's SARIF rule ids carry
an "impact-confidence" prefix ("0-1-arbitrary-send-eth"); it is dropped so a finding from Slither's SARIF
and from its JSON output is one finding.
"""

from __future__ import annotations

import re
from typing import Any

from patchbook.errors import InputError
from patchbook.ingest.reports import fingerprint
from patchbook.ingest.reports.base import need, obj, register, seq, text, tool_slug
from patchbook.model.report import CodeFinding, ParsedReport, Severity, severity_from_score

SUPPORTED_VERSION = "2.1.0"
_LEVELS = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW, "none": Severity.INFO}
_SLITHER_RULE = re.compile(r"^\d+-\d+-(.+)$")


class SarifParser:
    name = "sarif"
    signature = 'a JSON object with "runs" and a SARIF "version" or "$schema"'

    def sniff(self, doc: object) -> bool:
        if not isinstance(doc, dict) or "runs" not in doc:
            return False
        schema = doc.get("$schema")
        return "version" in doc or (isinstance(schema, str) and "sarif" in schema.lower())

    def parse(self, doc: Any, source: str) -> ParsedReport:
        version = doc.get("version")
        if version != SUPPORTED_VERSION:
            stated = "no version" if version is None else f"version {version!r}"
            raise InputError(
                source, f"SARIF {stated} is not supported; expected version {SUPPORTED_VERSION!r}", "version"
            )
        runs = need(doc.get("runs"), list, source, "runs", "a list of runs")
        findings: list[CodeFinding] = []
        tools: list[str] = []
        warnings: list[str] = []
        for r, run in enumerate(runs):
            where = f"runs[{r}]"
            need(run, dict, source, where, "a run object")
            tool = need(run.get("tool"), dict, source, f"{where}.tool", "a tool object")
            driver = need(tool.get("driver"), dict, source, f"{where}.tool.driver", "a driver object")
            name = need(driver.get("name"), str, source, f"{where}.tool.driver.name", "the tool's name")
            slug = tool_slug(name)
            tools.append(slug)
            findings.extend(_run_results(run, driver, slug, source, where, warnings))
        return ParsedReport(
            format=self.name,
            source=source,
            tools=tuple(dict.fromkeys(tools)),
            code_findings=tuple(findings),
            warnings=tuple(warnings),
        )


def _rules(driver: dict[str, Any]) -> list[dict[str, Any]]:
    rules = driver.get("rules")
    return [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else []


def _run_results(
    run: dict[str, Any], driver: dict[str, Any], tool: str, source: str, where: str, warnings: list[str]
) -> list[CodeFinding]:
    results = run.get("results")
    if results is None:
        return []  # the tool did not run or produced no results array: nothing reported
    results = need(results, list, source, f"{where}.results", "a list of results")
    rules = _rules(driver)
    by_id = {r["id"]: r for r in rules if isinstance(r.get("id"), str)}
    artifacts = seq(run.get("artifacts"))
    hasher = fingerprint.Hasher()
    out: list[CodeFinding] = []
    for i, result in enumerate(results):
        at = f"{where}.results[{i}]"
        need(result, dict, source, at, "a result object")
        rule, rule_id = _rule_of(result, rules, by_id, source, at)
        message = _message(result, rule, source, at)
        level = result.get("level")
        if level is None:
            default = rule.get("defaultConfiguration") if rule else None
            level = default.get("level") if isinstance(default, dict) else None
        level = level or "warning"
        if not isinstance(level, str) or level not in _LEVELS:
            raise InputError(
                source,
                f"level {level!r} is not a SARIF level; expected one of {sorted(_LEVELS)}",
                f"{at}.level",
            )
        score = _security_severity(result, rule, warnings, at)
        if isinstance(score, Severity):  # Semgrep writes the word ("MEDIUM") instead of a score
            severity, score = score, None
        else:
            severity = severity_from_score(score) if score is not None else _LEVELS[level]
        file, line, snippet = _location(result, artifacts)
        if tool == "slither":
            m = _SLITHER_RULE.match(rule_id)
            rule_id = m.group(1) if m else rule_id
        found = fingerprint.from_tool(result.get("partialFingerprints")) or fingerprint.from_tool(
            result.get("fingerprints")
        )
        if found and file and tool != "slither":
            # SARIF fingerprints are contributions to an identity (CodeQL's is a hash of the line's
            # text): the file keeps two files with the same line apart. Slither's id is already whole.
            found = f"{file}|{found}"
        out.append(
            CodeFinding(
                tool=tool,
                rule_id=rule_id,
                fingerprint=found or hasher(tool, rule_id, file, snippet, line),
                severity=severity,
                level=level,
                security_severity=score,
                message=message,
                file=file,
                line=line,
            )
        )
    return out


def _rule_of(
    result: dict[str, Any],
    rules: list[dict[str, Any]],
    by_id: dict[str, dict[str, Any]],
    source: str,
    at: str,
) -> tuple[dict[str, Any] | None, str]:
    """The result's rule descriptor (if the run has one) and its id (ruleId, rule.id or via ruleIndex)."""
    reference = obj(result.get("rule"))
    index = result.get("ruleIndex", reference.get("index"))
    rule = rules[index] if isinstance(index, int) and 0 <= index < len(rules) else None
    rule_id = text(result.get("ruleId")) or text(reference.get("id")) or (rule or {}).get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise InputError(
            source, "result has no rule: expected ruleId, rule.id or a ruleIndex into the rules", at
        )
    return rule or by_id.get(rule_id) or by_id.get(rule_id.split("/")[0]), rule_id


def _message(result: dict[str, Any], rule: dict[str, Any] | None, source: str, at: str) -> str:
    message = result.get("message")
    if not isinstance(message, dict):
        raise InputError(source, "result has no message object (required by SARIF 2.1.0)", f"{at}.message")
    got = text(message.get("text")) or text(message.get("markdown"))
    if got is None and rule is not None:  # a message by id: the rule's messageStrings hold the text
        strings = rule.get("messageStrings")
        message_id = message.get("id")
        entry = strings.get(message_id) if isinstance(strings, dict) and isinstance(message_id, str) else None
        got = text(entry.get("text")) if isinstance(entry, dict) else None
        got = got or text(obj(rule.get("shortDescription")).get("text"))
    if got is None and message.get("id") is None:
        raise InputError(source, "result message has neither text nor id", f"{at}.message")
    return got or str(message.get("id"))


_WORDS = {s.value: s for s in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)}


def _security_severity(
    result: dict[str, Any], rule: dict[str, Any] | None, warnings: list[str], at: str
) -> float | Severity | None:
    for holder in (result, rule or {}):
        props = holder.get("properties")
        raw = props.get("security-severity") if isinstance(props, dict) else None
        if raw is None:
            continue
        if isinstance(raw, str) and raw.strip().lower() in _WORDS:
            return _WORDS[raw.strip().lower()]
        try:
            score = float(raw)
        except (TypeError, ValueError):
            warnings.append(f"{at}: security-severity {raw!r} is not a number; using the level")
            return None
        if not 0.0 <= score <= 10.0:
            warnings.append(f"{at}: security-severity {score} is outside 0-10; using the level")
            return None
        return score
    return None


def _location(result: dict[str, Any], artifacts: list[Any]) -> tuple[str | None, int | None, str | None]:
    locations = result.get("locations")
    if not isinstance(locations, list) or not locations or not isinstance(locations[0], dict):
        return None, None, None
    physical = locations[0].get("physicalLocation")
    if not isinstance(physical, dict):
        return None, None, None
    artifact = obj(physical.get("artifactLocation"))
    uri = text(artifact.get("uri"))
    index = artifact.get("index")
    if uri is None and isinstance(index, int) and 0 <= index < len(artifacts):
        described = artifacts[index].get("location") if isinstance(artifacts[index], dict) else None
        uri = text(described.get("uri")) if isinstance(described, dict) else None
    region = obj(physical.get("region"))
    line = region.get("startLine")
    snippet = region.get("snippet")
    code = text(snippet.get("text")) if isinstance(snippet, dict) else None
    return uri, line if isinstance(line, int) else None, code


PARSER = register(SarifParser(), 10)
