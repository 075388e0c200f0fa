"""Repository for triage decisions, risk acceptances and triage rules.

The current decision and acceptance of a finding live in ``finding_triage``; every change is also an
event in ``finding_events`` (the finding's one history, which ``findings show`` prints): ``triage``,
``accepted``, ``acceptance_expired``. Rules live in ``triage_rules`` and are never deleted.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.model.triage import Acceptance, Decision, FindingFacts, Justification, Rule, TriageState
from patchbook.store.batching import chunks
from patchbook.store.bulk import insert_rows
from patchbook.store.schema import (
    alias_members,
    assets,
    finding_events,
    finding_triage,
    findings,
    triage_rules,
)

t = finding_triage.c


def _existing(conn: Connection, finding_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for part in chunks(finding_ids):
        found.update(r[0] for r in conn.execute(sa.select(t.finding_id).where(t.finding_id.in_(part))))
    return found


def _upsert(conn: Connection, finding_ids: Sequence[int], values: dict[str, Any]) -> None:
    """Set these columns on the findings' rows, creating the rows that do not exist yet."""
    have = _existing(conn, finding_ids)
    updates = [i for i in finding_ids if i in have]
    if updates:
        conn.execute(
            sa.update(finding_triage).where(t.finding_id == sa.bindparam("b_id")),
            [{"b_id": i, **values} for i in updates],
        )
    inserts = [{"expiry_recorded": False, **values, "finding_id": i} for i in finding_ids if i not in have]
    if inserts:
        insert_rows(conn, finding_triage, inserts)


def _events(conn: Connection, finding_ids: Sequence[int], at: datetime, event: str, detail: Any) -> None:
    insert_rows(
        conn,
        finding_events,
        [{"finding_id": i, "at": at, "event": event, "detail": detail} for i in finding_ids],
    )


def set_decision(conn: Connection, finding_ids: Sequence[int], decision: Decision) -> None:
    """Triage these findings (one event each); an acceptance they carry stays as it is."""
    if not finding_ids:
        return
    _upsert(
        conn,
        finding_ids,
        {
            "state": decision.state.value,
            "justification": decision.justification.value if decision.justification else None,
            "reason": decision.reason,
            "actor": decision.actor,
            "decided_at": decision.at,
            "source": decision.source,
        },
    )
    detail = {
        "state": decision.state.value,
        "justification": decision.justification.value if decision.justification else None,
        "reason": decision.reason,
        "by": decision.actor,
        "source": decision.source,
    }
    _events(conn, finding_ids, decision.at, "triage", detail)


def set_acceptance(conn: Connection, finding_id: int, acceptance: Acceptance) -> None:
    _upsert(
        conn,
        [finding_id],
        {
            "accepted_by": acceptance.approver,
            "accepted_reason": acceptance.reason,
            "accepted_at": acceptance.accepted_at,
            "accepted_until": acceptance.expires_at,
            "expiry_recorded": False,
        },
    )
    detail = {
        "approver": acceptance.approver,
        "reason": acceptance.reason,
        "expires": acceptance.expires_at.isoformat(),
    }
    _events(conn, [finding_id], acceptance.accepted_at, "accepted", detail)


def end_acceptance(conn: Connection, finding_id: int, at: datetime, by: str, reason: str) -> None:
    """End a running acceptance now (the expiry moves to ``at``; the revocation is the history entry)."""
    row = conn.execute(sa.select(t.accepted_until).where(t.finding_id == finding_id)).first()
    conn.execute(
        sa.update(finding_triage)
        .where(t.finding_id == finding_id)
        .values(accepted_until=at, expiry_recorded=True)
    )
    detail = {"by": by, "reason": reason, "was_until": row.accepted_until.isoformat() if row else None}
    _events(conn, [finding_id], at, "acceptance_revoked", detail)


