"""SARIF 2.1.0 from CodeQL, Semgrep, dependency-check and Slither: real reports, severity mapping,
fingerprints that survive unrelated edits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from patchbook.errors import InputError
from patchbook.ingest.reports import parse_report
from patchbook.model.report import Severity


def test_codeql_results_keep_the_tools_line_hash_and_the_rule_default_level(reports: Path) -> None:
    parsed = parse_report(reports / "sarif" / "codeql-2.5.4.sarif")
    assert parsed.format == "sarif" and parsed.tools == ("codeql",)
    assert len(parsed.code_findings) == 72
    first = parsed.code_findings[0]
    assert first.rule_id == "py/empty-except"
    assert first.file == "good/db_init.py" and first.line == 39
    # partialFingerprints, prefixed with the file (a line hash alone collides across files)
    # (the column fingerprint beside it is left out: re-indenting a line must not make a new finding)
    assert first.fingerprint == "good/db_init.py|primaryLocationLineHash=9cbc869fbfffeb60:1"
    # no level on the result: the rule's defaultConfiguration.level is used
    assert first.level == "note" and first.severity is Severity.LOW
    identities = {(c.rule_id, c.fingerprint) for c in parsed.code_findings}
    assert len(identities) == 72


def test_security_severity_wins_over_the_level(reports: Path) -> None:
    parsed = parse_report(reports / "slither-cli" / "options-vault.sarif")
    scored = [c for c in parsed.code_findings if c.security_severity is not None]
    assert len(scored) == 14  # every level is "warning"; the scores tell them apart
    assert {c.level for c in scored} == {"warning"}
    for c in scored:
        expected = (
            Severity.CRITICAL if c.security_severity >= 9 else Severity.HIGH if c.security_severity >= 7
            else Severity.MEDIUM if c.security_severity >= 4 else Severity.LOW if c.security_severity > 0
            else Severity.INFO
        )  # fmt: skip
        assert c.severity is expected


def test_semgrep_fingerprints_and_word_severities(reports: Path) -> None:
    parsed = parse_report(reports / "sarif" / "semgrep-oss-1.69.0.sarif")
    assert parsed.tools == ("semgrep-oss",) and len(parsed.code_findings) == 77
    assert parsed.warnings == ()  # "MEDIUM" as security-severity is read as the word it is
    assert all("matchBasedId/v1=" in c.fingerprint for c in parsed.code_findings)
    assert {c.severity for c in parsed.code_findings} <= {Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM}


def test_dependency_check_results_without_regions_hash_their_file(reports: Path) -> None:
    parsed = parse_report(reports / "sarif" / "dependency-check-6.1.2.sarif")
    assert parsed.tools == ("dependency-check",) and len(parsed.code_findings) == 13
    assert all(c.fingerprint.startswith("sha256=") for c in parsed.code_findings)
    assert all(c.severity is Severity.HIGH for c in parsed.code_findings)  # level error


def test_slither_sarif_rule_ids_lose_the_impact_prefix(reports: Path) -> None:
    parsed = parse_report(reports / "slither-cli" / "options-vault.sarif")
    assert parsed.tools == ("slither",)
    rules = {c.rule_id for c in parsed.code_findings}
    assert "arbitrary-send-eth" in rules and not any(r[0].isdigit() for r in rules)
    first = parsed.code_findings[0]
    assert first.fingerprint == "id=cffab62a75024dcf3c45c8f9ed81aa2629c699ff3b818b8e921fca90f13180be"
    assert first.severity is Severity.HIGH and first.security_severity == 8.0


def _sarif(results: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{"tool": {"driver": {"name": "Bandit", "rules": []}}, "results": results}],
        **top,
    }


def _result(line: int, code: str) -> dict[str, Any]:
    return {
        "ruleId": "B602",
        "level": "error",
        "message": {"text": "subprocess call with shell=True identified"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "svc/run.py"},
                    "region": {"startLine": line, "snippet": {"text": code}},
                }
            }
        ],
    }


def test_content_hash_survives_lines_moving_and_keeps_repeats_apart(tmp_path: Path) -> None:
    before = tmp_path / "before.sarif"
    after = tmp_path / "after.sarif"
    call = "subprocess.call(cmd, shell=True)"
    before.write_text(
        json.dumps(_sarif([_result(10, call), _result(20, "  " + call), _result(30, "other()")]))
    )
    # an unrelated edit above moved every line down by 7, and re-indented one
    after.write_text(json.dumps(_sarif([_result(17, call), _result(27, call), _result(37, "other()")])))
    first = [c.fingerprint for c in parse_report(before).code_findings]
    second = [c.fingerprint for c in parse_report(after).code_findings]
    assert first == second
    assert len(set(first)) == 3  # two identical snippets are still two findings


@pytest.mark.parametrize(
    ("doc", "message", "position"),
    [
        (_sarif([], version="2.0.0"), "SARIF version '2.0.0' is not supported", "version"),
        ({"version": "2.1.0", "runs": {}}, "expected a list of runs", "runs"),
        ({"version": "2.1.0", "runs": [{"tool": {}}]}, "expected a driver object", "runs[0].tool.driver"),
        (_sarif([{"message": {"text": "x"}}]), "result has no rule", "runs[0].results[0]"),
        (_sarif([{"ruleId": "B1"}]), "no message object", "runs[0].results[0].message"),
        (_sarif([{"ruleId": "B1", "message": {"text": "x"}, "level": "fatal"}]), "not a SARIF level",
         "runs[0].results[0].level"),
    ],
)  # fmt: skip
def test_bad_sarif_is_one_line_naming_the_place(
    tmp_path: Path, doc: dict[str, Any], message: str, position: str
) -> None:
    path = tmp_path / "bad.sarif"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as caught:
        parse_report(path)
    assert message in caught.value.message
    assert caught.value.position == position
    assert "\n" not in str(caught.value)
