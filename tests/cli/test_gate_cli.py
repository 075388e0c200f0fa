"""`patchbook gate`: exit codes, the scratch run, ignores, and SARIF / JUnit / JSON a CI system accepts."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

import patchbook
from tests.cli.conftest import Run

DEMO = Path(patchbook.__file__).parent / "demo" / "data"
SETTLEMENT = DEMO / "sboms" / "settlement-service.cdx.xml"
FETCHED = Path(__file__).parents[2] / ".cache" / "sarif-schema-2.1.0.json"  # by `make test`
SCHEMA = Path(os.environ.get("PATCHBOOK_SARIF_SCHEMA", FETCHED))


@pytest.fixture
def fed(run: Run) -> Run:
    """A store holding the demo's advisories and KEV catalogue (Log4Shell is in KEV)."""
    result = run("feeds", "import", str(DEMO / "advisories"), str(DEMO / "kev.json"))
    assert result.returncode == 0, result.stderr
    return run


def _sarif_schema() -> dict[str, object]:
    if not SCHEMA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SCHEMA} missing: `make test` fetches it")
        pytest.skip("SARIF schema not fetched (make test fetches it)")
    loaded: dict[str, object] = json.loads(SCHEMA.read_text())
    return loaded


def test_log4shell_fails_the_default_policy_and_nothing_is_kept(fed: Run) -> None:
    r = fed("gate", "--asset", "settlement-service", "--sbom", str(SETTLEMENT),
            "--exposure", "internet-facing", "--criticality", "critical")
    assert r.returncode == 1, r.stderr
    assert "CVE-2021-44228" in r.stdout and "in CISA KEV" in r.stdout and "FAIL" in r.stdout
    assert "not in the inventory" in r.stderr  # judged with the context given on the command line
    # a scratch run: the asset, its snapshot and findings were rolled back
    assert json.loads(fed("asset", "list", "--json").stdout)["assets"] == []
    assert json.loads(fed("findings", "list", "--json").stdout)["findings"] == []


def test_json_sarif_and_junit_reports(fed: Run, tmp_path: Path) -> None:
    import jsonschema

    args = ("gate", "--asset", "settlement-service", "--sbom", str(SETTLEMENT))
    j = fed(*args, "--format", "json")
    assert j.returncode == 1, j.stderr
    doc = json.loads(j.stdout)
    assert doc["passed"] is False and doc["recorded"] is False
    log4shell = next(v for v in doc["violations"] if v["vulnerability"] == "CVE-2021-44228")
    assert log4shell["in_kev"] and "in CISA KEV" in log4shell["rules"] and log4shell["fixed_versions"]

    sarif_path = tmp_path / "gate.sarif"
    s = fed(*args, "--format", "sarif", "-o", str(sarif_path))
    assert s.returncode == 1 and "report:" in s.stdout
    sarif = json.loads(sarif_path.read_text())
    jsonschema.validate(sarif, _sarif_schema())
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "patchbook"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["CVE-2021-44228"]["properties"]["security-severity"] == "10.0"
    result = next(x for x in run["results"] if x["ruleId"] == "CVE-2021-44228")
    assert result["level"] == "error"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "CVE-2021-44228"
    region = result["locations"][0]["physicalLocation"]["region"]
    line = SETTLEMENT.read_text().splitlines()[region["startLine"] - 1]
    assert "log4j-core" in line and "2.14.1" in line  # the alert points at the component
    fingerprints = {x["partialFingerprints"]["patchbookFinding/v1"] for x in run["results"]}
    assert len(fingerprints) == len(run["results"])  # one per finding

    junit_path = tmp_path / "gate.xml"
    u = fed(*args, "--format", "junit", "-o", str(junit_path))
    assert u.returncode == 1
    suite = ET.parse(junit_path).getroot().find("testsuite")
    assert suite is not None
    failures = suite.findall("testcase/failure")
    assert int(suite.get("failures", "-1")) == len(failures) == len(doc["violations"]) >= 1
    assert int(suite.get("tests", "-1")) == doc["findings"]


