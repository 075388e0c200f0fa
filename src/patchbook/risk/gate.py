"""The CI gate's policy: the YAML file that says what fails a build, and the pure judgement of a finding
list against it.

Policy file (every key optional; unknown keys are an error, so a typo never loosens the gate)::

    version: 1
    fail:
      decisions: [immediate, out-of-cycle]   # SSVC deployer decisions that fail the build
      kev: true                              # any finding in CISA KEV fails it
      min_score: 2.0                         # any finding with a risk score at or above this
      severities: [critical]                 # CVSS bands that fail it whatever the decision
      fixable_only: false                    # true: only findings a published version fixes can fail
    ignore:
      - id: CVE-2023-32681                   # any id of the vulnerability (CVE, GHSA, PYSEC, ...)
        package: requests                    # optional: only in this package
        reason: we never follow redirects to other hosts
        expires: 2027-01-31                  # required: an exemption is never forever
        approved_by: jane.doe                # optional, shown in the reports

Like osv-scanner's ``IgnoredVulns``, each ignore names a reason and an expiry; unlike it, an expired
entry is reported as such (and no longer exempts), and an entry that matched nothing is reported as stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import yaml

from patchbook.model.gate import GateItem, GateOutcome, GatePolicy, IgnoreRule, Violation
from patchbook.risk.sla import BANDS, DECISIONS
from patchbook.yamlconfig import ConfigReader, read_config

DEFAULT_GATE_POLICY = GatePolicy()
FAIL_KEYS = ("decisions", "kev", "min_score", "severities", "fixable_only")
MAX_IGNORE_DAYS = 365  # an exemption longer than a year is a policy change, not an ignore entry


def violated_rules(item: GateItem, policy: GatePolicy) -> tuple[str, ...]:
    """The rules of ``policy`` that ``item`` breaks (empty: it passes)."""
    if policy.fixable_only and not item.fixed_versions:
        return ()
    rules = []
    if item.decision in policy.decisions:
        rules.append(f"decision {item.decision}")
    if policy.kev and item.in_kev:
        rules.append("in CISA KEV")
    if policy.min_score is not None and item.score >= policy.min_score:
        rules.append(f"risk score {item.score:.2f} >= {policy.min_score:g}")
    if item.severity in policy.severities:
        rules.append(f"severity {item.severity}")
    return tuple(rules)


def evaluate(
    asset: str, sbom: str, items: Sequence[GateItem], policy: GatePolicy, today: date, recorded: bool = False
) -> GateOutcome:
    """Judge the asset's open findings against the policy; ignore entries apply until their expiry."""
    live = [r for r in policy.ignore if r.expires >= today]
    expired_rules = [r for r in policy.ignore if r.expires < today]
    violations: list[Violation] = []
    ignored: list[tuple[GateItem, IgnoreRule]] = []
    used: set[int] = set()
    expired_hits: set[int] = set()
    for item in items:
        rules = violated_rules(item, policy)
        rule = next((r for r in live if r.matches(item)), None)
        for i, r in enumerate(expired_rules):
            if r.matches(item):
                expired_hits.add(i)
        if rule is not None:
            used.add(id(rule))
            ignored.append((item, rule))
        elif rules and item.suppressed_by is None:  # triaged away: reported, never a violation
            violations.append(Violation(item, rules))
    return GateOutcome(
        asset=asset,
        sbom=sbom,
        policy=policy,
        items=tuple(items),
        violations=tuple(violations),
        ignored=tuple(ignored),
        expired=tuple(expired_rules[i] for i in sorted(expired_hits)),
        unused=tuple(r for r in live if id(r) not in used),
        recorded=recorded,
    )


# --- loading ---------------------------------------------------------------------------------------


def parse_gate_policy(text: str, source: str = "<policy>", today: date | None = None) -> GatePolicy:
    """Parse a gate policy; ``today`` bounds how far ahead an ignore entry may expire."""
    with ConfigReader(source, text) as r:
        root = r.root
        if root is None:
            return GatePolicy(source=source)
        top = r.mapping(root, "", ("version", "fail", "ignore"))
        if "version" in top and r.value(top["version"]) != 1:
            raise r.fail(top["version"], "version", "only version 1 is known")
        policy = GatePolicy(source=source)
        decisions, kev, min_score = policy.decisions, policy.kev, policy.min_score
        severities, fixable_only = policy.severities, policy.fixable_only
        if "fail" in top:
            fail = r.mapping(top["fail"], "fail", FAIL_KEYS)
            if "decisions" in fail:
                decisions = _list(r, fail["decisions"], "fail.decisions", DECISIONS)
            if "kev" in fail:
                kev = r.flag(fail["kev"], "fail.kev")
            if "min_score" in fail:
                node = fail["min_score"]
                min_score = None if r.value(node) is None else r.number(node, "fail.min_score")
            if "severities" in fail:
                severities = _list(r, fail["severities"], "fail.severities", BANDS)
            if "fixable_only" in fail:
                fixable_only = r.flag(fail["fixable_only"], "fail.fixable_only")
        ignores: list[IgnoreRule] = []
        if "ignore" in top:
            for i, node in enumerate(r.sequence(top["ignore"], "ignore")):
                ignores.append(_ignore(r, node, f"ignore[{i}]", today))
        return GatePolicy(decisions, kev, min_score, severities, fixable_only, tuple(ignores), source)


def _list(r: ConfigReader, node: yaml.Node, path: str, allowed: Sequence[str]) -> tuple[str, ...]:
    if isinstance(node, yaml.SequenceNode) and not node.value:
        return ()  # an empty list switches the rule off
    return r.strings(node, path, allowed)


def _ignore(r: ConfigReader, node: yaml.Node, path: str, today: date | None) -> IgnoreRule:
    fields = r.mapping(node, path, ("id", "package", "reason", "expires", "approved_by"))
    for required in ("id", "reason", "expires"):
        if required not in fields:
            raise r.fail(node, path, f"an ignore entry needs '{required}' (id, reason, expires are required)")
    expires = r.day(fields["expires"], f"{path}.expires")
    if today is not None and (expires - today).days > MAX_IGNORE_DAYS:
        raise r.fail(
            fields["expires"], f"{path}.expires",
            f"{expires.isoformat()} is more than {MAX_IGNORE_DAYS} days ahead; an exemption must be reviewed",
        )
    return IgnoreRule(
        id=r.text(fields["id"], f"{path}.id"),
        reason=r.text(fields["reason"], f"{path}.reason"),
        expires=expires,
        package=r.text(fields["package"], f"{path}.package") if "package" in fields else None,
        approved_by=r.text(fields["approved_by"], f"{path}.approved_by") if "approved_by" in fields else None,
        line=node.start_mark.line + 1,
    )


def load_gate_policy(path: str | Path, today: date | None = None) -> GatePolicy:
    source, text = read_config(path)
    return parse_gate_policy(text, source, today)
