"""Remediation choice: the lowest safe upgrade per vulnerable component, grouped into one patch per asset.

For a component (one package at one installed version on one asset) with open findings:

- the candidates are every ``fixed`` version any known advisory of the package names above the
  installed version (an advisory's fix events are the only versions patchbook knows to exist);
- a candidate fixes a finding when none of the finding's advisories still affects it; it is *safe*
  when no other known advisory of the package affects it either: a version still vulnerable to
  something else is never recommended (it is listed as rejected, with the advisory);
- among safe candidates that fix every open finding, the lowest in the installed minor line wins, else
  the lowest in the installed major line, else the lowest overall;
- the upgrade's size is patch / minor / major; it is *breaking* on a major bump, and on a minor bump
  below 1.0 (SemVer's rule for 0.x);
- when no candidate fixes everything, the component has no fix and keeps the mitigations left.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from patchbook.versions import (
    InvalidVersion,
    UnsupportedEcosystem,
    affected,
    affected_entries,
    compare,
    sort_key,
)

UpgradeSize = Literal["patch", "minor", "major"]
MITIGATIONS = (
    "VEX not_affected statement, if the vulnerable code is not reachable",
    "WAF or gateway rule in front of the asset",
    "disable the affected feature",
    "accept the risk with a documented, time-limited exception",
)
_NUMBERS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class PlanFinding:
    """An open finding as the planner needs it: where, what, how urgent."""

    id: int
    asset: str
    ecosystem: str  # with the release qualifier where one applies: "Debian:12"
    package: str
    installed_version: str
    alias_group: str
    advisory_ids: tuple[str, ...]
    decision: str = "scheduled"
    score: float = 0.0
    due: date | None = None


@dataclass(frozen=True, slots=True)
class ComponentFix:
    asset: str
    ecosystem: str
    package: str
    installed_version: str
    target: str | None  # None: no fix available
    size: UpgradeSize | None
    breaking: bool
    closes: tuple[int, ...]  # finding ids
    rejected: tuple[tuple[str, str], ...] = ()  # (version, why it is not recommended)
    mitigations: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Patch:
    """One deployable change per asset: all its component upgrades together."""

    asset: str
    upgrades: tuple[ComponentFix, ...]
    no_fix: tuple[ComponentFix, ...]
    findings: tuple[int, ...]  # the open findings it closes
    decision: str  # the most urgent decision among the findings it closes
    risk_reduction: float  # the sum of the closed findings' risk scores
    due: date | None  # the earliest due date among them

    @property
    def key(self) -> str:
        return self.asset


def release_numbers(version: str) -> tuple[int, ...]:
    """Leading numeric parts of the upstream version: "1:2.36-9+deb12u4" -> (2, 36, 9)."""
    upstream = version.split(":", 1)[-1]
    return tuple(int(n) for n in _NUMBERS.findall(upstream.split("-", 1)[0])[:3])


def upgrade_size(installed: str, target: str) -> tuple[UpgradeSize, bool]:
    """(patch | minor | major, breaking) between two versions of one package."""
    a, b = release_numbers(installed), release_numbers(target)
    a, b = (*a, 0, 0, 0)[:3], (*b, 0, 0, 0)[:3]
    if a[0] != b[0]:
        return "major", True
    if a[1] != b[1]:
        return "minor", a[0] == 0
    return "patch", False


def _fixed_events(records: Iterable[Mapping[str, Any]], ecosystem: str, package: str) -> set[str]:
    out: set[str] = set()
    for record in records:
        if record.get("withdrawn"):
            continue
        for entry in affected_entries(record, ecosystem, package):
            for rng in entry.get("ranges") or ():
                for event in rng.get("events") or ():
                    fixed = event.get("fixed")
                    if isinstance(fixed, str) and fixed:
                        out.add(fixed)
    return out


def choose_fix(
    findings: Sequence[PlanFinding],
    records: Mapping[str, Mapping[str, Any]],
    extra_candidates: Iterable[str] = (),
) -> ComponentFix:
    """The upgrade for one component; ``records`` maps every known advisory id of the package to its
    OSV record (the findings' advisories and all others)."""
    first = findings[0]
    eco, pkg, installed = first.ecosystem, first.package, first.installed_version
    closes = tuple(sorted(f.id for f in findings))

    def newer(v: str) -> bool:
        try:
            return compare(eco, v, installed) > 0
        except (InvalidVersion, UnsupportedEcosystem):
            return False

    candidates = {v for v in _fixed_events(records.values(), eco, pkg) | set(extra_candidates) if newer(v)}
    ordered = sorted(candidates, key=lambda v: sort_key(eco, v))
    own = {a for f in findings for a in f.advisory_ids}
    rejected: list[tuple[str, str]] = []
    safe: list[str] = []
    for v in ordered:
        still = sorted(a for a, rec in records.items() if affected(rec, eco, pkg, v))
        if any(a in own for a in still):
            continue  # fixes some findings but not all: not a candidate, not worth listing
        if still:
            rejected.append((v, "still affected by " + ", ".join(still)))
            continue
        safe.append(v)
    if not safe:
        note = "no version known to fix every open finding"
        if rejected:
            note += "; every fixing version is still affected by another advisory"
        return ComponentFix(
            first.asset, eco, pkg, installed, None, None, False, closes, tuple(rejected), MITIGATIONS, note
        )
    line = release_numbers(installed)
    same_minor = [v for v in safe if release_numbers(v)[:2] == line[:2]]
    same_major = [v for v in safe if release_numbers(v)[:1] == line[:1]]
    target, note = safe[0], "lowest safe version"
    if same_minor:
        target, note = same_minor[0], "lowest safe version in the installed minor line"
    elif same_major:
        target, note = same_major[0], "lowest safe version in the installed major line"
    elif line:
        note = "no safe version in the installed major line"
    size, breaking = upgrade_size(installed, target)
    skipped = tuple(r for r in rejected if sort_key(eco, r[0]) < sort_key(eco, target))
    return ComponentFix(first.asset, eco, pkg, installed, target, size, breaking, closes, skipped, (), note)


def group_patches(fixes: Sequence[ComponentFix], findings: Sequence[PlanFinding]) -> list[Patch]:
    """One patch per asset, most urgent first; assets whose findings all lack a fix get a patch with
    no upgrades (its ``no_fix`` lists the mitigations), so nothing is silently dropped."""
    by_id = {f.id: f for f in findings}
    per_asset: dict[str, list[ComponentFix]] = defaultdict(list)
    for fix in fixes:
        per_asset[fix.asset].append(fix)
    order = {"immediate": 0, "out-of-cycle": 1, "scheduled": 2, "defer": 3}
    patches = []
    for asset, items in per_asset.items():
        ups = tuple(sorted((f for f in items if f.target), key=lambda f: f.package))
        none = tuple(sorted((f for f in items if not f.target), key=lambda f: f.package))
        closed = [by_id[i] for f in ups for i in f.closes if i in by_id]
        considered = closed or [by_id[i] for f in none for i in f.closes if i in by_id]
        decision = min((f.decision for f in considered), key=lambda d: order.get(d, 3), default="defer")
        dues = [f.due for f in considered if f.due is not None]
        patches.append(
            Patch(
                asset=asset,
                upgrades=ups,
                no_fix=none,
                findings=tuple(sorted(f.id for f in closed)),
                decision=decision,
                risk_reduction=sum(f.score for f in closed),
                due=min(dues) if dues else None,
            )
        )
    patches.sort(key=lambda p: (order.get(p.decision, 3), -p.risk_reduction, p.asset))
    return patches


Records = Mapping[str, Mapping[str, Any]]  # advisory id -> OSV record


def remediate(findings: Sequence[PlanFinding], records: Mapping[tuple[str, str], Records]) -> list[Patch]:
    """Open findings + every known advisory of their packages (keyed by (ecosystem, package) as the
    findings spell them) -> patches, one per asset."""
    components: dict[tuple[str, str, str, str], list[PlanFinding]] = defaultdict(list)
    for f in findings:
        components[(f.asset, f.ecosystem, f.package, f.installed_version)].append(f)
    fixes = [
        choose_fix(group, records.get((eco, pkg), {}))
        for (_, eco, pkg, _), group in sorted(components.items())
    ]
    return group_patches(fixes, findings)
