"""A whole plan: patches and contract steps turned into changes, placed on the venue calendar.

Dependencies between assets become ordering constraints: a change to an asset waits for the changes
of what it depends on (libraries and servers before their consumers), except a ``standby`` asset,
which goes first so the primary can fail over to a patched standby.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from patchbook.plan.calendar import Calendar
from patchbook.plan.contracts import ContractFacts, ContractStep, contract_path
from patchbook.plan.remediation import Patch
from patchbook.plan.schedule import ChangeRequest, Schedule, schedule
from patchbook.plan.timeline import grid_for, timelines_for


@dataclass(frozen=True, slots=True)
class AssetInfo:
    name: str
    team: str
    environment: str = "prod"
    tags: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()


@dataclass
class Plan:
    venue: str
    calendar_source: str
    start: datetime
    end: datetime
    patches: list[Patch]  # with upgrades: each is one change
    no_fix: list[Patch]  # nothing to upgrade to: mitigations only
    contract_steps: dict[str, list[ContractStep]]
    changes: dict[str, ChangeRequest]
    schedule: Schedule
    assets: dict[str, AssetInfo] = field(default_factory=dict)

    def patch_of(self, change_id: str) -> Patch | None:
        return next((p for p in self.patches if p.asset == change_id), None)


def _edges(assets: Mapping[str, AssetInfo], planned: set[str]) -> dict[str, dict[str, str]]:
    """change id -> {change it waits for: why}, between assets that both have a change."""
    out: dict[str, dict[str, str]] = {a: {} for a in planned}
    for name in sorted(planned):
        info = assets.get(name)
        if info is None:
            continue
        for dep in info.depends_on:
            if dep not in planned or dep == name:
                continue
            if "standby" in info.tags:
                out[dep][name] = f"standby {name} before primary {dep}"
            else:
                out[name][dep] = f"{dep} before its consumer {name}"
    return out


def build_plan(
    patches: Sequence[Patch],
    assets: Mapping[str, AssetInfo],
    calendar: Calendar,
    *,
    start: datetime,
    days: int,
    contracts: Mapping[str, ContractFacts] | None = None,
) -> Plan:
    """Place every patch (and every contract's remediation steps) in the horizon ``[start, +days)``."""
    contracts = contracts or {}
    defaults = calendar.planning
    fixable = [p for p in patches if p.upgrades or p.asset in contracts]
    no_fix = [p for p in patches if not p.upgrades and p.asset not in contracts]
    software = [p for p in fixable if p.asset not in contracts]
    edges = _edges(assets, {p.asset for p in software})
    changes: dict[str, ChangeRequest] = {}
    for p in software:
        info = assets.get(p.asset, AssetInfo(p.asset, p.asset))
        breaking = any(u.breaking for u in p.upgrades)
        changes[p.asset] = ChangeRequest(
            id=p.asset,
            asset=p.asset,
            team=info.team,
            decision=p.decision,
            score=p.risk_reduction,
            due=p.due,
            # A breaking upgrade gets twice the usual time: more to verify before calling it done.
            duration=defaults.duration * (2 if breaking else 1),
            rollback=defaults.rollback,
            after=tuple(sorted(edges[p.asset])),
            after_why=edges[p.asset],
            label=", ".join(f"{u.package} {u.installed_version} -> {u.target}" for u in p.upgrades),
        )
    steps: dict[str, list[ContractStep]] = {}
    for p in fixable:
        facts = contracts.get(p.asset)
        if facts is None:
            continue
        info = assets.get(p.asset, AssetInfo(p.asset, p.asset))
        path, requests = contract_path(
            facts, decided_at=start, team=info.team, decision=p.decision, score=p.risk_reduction, due=p.due
        )
        steps[p.asset] = path
        changes.update((r.id, r) for r in requests)
    grid = grid_for(start, days, defaults.slot)
    names = {c.asset for c in changes.values()} | set(assets)
    tags = {n: assets[n].tags if n in assets else () for n in names}
    timelines = timelines_for(calendar, tags, grid)
    placed = schedule(
        list(changes.values()),
        timelines,
        grid,
        window_capacity=defaults.window_capacity,
        team_capacity=defaults.team_capacity,
    )
    return Plan(
        venue=calendar.venue,
        calendar_source=calendar.source,
        start=grid.start,
        end=grid.end,
        patches=list(fixable),
        no_fix=no_fix,
        contract_steps=steps,
        changes=changes,
        schedule=placed,
        assets=dict(assets),
    )
