"""osv-scanner JSON: groups of OSV records per package, fixed versions from the records' ranges."""

from __future__ import annotations

from pathlib import Path

from patchbook.ingest.reports import parse_report
from patchbook.model.report import Severity


def test_go_module_group_carries_the_aliases(reports: Path) -> None:
    parsed = parse_report(reports / "osv-scanner" / "osvscanner_test-vuln-results-a.json")
    assert parsed.format == "osv-scanner-json" and parsed.tools == ("osv-scanner",)
    gogo = next(d for d in parsed.dependency_findings if d.name == "github.com/gogo/protobuf")
    assert gogo.ecosystem == "Go" and gogo.installed_version == "1.3.1"
    assert gogo.ids == ("GO-2021-0053", "CVE-2021-3121", "GHSA-c3h9-896r-86jm")
    assert gogo.fixed_versions == ("1.3.2",)


def test_many_findings_with_ghsa_severities_and_a_git_commit(reports: Path) -> None:
    parsed = parse_report(reports / "osv-scanner" / "defectdojo_many_findings.json")
    assert len(parsed.dependency_findings) == 37
    guzzle = next(d for d in parsed.dependency_findings if d.ids[0] == "GHSA-25mq-v84q-4j7r")
    assert guzzle.ecosystem == "Packagist" and guzzle.severity is Severity.HIGH
    assert guzzle.fixed_versions == ("6.5.8", "7.4.5")
    # a source tree scanned by commit: no package name, the commit is what is affected
    assert any(d.ecosystem == "GIT" for d in parsed.dependency_findings)


def test_malicious_package_record(reports: Path) -> None:
    parsed = parse_report(reports / "osv-scanner" / "defectdojo_some_findings.json")
    (mal,) = parsed.dependency_findings
    assert mal.name == "flot-axis" and mal.ids == ("MAL-2023-1035", "GHSA-8348-2q94-ffjx")
