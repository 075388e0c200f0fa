"""`patchbook ingest REPORT` end to end through the console script: every format's --json object, the
same keys as SBOM ingest, bad input as one line with exit 2 and nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import Run

SBOM_KEYS = {
    "asset", "format", "components", "unmatched", "findings", "new_findings", "fixed", "inactive", "reopened",
    "unchanged", "source", "warnings",
}  # fmt: skip
SAMPLES = [
    ("sarif/codeql-2.5.4.sarif", "sarif", 72),
    ("trivy/scheme_2_many_vulns.json", "trivy-json", 5),
    ("grype/many_vulns4.json", "grype-json", 9),
    ("osv-scanner/osvscanner_test-vuln-results-a.json", "osv-scanner-json", 2),
    ("pip-audit/many_vulns_new.json", "pip-audit-json", 7),
    ("slither-cli/options-vault.json", "slither-json", 14),
]


@pytest.fixture
def asset(run: Run) -> str:
    added = run("asset", "add", "options-vault", "--kind", "service")
    assert added.returncode == 0, added.stderr
    return "options-vault"


def test_every_format_through_the_console_script(run: Run, asset: str, shared_data: Path) -> None:
    for sample, fmt, held in SAMPLES:
        result = run("ingest", str(shared_data / "reports" / sample), "--asset", asset, "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert set(data) == SBOM_KEYS
        assert (data["format"], data["findings"], data["new_findings"]) == (fmt, held, held), sample


def test_human_output_and_the_second_source_of_the_same_run(run: Run, asset: str, shared_data: Path) -> None:
    cli = shared_data / "reports" / "slither-cli"
    first = run("ingest", str(cli / "options-vault.json"), "--asset", asset)
    assert first.returncode == 0, first.stderr
    assert "ingested slither-json, 14 findings" in first.stdout and "14 new" in first.stdout
    second = json.loads(run("ingest", str(cli / "options-vault.sarif"), "--asset", asset, "--json").stdout)
    assert (second["format"], second["findings"], second["new_findings"]) == ("sarif", 14, 0)


def test_sbom_ingest_still_works_through_the_same_command(run: Run, asset: str, shared_data: Path) -> None:
    sbom = shared_data / "sboms/cyclonedx/juice-shop/via_npm/bare/bom.1.4.json"
    result = run("ingest", str(sbom), "--asset", asset, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["format"] == "cyclonedx-json"


BAD = [
    ('{"version": "2.0.0", "runs": []}', "SARIF version '2.0.0' is not supported"),
    ('{"success": false, "error": "Invalid compilation"}', "Slither reported a failed run"),
    ('{"errors": [], "results": [], "metrics": {}}', "unrecognised report format: valid JSON"),
    ('{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"PkgName": "x"}]}]}',
     "Results[0].Vulnerabilities[0].VulnerabilityID"),
    ('{"runs": [', "malformed JSON"),
]  # fmt: skip


def test_bad_reports_are_one_line_exit_2_nothing_written(
    run: Run, asset: str, tmp_path: Path, shared_data: Path
) -> None:
    for i, (content, expected) in enumerate(BAD):
        path = tmp_path / f"report-{i}.json"
        path.write_text(content)
        result = run("ingest", str(path), "--asset", asset)
        assert result.returncode == 2, content
        assert expected in result.stderr and str(path) in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    unknown = run("ingest", str(shared_data / "reports" / "bandit" / "dd.json"), "--asset", asset)
    assert unknown.returncode == 2
    for name in ("sarif", "trivy-json", "grype-json", "osv-scanner-json", "pip-audit-json", "slither-json"):
        assert name in unknown.stderr
    assert "cyclonedx-json" in unknown.stderr  # the JSON SBOM formats were tried too
    big = tmp_path / "big.sarif"
    shutil.copy(shared_data / "reports" / "sarif" / "codeql-2.5.4.sarif", big)
    huge = run("ingest", str(big), "--asset", asset, env={"PATCHBOOK_MAX_INPUT_BYTES": "100000"})
    assert huge.returncode == 2 and "over the 100,000-byte input limit" in huge.stderr
    report = str(shared_data / "reports" / "trivy" / "scheme_2_many_vulns.json")
    nobody = run("ingest", report, "--asset", "nope")
    assert nobody.returncode == 2 and "asset 'nope' is not in the inventory" in nobody.stderr
    assert json.loads(run("findings", "list", "--json").stdout)["findings"] == []
