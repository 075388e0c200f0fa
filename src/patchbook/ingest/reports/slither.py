"""Slither JSON (``slither . --json FILE``): ``{"success", "error", "results": {"detectors": [...]}}``.

Also read: the bare list of detector results (or list of lists) that Slither's own test-suite stores.
``success: false`` is an input error carrying Slither's message: a failed run must not look like a
clean contract. Each detector result is a code finding of the tool "slither": rule = ``check``,
fingerprint = Slither's ``id`` (the same id its SARIF output puts in ``partialFingerprints``, so the
two outputs of one run are one finding each). Severity = impact x confidence (table below and in
docs/formats.md); ``security_severity`` is the score Slither's SARIF gives the impact.

Other callers (``patchbook scan contract``) use :func:`parse_output` on Slither's stdout or file.
"""

from __future__ import annotations

import re
from typing import Any

from patchbook.errors import InputError
from patchbook.ingest.reports.base import need, register, text
from patchbook.model.report import CodeFinding, ParsedReport, Severity

_S = Severity
# impact -> confidence -> severity: low confidence lowers by one step, high confidence lifts only
# high impact (a certain high-impact bug is critical).
SEVERITY: dict[str, dict[str, Severity]] = {
    "High": {"High": _S.CRITICAL, "Medium": _S.HIGH, "Low": _S.MEDIUM},
    "Medium": {"High": _S.MEDIUM, "Medium": _S.MEDIUM, "Low": _S.LOW},
    "Low": {"High": _S.LOW, "Medium": _S.LOW, "Low": _S.LOW},
    "Informational": {"High": _S.INFO, "Medium": _S.INFO, "Low": _S.INFO},
    "Optimization": {"High": _S.INFO, "Medium": _S.INFO, "Low": _S.INFO},
}
# Slither's SARIF output: security-severity per impact
SECURITY_SEVERITY = {"High": 8.0, "Medium": 4.0, "Low": 3.0, "Informational": 0.0, "Optimization": 0.0}
_MARKDOWN_PLACE = re.compile(r"^(?P<file>.+?)#L(?P<line>\d+)")


def _is_detector(item: object) -> bool:
    return isinstance(item, dict) and "check" in item and "impact" in item


class SlitherParser:
    name = "slither-json"
    signature = (
        'a JSON object with "success" and "results"/"error" from `slither --json`, or its detector list'
    )

    def sniff(self, doc: object) -> bool:
        if isinstance(doc, dict):
            return "success" in doc and ("results" in doc or "error" in doc)
        if isinstance(doc, list) and doc:
            first = doc[0][0] if isinstance(doc[0], list) and doc[0] else doc[0]
            return _is_detector(first)
        return False

    def parse(self, doc: Any, source: str) -> ParsedReport:
        if isinstance(doc, list):
            flat = (
                [(f"[{i}][{j}]", d) for i, group in enumerate(doc) for j, d in enumerate(group)]
                if isinstance(doc[0], list)
                else [(f"[{i}]", d) for i, d in enumerate(doc)]
            )
        else:
            if doc.get("success") is not True:
                error = text(doc.get("error")) or "no error message"
                raise InputError(
                    source,
                    f"Slither reported a failed run (success: false): {error.splitlines()[0]}",
                    "success",
                )
            results = doc.get("results") or {}
            need(results, dict, source, "results", "an object with detectors")
            detectors = need(results.get("detectors") or [], list, source, "results.detectors", "a list")
            flat = [(f"results.detectors[{i}]", d) for i, d in enumerate(detectors)]
        findings = [_detector(d, at, source) for at, d in flat]
        return ParsedReport(
            format=self.name, source=source, tools=("slither",), code_findings=tuple(findings)
        )


def _detector(item: object, at: str, source: str) -> CodeFinding:
    d = need(item, dict, source, at, "a detector result")
    check = need(text(d.get("check")), str, source, f"{at}.check", "the detector name")
    impact = need(text(d.get("impact")), str, source, f"{at}.impact", "an impact")
    confidence = need(text(d.get("confidence")), str, source, f"{at}.confidence", "a confidence")
    if impact not in SEVERITY or confidence not in SEVERITY[impact]:
        raise InputError(
            source,
            f"impact/confidence {impact}/{confidence} is not Slither's; expected impact one of "
            f"{sorted(SEVERITY)}, confidence High/Medium/Low",
            f"{at}.impact",
        )
    found_id = need(text(d.get("id")), str, source, f"{at}.id", "the result id")
    file, line = _place(d)
    return CodeFinding(
        tool="slither",
        rule_id=check,
        fingerprint=f"id={found_id}",
        severity=SEVERITY[impact][confidence],
        level=f"{impact}/{confidence}",
        security_severity=SECURITY_SEVERITY[impact],
        message=text(d.get("description")) or check,
        file=file,
        line=line,
    )


def _place(d: dict[str, Any]) -> tuple[str | None, int | None]:
    m = _MARKDOWN_PLACE.match(text(d.get("first_markdown_element")) or "")
    if m:
        return m.group("file"), int(m.group("line"))
    elements = d.get("elements")
    if isinstance(elements, list) and elements and isinstance(elements[0], dict):
        mapping = elements[0].get("source_mapping")
        if isinstance(mapping, dict):
            lines = mapping.get("lines")
            first = lines[0] if isinstance(lines, list) and lines and isinstance(lines[0], int) else None
            return text(mapping.get("filename_relative")), first
    return None, None


PARSER = register(SlitherParser(), 60)


def parse_output(doc: Any, source: str) -> ParsedReport:
    """Parse Slither's decoded ``--json`` output (for callers that ran Slither themselves)."""
    if not PARSER.sniff(doc):
        raise InputError(source, f"not Slither JSON output; expected {SlitherParser.signature}")
    return PARSER.parse(doc, source)
