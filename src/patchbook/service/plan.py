"""Planning use cases: plan the next days, list and show patches, approve them, check the audit trail.

The planner itself (``patchbook.plan``) is pure; this module reads what it needs from the store (assets,
ranked open findings, the advisories of their packages, contract profiles), stores the run and its
patches, and records every decision in the audit trail, in one transaction each.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook import config
from patchbook.errors import PatchbookError
from patchbook.model.asset import AssetKind
from patchbook.plan import approvals as policy
from patchbook.plan.build import AssetInfo, Plan, build_plan
from patchbook.plan.calendar import Calendar, parse_calendar
from patchbook.plan.contracts import ContractFacts, from_profile
from patchbook.plan.export import patch_dict
from patchbook.plan.remediation import PlanFinding, Records, remediate
from patchbook.store import Store
from patchbook.store import audit as audit_repo
from patchbook.store import plans as repo
from patchbook.store import simulations as simulations_repo
from patchbook.store.inventory import list_assets
from patchbook.store.schema import advisories, affected_packages, components, snapshots

DEMO_CALENDAR = "calendar.yaml"


class UnknownPatch(PatchbookError):
    def __init__(self, patch_id: int) -> None:
        super().__init__(f"no patch {patch_id}; `patchbook patch list` shows the current plan's patches")


class NoPlan(PatchbookError):
    def __init__(self) -> None:
        super().__init__("no plan yet; run `patchbook plan` first")


def default_actor() -> str:
    try:
        return os.environ.get("PATCHBOOK_USER") or getpass.getuser()
    except OSError:  # no user name in a bare container
        return "unknown"


def calendar_source(path: Path | None) -> tuple[str, str]:
    """(source name, text) of the calendar: the given file, ``$PATCHBOOK_CALENDAR``,
    ``$PATCHBOOK_HOME/calendar.yaml``, else the bundled reference venue calendar."""
    from patchbook.errors import InputError

    chosen = path or (
        Path(os.environ["PATCHBOOK_CALENDAR"]) if os.environ.get("PATCHBOOK_CALENDAR") else None
    )
    if chosen is None and (config.home() / "calendar.yaml").is_file():
        chosen = config.home() / "calendar.yaml"
    if chosen is None:
        bundled = resources.files("patchbook.demo") / "data" / DEMO_CALENDAR
        return "built-in reference calendar (patchbook/demo/data/calendar.yaml)", bundled.read_text("utf-8")
    try:
        return str(chosen), chosen.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(chosen), f"cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(chosen), f"not UTF-8 text (byte {exc.start})") from exc


# --- reading the planner's inputs ------------------------------------------------------------------


@dataclass
class Inputs:
    findings: list[PlanFinding]
    records: dict[tuple[str, str], Records]
    assets: dict[str, AssetInfo]
    contracts: dict[str, ContractFacts] = field(default_factory=dict)


def _qualifiers(conn: Connection) -> dict[tuple[str, str, str], str]:
    """(asset name, ecosystem, package) -> release qualifier ("12" of Debian:12) in current snapshots."""
    from patchbook.store.schema import assets as assets_t

    c = components.c
    stmt = (
        sa.select(assets_t.c.name, c.ecosystem, c.package, c.ecosystem_qualifier)
        .join(snapshots, snapshots.c.id == c.snapshot_id)
        .join(assets_t, assets_t.c.id == snapshots.c.asset_id)
        .where(snapshots.c.current.is_(True), c.ecosystem_qualifier.is_not(None), c.ecosystem_qualifier != "")
    )
    return {(r.name, r.ecosystem, r.package): r.ecosystem_qualifier for r in conn.execute(stmt)}


def _records(conn: Connection, packages: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(base ecosystem, package) -> {advisory id: OSV record} for every known advisory of the package."""
    out: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    ap, a = affected_packages.c, advisories.c
    keys = sorted(packages)
    for i in range(0, len(keys), 500):
        part = keys[i : i + 500]
        stmt = (
            sa.select(ap.ecosystem, ap.name, a.id, a.record)
            .join(advisories, a.id == ap.advisory_id)
            .where(sa.tuple_(ap.ecosystem, ap.name).in_(part))
        )
        for r in conn.execute(stmt):
            out[(r.ecosystem, r.name)][r.id] = r.record
    return out


