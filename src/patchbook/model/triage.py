"""Triage: what a person (or a VEX document, or a rule) says about a finding, and risk acceptance.

Triage is a second axis beside the lifecycle state the matcher sets (open / inactive / fixed): the
matcher says whether the vulnerable version is installed, triage says whether that matters here. The
states follow CycloneDX ``analysis`` and OpenVEX (shared/reference/data-formats.md §3), plus
``false_positive`` (the match itself is wrong), which CycloneDX has and OpenVEX has not.

Risk acceptance is a third, separate thing: an approver accepts an *affected* finding until a date.
It suppresses the finding only while it runs; after the expiry the finding is back by itself.

Everything here is pure: the store keeps decisions, acceptances and rules, :func:`resolve` combines
them for one finding at read time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TriageState(StrEnum):
    NOT_AFFECTED = "not_affected"
    AFFECTED = "affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"
    FALSE_POSITIVE = "false_positive"


class Justification(StrEnum):
    """Why a finding is not_affected: the five OpenVEX (and CSAF) labels."""

    COMPONENT_NOT_PRESENT = "component_not_present"
    VULNERABLE_CODE_NOT_PRESENT = "vulnerable_code_not_present"
    VULNERABLE_CODE_NOT_IN_EXECUTE_PATH = "vulnerable_code_not_in_execute_path"
    VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY = "vulnerable_code_cannot_be_controlled_by_adversary"
    INLINE_MITIGATIONS_ALREADY_EXIST = "inline_mitigations_already_exist"


# States that take a finding off the working list (with an active acceptance as the third reason).
SUPPRESSING = frozenset({TriageState.NOT_AFFECTED, TriageState.FALSE_POSITIVE})

# OpenVEX label -> the CycloneDX justification written on export (data-formats.md §3.4). Two labels
# have no exact CycloneDX value; the nearest is used and the exact label travels in a property.
TO_CYCLONEDX: dict[Justification, str] = {
    Justification.COMPONENT_NOT_PRESENT: "code_not_present",
    Justification.VULNERABLE_CODE_NOT_PRESENT: "code_not_present",
    Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH: "code_not_reachable",
    Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY: "requires_environment",
    Justification.INLINE_MITIGATIONS_ALREADY_EXIST: "protected_by_mitigating_control",
}

# CycloneDX justification -> OpenVEX label on import. The three `requires_*` values say an attacker
# needs something the product does not offer, which is what "cannot be controlled by adversary" means.
FROM_CYCLONEDX: dict[str, Justification] = {
    "code_not_present": Justification.VULNERABLE_CODE_NOT_PRESENT,
    "code_not_reachable": Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH,
    "requires_configuration": Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY,
    "requires_dependency": Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY,
    "requires_environment": Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY,
    "protected_by_compiler": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
    "protected_at_runtime": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
    "protected_at_perimeter": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
    "protected_by_mitigating_control": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
}

# CycloneDX analysis.state <-> triage state.
FROM_CYCLONEDX_STATE: dict[str, TriageState] = {
    "not_affected": TriageState.NOT_AFFECTED,
    "false_positive": TriageState.FALSE_POSITIVE,
    "exploitable": TriageState.AFFECTED,
    "in_triage": TriageState.UNDER_INVESTIGATION,
    "resolved": TriageState.FIXED,
    "resolved_with_pedigree": TriageState.FIXED,
}
TO_CYCLONEDX_STATE: dict[TriageState, str] = {
    TriageState.NOT_AFFECTED: "not_affected",
    TriageState.FALSE_POSITIVE: "false_positive",
    TriageState.AFFECTED: "exploitable",
    TriageState.UNDER_INVESTIGATION: "in_triage",
    TriageState.FIXED: "resolved",
}


def check_decision(state: TriageState, justification: Justification | None) -> str | None:
    """Why this state/justification pair is not allowed, or None when it is."""
    if state is TriageState.NOT_AFFECTED and justification is None:
        return "not_affected needs a justification: " + ", ".join(j.value for j in Justification)
    if state is not TriageState.NOT_AFFECTED and justification is not None:
        return f"a justification goes with not_affected only, not with {state.value}"
    return None


@dataclass(frozen=True, slots=True)
class Decision:
    """A triage state set on one finding: by whom, when, why, and from where (cli, a VEX file)."""

    state: TriageState
    justification: Justification | None
    reason: str
    actor: str
    at: datetime
    source: str = "cli"


@dataclass(frozen=True, slots=True)
class Acceptance:
    approver: str
    reason: str
    accepted_at: datetime
    expires_at: datetime

    def active(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True, slots=True)
class FindingFacts:
    """What rules look at in a finding."""

    finding_id: int
    asset: str
    asset_tags: tuple[str, ...]
    ecosystem: str
    package: str
    installed_version: str | None
    alias_group: str
    advisory_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """Triage for every finding it matches; all given criteria must hold (None = any)."""

    id: int
    state: TriageState
    justification: Justification | None
    reason: str
    created_by: str
    created_at: datetime
    package: str | None = None
    ecosystem: str | None = None
    version: str | None = None  # the installed version must be this one: an upgrade ends the rule
    advisory: str | None = None  # any identifier of the vulnerability (CVE, GHSA, ...)
    asset_tag: str | None = None
    expires_at: datetime | None = None
    removed_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.removed_at is None and (self.expires_at is None or now < self.expires_at)

    def matches(self, facts: FindingFacts, advisory_groups: Collection[str]) -> bool:
        """``advisory_groups``: the alias groups the rule's advisory id belongs to (the id itself too)."""
        if self.package is not None and self.package != facts.package:
            return False
        if self.ecosystem is not None and self.ecosystem.lower() != facts.ecosystem.lower():
            return False
        if self.version is not None:
            installed = {v.strip() for v in (facts.installed_version or "").split(",")}
            if self.version not in installed:
                return False
        if self.advisory is not None and not (
            facts.alias_group in advisory_groups or self.advisory in facts.advisory_ids
        ):
            return False
        return self.asset_tag is None or self.asset_tag in facts.asset_tags

    def describe(self) -> str:
        parts = [
            f"{k} {v}"
            for k, v in (
                ("package", self.package),
                ("ecosystem", self.ecosystem),
                ("version", self.version),
                ("advisory", self.advisory),
                ("asset tag", self.asset_tag),
            )
            if v is not None
        ]
        return " and ".join(parts)


