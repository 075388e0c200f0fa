"""The venue calendar: recurring and one-off rules in UTC or a named time zone, per-asset additions.

A calendar file (YAML)::

    version: 1
    venue: demo-options
    timezone: UTC                  # default zone of every rule
    planning:                      # optional; defaults shown
      slot: 15m                    # the planner's time grid
      duration: 1h                 # expected length of one change
      rollback: 30m                # rollback margin, must fit in the window too
      window_capacity: 2           # concurrent changes venue-wide
      team_capacity: 1             # concurrent changes of one owning team
    rules:
      - name: daily-expiry
        kind: settlement           # settlement | session | freeze | blackout | preferred
        repeat: daily              # daily, or an RFC 5545 RRULE such as FREQ=MONTHLY;BYDAY=-1FR
        at: "07:30"                # local start, in the rule's time zone
        duration: 45m
      - name: fomc-december
        kind: freeze
        start: 2026-12-16T18:00    # one-off: start + end (or duration)
        end: 2026-12-16T21:00
        timezone: UTC
    assets:                        # rules that apply to one asset (by name) or a tag (tag:NAME) only
      tag:cme:
        - {name: cme-globex, kind: session, timezone: America/Chicago,
           repeat: "FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH", at: "17:00", duration: 23h}

Kinds: ``settlement`` blocks every change, emergency ones too; ``session`` (the market is open),
``freeze`` and ``blackout`` block routine changes; ``preferred`` marks low-activity windows routine
changes go to first. A preferred window that overlaps a settlement or session is contradictory and an
error naming both rules and their lines. Recurrences are expanded with dateutil's rrule in the rule's
local time and converted to UTC occurrence by occurrence, so a rule written in America/Chicago moves
by an hour in UTC when daylight saving time changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from dateutil.rrule import rrule, rrulestr

from patchbook.errors import InputError
from patchbook.yamlconfig import ConfigReader, read_config

RuleKind = Literal["settlement", "session", "freeze", "blackout", "preferred"]
KINDS: tuple[RuleKind, ...] = ("settlement", "session", "freeze", "blackout", "preferred")
BLOCKING: frozenset[str] = frozenset({"settlement", "session", "freeze", "blackout"})
# Recurrences start here unless a rule says `from`: a fixed anchor keeps INTERVAL>1 rules in phase.
ANCHOR = date(2020, 1, 1)
_SHORTHAND = {"daily": "FREQ=DAILY"}
_DURATION = re.compile(r"^\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*$")


def parse_duration(text: str) -> timedelta:
    """``"1h30m"``, ``"45m"``, ``"3d"``, ``"2d12h"`` -> timedelta; ValueError otherwise."""
    m = _DURATION.match(text)
    if not text.strip() or m is None or not any(m.groups()):
        raise ValueError(f"expected a duration such as 45m, 1h30m or 2d, got {text!r}")
    d, h, mins = (int(g or 0) for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mins)


def format_duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return "".join(parts) or "0m"


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    kind: RuleKind
    zone: str
    line: int  # where the rule starts in its file, for error messages
    description: str = ""
    repeat: str | None = None  # RRULE body; None for a one-off
    at: time | None = None
    duration: timedelta = timedelta(0)
    start: datetime | None = None  # one-off, naive local time in `zone`
    end: datetime | None = None
    valid_from: date | None = None
    valid_until: date | None = None

    @property
    def label(self) -> str:
        return self.description or self.name


@dataclass(frozen=True, slots=True)
class PlanningDefaults:
    slot: timedelta = timedelta(minutes=15)
    duration: timedelta = timedelta(hours=1)
    rollback: timedelta = timedelta(minutes=30)
    window_capacity: int = 2
    team_capacity: int = 1


@dataclass(frozen=True, slots=True)
class Calendar:
    venue: str
    zone: str
    rules: tuple[Rule, ...]
    asset_rules: dict[str, tuple[Rule, ...]] = field(default_factory=dict)  # "name" or "tag:NAME"
    planning: PlanningDefaults = PlanningDefaults()
    source: str = "<calendar>"

    def rules_for(self, asset: str, tags: Iterable[str] = ()) -> tuple[Rule, ...]:
        """The venue's rules plus those the calendar adds for this asset or one of its tags."""
        extra: list[Rule] = list(self.asset_rules.get(asset, ()))
        for tag in sorted(set(tags)):
            extra.extend(self.asset_rules.get(f"tag:{tag}", ()))
        return self.rules + tuple(extra)


@dataclass(frozen=True, slots=True)
class Block:
    """One occurrence of a rule, in UTC."""

    start: datetime
    end: datetime
    rule: Rule

    @property
    def kind(self) -> RuleKind:
        return self.rule.kind

    def describe(self) -> str:
        """``"Fri 27 Nov 07:30-08:00 UTC is the monthly expiry settlement"``."""
        same_day = self.start.date() == (self.end - timedelta(microseconds=1)).date()
        end = f"{self.end:%H:%M}" if same_day else f"{self.end:%a %d %b %H:%M}"
        what = self.rule.description or f"{self.rule.name} ({self.kind})"
        return f"{self.start:%a %d %b %H:%M}-{end} UTC is {what}"


