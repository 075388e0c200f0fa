"""Order flow: generator determinism and mix, validation errors naming the line, LOBSTER import."""

from __future__ import annotations

import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from patchbook.errors import InputError
from patchbook.simulate.flow.format import load_flow, validate_record, write_flow
from patchbook.simulate.flow.generator import generate
from patchbook.simulate.flow.lobster import LobsterStats, import_lobster

LOBSTER = "orderflow/AMZN_2021-04-12_34200000_57600000_message_10.csv"


def _bytes(records: object) -> bytes:
    buf = io.BytesIO()
    write_flow(records, buf)  # type: ignore[arg-type]
    return buf.getvalue()


def test_generator_is_deterministic_for_a_seed() -> None:
    assert _bytes(generate(3000, 42)) == _bytes(generate(3000, 42))
    assert _bytes(generate(3000, 42)) != _bytes(generate(3000, 43))


def test_generated_records_validate_and_time_increases() -> None:
    recs = list(generate(5000, 1))
    for r in recs:
        validate_record(r)
    ts = [r["t_ns"] for r in recs]
    assert ts == sorted(ts)
    # Poisson at 10,000/s: 5,000 arrivals take about half a second
    assert 0.4e9 < ts[-1] < 0.6e9
    ops = Counter(r["op"] for r in recs)
    assert set(ops) == {"new", "cancel", "replace", "market"}
    opts = [r for r in recs if r["instrument"].get("kind") == "option"]
    assert opts and {"strike", "expiry", "type", "underlying"} <= set(opts[0]["instrument"])


def test_exchange_core_mix() -> None:
    recs = list(generate(20_000, 7, "exchange-core"))
    ops = Counter(r["op"] if r["op"] != "new" else r["tif"] for r in recs)
    n = len(recs)
    assert ops["replace"] / n == pytest.approx(0.82, abs=0.02)
    assert ops["GTC"] / n == pytest.approx(0.09, abs=0.02)
    assert ops["IOC"] / n == pytest.approx(0.03, abs=0.01)
    assert ops["cancel"] / n == pytest.approx(0.06, abs=0.01)
    assert {r["instrument"]["symbol"] for r in recs} == {"BTC-USD"}


def test_bad_flow_line_is_named(tmp_path: Path) -> None:
    p = tmp_path / "flow.jsonl"
    good = orjson.dumps({"op": "cancel", "order_id": "a", "t_ns": 1}).decode()
    p.write_text(f'{good}\n{good}\n{{"op": "new", "order_id": "x"}}\n')
    with pytest.raises(InputError) as e:
        load_flow(p)
    assert str(e.value).startswith(f"{p}:line 3: new needs")
    p.write_text(f"{good}\nnot json\n")
    with pytest.raises(InputError, match="line 2: not JSON"):
        load_flow(p)
    p.write_text(
        orjson.dumps(
            {
                "op": "new",
                "order_id": "x",
                "instrument": {"symbol": "O", "kind": "option"},
                "side": "buy",
                "price": 1,
                "quantity": 1,
            }
        ).decode()
        + "\n"
    )
    with pytest.raises(InputError, match="line 1: option instrument needs underlying"):
        load_flow(p)


def test_lobster_real_file_with_seventh_column(shared_data: Path) -> None:
    stats = LobsterStats()
    recs = list(import_lobster(shared_data / LOBSTER, stats))
    assert stats.lines == 40674
    ops = Counter(r["op"] for r in recs)
    # type 1 -> new (17,187), type 3 -> cancel (14,462), type 4 -> market (5,389); 5 and 6 skipped
    assert ops["new"] == 17187 and ops["market"] == 5389
    assert stats.skipped["hidden execution"] == 3632 and stats.skipped["cross trade"] == 1
    assert stats.written == len(recs)
    assert any(r.get("participant") == "UBSS" for r in recs)  # the 7th column (MPID)
    first_new = next(r for r in recs if r["op"] == "new")
    assert first_new["instrument"] == {"symbol": "AMZN", "kind": "spot"}
    assert first_new["price"] == 3358.54 and first_new["side"] == "sell"
    for r in recs[:2000]:
        validate_record(r)


def test_lobster_bad_line(tmp_path: Path) -> None:
    p = tmp_path / "X_2021-01-01_0_1_message_1.csv"
    p.write_text("34200.1,1,5,100,1000000,1\n34200.2,9,5,100,1000000,1\n")
    with pytest.raises(InputError, match="line 2: type must be 1-7"):
        list(import_lobster(p))
    p.write_text("34200.1,1,5,100\n")
    with pytest.raises(InputError, match="line 1: expected 6 or 7"):
        list(import_lobster(p))


def test_cli_generate_to_stdout_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from patchbook.cli.main import main

    cmd = [sys.executable, "-m", "patchbook.cli.main", "flow", "generate", "--orders", "50", "--seed", "9"]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout  # the real console script, stdout
    assert out == _bytes(generate(50, 9))
    f = tmp_path / "f.jsonl"
    for args, code in (([*cmd[3:], "-o", str(f)], 0), ([*cmd[3:], "--profile", "nope"], 2)):
        old = sys.argv
        sys.argv = ["patchbook", *args]
        try:
            main()
            got = 0
        except SystemExit as exc:
            got = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.argv = old
        assert got == code
    assert f.read_bytes() == out
    assert "unknown flow profile" in capsys.readouterr().err


def test_lobster_flow_replays_through_the_venue(shared_data: Path) -> None:
    """Real AMZN order flow through the reference venue: every message answered, and the options-only
    tick patch leaves these (spot) fills untouched — the diff only sees what the flow exercises."""
    from itertools import islice

    from patchbook.simulate.profile import Profile
    from patchbook.simulate.runner import run_simulation

    from .conftest import venue

    recs = list(islice(import_lobster(shared_data / LOBSTER), 1500))
    run = run_simulation(venue("1.4.2"), venue("1.4.3-tick"), recs, Profile(rounds=1, rate="8000"))
    assert all(m.failure is None and m.responses == 1500 for m in run.measurements)
    assert run.diff is not None and run.diff.deterministic and not run.diff.critical_fields
    # cancels and executions of orders resting before 09:30 meet an empty book: recorded as rejects
    assert all(m.rejects > 0 for m in run.measurements)
    assert "ts" in {f.path for f in run.diff.masked}
