"""The venue calendar: recurrences on fixed dates, DST, one-offs, per-asset rules, bad files."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest

from patchbook.errors import InputError
from patchbook.plan.calendar import expand, load_calendar, parse_calendar, parse_duration


def demo_calendar():  # type: ignore[no-untyped-def]
    path = resources.files("patchbook.demo") / "data" / "calendar.yaml"
    return load_calendar(str(path))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_quarterly_expiry_friday_stacks_every_settlement() -> None:
    # 2026-12-25 is the last Friday of December: daily, weekly, monthly and quarterly expiries at once,
    # inside the quarter-end freeze (29-31 Dec starts after it).
    cal = demo_calendar()
    blocks = expand(cal.rules, utc(2026, 12, 25), utc(2026, 12, 26))
    names = {b.rule.name for b in blocks}
    assert {"daily-expiry", "weekly-expiry", "monthly-expiry", "quarterly-expiry"} <= names
    quarterly = next(b for b in blocks if b.rule.name == "quarterly-expiry")
    assert (quarterly.start, quarterly.end) == (utc(2026, 12, 25, 4), utc(2026, 12, 25, 10))
    freeze = expand(cal.rules, utc(2026, 12, 28), utc(2027, 1, 2))
    assert any(b.rule.name == "quarter-end-freeze" and b.start == utc(2026, 12, 29) for b in freeze)


def test_monthly_expiry_is_the_last_friday_not_every_friday() -> None:
    cal = demo_calendar()
    blocks = expand(cal.rules, utc(2026, 11, 1), utc(2026, 12, 1))
    monthly = [b.start for b in blocks if b.rule.name == "monthly-expiry"]
    assert monthly == [utc(2026, 11, 27, 6)]
    weekly = [b.start.date().isoformat() for b in blocks if b.rule.name == "weekly-expiry"]
    assert weekly == ["2026-11-06", "2026-11-13", "2026-11-20", "2026-11-27"]


def test_cme_session_follows_chicago_daylight_saving() -> None:
    # US DST ends Sun 2026-11-01; the EU ended a week earlier (Sun 2026-10-25). The CME session opens
    # at 17:00 CT: 22:00 UTC under CDT, 23:00 UTC under CST, so the halt 16:00-17:00 CT moves too.
    cal = demo_calendar()
    rules = cal.rules_for("hedge-gateway", ["cme"])
    blocks = [b for b in expand(rules, utc(2026, 10, 25), utc(2026, 11, 5)) if b.kind == "session"]
    opens = {b.start.date().isoformat(): b.start.hour for b in blocks}
    assert opens["2026-10-29"] == 22  # Thursday, CDT
    assert opens["2026-11-01"] == 23  # Sunday, now CST
    assert opens["2026-11-02"] == 23
    # The daily halt is the gap between one session's end and the next one's start: one hour, always;
    # the weekend (Fri 16:00 CDT -> Sun 17:00 CST) is 50 hours in UTC that week instead of 49.
    gaps = {b2.start - b1.end for b1, b2 in itertools.pairwise(blocks) if b1.end < b2.start}
    assert gaps == {timedelta(hours=1), timedelta(hours=50)}


def test_london_rule_moves_in_utc_across_eu_dst_change() -> None:
    cal = parse_calendar(
        "rules:\n"
        "  - {name: ldn-open, kind: blackout, timezone: Europe/London,\n"
        "     repeat: daily, at: '08:00', duration: 1h}\n"
    )
    blocks = expand(cal.rules, utc(2026, 10, 23), utc(2026, 10, 28))
    hours = [(b.start.date().isoformat(), b.start.hour) for b in blocks]
    assert ("2026-10-24", 7) in hours and ("2026-10-26", 8) in hours


def test_one_off_in_named_zone_and_asset_rules() -> None:
    cal = demo_calendar()
    fomc = expand(cal.rules, utc(2026, 12, 9), utc(2026, 12, 10))
    f = next(b for b in fomc if b.rule.name == "fomc-2026-12")
    assert (f.start, f.end) == (utc(2026, 12, 9, 18), utc(2026, 12, 9, 21))  # 13:00-16:00 EST
    assert cal.rules_for("matching-engine") == cal.rules
    assert len(cal.rules_for("x", ["cme"])) == len(cal.rules) + 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rules:\n  - {name: a, kind: freeze, timezone: Mars/Olympus, start: 2026-12-01, duration: 1h}\n",
            "line 2: rules[0].timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            "rules:\n  - {name: a, kind: halt, repeat: daily, at: '01:00', duration: 1h}\n",
            "line 2: rules[0].kind: unknown value 'halt'",
        ),
        (
            "rules:\n  - {name: a, kind: freeze, repeat: 'FREQ=SOMETIMES', at: '01:00', duration: 1h}\n",
            "line 2: rules[0].repeat: not an RFC 5545 RRULE",
        ),
        ("rules:\n  - {name: a, kind: freeze, repeat: daily, duration: 1h}\n", "needs 'at'"),
        (
            "rules:\n  - {name: a, kind: freeze, start: 2026-12-02T10:00, end: 2026-12-02T09:00}\n",
            "ends before it starts",
        ),
        (
            "rules:\n  - {name: a, kind: freeze, start: 2026-12-02, duration: 1h}\n"
            "  - {name: a, kind: freeze, start: 2026-12-03, duration: 1h}\n",
            "line 3: rules[1].name: rule 'a' is already defined at line 2",
        ),
        (
            "rules:\n  - {name: a, kind: freeze, repeat: daily, at: '25:00', duration: 1h}\n",
            "expected a time of day as HH:MM",
        ),
        (
            "rules:\n  - {name: a, kind: freeze, repeat: daily, at: '01:00', duration: soon}\n",
            "expected a duration such as 45m",
        ),
        ("planning: {slot: 7m}\n", "the slot must divide a day evenly"),
        ("colour: blue\n", "colour: unknown key"),
    ],
)
def test_bad_calendars_name_the_line(text: str, expected: str) -> None:
    with pytest.raises(InputError) as err:
        parse_calendar(text, "venue.yaml")
    assert str(err.value).startswith("venue.yaml:")
    assert expected in str(err.value)


def test_preferred_window_over_a_settlement_is_contradictory() -> None:
    cal = parse_calendar(
        "rules:\n"
        "  - {name: expiry, kind: settlement, repeat: daily, at: '07:30', duration: 45m}\n"
        "  - {name: quiet, kind: preferred, repeat: 'FREQ=WEEKLY;BYDAY=SU', at: '06:00', duration: 4h}\n",
        "venue.yaml",
    )
    with pytest.raises(InputError) as err:
        expand(cal.rules, utc(2026, 11, 25), utc(2026, 12, 5), cal.source)
    message = str(err.value)
    assert message.startswith("venue.yaml:line 3:")
    assert "'quiet' (line 3) and 'expiry' (line 2) contradict" in message
    assert "Sun 29 Nov 07:30-08:15 UTC" in message


def test_durations() -> None:
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    with pytest.raises(ValueError):
        parse_duration("")


def test_the_readme_calendar_is_valid() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Planning", 1)[1]
    text = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    cal = parse_calendar(text, "README.md")
    blocks = expand(cal.rules_for("hedger", ["cme"]), utc(2026, 11, 23), utc(2026, 11, 30))
    assert {b.rule.name for b in blocks} >= {
        "daily-expiry",
        "monthly-expiry",
        "sunday-low-activity",
        "cme-globex-session",
    }
