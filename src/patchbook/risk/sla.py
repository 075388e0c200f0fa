"""SLA policy: days to remediate per decision and severity, KEV due dates, extra rules; and due dates.

A policy file (YAML)::

    decisions:            # days to remediate per SSVC deployer decision (defaults shown)
      immediate: 2
      out-of-cycle: 7
      scheduled: 30
      defer: 90
    severities:           # optional caps by CVSS band, whatever the decision
      critical: 30        # PCI DSS-style "critical within 30 days"
    kev:
      due_date: true      # never later than the KEV dueDate (default true)
      days: 14            # optional: anything in KEV within 14 days
    rules:                # optional caps for matching findings; every listed condition must hold
      - name: pci-scope
        when: {tags: [pci], severity: [high, critical]}
        days: 15

The due date is ``first_seen + days`` for the *tightest* applicable limit (the decision's days, the
severity cap, the KEV cap, every matching rule), then no later than the KEV dueDate; the reason names the
limit that won. Unknown keys are an :class:`InputError` naming the file, the key path and the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from patchbook.yamlconfig import ConfigReader, read_config

DECISIONS = ("immediate", "out-of-cycle", "scheduled", "defer")
BANDS = ("none", "low", "medium", "high", "critical")
DEFAULT_DECISION_DAYS = {"immediate": 2, "out-of-cycle": 7, "scheduled": 30, "defer": 90}
_WHEN_KEYS = ("severity", "decision", "exploitation", "environment", "tags", "kev")


@dataclass(frozen=True, slots=True)
class Rule:
    """An extra limit for findings that match every condition it lists (an empty tuple = any)."""

    name: str
    days: int
    severity: tuple[str, ...] = ()
    decision: tuple[str, ...] = ()
    exploitation: tuple[str, ...] = ()
    environment: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # any one of these asset tags
    kev: bool | None = None


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    decisions: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DECISION_DAYS))
    severities: dict[str, int] = field(default_factory=dict)
    kev_due_date: bool = True
    kev_days: int | None = None
    rules: tuple[Rule, ...] = ()
    source: str = "built-in defaults"


DEFAULT_POLICY = SlaPolicy()


# --- the due date ----------------------------------------------------------------------------------


def _day(first_seen: date | datetime) -> date:
    if isinstance(first_seen, datetime):
        if first_seen.tzinfo is None:
            raise ValueError("first_seen must be timezone-aware")
        return first_seen.astimezone(UTC).date()
    return first_seen


def _matches(
    rule: Rule,
    *,
    decision: str | None,
    severity: str | None,
    exploitation: str | None,
    environment: str | None,
    tags: Iterable[str],
    in_kev: bool,
) -> bool:
    if rule.severity and severity not in rule.severity:
        return False
    if rule.decision and decision not in rule.decision:
        return False
    if rule.exploitation and exploitation not in rule.exploitation:
        return False
    if rule.environment and environment not in rule.environment:
        return False
    if rule.tags and not set(rule.tags) & set(tags):
        return False
    return rule.kev is None or rule.kev == in_kev


def due_date(
    policy: SlaPolicy,
    *,
    first_seen: date | datetime,
    decision: str | None,
    severity: str | None = None,
    kev_due_date: date | None = None,
    in_kev: bool | None = None,
    exploitation: str | None = None,
    environment: str | None = None,
    tags: Iterable[str] = (),
) -> tuple[date, str]:
    """(due date, reason) for a finding first seen on ``first_seen``.

    ``decision`` is the SSVC deployer decision, ``severity`` the CVSS band; ``in_kev`` defaults to
    whether a KEV due date was given. Without a decision, the defer limit applies (the loosest).
    """
    kev = in_kev if in_kev is not None else kev_due_date is not None
    limit = sla_limit(
        policy,
        decision=decision,
        severity=severity,
        in_kev=kev,
        exploitation=exploitation,
        environment=environment,
        tags=tags,
    )
    return apply_limit(policy, _day(first_seen), limit, kev_due_date)


def sla_limit(
    policy: SlaPolicy,
    *,
    decision: str | None,
    severity: str | None,
    in_kev: bool,
    exploitation: str | None,
    environment: str | None,
    tags: Iterable[str],
) -> tuple[int, str]:
    """(days to remediate, which limit won): the tightest of the decision's days, the severity cap, the
    KEV cap and every matching rule. Independent of the first-seen date, so an estate computes it once
    per distinct decision and applies it per finding with :func:`apply_limit`."""
    tags = tuple(tags)
    if decision is not None and decision not in policy.decisions:
        raise ValueError(f"no SLA for decision {decision!r}; policy knows {', '.join(policy.decisions)}")
    base = decision or "defer"
    limits: list[tuple[int, str]] = [
        (policy.decisions[base], f"decision {base}: {policy.decisions[base]} days")
    ]
    if severity is not None and severity in policy.severities:
        limits.append(
            (policy.severities[severity], f"severity {severity}: {policy.severities[severity]} days")
        )
    if in_kev and policy.kev_days is not None:
        limits.append((policy.kev_days, f"in KEV: {policy.kev_days} days"))
    for rule in policy.rules:
        if _matches(
            rule,
            decision=decision,
            severity=severity,
            exploitation=exploitation,
            environment=environment,
            tags=tags,
            in_kev=in_kev,
        ):
            limits.append((rule.days, f"rule {rule.name}: {rule.days} days"))
    return min(limits, key=lambda x: x[0])  # first of equals wins: the decision, then severity ...


def apply_limit(
    policy: SlaPolicy, start: date, limit: tuple[int, str], kev_due_date: date | None
) -> tuple[date, str]:
    """``start`` + the limit's days, then no later than the KEV dueDate (when the policy says so)."""
    days, why = limit
    due = start + timedelta(days=days)
    reason = f"{why} from first seen {start.isoformat()} ({policy.source})"
    if policy.kev_due_date and kev_due_date is not None and kev_due_date < due:
        return kev_due_date, f"KEV dueDate {kev_due_date.isoformat()} is earlier than {reason}"
    return due, reason