def _ranked(store: Store) -> list[tuple[Any, str, float, Any]]:
    """(finding, decision, score, due) of every open finding, from the risk stage."""
    from patchbook.service.risk import ranked_findings

    return [(r.finding, r.decision, r.score, r.due) for r in ranked_findings(store)]


def read_inputs(store: Store) -> Inputs:
    ranked = _ranked(store)
    with store.engine.connect() as conn:
        stored_assets = list_assets(conn)
        qualifiers = _qualifiers(conn)
        base = _records(conn, {(f.ecosystem, f.package) for f, *_ in ranked})
        contracts: dict[str, ContractFacts] = {}
        if any(a.kind is AssetKind.CONTRACT for a in stored_assets):
            from patchbook.service.contracts import contract_profile

            for a in stored_assets:
                if a.kind is AssetKind.CONTRACT:
                    profile = contract_profile(conn, a)
                    if profile is not None:
                        contracts[a.name] = from_profile(profile)
    findings: list[PlanFinding] = []
    records: dict[tuple[str, str], Records] = {}
    for f, decision, score, due in ranked:
        if f.installed_version is None:
            continue
        qual = qualifiers.get((f.asset, f.ecosystem, f.package))
        eco = f"{f.ecosystem}:{qual}" if qual else f.ecosystem
        findings.append(
            PlanFinding(
                f.id,
                f.asset,
                eco,
                f.package,
                f.installed_version,
                f.alias_group,
                f.advisory_ids,
                decision,
                score,
                due,
            )
        )
        records[(eco, f.package)] = base.get((f.ecosystem, f.package), {})
    infos = {
        a.name: AssetInfo(a.name, a.owner or a.name, a.environment.value, tuple(a.tags), tuple(a.depends_on))
        for a in stored_assets
    }
    return Inputs(findings, records, infos, contracts)


# --- planning --------------------------------------------------------------------------------------


@dataclass
class PlanOutcome:
    plan: Plan
    run_id: int
    patch_ids: dict[str, int]  # change key -> stored patch id
    calendar: Calendar


