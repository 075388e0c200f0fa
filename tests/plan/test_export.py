"""Exports: the iCalendar file parses back with the same windows; Markdown and JSON carry the reasons."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from icalendar import Calendar as ICalendar

from patchbook.plan.build import AssetInfo, build_plan
from patchbook.plan.export import ics, markdown, plan_dict
from patchbook.plan.remediation import ComponentFix, Patch
from tests.plan.test_calendar import demo_calendar


def make_plan():  # type: ignore[no-untyped-def]
    up = ComponentFix("matching-engine", "crates.io", "tokio", "1.12.0", "1.13.1", "minor", False, (1,))
    none = ComponentFix(
        "risk-engine", "PyPI", "lib", "1.0", None, None, False, (2,), (), ("accept the risk",), "no fix"
    )
    patches = [
        Patch("matching-engine", (up,), (), (1,), "out-of-cycle", 2.0, date(2026, 12, 1)),
        Patch("risk-engine", (), (none,), (), "scheduled", 0.0, None),
    ]
    assets = {"matching-engine": AssetInfo("matching-engine", "trading")}
    return build_plan(patches, assets, demo_calendar(), start=datetime(2026, 11, 27, 7, tzinfo=UTC), days=7)


def test_ics_round_trip() -> None:
    plan = make_plan()
    cal = ICalendar.from_ical(ics(plan))
    [event] = [c for c in cal.walk("VEVENT")]
    p = plan.schedule.placements[0]
    assert event.decoded("dtstart") == p.start and event.decoded("dtend") == p.rollback_end
    assert "matching-engine" in str(event.get("summary"))
    assert "monthly expiry settlement" in str(event.get("description"))


def test_markdown_and_json() -> None:
    plan = make_plan()
    md = markdown(plan)
    assert "| Fri 27 Nov 09:00-10:00 (+30m rollback) | matching-engine | out-of-cycle |" in md
    assert "## No fix available: mitigations" in md and "accept the risk" in md
    data = json.loads(json.dumps(plan_dict(plan)))
    assert data["changes"][0]["change"] == "matching-engine"
    assert data["no_fix"][0]["asset"] == "risk-engine"
