"""Detection from content (never the name) and the bad-input rules: unknown shapes, malformed JSON,
huge files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.ingest.reports import formats, parse_report

SAMPLES = {
    "sarif/codeql-2.5.4.sarif": "sarif",
    "trivy/scheme_2_many_vulns.json": "trivy-json",
    "grype/many_vulns4.json": "grype-json",
    "osv-scanner/osvscanner_test-vuln-results-a.json": "osv-scanner-json",
    "pip-audit/many_vulns_new.json": "pip-audit-json",
    "slither-cli/options-vault.json": "slither-json",
}


@pytest.mark.parametrize(("sample", "expected"), sorted(SAMPLES.items()))
def test_format_comes_from_content_not_name(
    reports: Path, tmp_path: Path, sample: str, expected: str
) -> None:
    renamed = tmp_path / "report.txt"  # a misleading name changes nothing
    shutil.copy(reports / sample, renamed)
    assert parse_report(renamed).format == expected


def test_formats_in_detection_order() -> None:
    assert formats() == tuple(sorted(SAMPLES.values(), key=list(formats()).index))
    assert set(formats()) == set(SAMPLES.values())


@pytest.mark.parametrize(
    "sample",
    [
        "bandit/dd.json",
        "semgrep/many_vulns.json",
        "npm-audit/many_vulns.json",
        "cargo-audit/many_findings.json",
    ],
)
def test_valid_json_of_unknown_shape_lists_what_was_tried(reports: Path, sample: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_report(reports / sample)
    message = caught.value.message
    assert message.startswith("unrecognised report format: valid JSON")
    assert all(name in message for name in formats())
    assert "\n" not in str(caught.value)


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('{"runs": [\n  {"tool": }\n')
    with pytest.raises(InputError) as caught:
        parse_report(path)
    assert caught.value.position == "2:12" and "malformed JSON" in caught.value.message


def test_huge_report_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.sarif"
    path.write_text(json.dumps({"version": "2.1.0", "runs": []}) + " " * 5000)
    with pytest.raises(InputError, match="over the 4,096-byte input limit; refused without reading"):
        parse_report(path, max_bytes=4096)
    monkeypatch.setenv("PATCHBOOK_MAX_INPUT_BYTES", "1000")
    with pytest.raises(InputError, match="PATCHBOOK_MAX_INPUT_BYTES"):
        parse_report(path)


@pytest.mark.parametrize(("content", "expected"), [(b"", "empty file"), (None, "no such file")])
def test_empty_and_missing_files(tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / "r.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=expected):
        parse_report(path)


def test_utf8_bom_is_accepted(reports: Path, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (reports / "pip-audit" / "many_vulns_new.json").read_bytes())
    assert parse_report(path).format == "pip-audit-json"


def test_a_directory_is_not_a_report(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        parse_report(tmp_path)
