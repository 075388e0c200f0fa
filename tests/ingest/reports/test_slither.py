"""Slither JSON: the CLI's envelope, the test-suite's detector lists, failed runs, severity table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.ingest.reports import parse_report
from patchbook.ingest.reports.slither import SEVERITY, parse_output
from patchbook.model.report import Severity


def test_cli_output_and_its_sarif_share_rules_and_fingerprints(reports: Path) -> None:
    from_json = parse_report(reports / "slither-cli" / "options-vault.json")
    from_sarif = parse_report(reports / "slither-cli" / "options-vault.sarif")
    assert from_json.format == "slither-json" and from_json.tools == ("slither",)
    assert len(from_json.code_findings) == 14
    key = lambda p: sorted((c.tool, c.rule_id, c.fingerprint) for c in p.code_findings)  # noqa: E731
    assert key(from_json) == key(from_sarif)
    sweep = next(c for c in from_json.code_findings if c.rule_id == "arbitrary-send-eth")
    assert (sweep.file, sweep.line) == ("OptionsVault.sol", 38)
    assert sweep.level == "High/Medium" and sweep.severity is Severity.HIGH
    assert sweep.security_severity == 8.0


@pytest.mark.parametrize(
    "name",
    [
        "arbitrary_send_eth.sol.0.7.6.ArbitrarySendEth.json",
        "controlled_delegatecall.sol.0.7.6.ControlledDelegateCall.json",
        "reentrancy.sol.0.7.6.ReentrancyEth.json",
    ],
)
def test_test_suite_detector_lists(reports: Path, name: str) -> None:
    parsed = parse_report(reports / "slither" / name)
    assert parsed.format == "slither-json" and len(parsed.code_findings) == 2
    assert all(c.severity is Severity.HIGH and c.file and c.line for c in parsed.code_findings)


def test_failed_run_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "slither.json"
    path.write_text(json.dumps({"success": False, "error": "solc: not found\nmore", "results": {}}))
    with pytest.raises(InputError) as caught:
        parse_report(path)
    assert "failed run (success: false): solc: not found" in str(caught.value)
    assert caught.value.position == "success"


def test_parse_output_for_callers_that_ran_slither(reports: Path) -> None:
    doc = json.loads((reports / "slither-cli" / "options-vault.json").read_text())
    assert len(parse_output(doc, "slither stdout").code_findings) == 14
    with pytest.raises(InputError, match="not Slither JSON output"):
        parse_output({"runs": []}, "slither stdout")


def test_severity_table_is_monotonic() -> None:
    order = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]
    for by_confidence in SEVERITY.values():
        ranks = [order.index(by_confidence[c]) for c in ("Low", "Medium", "High")]
        assert ranks == sorted(ranks)
    for confidence in ("Low", "Medium", "High"):
        ranks = [order.index(SEVERITY[i][confidence]) for i in ("Informational", "Low", "Medium", "High")]
        assert ranks == sorted(ranks)
