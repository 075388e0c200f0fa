"""Trivy JSON: image (schema 2), Kubernetes, misconfigurations and secrets, the CVSS v4 sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.ingest.reports import parse_report
from patchbook.model.report import Severity


def test_alpine_image_packages_get_distro_purls(reports: Path) -> None:
    parsed = parse_report(reports / "trivy" / "scheme_2_many_vulns.json")
    assert parsed.format == "trivy-json" and parsed.tools == ("trivy",)
    assert len(parsed.dependency_findings) == 5 and parsed.code_findings == ()
    freetype = next(d for d in parsed.dependency_findings if d.ids[0] == "CVE-2020-15999")
    assert freetype.name == "freetype" and freetype.installed_version == "2.9.1-r2"
    assert freetype.purl == "pkg:apk/alpine/freetype@2.9.1-r2?distro=alpine-3.9.4"
    assert freetype.fixed_versions == ("2.9.1-r3",)
    assert freetype.severity is Severity.MEDIUM and freetype.stated_severity == "MEDIUM"


def test_vendor_ids_and_given_purls_and_several_fixed_versions(reports: Path) -> None:
    parsed = parse_report(reports / "trivy" / "cvssv4_severity_source.json")
    tomcat = next(d for d in parsed.dependency_findings if d.ids[0] == "CVE-2025-66614")
    assert tomcat.ids == ("CVE-2025-66614", "GHSA-fpj8-gq4v-p354")
    assert tomcat.purl == "pkg:maven/org.apache.tomcat/tomcat-catalina@9.0.109"
    assert tomcat.fixed_versions == ("11.0.14", "10.1.49", "9.0.112")


def test_kubernetes_report_reads_every_resource(reports: Path) -> None:
    parsed = parse_report(reports / "trivy" / "kubernetes.json")
    assert len(parsed.dependency_findings) == 10
    assert all(d.purl and d.purl.startswith("pkg:deb/debian/") for d in parsed.dependency_findings)
    assert len(parsed.code_findings) == 10  # misconfigurations: code findings of "trivy"
    assert {c.tool for c in parsed.code_findings} == {"trivy"}


def test_misconfigurations_and_secrets_are_code_findings(reports: Path) -> None:
    parsed = parse_report(reports / "trivy" / "misconfigurations_and_secrets.json")
    assert len(parsed.dependency_findings) == 2
    assert len(parsed.code_findings) == 3
    assert len({c.fingerprint for c in parsed.code_findings}) == 3


def test_a_vulnerability_without_package_names_its_place(tmp_path: Path, reports: Path) -> None:
    doc = json.loads((reports / "trivy" / "scheme_2_many_vulns.json").read_text())
    del doc["Results"][0]["Vulnerabilities"][2]["PkgName"]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as caught:
        parse_report(path)
    assert caught.value.position == "Results[0].Vulnerabilities[2].PkgName"
    assert "expected a package name" in caught.value.message