# --- loading ---------------------------------------------------------------------------------------


def parse_sla_policy(text: str, source: str = "<policy>") -> SlaPolicy:
    with ConfigReader(source, text) as r:
        root, loader = r.root, r.loader
        if root is None:
            return SlaPolicy(source=source)
        top = r.mapping(root, "", ("version", "decisions", "severities", "kev", "rules"))
        if "version" in top and loader.construct_object(top["version"]) != 1:
            raise r.fail(top["version"], "version", "only version 1 is known")
        decisions = dict(DEFAULT_DECISION_DAYS)
        if "decisions" in top:
            for k, n in r.mapping(top["decisions"], "decisions", DECISIONS).items():
                decisions[k] = r.days(n, f"decisions.{k}")
        severities: dict[str, int] = {}
        if "severities" in top:
            for k, n in r.mapping(top["severities"], "severities", BANDS).items():
                severities[k] = r.days(n, f"severities.{k}")
        kev_due, kev_days = True, None
        if "kev" in top:
            kev = r.mapping(top["kev"], "kev", ("due_date", "days"))
            if "due_date" in kev:
                kev_due = r.flag(kev["due_date"], "kev.due_date")
            if "days" in kev and loader.construct_object(kev["days"]) is not None:
                kev_days = r.days(kev["days"], "kev.days")
        rules: list[Rule] = []
        if "rules" in top:
            node = top["rules"]
            if not isinstance(node, yaml.SequenceNode):
                raise r.fail(node, "rules", "expected a list of rules")
            for i, item in enumerate(node.value):
                rules.append(_rule(r, item, f"rules[{i}]"))
        return SlaPolicy(decisions, severities, kev_due, kev_days, tuple(rules), source)


def _rule(r: ConfigReader, node: yaml.Node, path: str) -> Rule:
    fields = r.mapping(node, path, ("name", "when", "days"))
    if "days" not in fields:
        raise r.fail(node, path, "a rule needs 'days'")
    name = path
    if "name" in fields:
        name = " ".join(r.strings(fields["name"], f"{path}.name"))
    when: dict[str, Any] = {}
    if "when" in fields:
        allowed = {"severity": BANDS, "decision": DECISIONS, "exploitation": ("none", "public poc", "active")}
        for k, n in r.mapping(fields["when"], f"{path}.when", _WHEN_KEYS).items():
            where = f"{path}.when.{k}"
            when[k] = r.flag(n, where) if k == "kev" else r.strings(n, where, allowed.get(k))
    return Rule(name=name, days=r.days(fields["days"], f"{path}.days"), **when)


def load_sla_policy(path: str | Path) -> SlaPolicy:
    source, text = read_config(path)
    return parse_sla_policy(text, source)
