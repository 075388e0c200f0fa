"""pip-audit JSON, current and legacy shapes."""

from __future__ import annotations

from pathlib import Path

from patchbook.ingest.reports import parse_report
from patchbook.model.report import Severity


def test_dependencies_with_vulns_and_skips(reports: Path) -> None:
    parsed = parse_report(reports / "pip-audit" / "many_vulns_new.json")
    assert parsed.format == "pip-audit-json" and parsed.tools == ("pip-audit",)
    assert len(parsed.dependency_findings) == 7
    django = next(d for d in parsed.dependency_findings if d.ids == ("PYSEC-2021-439",))
    assert django.ecosystem == "PyPI" and django.installed_version == "3.2.9"
    assert django.fixed_versions == ("2.2.25", "3.1.14", "3.2.10")
    assert django.severity is Severity.UNKNOWN  # pip-audit states none
    assert any("azure-devops" in w and "skipped" in w for w in parsed.warnings)


def test_clean_runs_in_both_shapes_hold_nothing(reports: Path) -> None:
    for name in ("zero_vulns.json", "zero_vulns_new.json"):
        parsed = parse_report(reports / "pip-audit" / name)
        assert parsed.format == "pip-audit-json" and parsed.findings == 0
