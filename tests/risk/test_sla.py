"""SLA policy: YAML loading with errors that name file, key path and line; due dates on fixed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.risk import DEFAULT_POLICY, due_date, load_sla_policy, parse_sla_policy

SEEN = date(2026, 3, 2)

VENUE_POLICY = """\
version: 1
decisions:
  immediate: 1
  out-of-cycle: 7
severities:
  critical: 30        # PCI DSS-style: critical within 30 days
kev:
  due_date: true
  days: 14
rules:
  - name: pci-scope
    when:
      tags: [pci]
      severity: [high, critical]
    days: 15
  - name: prod-active
    when: {exploitation: active, environment: prod}
    days: 3
"""


@pytest.mark.parametrize(
    ("decision", "days"), [("immediate", 2), ("out-of-cycle", 7), ("scheduled", 30), ("defer", 90)]
)
def test_defaults(decision: str, days: int) -> None:
    due, reason = due_date(DEFAULT_POLICY, first_seen=SEEN, decision=decision)
    assert due == SEEN + timedelta(days=days)
    assert reason == f"decision {decision}: {days} days from first seen 2026-03-02 (built-in defaults)"


def test_kev_due_date_is_never_exceeded() -> None:
    due, reason = due_date(
        DEFAULT_POLICY, first_seen=SEEN, decision="scheduled", kev_due_date=date(2026, 3, 16)
    )
    assert due == date(2026, 3, 16)
    assert reason.startswith("KEV dueDate 2026-03-16 is earlier than decision scheduled: 30 days")
    # a KEV due date later than the decision's limit does not loosen it
    due, _ = due_date(DEFAULT_POLICY, first_seen=SEEN, decision="immediate", kev_due_date=date(2026, 4, 1))
    assert due == date(2026, 3, 4)
    # a KEV due date already past (catalog entry older than the finding) is still the due date: overdue
    due, _ = due_date(DEFAULT_POLICY, first_seen=SEEN, decision="defer", kev_due_date=date(2021, 12, 24))
    assert due == date(2021, 12, 24)


def test_first_seen_datetime_is_taken_in_utc() -> None:
    late_in_new_york = datetime(2026, 3, 1, 22, 0, tzinfo=timezone(timedelta(hours=-5)))  # 03:00 UTC on 2 Mar
    assert due_date(DEFAULT_POLICY, first_seen=late_in_new_york, decision="immediate")[0] == date(2026, 3, 4)
    assert due_date(DEFAULT_POLICY, first_seen=datetime(2026, 3, 2, tzinfo=UTC), decision="defer")[0] == date(
        2026, 5, 31
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        due_date(DEFAULT_POLICY, first_seen=datetime(2026, 3, 2), decision="defer")


def test_venue_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(VENUE_POLICY)
    policy = load_sla_policy(path)
    assert policy.decisions == {"immediate": 1, "out-of-cycle": 7, "scheduled": 30, "defer": 90}
    assert policy.severities == {"critical": 30}
    assert (policy.kev_due_date, policy.kev_days) == (True, 14)
    assert [r.name for r in policy.rules] == ["pci-scope", "prod-active"]

    # PCI-style: a critical finding on a deferred decision is still due within 30 days
    due, reason = due_date(policy, first_seen=SEEN, decision="defer", severity="critical")
    assert due == date(2026, 4, 1) and reason.startswith("severity critical: 30 days")
    # a medium one keeps the decision's 90 days
    assert due_date(policy, first_seen=SEEN, decision="defer", severity="medium")[0] == date(2026, 5, 31)
    # a rule on asset tags
    due, reason = due_date(policy, first_seen=SEEN, decision="scheduled", severity="high", tags=["pci", "eu"])
    assert due == date(2026, 3, 17) and reason.startswith("rule pci-scope: 15 days")
    assert due_date(policy, first_seen=SEEN, decision="scheduled", severity="high", tags=["eu"])[0] == date(
        2026, 4, 1
    )
    # KEV: 14 days unless the KEV dueDate is earlier; exploitation active in prod: 3 days
    due, reason = due_date(policy, first_seen=SEEN, decision="scheduled", kev_due_date=date(2026, 6, 1))
    assert due == date(2026, 3, 16) and reason.startswith("in KEV: 14 days")
    due, reason = due_date(
        policy, first_seen=SEEN, decision="scheduled", exploitation="active", environment="prod", in_kev=True
    )
    assert due == date(2026, 3, 5) and reason.startswith("rule prod-active: 3 days")
    assert str(path) in reason


def test_empty_file_is_the_defaults() -> None:
    policy = parse_sla_policy("", "empty.yaml")
    assert policy.decisions == DEFAULT_POLICY.decisions and policy.rules == ()


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("decisions:\n  immediate: 2\n  urgent: 1\n", "line 3", "decisions.urgent: unknown key"),
        (
            "severity:\n  critical: 30\n",
            "line 1",
            "severity: unknown key; expected one of version, decisions",
        ),
        ("kev:\n  due_date: yes please\n", "line 2", "kev.due_date: expected true or false"),
        ("decisions:\n  defer: -1\n", "line 2", "decisions.defer: expected a whole number of days >= 0"),
        ("decisions:\n  defer: 9.5\n", "line 2", "decisions.defer: expected a whole number"),
        ("severities:\n  severe: 10\n", "line 2", "severities.severe: unknown key"),
        (
            "rules:\n  - name: x\n    days: 3\n    when:\n      tag: [pci]\n",
            "line 5",
            "rules[0].when.tag: unknown key",
        ),
        (
            "rules:\n  - name: x\n    when: {severity: [urgent]}\n    days: 3\n",
            "line 3",
            "unknown value 'urgent'",
        ),
        ("rules:\n  - name: x\n", "line 2", "rules[0]: a rule needs 'days'"),
        ("rules:\n  name: x\n", "line 2", "rules: expected a list of rules"),
        ("version: 2\n", "line 1", "version: only version 1 is known"),
        ("decisions: [2, 7]\n", "line 1", "decisions: expected a mapping"),
        ("decisions:\n  defer: 1\n  defer: 2\n", "line 3", "decisions.defer: given twice"),
        ("decisions:\n  defer: [\n", "line 3", "not valid YAML"),
    ],
)
def test_bad_policy_names_file_key_path_and_line(text: str, position: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_sla_policy(text, "sla.yaml")
    assert info.value.source == "sla.yaml"
    assert info.value.position == position
    assert message in info.value.message
    assert str(info.value).startswith(f"sla.yaml:{position}: ")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_sla_policy(tmp_path / "nope.yaml")


def test_unknown_decision_is_an_error() -> None:
    with pytest.raises(ValueError, match="no SLA for decision 'urgent'"):
        due_date(DEFAULT_POLICY, first_seen=SEEN, decision="urgent")
