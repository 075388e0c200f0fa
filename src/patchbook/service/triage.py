"""Triage use cases: triage a finding, accept its risk, manage triage rules, read the effective triage.

What the findings list calls (one query per 500 findings, plus one for the rules)::

    from patchbook.service.triage import triage_map
    views = triage_map(conn, [f.id for f in found])        # {finding id: TriageView}; absent = untriaged
    shown = [f for f in found if not (views.get(f.id) and views[f.id].suppressed)]

``TriageView.suppressed`` is true for not_affected, false_positive and a running risk acceptance;
``TriageView.label`` is a short text for a table column. Rules and acceptance expiry are evaluated at
read time, so the answer is always current (see docs/decisions/007-triage.md).
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path

import yaml
from sqlalchemy.engine import Connection

from patchbook import versions
from patchbook.errors import InputError
from patchbook.model.finding import FindingEvent
from patchbook.model.triage import (
    Acceptance,
    Decision,
    FindingFacts,
    Justification,
    Rule,
    TriageState,
    TriageView,
    check_decision,
    resolve,
    rule_entry,
)
from patchbook.store import Store
from patchbook.store import triage as repo
from patchbook.store.findings import get_finding
from patchbook.yamlconfig import ConfigReader

MAX_DAYS_ENV = "PATCHBOOK_MAX_ACCEPTANCE_DAYS"
BY_ID_LIMIT = 5000  # longer id lists: one estate-wide query filtered in Python beats many IN lists
DEFAULT_MAX_DAYS = 365
TRIAGE_EVENTS = ("triage", "accepted", "acceptance_expired", "acceptance_revoked")


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def triage_map(
    conn: Connection, finding_ids: Collection[int] | None, now: datetime | None = None
) -> dict[int, TriageView]:
    """The effective triage of these findings (every finding when None); untriaged ones are absent."""
    now = _now(now)
    wanted = None if finding_ids is None else set(finding_ids)
    big = wanted is not None and len(wanted) > BY_ID_LIMIT
    stored = repo.current(conn, None if big else wanted)
    if big and wanted is not None:
        stored = {k: v for k, v in stored.items() if k in wanted}
    live = [r for r in repo.list_rules(conn) if r.live(now)]
    advisories = {r.advisory for r in live if r.advisory}
    groups = repo.groups_of(conn, advisories) if advisories else {}
    rule_groups: dict[str, Collection[str]] = {a: {a, groups.get(a, a)} for a in advisories}
    ruled = [rule_entry(r, rule_groups[r.advisory] if r.advisory else ()) for r in live]
    by_advisory = bool(advisories)  # advisory ids are read only when a rule names one
    # Only the findings with a decision of their own or that a rule could match are read, so the
    # cost follows what is triaged, not the size of the estate.
    facts: dict[int, FindingFacts] = {}
    if len(stored) > BY_ID_LIMIT:
        found = repo.facts(conn, None, repo.triaged(), advisories=by_advisory)
        facts.update((f.finding_id, f) for f in found if f.finding_id in stored)
    elif stored:
        facts.update((f.finding_id, f) for f in repo.facts(conn, stored.keys(), advisories=by_advisory))
    if live:
        candidates = repo.rule_candidates(conn, live, rule_groups)
        if wanted is None or big:
            found = repo.facts(conn, None, candidates, advisories=by_advisory)
            facts.update((f.finding_id, f) for f in found if wanted is None or f.finding_id in wanted)
        else:
            facts.update(
                (f.finding_id, f) for f in repo.facts(conn, wanted, candidates, advisories=by_advisory)
            )
    out: dict[int, TriageView] = {}
    for finding_id, fact in facts.items():
        decision, acceptance = stored.get(finding_id, (None, None))
        view = resolve(fact, decision, acceptance, ruled, now)
        if view is not None:
            out[finding_id] = view
    return out


def triage_of(store: Store, finding_ids: Collection[int]) -> dict[int, TriageView]:
    """The effective triage of these findings (lapsed acceptances recorded first), for listings."""
    observe_expiries(store)
    with store.engine.connect() as conn:
        return triage_map(conn, finding_ids)


def suppressed_ids(conn: Connection, finding_ids: Collection[int] | None) -> set[int]:
    return {i for i, v in triage_map(conn, finding_ids).items() if v.suppressed}


def _text(value: str | None, option: str, what: str) -> str:
    if value is None or not value.strip():
        raise InputError(option, f"{what} is required and may not be empty")
    return value.strip()


def _finding_exists(conn: Connection, finding_id: int) -> None:
    if get_finding(conn, finding_id) is None:
        raise InputError("findings", f"no finding with id {finding_id}; `patchbook findings list` shows them")


def observe_expiries(store: Store, now: datetime | None = None) -> int:
    """Put every acceptance that has lapsed since anyone last looked into its finding's history.

    Looked for on a read connection first: listing findings must not queue behind a writer (a feed
    import holds the writers' lock on PostgreSQL) when there is nothing to record, which is nearly always.
    """
    when = _now(now)
    with store.engine.connect() as conn:
        if not repo.unrecorded_expiries(conn, when):
            return 0
    with store.transaction() as conn:
        return repo.record_expiries(conn, when)


def triage(
    store: Store,
    finding_id: int,
    state: TriageState,
    justification: Justification | None,
    reason: str | None,
    actor: str | None,
    now: datetime | None = None,
) -> TriageView:
    problem = check_decision(state, justification)
    if problem:
        raise InputError("--justification" if "justification" in problem else "--state", problem)
    decision = Decision(
        state,
        justification,
        _text(reason, "--reason", "a reason"),
        _text(actor, "--as", "who decides"),
        _now(now),
    )
    with store.transaction() as conn:
        _finding_exists(conn, finding_id)
        repo.record_expiries(conn, decision.at)
        repo.set_decision(conn, [finding_id], decision)
        return triage_map(conn, [finding_id], decision.at)[finding_id]


def max_days() -> int:
    raw = os.environ.get(MAX_DAYS_ENV)
    if raw is None:
        return DEFAULT_MAX_DAYS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(MAX_DAYS_ENV, f"expected a whole number of days >= 1, got {raw!r}")
    return value


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(option, f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _expiry(day: date, now: datetime, option: str, limit: int | None) -> datetime:
    """Midnight UTC starting ``day``: the finding is back on that date."""
    if day <= now.date():
        raise InputError(
            option, f"the expiry {day.isoformat()} must be in the future (today is {now:%Y-%m-%d})"
        )
    if limit is not None and (day - now.date()).days > limit:
        raise InputError(
            option,
            f"the expiry {day.isoformat()} is more than {limit} days away; "
            f"accept for at most {limit} days (set {MAX_DAYS_ENV} to change the limit)",
        )
    return datetime.combine(day, time(0), tzinfo=UTC)


def accept(
    store: Store,
    finding_id: int,
    approver: str | None,
    reason: str | None,
    expires: date | None,
    now: datetime | None = None,
) -> TriageView:
    """Accept the risk of a finding until ``expires``; it comes back by itself on that date."""
    now = _now(now)
    approver = _text(approver, "--approver", "an approver")
    reason = _text(reason, "--reason", "a reason")
    if expires is None:
        raise InputError("--expires", "an acceptance needs an expiry date (YYYY-MM-DD)")
    acceptance = Acceptance(approver, reason, now, _expiry(expires, now, "--expires", max_days()))
    with store.transaction() as conn:
        _finding_exists(conn, finding_id)
        repo.record_expiries(conn, now)
        repo.set_acceptance(conn, finding_id, acceptance)
        return triage_map(conn, [finding_id], now)[finding_id]


def revoke(
    store: Store, finding_id: int, by: str | None, reason: str | None, now: datetime | None = None
) -> TriageView | None:
    """End a running risk acceptance before its expiry: the finding is back at once."""
    now = _now(now)
    by = _text(by, "--as", "who revokes the acceptance")
    reason = _text(reason, "--reason", "a reason")
    with store.transaction() as conn:
        _finding_exists(conn, finding_id)
        repo.record_expiries(conn, now)
        view = triage_map(conn, [finding_id], now).get(finding_id)
        if view is None or not view.accepted:
            raise InputError("triage revoke", f"finding {finding_id} has no running risk acceptance")
        repo.end_acceptance(conn, finding_id, now, by, reason)
        return triage_map(conn, [finding_id], now).get(finding_id)


@dataclass(frozen=True)
class TriageDetail:
    view: TriageView | None
    history: list[FindingEvent]


def detail(store: Store, finding_id: int, now: datetime | None = None) -> TriageDetail:
    """The effective triage of one finding and its triage history (lapsed acceptances recorded first)."""
    now = _now(now)
    with store.transaction() as conn:
        repo.record_expiries(conn, now)
        found = get_finding(conn, finding_id)
        if found is None:
            raise InputError(
                "findings", f"no finding with id {finding_id}; `patchbook findings list` shows them"
            )
        events = [e for e in found[2] if e.event in TRIAGE_EVENTS]
        return TriageDetail(triage_map(conn, [finding_id], now).get(finding_id), events)


# --- rules ----------------------------------------------------------------------------------------


def new_rule(
    *,
    state: TriageState,
    justification: Justification | None,
    reason: str | None,
    by: str | None,
    package: str | None = None,
    ecosystem: str | None = None,
    version: str | None = None,
    advisory: str | None = None,
    asset_tag: str | None = None,
    expires: date | None = None,
    now: datetime | None = None,
    source: str = "triage rule add",
    position: str | None = None,
) -> Rule:
    """A checked rule (not stored yet); errors name ``source`` and ``position``."""
    now = _now(now)

    def fail(message: str) -> InputError:
        return InputError(source, message, position)

    if not any((package, advisory, asset_tag)):
        raise fail(
            "a rule needs at least one of package, advisory, asset tag "
            "(a rule for everything would hide everything)"
        )
    if (ecosystem or version) and not package:
        raise fail("ecosystem and version narrow a package; name the package too")
    problem = check_decision(state, justification)
    if problem:
        raise fail(problem)
    if not reason or not reason.strip():
        raise fail("a reason is required")
    if not by or not by.strip():
        raise fail("who adds the rule is required (--as)")
    if ecosystem is not None and package is not None:
        # Findings carry the ecosystem's normalised name ("django-rest" for "Django_Rest" on PyPI).
        known = {e.lower(): e for e in versions.KNOWN_ECOSYSTEMS}
        if ecosystem.lower() not in known:
            raise fail(f"unknown ecosystem {ecosystem!r}; expected an OSV ecosystem such as npm, PyPI, Maven")
        ecosystem = known[ecosystem.lower()]
        package = versions.normalise_name(ecosystem, package)
    expires_at = None
    if expires is not None:
        if expires <= now.date():
            raise fail(f"the expiry {expires.isoformat()} must be in the future")
        expires_at = datetime.combine(expires, time(0), tzinfo=UTC)
    return Rule(
        id=0,
        state=state,
        justification=justification,
        reason=reason.strip(),
        created_by=by.strip(),
        created_at=now,
        package=package,
        ecosystem=ecosystem,
        version=version,
        advisory=advisory,
        asset_tag=asset_tag,
        expires_at=expires_at,
    )


def add_rules(store: Store, rules: list[Rule]) -> list[Rule]:
    with store.transaction() as conn:
        ids = repo.add_rules(conn, rules)
    return [replace(r, id=i) for r, i in zip(rules, ids, strict=True)]


RULE_KEYS = (
    "package",
    "ecosystem",
    "version",
    "advisory",
    "asset_tag",
    "state",
    "justification",
    "reason",
    "expires",
    "by",
)


def read_rules_file(path: Path, by: str | None, now: datetime | None = None) -> list[Rule]:
    """Rules from a YAML file: ``rules:`` a list of mappings with the keys of ``triage rule add``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read the rules file: {exc.strerror}") from None
    rules = []
    with ConfigReader(str(path), text) as reader:
        if reader.root is None:
            raise InputError(str(path), "empty file; expected `rules:` with a list of rules")
        top = reader.mapping(reader.root, "", ("rules",))
        if "rules" not in top:
            raise InputError(str(path), "expected `rules:` with a list of rules")
        for index, node in enumerate(reader.sequence(top["rules"], "rules")):
            rules.append(_yaml_rule(reader, node, f"rules[{index}]", by, now, str(path)))
    return rules


def _yaml_rule(
    reader: ConfigReader, node: yaml.Node, where: str, by: str | None, now: datetime | None, source: str
) -> Rule:
    fields = reader.mapping(node, where, RULE_KEYS)
    if "state" not in fields or "reason" not in fields:
        raise reader.fail(node, where, "every rule needs a state and a reason")

    def text(key: str, allowed: tuple[str, ...] | None = None) -> str | None:
        return reader.text(fields[key], f"{where}.{key}", allowed) if key in fields else None

    just = text("justification", tuple(j.value for j in Justification))
    return new_rule(
        state=TriageState(
            reader.text(fields["state"], f"{where}.state", tuple(s.value for s in TriageState))
        ),
        justification=Justification(just) if just else None,
        reason=text("reason"),
        by=text("by") or by,
        package=text("package"),
        ecosystem=text("ecosystem"),
        version=str(reader.value(fields["version"])) if "version" in fields else None,
        advisory=text("advisory"),
        asset_tag=text("asset_tag"),
        expires=reader.day(fields["expires"], f"{where}.expires") if "expires" in fields else None,
        now=now,
        source=source,
        position=f"line {node.start_mark.line + 1}",
    )


@dataclass(frozen=True)
class RuleStatus:
    rule: Rule
    removed_by: str | None
    applies_to: int  # findings it decides now (not those a per-finding decision overrides)


def list_rules(
    store: Store, *, include_removed: bool = False, now: datetime | None = None
) -> list[RuleStatus]:
    now = _now(now)
    with store.engine.connect() as conn:
        rules = repo.list_rules(conn, include_removed=include_removed)
        counts: dict[int, int] = {}
        if any(r.live(now) for r in rules):
            for view in triage_map(conn, None, now).values():
                if view.rule_id is not None:
                    counts[view.rule_id] = counts.get(view.rule_id, 0) + 1
        removed_by = {}
        if include_removed:
            for r in rules:
                got = repo.get_rule(conn, r.id)
                removed_by[r.id] = got[1] if got else None
    return [RuleStatus(r, removed_by.get(r.id), counts.get(r.id, 0)) for r in rules]


def remove_rule(store: Store, rule_id: int, by: str | None, now: datetime | None = None) -> Rule:
    by = _text(by, "--as", "who removes the rule")
    with store.transaction() as conn:
        got = repo.get_rule(conn, rule_id)
        if got is None:
            raise InputError(
                "triage rule remove", f"no rule with id {rule_id}; `patchbook triage rule list` shows them"
            )
        if got[0].removed_at is not None:
            raise InputError("triage rule remove", f"rule {rule_id} was already removed (by {got[1]})")
        repo.remove_rule(conn, rule_id, by, _now(now))
        return got[0]
