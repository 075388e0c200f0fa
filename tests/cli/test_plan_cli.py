"""`patchbook plan`, `patch` and `audit` through the real console script."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.conftest import Run


def test_plan_approve_audit_and_tamper(run: Run, tmp_path: Path) -> None:
    assert run("demo", "--no-simulate", "--json").returncode == 0
    ics, md = tmp_path / "plan.ics", tmp_path / "cab.md"
    done = run(
        "plan", "--from", "2026-11-27T06:30", "--days", "14", "--json", "--ics", str(ics), "--md", str(md)
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    changes = {c["change"]: c for c in plan["changes"]}
    engine = changes["matching-engine"]
    assert engine["start"].startswith("2026-11-29T00:00")  # the Sunday window
    early = [c for c in plan["changes"] if c["start"].startswith("2026-11-27T09:00")]
    assert early and any("monthly expiry settlement" in w for w in early[0]["why"])
    assert ics.read_text().startswith("BEGIN:VCALENDAR") and "# Patch plan" in md.read_text()

    pid = str(engine["patch_id"])
    listed = json.loads(run("patch", "list", "--json").stdout)
    assert any(p["id"] == engine["patch_id"] and not p["approved"] for p in listed["patches"])
    first = run("patch", "approve", pid, "--as", "alice")  # takes the first missing role: owner
    assert first.returncode == 0 and "still missing: security" in first.stdout
    again = run("patch", "approve", pid, "--as", "alice", "--role", "security")
    assert again.returncode == 1 and "alice has already approved it" in again.stderr
    assert run("patch", "approve", pid, "--as", "bob", "--role", "security").returncode == 0
    shown = json.loads(run("patch", "show", pid, "--json").stdout)
    assert shown["approved"] and [a["approver"] for a in shown["approvals"]] == ["alice", "bob"]

    ok = run("audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout
    db = tmp_path / "home" / "patchbook.db"
    with sqlite3.connect(db) as conn:
        actions = conn.execute("SELECT seq, action FROM audit_events ORDER BY seq").fetchall()
        assert [a for _, a in actions][-2:] == ["patch.approve", "patch.approve"]
        alice = actions[-2][0]
        conn.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = ?", (alice,))
    broken = run("audit", "log", "--limit", "1")  # still readable ...
    assert broken.returncode == 0 and "patch.approve" in broken.stdout
    broken = run("audit", "verify")  # ... but no longer intact
    assert broken.returncode == 1
    assert f"broken at row {alice}" in broken.stdout


def test_bad_calendar_and_date_are_one_line_exit_2(run: Run, tmp_path: Path) -> None:
    cal = tmp_path / "venue.yaml"
    cal.write_text(
        "rules:\n  - {name: x, kind: freeze, timezone: Europe/Atlantis, start: 2026-12-01, duration: 1h}\n"
    )
    bad = run("plan", "--calendar", str(cal))
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        f"patchbook: error: {cal}:line 2: rules[0].timezone: unknown time zone 'Europe/Atlantis'; "
        "expected an IANA name such as UTC, Europe/London or America/Chicago"
    )
    assert run("plan", "--from", "next tuesday").returncode == 2
    assert run("patch", "list").returncode == 2  # no plan yet
