"""Remediation choice on real GHSA records: lowest safe version, same line first, never still vulnerable."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from patchbook.plan.remediation import PlanFinding, choose_fix, remediate, upgrade_size

LOG4J = "org.apache.logging.log4j:log4j-core"
JACKSON = "com.fasterxml.jackson.core:jackson-databind"


@pytest.fixture(scope="module")
def ghsa(shared_data: Path) -> dict[str, dict[str, Any]]:
    """package -> {advisory id: record} for the packages these tests use."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((shared_data / "osv" / "ghsa").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        for entry in record.get("affected", []):
            out.setdefault(entry["package"]["name"], {})[record["id"]] = record
    return out


def finding(fid: int, package: str, installed: str, *advisories: str, **kw: Any) -> PlanFinding:
    return PlanFinding(
        fid, kw.pop("asset", "settlement-service"), "Maven", package, installed, f"G{fid}", advisories, **kw
    )


def test_log4shell_fix_skips_versions_still_affected_by_other_advisories(ghsa: dict[str, Any]) -> None:
    fix = choose_fix([finding(1, LOG4J, "2.14.1", "GHSA-jfh8-c2jp-5v3q")], ghsa[LOG4J])
    # 2.15.0 fixes CVE-2021-44228 but is still affected by CVE-2021-45046 and CVE-2021-45105.
    assert fix.target == "2.17.0"
    assert dict(fix.rejected) == {
        "2.15.0": "still affected by GHSA-7rjr-3q55-vv33, GHSA-p6xc-xr62-6r2g",
        "2.16.0": "still affected by GHSA-p6xc-xr62-6r2g",
    }
    assert (fix.size, fix.breaking) == ("minor", False)


def test_same_minor_line_is_preferred(ghsa: dict[str, Any]) -> None:
    fix = choose_fix([finding(1, LOG4J, "2.12.1", "GHSA-jfh8-c2jp-5v3q")], ghsa[LOG4J])
    assert fix.target == "2.12.3" and fix.size == "patch"
    assert "installed minor line" in fix.note


def test_every_open_finding_of_the_component_is_fixed(ghsa: dict[str, Any]) -> None:
    records = ghsa[JACKSON]
    group = [finding(i, JACKSON, "2.13.1", a) for i, a in enumerate(sorted(records), start=1)]
    fix = choose_fix(group, records)
    assert fix.target == "2.13.4.1"
    assert fix.closes == tuple(range(1, len(records) + 1))


def test_no_fix_keeps_mitigations() -> None:
    record = {
        "id": "X-1",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "lib"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "9"}]}],
            }
        ],
    }
    f = PlanFinding(7, "a", "PyPI", "lib", "1.0", "X-1", ("X-1",))
    fix = choose_fix([f], {"X-1": record})
    assert fix.target is None and fix.mitigations and "no version known" in fix.note
    [patch] = remediate([f], {("PyPI", "lib"): {"X-1": record}})
    assert not patch.upgrades and patch.no_fix == (fix,)


def test_patches_group_per_asset_with_risk_reduction(ghsa: dict[str, Any]) -> None:
    findings = [
        finding(
            1, LOG4J, "2.14.1", "GHSA-jfh8-c2jp-5v3q", decision="immediate", score=3.0, due=date(2026, 12, 1)
        ),
        finding(
            2, JACKSON, "2.13.1", "GHSA-57j2-w4cx-62h2", decision="scheduled", score=0.5, due=date(2027, 1, 1)
        ),
        finding(3, JACKSON, "2.13.1", "GHSA-57j2-w4cx-62h2", asset="risk-engine", score=0.2),
    ]
    records = {("Maven", LOG4J): ghsa[LOG4J], ("Maven", JACKSON): ghsa[JACKSON]}
    patches = remediate(findings, records)
    assert [p.asset for p in patches] == ["settlement-service", "risk-engine"]
    first = patches[0]
    assert [u.package for u in first.upgrades] == [JACKSON, LOG4J]
    assert first.decision == "immediate" and first.due == date(2026, 12, 1)
    assert first.risk_reduction == pytest.approx(3.5) and first.findings == (1, 2)


@pytest.mark.parametrize(
    ("installed", "target", "expected"),
    [
        ("2.14.1", "2.17.0", ("minor", False)),
        ("0.14.0", "0.17.0", ("minor", True)),  # SemVer 0.x: a minor bump may break
        ("1.26.12", "2.0.0", ("major", True)),
        ("1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3", ("patch", False)),
        ("7.88.1-10+deb12u3", "7.88.1-10+deb12u4", ("patch", False)),
    ],
)
def test_upgrade_size(installed: str, target: str, expected: tuple[str, bool]) -> None:
    assert upgrade_size(installed, target) == expected