def unrecorded_expiries(conn: Connection, now: datetime) -> list[Any]:
    """The acceptances that have lapsed by ``now`` and have no ``acceptance_expired`` event yet."""
    return list(
        conn.execute(
            sa.select(t.finding_id, t.accepted_by, t.accepted_until).where(
                t.accepted_until <= now, t.expiry_recorded.is_(False)
            )
        )
    )


def record_expiries(conn: Connection, now: datetime) -> int:
    """Write an ``acceptance_expired`` event for each acceptance that has lapsed and has none yet.

    Suppression itself is computed from the expiry when findings are read, so nothing waits for this;
    it only puts the lapse into the history the first time someone looks.
    """
    lapsed = unrecorded_expiries(conn, now)
    if not lapsed:
        return 0
    insert_rows(
        conn,
        finding_events,
        [
            {
                "finding_id": r.finding_id,
                "at": r.accepted_until,
                "event": "acceptance_expired",
                "detail": {"approver": r.accepted_by, "observed_at": now.isoformat()},
            }
            for r in lapsed
        ],
    )
    conn.execute(
        sa.update(finding_triage).where(t.finding_id == sa.bindparam("b_id")),
        [{"b_id": r.finding_id, "expiry_recorded": True} for r in lapsed],
    )
    return len(lapsed)


def current(
    conn: Connection, finding_ids: Collection[int] | None
) -> dict[int, tuple[Decision | None, Acceptance | None]]:
    """The stored decision and acceptance of these findings (all findings when None)."""
    stmt = sa.select(finding_triage)
    rows = (
        list(conn.execute(stmt))
        if finding_ids is None
        else [
            r
            for part in chunks(sorted(finding_ids))
            for r in conn.execute(stmt.where(t.finding_id.in_(part)))
        ]
    )
    out: dict[int, tuple[Decision | None, Acceptance | None]] = {}
    for r in rows:
        decision = (
            Decision(
                TriageState(r.state),
                Justification(r.justification) if r.justification else None,
                r.reason or "",
                r.actor or "",
                r.decided_at,
                r.source or "cli",
            )
            if r.state
            else None
        )
        acceptance = (
            Acceptance(r.accepted_by, r.accepted_reason or "", r.accepted_at, r.accepted_until)
            if r.accepted_until is not None
            else None
        )
        out[r.finding_id] = (decision, acceptance)
    return out


def facts(
    conn: Connection,
    finding_ids: Collection[int] | None,
    where: sa.ColumnElement[bool] | None = None,
    *,
    advisories: bool = True,
) -> list[FindingFacts]:
    """What rules match on, for these findings (all when None), optionally only those ``where`` holds.

    ``advisories=False`` leaves ``advisory_ids`` empty (decoding that JSON is most of the read's cost).
    """
    f = findings.c
    # Assets are few: read them once instead of joining (and decoding their tags) on every finding row.
    owners = {
        r.id: (r.name, tuple(r.tags or ()))
        for r in conn.execute(sa.select(assets.c.id, assets.c.name, assets.c.tags))
    }
    stmt = sa.select(
        f.id,
        f.asset_id,
        f.ecosystem,
        f.package,
        f.installed_version,
        f.alias_group,
        f.advisory_ids if advisories else sa.null(),
    )
    if where is not None:
        stmt = stmt.where(where)
    rows = (
        conn.execute(stmt).all()
        if finding_ids is None
        else [r for part in chunks(sorted(finding_ids)) for r in conn.execute(stmt.where(f.id.in_(part)))]
    )
    return [
        FindingFacts(fid, *owners[asset_id], ecosystem, package, installed, group, tuple(advisory_ids or ()))
        for fid, asset_id, ecosystem, package, installed, group, advisory_ids in rows
    ]


def triaged() -> sa.ColumnElement[bool]:
    """A filter on findings: those with a decision or an acceptance of their own."""
    return findings.c.id.in_(sa.select(t.finding_id))


