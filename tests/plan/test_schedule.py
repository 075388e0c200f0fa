"""Scheduling on fixed dates: blackouts, preferred windows, SLA, dependencies, capacity, emergencies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patchbook.plan.calendar import BLOCKING, Calendar, parse_calendar
from patchbook.plan.schedule import ChangeRequest, DependencyCycle, schedule
from patchbook.plan.timeline import grid_for, timelines_for
from tests.plan.test_calendar import demo_calendar


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def run(changes: list[ChangeRequest], cal: Calendar, start: datetime, days: int = 14, tags=None):  # type: ignore[no-untyped-def]
    grid = grid_for(start, days, cal.planning.slot)
    assets = {c.asset: (tags or {}).get(c.asset, ()) for c in changes}
    timelines = timelines_for(cal, assets, grid)
    return schedule(
        changes,
        timelines,
        grid,
        window_capacity=cal.planning.window_capacity,
        team_capacity=cal.planning.team_capacity,
    )


def test_monthly_expiry_friday_moves_an_urgent_change_and_says_why() -> None:
    # Fri 2026-11-27 07:15: the monthly expiry settlement runs 06:00-09:00 (plus the weekly and daily).
    cal = demo_calendar()
    change = ChangeRequest("me", "matching-engine", "trading", "out-of-cycle", 5.0, date(2026, 11, 30))
    s = run([change], cal, utc(2026, 11, 27, 6, 30))
    p = s.placements[0]
    assert p.start == utc(2026, 11, 27, 9)
    assert any("monthly expiry settlement" in w and "moved to Fri 27 Nov 09:00" in w for w in p.why), p.why


def test_routine_change_goes_to_the_sunday_window_before_its_due_date() -> None:
    cal = demo_calendar()
    change = ChangeRequest("rs", "risk-engine", "risk", "scheduled", 1.0, date(2026, 12, 20))
    p = run([change], cal, utc(2026, 11, 25, 15)).placements[0]
    assert p.start == utc(2026, 11, 29, 0)
    assert p.preferred_window is not None and not p.late


def test_late_change_is_flagged_with_its_earliest_date() -> None:
    cal = demo_calendar()
    change = ChangeRequest("x", "a", "t", "scheduled", 1.0, date(2026, 11, 20))  # already overdue
    p = run([change], cal, utc(2026, 11, 25, 15)).placements[0]
    assert p.late and p.start == utc(2026, 11, 25, 15)
    assert any(w.startswith("LATE: due 2026-11-20") for w in p.why)


def test_quarter_end_freeze_pushes_routine_work_but_emergency_track_avoids_only_settlement() -> None:
    # Tue 2026-12-29 10:00: inside the quarter-end freeze (29-31 Dec).
    cal = demo_calendar()
    routine = ChangeRequest("r", "a", "t1", "out-of-cycle", 1.0, date(2027, 1, 5))
    urgent = ChangeRequest("u", "b", "t2", "immediate", 9.0, date(2026, 12, 30))
    s = run([routine, urgent], cal, utc(2026, 12, 29, 10), days=7)
    r, u = s.placement("r"), s.placement("u")
    assert r is not None and r.start >= utc(2027, 1, 1) and not r.emergency
    assert any("quarter-end change freeze" in w for w in r.why)
    assert u is not None and u.emergency and u.start == utc(2026, 12, 29, 10)
    assert any("emergency track" in w for w in u.why)


def test_emergency_change_still_waits_for_the_settlement_window() -> None:
    cal = demo_calendar()
    urgent = ChangeRequest("u", "b", "t2", "immediate", 9.0, date(2026, 12, 1))
    p = run([urgent], cal, utc(2026, 11, 26, 7, 0)).placements[0]
    # 07:00 + 1h30 would cross the 07:30-08:15 settlement: the first fit is 08:15.
    assert p.start == utc(2026, 11, 26, 8, 15)
    assert any("only 30m free before Thu 26 Nov 07:30-08:15" in w for w in p.why), p.why


def test_dependencies_standby_capacity_and_inherited_urgency() -> None:
    cal = demo_calendar()
    lib = ChangeRequest("lib", "risk-engine", "risk", "defer", 0.1, date(2027, 2, 1))
    consumer = ChangeRequest(
        "app",
        "order-gateway",
        "gw",
        "immediate",
        8.0,
        date(2026, 11, 27),
        after=("lib",),
        after_why={"lib": "risk-engine before its consumer order-gateway"},
    )
    s = run([consumer, lib], cal, utc(2026, 11, 25, 15))
    assert s.order == ["lib", "app"]
    pl, pa = s.placement("lib"), s.placement("app")
    assert pl is not None and pa is not None
    assert pa.start >= pl.rollback_end
    assert pl.start == utc(2026, 11, 25, 15)  # the library inherits the consumer's urgency
    assert any("urgency inherited" in w for w in pl.why)
    assert any("risk-engine before its consumer" in w for w in pa.why)


def test_team_and_venue_capacity() -> None:
    cal = demo_calendar()  # window capacity 2, team capacity 1
    same_team = [
        ChangeRequest(f"c{i}", f"a{i}", "sre", "out-of-cycle", 1.0, date(2026, 12, 1)) for i in range(2)
    ]
    s = run(same_team, cal, utc(2026, 11, 25, 15))
    a, b = s.placements
    assert b.start >= a.rollback_end
    assert any("team sre already runs 1 change" in w for w in b.why)
    three = [
        ChangeRequest(f"c{i}", f"a{i}", f"t{i}", "out-of-cycle", 1.0, date(2026, 12, 1)) for i in range(3)
    ]
    s = run(three, cal, utc(2026, 11, 25, 15))
    starts = sorted(p.start for p in s.placements)
    assert starts[0] == starts[1] < starts[2]


def test_cycle_is_an_error_naming_it() -> None:
    cal = demo_calendar()
    a = ChangeRequest("a", "a", "t", "scheduled", after=("b",))
    b = ChangeRequest("b", "b", "t", "scheduled", after=("a",))
    with pytest.raises(DependencyCycle, match="a -> b -> a"):
        run([a, b], cal, utc(2026, 11, 25))


def test_no_free_window_is_unschedulable_with_reasons_and_dependents_follow() -> None:
    cal = parse_calendar(
        "rules:\n  - {name: total-freeze, kind: freeze, start: 2026-11-01, end: 2027-01-01}\n", "v.yaml"
    )
    a = ChangeRequest("a", "a", "t", "scheduled", due=date(2026, 12, 1))
    b = ChangeRequest("b", "b", "t", "scheduled", after=("a",))
    s = run([a, b], cal, utc(2026, 11, 25), days=7)
    assert not s.placements
    reasons = {u.id: u.reasons for u in s.unscheduled}
    assert "no free window of 1h30m" in reasons["a"][0]
    assert "total-freeze" in reasons["a"][1]
    assert reasons["b"] == ("waits for a, which could not be scheduled",)


def test_same_inputs_same_plan() -> None:
    cal = demo_calendar()
    changes = [
        ChangeRequest(
            f"c{i}", f"a{i % 4}", f"t{i % 3}", ["immediate", "scheduled", "defer"][i % 3], i % 5, None
        )
        for i in range(30)
    ]
    first = run(changes, cal, utc(2026, 11, 25, 15))
    second = run(list(reversed(changes)), cal, utc(2026, 11, 25, 15))
    assert [(p.id, p.start) for p in first.placements] == [(p.id, p.start) for p in second.placements]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),  # asset
            st.integers(0, 2),  # team
            st.sampled_from(["immediate", "out-of-cycle", "scheduled", "defer"]),
            st.integers(1, 8),  # duration in 15 minutes
            st.integers(0, 20),  # due in days
            st.integers(-1, 30),  # dependency on an earlier change (-1 none)
        ),
        max_size=25,
    ),
    st.integers(0, 24 * 4 * 6),  # start offset in 15 minutes
)
def test_property_no_window_touches_a_blackout_and_nothing_is_lost(changes, offset) -> None:  # type: ignore[no-untyped-def]
    cal = demo_calendar()
    start = utc(2026, 11, 20) + timedelta(minutes=15 * offset)
    requests = []
    for i, (asset, team, decision, slots, due, dep) in enumerate(changes):
        after = (f"c{dep}",) if 0 <= dep < i else ()
        requests.append(
            ChangeRequest(
                f"c{i}",
                f"a{asset}",
                f"t{team}",
                decision,
                float(i),
                (start + timedelta(days=due)).date(),
                duration=timedelta(minutes=15 * slots),
                after=after,
            )
        )
    tags = {"a5": ("cme",)}
    s = run(requests, cal, start, days=10, tags=tags)
    assert {p.id for p in s.placements} | {u.id for u in s.unscheduled} == {r.id for r in requests}
    assert len(s.placements) + len(s.unscheduled) == len(requests)
    from patchbook.plan.calendar import expand

    for p in s.placements:
        rules = cal.rules_for(p.asset, tags.get(p.asset, ()))
        for b in expand(rules, p.start - timedelta(days=2), p.rollback_end + timedelta(days=2)):
            if b.kind == "settlement" or (b.kind in BLOCKING and not p.emergency):
                assert not (b.start < p.rollback_end and p.start < b.end), (p, b.describe())
    by_id = {p.id: p for p in s.placements}
    for r in requests:
        for d in r.after:
            if r.id in by_id:
                assert d in by_id and by_id[d].rollback_end <= by_id[r.id].start


def test_quarterly_expiry_friday_blocks_routine_and_emergency_changes_alike() -> None:
    # Fri 2026-12-25 is the last Friday of the quarter: the quarterly settlement runs 04:00-10:00 UTC,
    # over the monthly, weekly and daily ones. Even the emergency track waits for it.
    cal = demo_calendar()
    routine = ChangeRequest("r", "risk-engine", "risk", "out-of-cycle", 1.0, date(2026, 12, 28))
    urgent = ChangeRequest("u", "wallet-signer", "custody", "immediate", 9.0, date(2026, 12, 26))
    s = run([routine, urgent], cal, utc(2026, 12, 25, 5))
    r, u = s.placement("r"), s.placement("u")
    assert r is not None and u is not None
    assert r.start == u.start == utc(2026, 12, 25, 10)
    assert any("04:00-10:00 UTC is the quarterly expiry settlement" in w for w in u.why), u.why
    assert not u.emergency  # the routine track is free as early as the emergency one