# --- expanding rules -----------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _recurrence(rule: Rule) -> rrule:
    # Cached with rrule's own occurrence cache: a plan expands the same rules for many assets.
    assert rule.repeat is not None and rule.at is not None
    first = rule.valid_from or ANCHOR
    parsed = rrulestr(rule.repeat, dtstart=datetime.combine(first, rule.at), cache=True)
    return cast(rrule, parsed)


def occurrences(rule: Rule, start: datetime, end: datetime) -> list[Block]:
    """The rule's occurrences that overlap ``[start, end)`` (both UTC), in time order."""
    zone = ZoneInfo(rule.zone)
    if rule.repeat is None:
        assert rule.start is not None and rule.end is not None
        s = rule.start.replace(tzinfo=zone).astimezone(UTC)
        e = rule.end.replace(tzinfo=zone).astimezone(UTC)
        return [Block(s, e, rule)] if s < end and e > start else []
    # Search in local wall time with a day of slack each side: the zone's offset is at most 14 h.
    lo = start.astimezone(zone).replace(tzinfo=None) - rule.duration - timedelta(days=1)
    hi = end.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    out: list[Block] = []
    for local in _recurrence(rule).between(lo, hi, inc=True):
        if rule.valid_until is not None and local.date() > rule.valid_until:
            break
        s = local.replace(tzinfo=zone).astimezone(UTC)
        e = s + rule.duration
        if s < end and e > start:
            out.append(Block(s, e, rule))
    return out


def expand(rules: Sequence[Rule], start: datetime, end: datetime, source: str = "<calendar>") -> list[Block]:
    """Every occurrence of these rules overlapping ``[start, end)``, sorted; contradictions raise."""
    blocks = sorted(
        (b for r in rules for b in occurrences(r, start, end)),
        key=lambda b: (b.start, b.end, b.rule.name),
    )
    _check_contradictions(blocks, source)
    return blocks


def _check_contradictions(blocks: Sequence[Block], source: str) -> None:
    """A preferred window may not overlap a settlement or a trading session: one of the two is wrong."""
    hard = [b for b in blocks if b.kind in ("settlement", "session")]
    for p in (b for b in blocks if b.kind == "preferred"):
        for h in hard:
            if h.start < p.end and p.start < h.end:
                raise InputError(
                    source,
                    f"rules {p.rule.name!r} (line {p.rule.line}) and {h.rule.name!r} (line {h.rule.line}) "
                    f"contradict each other: the preferred window {p.describe()} overlaps {h.describe()}",
                    f"line {p.rule.line}",
                )


# --- loading ---------------------------------------------------------------------------------------

_RULE_KEYS = (
    "name",
    "kind",
    "description",
    "timezone",
    "repeat",
    "at",
    "duration",
    "start",
    "end",
    "from",
    "until",
)


def _zone(r: ConfigReader, node: yaml.Node, path: str) -> str:
    name = r.text(node, path)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail(
            node,
            path,
            f"unknown time zone {name!r}; expected an IANA name such as "
            "UTC, Europe/London or America/Chicago",
        ) from None
    return name


def _duration(r: ConfigReader, node: yaml.Node, path: str, *, allow_zero: bool = False) -> timedelta:
    value = r.value(node)
    try:
        parsed = parse_duration(str(value))
    except ValueError as exc:
        raise r.fail(node, path, str(exc)) from None
    if parsed <= timedelta(0) and not (allow_zero and parsed == timedelta(0)):
        raise r.fail(node, path, "expected a duration longer than zero")
    return parsed


def _clock(r: ConfigReader, node: yaml.Node, path: str) -> time:
    value = r.value(node)
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 07:30 as a base-60 number (450 minutes); take it as meant.
        value = f"{value // 60:02d}:{value % 60:02d}"
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise r.fail(node, path, f"expected a time of day as HH:MM, got {value!r}") from None