def rule_candidates(
    conn: Connection, rules: Sequence[Rule], groups: dict[str, Collection[str]]
) -> sa.ColumnElement[bool]:
    """A filter that keeps every finding one of the rules could match (the version is checked after).

    ``groups``: for each rule's advisory, the alias groups it stands for. Asset tags are resolved to
    asset ids here, so the database never has to look inside the JSON tag lists.
    """
    f = findings.c
    tagged: dict[str, list[int]] = {}
    for r in conn.execute(sa.select(assets.c.id, assets.c.tags)):
        for tag in r.tags or ():
            tagged.setdefault(tag, []).append(r.id)
    alternatives = []
    for rule in rules:
        conditions = []
        if rule.package is not None:
            conditions.append(f.package == rule.package)
        if rule.ecosystem is not None:
            conditions.append(sa.func.lower(f.ecosystem) == rule.ecosystem.lower())
        if rule.advisory is not None:
            conditions.append(f.alias_group.in_(sorted(groups.get(rule.advisory, {rule.advisory}))))
        if rule.asset_tag is not None:
            conditions.append(f.asset_id.in_(tagged.get(rule.asset_tag, [])))
        alternatives.append(sa.and_(*conditions) if conditions else sa.true())
    return sa.or_(*alternatives) if alternatives else sa.false()


def groups_of(conn: Connection, identifiers: Collection[str]) -> dict[str, str]:
    """Identifier (CVE, GHSA, OSV id) -> its alias group, for the identifiers the store knows."""
    a = alias_members.c
    out: dict[str, str] = {}
    for part in chunks(sorted(identifiers)):
        out.update(
            (r.identifier, r.alias_group)
            for r in conn.execute(sa.select(a.identifier, a.alias_group).where(a.identifier.in_(part)))
        )
    return out


# --- rules ----------------------------------------------------------------------------------------


def _rule(r: Any) -> Rule:
    return Rule(
        id=r.id,
        state=TriageState(r.state),
        justification=Justification(r.justification) if r.justification else None,
        reason=r.reason,
        created_by=r.created_by,
        created_at=r.created_at,
        package=r.package,
        ecosystem=r.ecosystem,
        version=r.version,
        advisory=r.advisory,
        asset_tag=r.asset_tag,
        expires_at=r.expires_at,
        removed_at=r.removed_at,
    )


def add_rules(conn: Connection, rules: Sequence[Rule]) -> list[int]:
    """Store new rules (their ``id`` is ignored); returns the ids given to them, in order."""
    ids = []
    for rule in rules:
        result = conn.execute(
            sa.insert(triage_rules).values(
                package=rule.package,
                ecosystem=rule.ecosystem,
                version=rule.version,
                advisory=rule.advisory,
                asset_tag=rule.asset_tag,
                state=rule.state.value,
                justification=rule.justification.value if rule.justification else None,
                reason=rule.reason,
                created_by=rule.created_by,
                created_at=rule.created_at,
                expires_at=rule.expires_at,
            )
        )
        assert result.inserted_primary_key is not None
        ids.append(int(result.inserted_primary_key[0]))
    return ids


def list_rules(conn: Connection, *, include_removed: bool = False) -> list[Rule]:
    """Rules, newest first (the order in which they win)."""
    r = triage_rules.c
    stmt = sa.select(triage_rules).order_by(r.id.desc())
    if not include_removed:
        stmt = stmt.where(r.removed_at.is_(None))
    return [_rule(row) for row in conn.execute(stmt)]


def get_rule(conn: Connection, rule_id: int) -> tuple[Rule, str | None] | None:
    row = conn.execute(sa.select(triage_rules).where(triage_rules.c.id == rule_id)).first()
    return None if row is None else (_rule(row), row.removed_by)


def remove_rule(conn: Connection, rule_id: int, by: str, at: datetime) -> None:
    conn.execute(
        sa.update(triage_rules).where(triage_rules.c.id == rule_id).values(removed_by=by, removed_at=at)
    )
