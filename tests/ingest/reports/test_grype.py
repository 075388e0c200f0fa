"""Grype JSON: matches with related vulnerabilities, distro packages, fixes."""

from __future__ import annotations

from pathlib import Path

from patchbook.ingest.reports import parse_report
from patchbook.model.report import Severity


def test_debian_image_matches(reports: Path) -> None:
    parsed = parse_report(reports / "grype" / "check_all_fields.json")
    assert parsed.format == "grype-json" and parsed.tools == ("grype",)
    assert len(parsed.dependency_findings) == 6
    krb = next(d for d in parsed.dependency_findings if d.name == "libgssapi-krb5-2")
    assert krb.purl is not None and krb.purl.startswith("pkg:deb/debian/libgssapi-krb5-2@1.17-3+deb10u3")
    assert krb.source_name == "krb5"  # Debian advisories name the source package
    assert krb.stated_severity == "Negligible" and krb.severity is Severity.LOW


def test_related_vulnerabilities_become_aliases(reports: Path) -> None:
    parsed = parse_report(reports / "grype" / "check_all_fields.json")
    django = [d for d in parsed.dependency_findings if d.ids[0] == "GHSA-v6rh-hp5x-86rv"]
    assert django and all(d.ids == ("GHSA-v6rh-hp5x-86rv", "CVE-2021-44420") for d in django)
    # a related entry repeating the match's own id adds nothing
    assert next(d for d in parsed.dependency_findings if d.ids[0] == "CVE-2004-0971").ids == (
        "CVE-2004-0971",
    )
    assert len(parse_report(reports / "grype" / "many_vulns_with_epss_values.json").dependency_findings) == 15


def test_npm_packages_and_unknown_fix_states(reports: Path) -> None:
    parsed = parse_report(reports / "grype" / "many_vulns4.json")
    delegate = next(d for d in parsed.dependency_findings if d.name == "delegate")
    assert delegate.purl == "pkg:npm/delegate@3.2.0"
    assert delegate.fixed_versions == () and delegate.target == "components/yarn.lock"
