"""Plans, approvals and the hash-chained audit trail on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from patchbook.plan.approvals import ApprovalRefused
from patchbook.service import plan as plan_service
from patchbook.store import Store, audit
from patchbook.store.schema import audit_events


def test_chain_verifies_and_any_tampering_names_the_first_bad_row(store: Store) -> None:
    with store.transaction() as conn:
        for i in range(5):
            audit.append(
                conn, actor="alice", action="test.event", subject=f"thing:{i}", payload={"n": i, "ü": "ß"}
            )
    with store.engine.connect() as conn:
        result = audit.verify(conn)
        assert result.ok and result.checked == 5
        assert [e.seq for e in audit.events(conn, limit=2)] == [4, 5]
    # Edit a payload: row 3's hash no longer matches its content.
    with store.transaction() as conn:
        conn.execute(audit_events.update().where(audit_events.c.seq == 3).values(payload={"n": 99, "ü": "ß"}))
    with store.engine.connect() as conn:
        bad = audit.verify(conn)
    assert (bad.ok, bad.first_bad, bad.checked) == (False, 3, 2)
    assert "content does not match its hash" in bad.reason
    # Recompute row 3's hash to hide the edit: row 4's link breaks instead.
    with store.transaction() as conn:
        row = conn.execute(sa.select(audit_events).where(audit_events.c.seq == 3)).one()
        forged = audit.digest(
            row.seq, row.at, row.actor, row.action, row.subject, dict(row.payload), row.prev_hash
        )
        conn.execute(audit_events.update().where(audit_events.c.seq == 3).values(hash=forged))
    with store.engine.connect() as conn:
        assert audit.verify(conn).first_bad == 4
    # Delete a row: the gap is found.
    with store.transaction() as conn:
        conn.execute(audit_events.delete().where(audit_events.c.seq == 2))
    with store.engine.connect() as conn:
        gap = audit.verify(conn)
    assert gap.first_bad == 3 and "rows missing" in gap.reason


def test_demo_plan_is_stored_approved_and_audited(store: Store, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from patchbook.service import demo as demo_service

    monkeypatch.setenv("PATCHBOOK_HOME", str(tmp_path / "home"))
    demo_service.build(store)
    outcome = plan_service.demo_plan(store, tmp_path, start=datetime(2026, 11, 27, 6, 30, tzinfo=UTC))
    assert (tmp_path / "demo-plan.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    run, views = plan_service.list_patches(store)
    assert run.id == outcome.run_id and run.summary["scheduled"] == len(outcome.plan.schedule.placements) > 0
    engine = next(v for v in views if v.patch.change_key == "matching-engine")
    assert engine.patch.state == "scheduled" and engine.patch.window_start is not None
    assert engine.patch.detail["patch"]["upgrades"][0]["package"]
    assert engine.requirement.roles == ("owner", "security") and not engine.status.complete
    pid = engine.patch.id
    plan_service.approve(store, pid, "alice", "owner")
    with pytest.raises(ApprovalRefused, match="alice has already approved it"):
        plan_service.approve(store, pid, "alice", "security")
    done = plan_service.approve(store, pid, "bob", "security")
    assert done.status.complete
    events = plan_service.audit_log(store)
    # the demo sets the matching engine's simulation profile before it plans
    assert [e.action for e in events] == ["simulation.profile", "plan.run", "patch.approve", "patch.approve"]
    assert events[-1].payload["complete"] is True
    # Planned again unchanged: the approvals stay with the change; the new run is audited too.
    again = plan_service.demo_plan(store, tmp_path, start=datetime(2026, 11, 27, 6, 30, tzinfo=UTC))
    _, views = plan_service.list_patches(store, again.run_id)
    engine_again = next(v for v in views if v.patch.change_key == "matching-engine")
    assert engine_again.patch.id != pid and engine_again.status.complete
    assert plan_service.audit_log(store)[-1].payload["approvals_carried"] == 2
    assert plan_service.verify_audit(store).ok


def test_emergency_change_needs_two_people_not_the_requester(store: Store) -> None:
    from patchbook.store import plans

    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    with store.transaction() as conn:
        _, [pid] = plans.add_run(
            conn,
            {
                "created_at": now,
                "created_by": "carol",
                "venue": "v",
                "calendar_source": "c",
                "calendar_sha256": None,
                "horizon_start": now,
                "horizon_end": now,
                "summary": {},
            },
            [
                {
                    "change_key": "wallet-signer",
                    "asset": "wallet-signer",
                    "kind": "software",
                    "decision": "immediate",
                    "state": "scheduled",
                    "environment": "staging",
                    "team": "custody",
                    "emergency": True,
                    "late": False,
                    "due_date": None,
                    "window_start": now,
                    "window_end": now,
                    "rollback_end": now,
                    "risk_reduction": 1.0,
                    "requested_by": "carol",
                    "detail": {},
                }
            ],
        )
    with pytest.raises(ApprovalRefused, match="carol requested this emergency change"):
        plan_service.approve(store, pid, "carol", "change")
    assert not plan_service.approve(store, pid, "dave", "change").status.complete
    assert plan_service.approve(store, pid, "erin", "change").status.complete
