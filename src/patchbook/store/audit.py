"""The audit trail: an append-only, hash-chained event table.

Each row's ``hash`` is SHA-256 over a canonical encoding of the row (seq, time, actor, action, subject,
payload, and the previous row's hash): JSON with sorted keys, no spaces, UTF-8, times as UTC ISO 8601
with microseconds. Changing, deleting or inserting any row therefore breaks the chain from that row
on; :func:`verify` walks it and names the first row that does not hold. Rows are only ever inserted,
in the caller's transaction, so an event is recorded exactly when the change it describes commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.store.schema import audit_events

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEvent:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def canonical(
    seq: int, at: datetime, actor: str, action: str, subject: str, payload: Mapping[str, Any], prev_hash: str
) -> bytes:
    body = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(
    seq: int, at: datetime, actor: str, action: str, subject: str, payload: Mapping[str, Any], prev_hash: str
) -> str:
    return hashlib.sha256(canonical(seq, at, actor, action, subject, payload, prev_hash)).hexdigest()


def append(
    conn: Connection,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one event after the last, on the caller's transaction."""
    plain: dict[str, Any] = json.loads(json.dumps(dict(payload or {})))  # as it will come back out
    # The store keeps microseconds on both back ends: hash what will be read back.
    at = (at or datetime.now(UTC)).astimezone(UTC)
    last = conn.execute(
        sa.select(audit_events.c.seq, audit_events.c.hash).order_by(audit_events.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (int(last.seq) + 1, str(last.hash)) if last else (1, GENESIS)
    h = digest(seq, at, actor, action, subject, plain, prev)
    conn.execute(
        audit_events.insert().values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            payload=payload,
            prev_hash=prev,
            hash=h,
        )
    )
    return AuditEvent(seq, at, actor, action, subject, plain, prev, h)


def _event(row: Any) -> AuditEvent:
    return AuditEvent(
        int(row.seq),
        row.at,
        row.actor,
        row.action,
        row.subject,
        dict(row.payload or {}),
        row.prev_hash,
        row.hash,
    )


def events(conn: Connection, *, subject: str | None = None, limit: int | None = None) -> list[AuditEvent]:
    """Events in chain order (the last ``limit`` when given)."""
    stmt = sa.select(audit_events).order_by(audit_events.c.seq.desc())
    if subject is not None:
        stmt = stmt.where(audit_events.c.subject == subject)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_event(r) for r in reversed(list(conn.execute(stmt)))]


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    first_bad: int | None = None  # seq of the first row that does not hold
    reason: str = ""


def verify(conn: Connection) -> Verification:
    """Walk the whole chain in order; stop at the first row whose hash, link or number is wrong."""
    prev, expected_seq, checked = GENESIS, 1, 0
    result = conn.execution_options(yield_per=5000).execute(
        sa.select(audit_events).order_by(audit_events.c.seq)
    )
    for row in result:
        e = _event(row)
        if e.seq != expected_seq:
            return Verification(
                False, checked, e.seq, f"expected row {expected_seq} next, found {e.seq}: rows missing"
            )
        if e.prev_hash != prev:
            return Verification(False, checked, e.seq, "its prev_hash is not the hash of the row before it")
        if digest(e.seq, e.at, e.actor, e.action, e.subject, e.payload, e.prev_hash) != e.hash:
            return Verification(
                False,
                checked,
                e.seq,
                f"its content does not match its hash ({e.action} {e.subject} by {e.actor})",
            )
        prev, expected_seq, checked = e.hash, expected_seq + 1, checked + 1
    return Verification(True, checked)
