"""Plan exports: JSON (machines), Markdown (the change-advisory board), iCalendar (people's calendars).

iCalendar goes through the ``icalendar`` package (RFC 5545 escaping, folding and UTC times done right);
every event's UID is derived from the venue, the change and its start, so re-importing an updated plan
replaces events rather than duplicating them where the start did not move.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from icalendar import Calendar as ICalendar
from icalendar import Event

from patchbook.plan.approvals import requirement
from patchbook.plan.build import Plan
from patchbook.plan.calendar import format_duration
from patchbook.plan.remediation import ComponentFix, Patch
from patchbook.plan.schedule import Placement


def _fix(u: ComponentFix) -> dict[str, Any]:
    return {
        "ecosystem": u.ecosystem,
        "package": u.package,
        "installed": u.installed_version,
        "target": u.target,
        "size": u.size,
        "breaking": u.breaking,
        "closes": list(u.closes),
        "rejected": [{"version": v, "why": w} for v, w in u.rejected],
        "mitigations": list(u.mitigations),
        "note": u.note,
    }


def patch_dict(p: Patch) -> dict[str, Any]:
    return {
        "asset": p.asset,
        "decision": p.decision,
        "risk_reduction": round(p.risk_reduction, 6),
        "due": p.due.isoformat() if p.due else None,
        "findings": list(p.findings),
        "upgrades": [_fix(u) for u in p.upgrades],
        "no_fix": [_fix(u) for u in p.no_fix],
    }


def placement_dict(p: Placement) -> dict[str, Any]:
    return {
        "change": p.id,
        "asset": p.asset,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "rollback_end": p.rollback_end.isoformat(),
        "emergency": p.emergency,
        "preferred_window": p.preferred_window,
        "late": p.late,
        "due": p.due.isoformat() if p.due else None,
        "why": list(p.why),
    }


def plan_dict(plan: Plan) -> dict[str, Any]:
    s = plan.schedule
    return {
        "venue": plan.venue,
        "calendar": plan.calendar_source,
        "from": plan.start.isoformat(),
        "to": plan.end.isoformat(),
        "changes": [
            {**placement_dict(p), "label": plan.changes[p.id].label, "team": plan.changes[p.id].team}
            for p in s.placements
        ],
        "unscheduled": [
            {
                "change": u.id,
                "asset": u.asset,
                "due": u.due.isoformat() if u.due else None,
                "reasons": list(u.reasons),
            }
            for u in s.unscheduled
        ],
        "patches": [patch_dict(p) for p in plan.patches],
        "no_fix": [patch_dict(p) for p in plan.no_fix],
        "contracts": {
            asset: [
                {"step": st.id, "action": st.action, "earliest": st.earliest.isoformat(), "detail": st.detail}
                for st in steps
            ]
            for asset, steps in plan.contract_steps.items()
        },
    }


def _when(moment: datetime) -> str:
    return f"{moment:%a %d %b %H:%M}"


def _needs(plan: Plan, p: Placement) -> str:
    info = plan.assets.get(p.asset)
    return requirement(info.environment if info else "prod", emergency=p.emergency).describe()


def markdown(plan: Plan) -> str:
    """A change-advisory-board summary: what, when, why there, what is late, what cannot be done."""
    s = plan.schedule
    late = sum(p.late for p in s.placements)
    lines = [
        f"# Patch plan: {plan.venue}",
        "",
        f"Horizon {plan.start:%Y-%m-%d %H:%M} to {plan.end:%Y-%m-%d %H:%M} UTC; "
        f"calendar `{plan.calendar_source}`.",
        f"{len(s.placements)} changes scheduled ({late} late against their SLA), "
        f"{len(s.unscheduled)} unschedulable, {len(plan.no_fix)} assets with no fix available.",
        "",
        "## Changes",
        "",
        "| when (UTC) | change | decision | due | track | approvals needed | what |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in s.placements:
        c = plan.changes[p.id]
        track = "emergency" if p.emergency else (p.preferred_window and "preferred window") or "routine"
        due = f"{p.due}" + (" **LATE**" if p.late else "") if p.due else ""
        lines.append(
            f"| {_when(p.start)}-{p.end:%H:%M} (+{format_duration(c.rollback)} rollback) | {p.id} "
            f"| {c.decision} | {due} | {track} | {_needs(plan, p)} | {c.label} |"
        )
    lines += ["", "## Why each change is where it is", ""]
    for p in s.placements:
        lines.append(f"- **{p.id}**: " + "; ".join(p.why))
    if s.unscheduled:
        lines += ["", "## Unschedulable", ""]
        for u in s.unscheduled:
            lines.append(f"- **{u.id}** (due {u.due or 'none'}): " + "; ".join(u.reasons))
    if plan.no_fix:
        lines += ["", "## No fix available: mitigations", ""]
        for patch in plan.no_fix:
            for fix in patch.no_fix:
                lines.append(
                    f"- **{patch.asset}** {fix.package} {fix.installed_version}: {fix.note}. "
                    f"Options: {'; '.join(fix.mitigations)}"
                )
    if plan.contract_steps:
        lines += ["", "## Smart contracts", ""]
        for asset, steps in plan.contract_steps.items():
            for st in steps:
                lines.append(f"- **{asset}** {st.action}: earliest {_when(st.earliest)} UTC: {st.detail}")
    return "\n".join(lines) + "\n"


def ics(plan: Plan) -> bytes:
    """One VEVENT per scheduled change, its window including the rollback margin."""
    cal = ICalendar()
    cal.add("prodid", "-//patchbook//patch plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"patchbook: {plan.venue} patch plan")
    for p in plan.schedule.placements:
        c = plan.changes[p.id]
        event = Event()
        uid = hashlib.sha256(f"{plan.venue}|{p.id}|{p.start.isoformat()}".encode()).hexdigest()[:32]
        event.add("uid", f"{uid}@patchbook")
        event.add("dtstamp", plan.start)
        event.add("dtstart", p.start)
        event.add("dtend", p.rollback_end)
        prefix = "EMERGENCY " if p.emergency else ""
        event.add("summary", f"{prefix}patch {p.id} ({c.decision})")
        event.add(
            "description",
            f"{c.label}\nchange {format_duration(c.duration)}"
            f" + rollback margin {format_duration(c.rollback)}\n" + "\n".join(p.why),
        )
        event.add("categories", ["patch", c.decision])
        cal.add_component(event)
    return bytes(cal.to_ical())