@dataclass(frozen=True, slots=True)
class TriageView:
    """The triage of one finding as read now: its effective state and where it comes from."""

    finding_id: int
    state: TriageState | None  # None: nobody has triaged it (it may still be accepted)
    justification: Justification | None
    reason: str | None
    actor: str | None
    at: datetime | None
    source: str | None  # "cli", "vex:<file>", "rule:<id>"
    rule_id: int | None
    acceptance: Acceptance | None  # the latest acceptance, running or lapsed
    accepted: bool  # an acceptance runs now

    @property
    def suppressed(self) -> bool:
        """Hidden from the working list: not affected, a false positive, or a running acceptance."""
        return self.accepted or self.state in SUPPRESSING

    @property
    def label(self) -> str:
        if self.accepted and self.acceptance is not None:
            return f"accepted until {self.acceptance.expires_at:%Y-%m-%d}"
        if self.state is None:
            return "acceptance expired" if self.acceptance is not None else "untriaged"
        text = self.state.value
        if self.justification is not None:
            text += f" ({self.justification.value})"
        return text + (f" [rule {self.rule_id}]" if self.rule_id is not None else "")


RuleEntry = tuple[Rule, Collection[str], Decision]  # a rule, its advisory's alias groups, its decision


def rule_entry(rule: Rule, advisory_groups: Collection[str]) -> RuleEntry:
    decision = Decision(
        rule.state, rule.justification, rule.reason, rule.created_by, rule.created_at, f"rule:{rule.id}"
    )
    return (rule, advisory_groups, decision)


def resolve(
    facts: FindingFacts,
    decision: Decision | None,
    acceptance: Acceptance | None,
    rules: Sequence[RuleEntry],
    now: datetime,
) -> TriageView | None:
    """The effective triage of one finding, or None when nothing applies.

    A decision on the finding itself wins over rules: someone looked at this very finding. Among
    rules, the first that matches wins (callers pass live rules newest first). A rule that no longer
    matches (the package was upgraded, the tag removed) simply stops applying.
    """
    chosen = decision
    rule_id: int | None = None
    if chosen is None:
        for rule, groups, ruled in rules:
            if rule.matches(facts, groups):
                chosen, rule_id = ruled, rule.id
                break
    if chosen is None and acceptance is None:
        return None
    return TriageView(
        finding_id=facts.finding_id,
        state=chosen.state if chosen else None,
        justification=chosen.justification if chosen else None,
        reason=chosen.reason if chosen else None,
        actor=chosen.actor if chosen else None,
        at=chosen.at if chosen else None,
        source=chosen.source if chosen else None,
        rule_id=rule_id,
        acceptance=acceptance,
        accepted=acceptance is not None and acceptance.active(now),
    )
