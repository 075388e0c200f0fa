"""The gate policy file and the pure judgement of findings against it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from patchbook.errors import InputError
from patchbook.model.gate import GateItem
from patchbook.risk.gate import DEFAULT_GATE_POLICY, evaluate, parse_gate_policy, violated_rules

TODAY = date(2026, 11, 25)


def item(n: int, **kw: object) -> GateItem:
    base = GateItem(
        finding_id=n, asset="order-gateway", ecosystem="PyPI", package="requests", installed_version="2.25.0",
        alias_group="CVE-2023-32681", identifiers=("CVE-2023-32681", "GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"),
        fixed_versions=("2.31.0",), decision="scheduled", score=0.4, in_kev=False, severity="medium",
        cvss=6.1, summary="Proxy-Authorization header leaked on redirect", why="exposure controlled",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_default_policy_fails_kev_and_urgent_decisions_only() -> None:
    assert violated_rules(item(1), DEFAULT_GATE_POLICY) == ()
    assert violated_rules(item(2, decision="out-of-cycle"), DEFAULT_GATE_POLICY) == ("decision out-of-cycle",)
    assert violated_rules(item(3, in_kev=True, decision="immediate"), DEFAULT_GATE_POLICY) == (
        "decision immediate", "in CISA KEV")


def test_policy_file_rules_and_ignores() -> None:
    policy = parse_gate_policy(
        """version: 1
fail:
  decisions: []
  kev: false
  min_score: 2
  severities: [critical, high]
  fixable_only: true
ignore:
  - id: ghsa-j8r2-6x86-q33q
    reason: we never follow redirects to other hosts
    expires: 2027-01-31
    approved_by: jane.doe
  - id: CVE-2020-0001
    reason: old
    expires: 2026-01-01
  - id: CVE-2024-9999
    package: urllib3
    reason: not used
    expires: 2027-02-01
""", "gate.yaml", TODAY)
    assert policy.decisions == () and not policy.kev and policy.min_score == 2.0
    assert policy.ignore[0].line == 9 and policy.ignore[2].package == "urllib3"
    items = [
        item(1, severity="critical", score=3.0),  # ignored by its GHSA id, case-insensitively
        # the ignore entry for this one has expired
        item(2, alias_group="CVE-2020-0001", identifiers=("CVE-2020-0001",), severity="high"),
        item(3, alias_group="CVE-2021-1", identifiers=("CVE-2021-1",), severity="critical",
             fixed_versions=()),
        item(4, alias_group="CVE-2021-2", identifiers=("CVE-2021-2",), score=2.5),
    ]
    out = evaluate("order-gateway", "sbom.json", items, policy, TODAY)
    assert not out.passed
    assert {v.item.finding_id: v.rules for v in out.violations} == {
        2: ("severity high",), 4: ("risk score 2.50 >= 2",)}  # 3 has no fix: fixable_only spares it
    assert [(i.finding_id, r.line) for i, r in out.ignored] == [(1, 9)]
    assert [r.id for r in out.expired] == ["CVE-2020-0001"]
    assert [r.id for r in out.unused] == ["CVE-2024-9999"]  # stale entries are reported
    assert evaluate("a", "s", items[:1], policy, TODAY).passed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fail:\n  decisons: [immediate]\n", "gate.yaml:line 2: fail.decisons: unknown key"),
        ("fail:\n  decisions: [urgent]\n", "gate.yaml:line 2: fail.decisions: unknown value 'urgent'"),
        ("ignore:\n  - id: CVE-1\n    expires: 2027-01-01\n",
         "gate.yaml:line 2: ignore[0]: an ignore entry needs 'reason'"),
        ("ignore:\n  - id: CVE-1\n    reason: r\n    expires: soon\n",
         "gate.yaml:line 4: ignore[0].expires: expected a date"),
        ("ignore:\n  - id: CVE-1\n    reason: r\n    expires: 2029-01-01\n", "is more than 365 days ahead"),
        ("version: 2\n", "gate.yaml:line 1: version: only version 1 is known"),
        ("fail: [\n", "gate.yaml:line 2: not valid YAML"),
    ],
)
def test_bad_policy_is_one_line_with_the_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_gate_policy(text, "gate.yaml", TODAY)
    assert message in str(exc.value)
