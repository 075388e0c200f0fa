"""The CI gate's objects: what it judged (one item per open finding), the policy, and its outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class GateItem:
    """One open finding of the gated asset with the priority the risk model gave it."""

    finding_id: int
    asset: str
    ecosystem: str
    package: str
    installed_version: str | None
    alias_group: str
    identifiers: tuple[str, ...]  # every id of the vulnerability (CVE, GHSA, PYSEC...), for ignores
    fixed_versions: tuple[str, ...]
    decision: str  # SSVC deployer decision: immediate | out-of-cycle | scheduled | defer
    score: float  # risk score, ranks inside a decision class
    in_kev: bool
    severity: str  # CVSS band (critical ... none) or "unknown"
    cvss: float | None
    summary: str
    why: str  # the top reason line of the priority
    # set when triage takes the finding off the working list (not_affected, false_positive, or a running
    # risk acceptance): it no longer fails a build and is reported as suppressed, with this label
    suppressed_by: str | None = None


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """A policy entry that exempts one vulnerability (optionally one package) until it expires."""

    id: str
    reason: str
    expires: date
    package: str | None = None
    approved_by: str | None = None
    line: int = 0  # where it is written in the policy file, for messages

    def matches(self, item: GateItem) -> bool:
        if self.package is not None and self.package.lower() != item.package.lower():
            return False
        wanted = self.id.upper()
        return any(i.upper() == wanted for i in (item.alias_group, *item.identifiers))


@dataclass(frozen=True, slots=True)
class GatePolicy:
    """What fails a build. Any one rule is enough; an unexpired ignore entry exempts a finding."""

    decisions: tuple[str, ...] = ("immediate", "out-of-cycle")
    kev: bool = True
    min_score: float | None = None
    severities: tuple[str, ...] = ()
    fixable_only: bool = False  # fail only on findings that a published version fixes
    ignore: tuple[IgnoreRule, ...] = ()
    source: str = "built-in default policy"


@dataclass(frozen=True, slots=True)
class Violation:
    item: GateItem
    rules: tuple[str, ...]  # the policy rules it breaks, as people read them


@dataclass(frozen=True, slots=True)
class GateOutcome:
    asset: str
    sbom: str
    policy: GatePolicy
    items: tuple[GateItem, ...]
    violations: tuple[Violation, ...]
    ignored: tuple[tuple[GateItem, IgnoreRule], ...]
    expired: tuple[IgnoreRule, ...] = ()  # ignore entries past their expiry that matched a finding
    unused: tuple[IgnoreRule, ...] = ()  # ignore entries that matched nothing (stale policy)
    recorded: bool = False  # False: a scratch run, nothing was kept in the store
    warnings: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not self.violations
