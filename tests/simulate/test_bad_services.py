"""Misbehaving services become recorded failures with evidence and a rollback verdict; never a hang."""

from __future__ import annotations

import time
from typing import Any

import pytest

from patchbook.model.simulation import Verdict
from patchbook.simulate.profile import Profile
from patchbook.simulate.runner import run_simulation

from .conftest import service, venue

FAST = Profile(rounds=1, rate="4000", response_timeout_s=1.0, round_timeout_s=20.0)


def _candidate_failure(run: Any) -> Any:
    failed = [m for m in run.measurements if m.arm == "candidate" and m.failure is not None]
    assert failed, "the candidate's failure must be recorded"
    return failed[0].failure


@pytest.mark.parametrize(
    ("name", "kind", "evidence"),
    [
        ("exit_at_once", {"exit", "crash"}, "config file /etc/venue.conf missing"),
        ("garbage", {"garbage"}, "OK order accepted!!"),
        ("wrong_seq", {"wrong-seq"}, '"seq": 1001'),
    ],
)
def test_broken_candidate_is_rollback_with_evidence(
    tiny_flow: list[dict[str, Any]], name: str, kind: set[str], evidence: str
) -> None:
    run = run_simulation(venue("1.4.2"), service(name), tiny_flow, FAST)
    assert run.verdict is Verdict.ROLLBACK and run.score == 0
    f = _candidate_failure(run)
    assert f.kind in kind
    assert evidence in f.stderr_tail + "".join(f.evidence)
    assert any(c.name == "candidate ran clean" and not c.passed for c in run.judgement.checks)


def test_hang_is_detected_within_the_deadline(tiny_flow: list[dict[str, Any]]) -> None:
    started = time.monotonic()
    run = run_simulation(venue("1.4.2"), service("hang"), tiny_flow, FAST)
    assert time.monotonic() - started < 15
    f = _candidate_failure(run)
    assert f.kind == "hang" and "outstanding" in f.detail
    assert run.verdict is Verdict.ROLLBACK


def test_memory_leak_hits_the_limit(tiny_flow: list[dict[str, Any]]) -> None:
    prof = Profile(rounds=1, rate="4000", response_timeout_s=2.0, memory_mb=200)
    run = run_simulation(venue("1.4.2"), service("leak"), tiny_flow, prof)
    f = _candidate_failure(run)
    assert f.kind in ("crash", "exit")
    assert "MemoryError" in f.stderr_tail
    assert run.verdict is Verdict.ROLLBACK


def test_broken_baseline_cannot_promote(tiny_flow: list[dict[str, Any]]) -> None:
    run = run_simulation(service("exit_at_once"), venue("1.4.2"), tiny_flow, FAST)
    assert run.verdict is Verdict.ROLLBACK
    assert any("cannot judge without a working baseline" in r for r in run.judgement.reasons)


def test_command_that_does_not_exist(tiny_flow: list[dict[str, Any]]) -> None:
    run = run_simulation(venue("1.4.2"), "/nonexistent/venue-engine --build 9", tiny_flow, FAST)
    f = _candidate_failure(run)
    assert f.kind == "start" and "/nonexistent/venue-engine" in f.detail
    assert run.verdict is Verdict.ROLLBACK


def test_non_deterministic_baseline_invalidates_the_run(tiny_flow: list[dict[str, Any]]) -> None:
    run = run_simulation(service("nondeterministic"), service("nondeterministic"), tiny_flow, FAST)
    assert run.diff is not None and not run.diff.deterministic
    price = next(f for f in run.diff.fields if f.path == "fills[].price")
    assert price.noise > 0 and price.must_match and not price.masked
    check = next(c for c in run.judgement.checks if c.name == "deterministic replay")
    assert not check.passed and "run invalid" in check.detail
    assert run.verdict is Verdict.ROLLBACK