def test_ignore_entries_exempt_until_they_expire(fed: Run, tmp_path: Path) -> None:
    today = datetime.now(UTC).date()
    policy = tmp_path / "gate.yaml"
    args = ("gate", "--asset", "settlement-service", "--sbom", str(SETTLEMENT), "--policy", str(policy))

    policy.write_text(f"""fail:
  decisions: []
  kev: true
ignore:
  - id: CVE-2021-44228
    reason: JNDI lookups disabled by log4j2.formatMsgNoLookups on every host
    expires: {(today + timedelta(days=30)).isoformat()}
    approved_by: ciso
  - id: CVE-2021-45046
    package: org.apache.logging.log4j:log4j-core
    reason: same mitigation
    expires: {(today + timedelta(days=20)).isoformat()}
""")
    ok = fed(*args, "--format", "sarif")
    assert ok.returncode == 0, ok.stderr
    result = next(x for x in json.loads(ok.stdout)["runs"][0]["results"] if x["ruleId"] == "CVE-2021-44228")
    assert result["suppressions"][0]["justification"].startswith("JNDI lookups disabled")

    policy.write_text(policy.read_text().replace(
        (today + timedelta(days=30)).isoformat(), (today - timedelta(days=1)).isoformat()))
    expired = fed(*args)
    assert expired.returncode == 1
    assert "gate.yaml:5: ignore of CVE-2021-44228 expired" in " ".join(expired.stderr.split())


def test_record_keeps_the_ingest_for_a_declared_asset(fed: Run) -> None:
    refused = fed("gate", "--asset", "settlement-service", "--sbom", str(SETTLEMENT), "--record")
    assert refused.returncode == 2 and "not in the inventory" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert fed("asset", "add", "settlement-service", "--kind", "service").returncode == 0
    kept = fed("gate", "--asset", "settlement-service", "--sbom", str(SETTLEMENT), "--record",
               "--format", "json")
    assert kept.returncode == 1 and json.loads(kept.stdout)["recorded"] is True
    listed = json.loads(fed("findings", "list", "--json").stdout)["findings"]
    assert any(f["alias_group"] == "CVE-2021-44228" for f in listed)


@pytest.mark.parametrize(
    ("policy_text", "expected"),
    [
        ("fail:\n  kev: maybe\n", "gate.yaml:line 2: fail.kev: expected true or false"),
        ("ignore:\n  - id: CVE-2021-44228\n", "gate.yaml:line 2: ignore[0]: an ignore entry needs 'reason'"),
    ],
)
def test_bad_policy_exit_2_one_line(fed: Run, tmp_path: Path, policy_text: str, expected: str) -> None:
    policy = tmp_path / "gate.yaml"
    policy.write_text(policy_text)
    r = fed("gate", "--asset", "a", "--sbom", str(SETTLEMENT), "--policy", str(policy))
    assert r.returncode == 2
    assert expected in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bad_sbom_exit_2_and_no_report_file(fed: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bom.json"
    bad.write_text('{"bomFormat": "CycloneDX", "components": [')
    out = tmp_path / "gate.sarif"
    r = fed("gate", "--asset", "a", "--sbom", str(bad), "--format", "sarif", "-o", str(out))
    assert r.returncode == 2 and str(bad) in r.stderr
    assert not out.exists()


def test_findings_triaged_away_never_fail_the_build(fed: Run) -> None:
    added = fed("triage", "rule", "add", "--advisory", "CVE-2021-44228", "--state", "not_affected",
                "--justification", "vulnerable_code_not_in_execute_path",
                "--reason", "JNDI lookup class removed from the jar", "--as", "appsec")
    assert added.returncode == 0, added.stderr
    r = fed("gate", "--asset", "settlement-service", "--sbom", str(SETTLEMENT), "--format", "json")
    doc = json.loads(r.stdout)
    assert "CVE-2021-44228" not in {v["vulnerability"] for v in doc["violations"]}
    assert {v["vulnerability"] for v in doc["violations"]} == {"CVE-2021-45046"}  # still in KEV, untriaged
    sarif = json.loads(fed("gate", "--asset", "settlement-service", "--sbom", str(SETTLEMENT),
                           "--format", "sarif").stdout)
    result = next(x for x in sarif["runs"][0]["results"] if x["ruleId"] == "CVE-2021-44228")
    assert "not_affected" in result["suppressions"][0]["justification"]
    assert result["level"] == "warning"