def _moment(r: ConfigReader, node: yaml.Node, path: str) -> datetime:
    value = r.value(node)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise r.fail(node, path, f"expected a date and time as YYYY-MM-DDTHH:MM, got {value!r}") from None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _rule(r: ConfigReader, node: yaml.Node, path: str, default_zone: str) -> Rule:
    f = r.mapping(node, path, _RULE_KEYS)
    line = node.start_mark.line + 1
    for needed in ("name", "kind"):
        if needed not in f:
            raise r.fail(node, path, f"a rule needs {needed!r}")
    name = r.text(f["name"], f"{path}.name")
    kind = cast(RuleKind, r.text(f["kind"], f"{path}.kind", KINDS))
    zone = _zone(r, f["timezone"], f"{path}.timezone") if "timezone" in f else default_zone
    description = r.text(f["description"], f"{path}.description") if "description" in f else ""
    duration = _duration(r, f["duration"], f"{path}.duration") if "duration" in f else None
    if "repeat" in f:
        for bad in ("start", "end"):
            if bad in f:
                raise r.fail(
                    f[bad], f"{path}.{bad}", "a repeating rule takes 'at' and 'duration', not start/end"
                )
        if "at" not in f or duration is None:
            raise r.fail(node, path, "a repeating rule needs 'at' (HH:MM) and 'duration'")
        text = r.text(f["repeat"], f"{path}.repeat")
        body = _SHORTHAND.get(text.strip().lower(), text.strip())
        valid_from = r.day(f["from"], f"{path}.from") if "from" in f else None
        valid_until = r.day(f["until"], f"{path}.until") if "until" in f else None
        rule = Rule(
            name,
            kind,
            zone,
            line,
            description,
            body,
            _clock(r, f["at"], f"{path}.at"),
            duration,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        try:
            _recurrence(rule)
        except (ValueError, TypeError) as exc:
            raise r.fail(
                f["repeat"], f"{path}.repeat", f"not an RFC 5545 RRULE ({exc}); e.g. FREQ=WEEKLY;BYDAY=FR"
            ) from None
        return rule
    if "start" not in f:
        raise r.fail(node, path, "a rule needs either 'repeat' (recurring) or 'start' (one-off)")
    start = _moment(r, f["start"], f"{path}.start")
    if "end" in f:
        end = _moment(r, f["end"], f"{path}.end")
        if end <= start:
            raise r.fail(f["end"], f"{path}.end", f"ends before it starts ({start:%Y-%m-%d %H:%M})")
    elif duration is not None:
        end = start + duration
    else:
        raise r.fail(node, path, "a one-off rule needs 'end' or 'duration'")
    return Rule(name, kind, zone, line, description, start=start, end=end, duration=end - start)


def _rules(r: ConfigReader, node: yaml.Node, path: str, zone: str, seen: dict[str, int]) -> tuple[Rule, ...]:
    out = []
    for i, item in enumerate(r.sequence(node, path)):
        rule = _rule(r, item, f"{path}[{i}]", zone)
        if rule.name in seen:
            raise r.fail(
                item, f"{path}[{i}].name", f"rule {rule.name!r} is already defined at line {seen[rule.name]}"
            )
        seen[rule.name] = rule.line
        out.append(rule)
    return tuple(out)


def _planning(r: ConfigReader, node: yaml.Node) -> PlanningDefaults:
    keys = ("slot", "duration", "rollback", "window_capacity", "team_capacity")
    f = r.mapping(node, "planning", keys)
    d = PlanningDefaults()
    values: dict[str, object] = {}
    for k in ("slot", "duration", "rollback"):
        if k in f:
            values[k] = _duration(r, f[k], f"planning.{k}", allow_zero=k == "rollback")
    for k in ("window_capacity", "team_capacity"):
        if k in f:
            n = r.days(f[k], f"planning.{k}")
            if n < 1:
                raise r.fail(f[k], f"planning.{k}", "expected a whole number >= 1")
            values[k] = n
    slot = cast(timedelta, values.get("slot", d.slot))
    if timedelta(days=1) % slot:
        raise r.fail(f["slot"], "planning.slot", "the slot must divide a day evenly (5m, 15m, 1h ...)")
    return PlanningDefaults(
        slot=slot,
        duration=cast(timedelta, values.get("duration", d.duration)),
        rollback=cast(timedelta, values.get("rollback", d.rollback)),
        window_capacity=cast(int, values.get("window_capacity", d.window_capacity)),
        team_capacity=cast(int, values.get("team_capacity", d.team_capacity)),
    )


def parse_calendar(text: str, source: str = "<calendar>") -> Calendar:
    with ConfigReader(source, text) as r:
        if r.root is None:
            raise InputError(source, "the calendar is empty; expected at least 'rules'")
        top = r.mapping(r.root, "", ("version", "venue", "timezone", "planning", "rules", "assets"))
        if "version" in top and r.value(top["version"]) != 1:
            raise r.fail(top["version"], "version", "only version 1 is known")
        venue = r.text(top["venue"], "venue") if "venue" in top else "venue"
        zone = _zone(r, top["timezone"], "timezone") if "timezone" in top else "UTC"
        planning = _planning(r, top["planning"]) if "planning" in top else PlanningDefaults()
        seen: dict[str, int] = {}
        rules = _rules(r, top["rules"], "rules", zone, seen) if "rules" in top else ()
        per_asset: dict[str, tuple[Rule, ...]] = {}
        if "assets" in top:
            node = top["assets"]
            if not isinstance(node, yaml.MappingNode):
                raise r.fail(node, "assets", "expected a mapping of asset name (or tag:NAME) to rules")
            for key_node, value_node in node.value:
                key = str(r.value(key_node))
                if key in per_asset:
                    raise r.fail(key_node, f"assets.{key}", "given twice")
                per_asset[key] = _rules(r, value_node, f"assets.{key}", zone, seen)
        return Calendar(venue, zone, rules, per_asset, planning, source)


def load_calendar(path: str | Path) -> Calendar:
    source, text = read_config(path)
    return parse_calendar(text, source)
