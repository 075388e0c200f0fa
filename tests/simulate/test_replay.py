"""Open-loop replay: coordinated-omission-free latency, rate modes, the demo entry point."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from patchbook.model.simulation import Verdict
from patchbook.simulate.contract import encode_requests, parse_responses
from patchbook.simulate.measure import measure
from patchbook.simulate.profile import Profile
from patchbook.simulate.replay import replay
from patchbook.simulate.runner import run_simulation
from patchbook.simulate.sandbox import Sandbox, SandboxSpec, Service

from .conftest import service, venue


def test_stall_is_charged_to_every_request_queued_behind_it(tmp_path: Any) -> None:
    """One 200 ms stall at request 300 of 1,000 sent every 1 ms: open loop charges ~200 requests,
    so p90 reflects the stall; a closed-loop tool would record one slow request only."""
    reqs = [{"op": "cancel", "order_id": str(i)} for i in range(1000)]
    sb = Sandbox(SandboxSpec("s", service("stall")), tmp_path)
    svc = sb.start("r")
    assert isinstance(svc, Service)
    raw = replay(svc.write_fd, svc.read_fd, encode_requests(reqs), [i * 1_000_000 for i in range(1000)])
    m, _ = measure("s", 1, raw, svc.finish(2), 0.0, 10, "status", ("rejected",), "status", ("error",))
    assert m.failure is None and m.responses == 1000
    assert m.p90_us > 50_000  # ~20 % of requests waited behind the stall
    assert m.max_us > 190_000
    assert m.p50_us < 50_000


def test_contract_parsing_evidence() -> None:
    lines = [b'{"seq": 1}', b"oops", b'{"seq": 1}', b'{"seq": 99}', b"[1,2]", b'{"seq": 2, "x": 1}']
    p = parse_responses(lines, 3)
    assert sorted(p.by_seq) == [1, 2]
    assert p.garbage_count == 2 and p.garbage == ["oops", "[1,2]"]
    assert p.wrong_seq_count == 2 and p.wrong_seq == ['{"seq": 99}'] and p.duplicate == ['{"seq": 1}']


def test_rate_modes(tiny_flow: list[dict[str, Any]]) -> None:
    for rate in ("max", "recorded"):
        flow = tiny_flow[:150]
        run = run_simulation(venue("1.4.2"), venue("1.4.2"), flow, Profile(rounds=1, rate=rate))
        assert all(m.failure is None and m.responses == len(flow) for m in run.measurements), rate
        assert run.diff is not None and not run.diff.critical_fields


def test_the_reference_venue_runs_from_its_command() -> None:
    from patchbook.cli.simulate import print_summary
    from patchbook.simulate.demo import venue_command
    from patchbook.simulate.flow.generator import generate
    from patchbook.simulate.profile import Profile
    from patchbook.simulate.runner import run_simulation

    run = run_simulation(venue_command("1.4.2"), venue_command("1.4.3-tick"), list(generate(400, 1)),
                         Profile(rounds=1))
    assert run.verdict is Verdict.ROLLBACK
    buf = io.StringIO()
    print_summary(Console(file=buf, width=120), run)
    assert "ROLLBACK" in buf.getvalue() and "fills[].price" in buf.getvalue()


def test_demo_fails_clearly_without_the_venue(monkeypatch: Any, tmp_path: Any) -> None:
    import pytest

    from patchbook.errors import InputError
    from patchbook.simulate.demo import venue_engine

    monkeypatch.setenv("PATCHBOOK_VENUE", str(tmp_path))
    with pytest.raises(InputError, match="reference venue not found"):
        venue_engine()
