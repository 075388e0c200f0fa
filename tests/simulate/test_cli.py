"""``patchbook simulate`` end to end through the console script: exit codes, --json, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from patchbook.simulate.flow.format import write_flow
from patchbook.simulate.runner import HOST_NOISE_CHECKS

from .conftest import service, venue

PB = [sys.executable, "-m", "patchbook.cli.main"]


@pytest.fixture
def flow_file(tmp_path: Path, tiny_flow: list[dict[str, Any]]) -> Path:
    p = tmp_path / "flow.jsonl"
    with p.open("wb") as fh:
        write_flow(tiny_flow, fh)
    return p


def _pb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PB, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.xdist_group("timing")
def test_issue_form_promote_exit_0_json(flow_file: Path) -> None:
    r = _pb(
        "simulate",
        "--baseline",
        venue("1.4.2"),
        "--candidate",
        venue("1.4.3"),
        "--flow",
        str(flow_file),
        "--rounds",
        "1",
        "--rate",
        "4000",
        "--json",
    )
    out = json.loads(r.stdout)
    noise = [c for c in out["checks"] if c["name"] in HOST_NOISE_CHECKS and not c["passed"]]
    if noise:  # a loaded CI host: the identical build is held on the judge's own evidence, never rolled back
        assert r.returncode == 1 and out["verdict"] == "hold", r.stderr
    else:
        assert r.returncode == 0, (out["reasons"], r.stderr)
        assert out["verdict"] == "promote" and out["score"] == 100.0
    assert {m["name"] for m in out["metrics"]} >= {"latency_p50", "latency_p99", "throughput", "errors"}
    assert out["diff"]["deterministic"] is True and "ts" in out["diff"]["masked"]


def test_run_subcommand_rollback_exit_1_and_html(
    flow_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "r.html"
    code, out, _ = _main(
        capsys,
        "simulate",
        "run",
        "--baseline",
        venue("1.4.2"),
        "--candidate",
        service("garbage"),
        "--flow",
        str(flow_file),
        "--rounds",
        "1",
        "--html",
        str(html),
    )
    assert code == 1
    assert "ROLLBACK" in out and "garbage" in out
    assert "<svg" in html.read_text()


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The console script's main() in-process (no interpreter start-up per case)."""
    from patchbook.cli.main import main

    old = sys.argv
    sys.argv = ["patchbook", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return code, out.out, out.err


def test_usage_and_input_errors_exit_2(
    flow_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _main(capsys, "simulate", "--baseline", "x", "--flow", str(flow_file))
    assert code == 2 and "missing --candidate" in err
    code, _, err = _main(
        capsys, "simulate", "--baseline", "x", "--candidate", "y", "--flow", str(tmp_path / "none.jsonl")
    )
    assert code == 2 and "none.jsonl" in err and err.count("\n") == 1
    prof = tmp_path / "p.yaml"
    prof.write_text("rounds: 3\nratee: 10\n")
    code, _, err = _main(
        capsys,
        "simulate",
        "--baseline",
        "x",
        "--candidate",
        "y",
        "--flow",
        str(flow_file),
        "--profile",
        str(prof),
    )
    assert code == 2 and "unknown keys ['ratee']" in err
    code, _, err = _main(
        capsys, "simulate", "--baseline", "x", "--candidate", "y", "--flow", str(flow_file), "--rate", "fast"
    )
    assert code == 2 and "--rate" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"op": "new", "order_id": "a", "t_ns": 0}\n')
    code, _, err = _main(capsys, "simulate", "--baseline", "x", "--candidate", "y", "--flow", str(bad))
    expected = f"patchbook: error: {bad}:line 1: new needs instrument, side, price, quantity"
    assert code == 2 and err.strip() == expected


def test_profile_file_thresholds(tmp_path: Path) -> None:
    from patchbook.simulate.profile import load_profile

    p = tmp_path / "venue.yaml"
    p.write_text(
        "rounds: 4\nrate: max\nmust_match: [fills]\nnoise: [ts]\n"
        "metrics:\n  latency_p99: {allowed_increase: 1.5}\n"
        "candidate:\n  env: {VENUE_FLAG: '1'}\n  package: venue==1.4.3\n  wheelhouse: wheels\n"
    )
    prof = load_profile(p)
    assert prof.rounds == 4 and prof.rate == "max" and prof.must_match == ("fills",)
    assert next(m for m in prof.metrics if m.name == "latency_p99").allowed_increase == 1.5
    assert prof.candidate.env == {"VENUE_FLAG": "1"} and prof.candidate.wheelhouse == (tmp_path / "wheels")