def _rows(plan: Plan, actor: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    placed = {p.id: p for p in plan.schedule.placements}
    missing = {u.id: u for u in plan.schedule.unscheduled}
    patch_by_asset = {p.asset: p for p in plan.patches}
    for key, c in sorted(plan.changes.items()):
        info = plan.assets.get(c.asset, AssetInfo(c.asset, c.team))
        p, u = placed.get(key), missing.get(key)
        patch = patch_by_asset.get(c.asset)
        detail: dict[str, Any] = {
            "label": c.label,
            "duration_minutes": int(c.duration.total_seconds() // 60),
            "rollback_minutes": int(c.rollback.total_seconds() // 60),
            "after": list(c.after),
            "why": list(p.why) if p else [],
            "reasons": list(u.reasons) if u else [],
            "preferred_window": p.preferred_window if p else None,
            "patch": patch_dict(patch) if patch is not None else None,  # contract steps carry it too
        }
        if key != c.asset:  # a contract step
            detail["steps"] = [
                {"step": s.id, "action": s.action, "earliest": s.earliest.isoformat(), "detail": s.detail}
                for s in plan.contract_steps.get(c.asset, [])
            ]
        rows.append(
            {
                "change_key": key,
                "asset": c.asset,
                "kind": "software" if key == c.asset else "contract",
                "decision": c.decision,
                "state": "scheduled" if p else "unscheduled",
                "environment": info.environment,
                "team": c.team,
                "emergency": bool(p and p.emergency),
                "late": bool(p and p.late),
                "due_date": c.due,
                "window_start": p.start if p else None,
                "window_end": p.end if p else None,
                "rollback_end": p.rollback_end if p else None,
                "risk_reduction": c.score,
                "requested_by": actor,
                "detail": detail,
            }
        )
    for patch in plan.no_fix:
        info = plan.assets.get(patch.asset, AssetInfo(patch.asset, patch.asset))
        rows.append(
            {
                "change_key": f"{patch.asset}:no-fix",
                "asset": patch.asset,
                "kind": "software",
                "decision": patch.decision,
                "state": "no-fix",
                "environment": info.environment,
                "team": info.team,
                "emergency": False,
                "late": False,
                "due_date": patch.due,
                "window_start": None,
                "window_end": None,
                "rollback_end": None,
                "risk_reduction": 0.0,
                "requested_by": actor,
                "detail": {"label": "no fix available", "patch": patch_dict(patch), "why": [], "reasons": []},
            }
        )
    return rows


def make_plan(
    store: Store,
    *,
    calendar_path: Path | None = None,
    start: datetime | None = None,
    days: int = 14,
    actor: str | None = None,
) -> PlanOutcome:
    """Plan ``days`` days from ``start`` (now), store the run and its patches, audit it."""
    actor = actor or default_actor()
    source, text = calendar_source(calendar_path)
    calendar = parse_calendar(text, source)
    start = (start or datetime.now(UTC)).astimezone(UTC)
    inputs = read_inputs(store)
    patches = remediate(inputs.findings, inputs.records)
    plan = build_plan(patches, inputs.assets, calendar, start=start, days=days, contracts=inputs.contracts)
    rows = _rows(plan, actor)
    s = plan.schedule
    summary = {
        "scheduled": len(s.placements),
        "late": sum(p.late for p in s.placements),
        "emergency": sum(p.emergency for p in s.placements),
        "unscheduled": len(s.unscheduled),
        "no_fix": len(plan.no_fix),
        "findings": len(inputs.findings),
    }
    with store.transaction() as conn:
        previous = repo.latest_run(conn)
        run_id, ids = repo.add_run(
            conn,
            {
                "created_at": datetime.now(UTC),
                "created_by": actor,
                "venue": calendar.venue,
                "calendar_source": source,
                "calendar_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "horizon_start": plan.start,
                "horizon_end": plan.end,
                "summary": summary,
            },
            rows,
        )
        carried = _carry_approvals(
            conn, previous, dict(zip((r["change_key"] for r in rows), ids, strict=True)), rows
        )
        audit_repo.append(
            conn,
            actor=actor,
            action="plan.run",
            subject=f"plan:{run_id}",
            payload={
                **summary,
                "approvals_carried": carried,
                "calendar": source,
                "calendar_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "from": plan.start.isoformat(),
                "to": plan.end.isoformat(),
                "changes": {
                    r["change_key"]: (r["window_start"].isoformat() if r["window_start"] else None)
                    for r in rows
                },
            },
        )
    return PlanOutcome(plan, run_id, {r["change_key"]: i for r, i in zip(rows, ids, strict=True)}, calendar)


def _carry_approvals(
    conn: Connection, previous: repo.PlanRun | None, new_ids: dict[str, int], rows: Sequence[dict[str, Any]]
) -> int:
    """Approvals of the previous run stay valid for a change planned again unchanged: same window, same
    track, same upgrades. Anything else about it changed, and it needs approving again."""
    if previous is None:
        return 0
    old = {p.change_key: p for p in repo.run_patches(conn, previous.id) if p.state == "scheduled"}
    given = repo.approvals(conn, [p.id for p in old.values()])
    carried = 0
    for row in rows:
        before = old.get(row["change_key"])
        if (
            before is None
            or row["state"] != "scheduled"
            or before.window_start != row["window_start"]
            or before.emergency != row["emergency"]
            or before.detail.get("label") != row["detail"].get("label")
        ):
            continue
        for a in given[before.id]:
            repo.add_approval(conn, new_ids[row["change_key"]], a.approver, a.role, a.at)
            carried += 1
    return carried


# --- patches and approvals -------------------------------------------------------------------------


@dataclass(frozen=True)
class PatchView:
    patch: repo.StoredPatch
    approvals: list[repo.StoredApproval]
    requirement: policy.Requirement
    status: policy.Status
    simulation: tuple[str, float, int] | None = None  # newest simulated deployment: verdict, score, run

    def as_dict(self) -> dict[str, Any]:
        p = self.patch
        return {
            "id": p.id,
            "plan_run": p.plan_run_id,
            "change": p.change_key,
            "asset": p.asset,
            "kind": p.kind,
            "decision": p.decision,
            "state": p.state,
            "environment": p.environment,
            "team": p.team,
            "emergency": p.emergency,
            "late": p.late,
            "due": p.due_date.isoformat() if p.due_date else None,
            "window_start": p.window_start.isoformat() if p.window_start else None,
            "window_end": p.window_end.isoformat() if p.window_end else None,
            "rollback_end": p.rollback_end.isoformat() if p.rollback_end else None,
            "risk_reduction": p.risk_reduction,
            "requested_by": p.requested_by,
            "approvals_needed": self.requirement.describe(),
            "approved": self.status.complete,
            "missing": list(self.status.missing),
            "approvals": [
                {"approver": a.approver, "role": a.role, "at": a.at.isoformat()} for a in self.approvals
            ],
            "simulation": None if self.simulation is None else {
                "verdict": self.simulation[0], "score": self.simulation[1], "run": self.simulation[2]},
            **p.detail,
        }


def _view(
    p: repo.StoredPatch, given: Sequence[repo.StoredApproval], simulated: tuple[str, float, int] | None = None
) -> PatchView:
    req = policy.requirement(p.environment, emergency=p.emergency)
    approvals = [policy.Approval(a.approver, a.role, a.at) for a in given]
    return PatchView(p, list(given), req, policy.status(req, approvals, p.requested_by), simulated)


def list_patches(store: Store, run_id: int | None = None) -> tuple[repo.PlanRun, list[PatchView]]:
    with store.engine.connect() as conn:
        run = repo.get_run(conn, run_id) if run_id is not None else repo.latest_run(conn)
        if run is None:
            raise NoPlan()
        found = repo.run_patches(conn, run.id)
        given = repo.approvals(conn, [p.id for p in found])
        simulated = simulations_repo.latest_verdicts(conn, [p.id for p in found])
    return run, [_view(p, given[p.id], simulated.get(p.id)) for p in found]


def show_patch(store: Store, patch_id: int) -> PatchView:
    with store.engine.connect() as conn:
        p = repo.get_patch(conn, patch_id)
        if p is None:
            raise UnknownPatch(patch_id)
        simulated = simulations_repo.latest_verdicts(conn, [p.id]).get(p.id)
        return _view(p, repo.approvals(conn, [p.id])[p.id], simulated)


def approve(store: Store, patch_id: int, approver: str, role: str) -> PatchView:
    """Record an approval (refused when the policy forbids it) and its audit event, in one transaction."""
    now = datetime.now(UTC)
    with store.transaction() as conn:
        p = repo.get_patch(conn, patch_id)
        if p is None:
            raise UnknownPatch(patch_id)
        if p.state != "scheduled":
            raise policy.ApprovalRefused(f"patch {patch_id} is {p.state}: there is no window to approve")
        given = repo.approvals(conn, [p.id])[p.id]
        req = policy.requirement(p.environment, emergency=p.emergency)
        existing = [policy.Approval(a.approver, a.role, a.at) for a in given]
        policy.check_new(
            req, existing, p.requested_by, policy.Approval(approver, role, now), f"patch {patch_id}"
        )
        repo.add_approval(conn, p.id, approver, role, now)
        view = _view(p, [*given, repo.StoredApproval(p.id, approver, role, now)])
        audit_repo.append(
            conn,
            actor=approver,
            action="patch.approve",
            subject=f"patch:{p.id}",
            payload={
                "change": p.change_key,
                "role": role,
                "emergency": p.emergency,
                "window_start": p.window_start.isoformat() if p.window_start else None,
                "complete": view.status.complete,
            },
            at=now,
        )
    return view


# --- audit -----------------------------------------------------------------------------------------


def verify_audit(store: Store) -> audit_repo.Verification:
    with store.engine.connect() as conn:
        return audit_repo.verify(conn)


def audit_log(
    store: Store, subject: str | None = None, limit: int | None = None
) -> list[audit_repo.AuditEvent]:
    with store.engine.connect() as conn:
        return audit_repo.events(conn, subject=subject, limit=limit)


# --- the demo --------------------------------------------------------------------------------------


def demo_plan(store: Store, home: Path, *, start: datetime | None = None, days: int = 14) -> PlanOutcome:
    """The demo venue's two-week plan on the bundled calendar, also written as ``demo-plan.ics``."""
    from patchbook.plan.export import ics

    bundled = resources.files("patchbook.demo") / "data" / DEMO_CALENDAR
    with resources.as_file(bundled) as path:
        outcome = make_plan(store, calendar_path=path, start=start, days=days, actor="demo")
    (home / "demo-plan.ics").write_bytes(ics(outcome.plan))
    return outcome
