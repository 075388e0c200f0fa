"""Differential output check: noise learned from two baselines, must-match fields never masked."""

from __future__ import annotations

from typing import Any

from patchbook.simulate.diff import diff_outputs, flatten
from patchbook.simulate.profile import DEFAULT_MUST_MATCH

REQ = [{"op": "new", "order_id": f"o{i}"} for i in range(1, 101)]


def answers(
    ts_seed: int,
    price: float = 10.0,
    changed: set[int] | None = None,
    extra: dict[int, dict[str, Any]] | None = None,
) -> dict[int, dict[str, Any]]:
    out = {}
    for seq in range(1, 101):
        p = price + (1 if changed and seq in changed else 0)
        r: dict[str, Any] = {
            "seq": seq,
            "status": "filled",
            "ts": ts_seed * 1000 + seq,
            "fills": [
                {
                    "trade_id": f"t{ts_seed}-{seq}",
                    "price": p,
                    "qty": 1,
                    "side": "buy",
                    "maker": "a",
                    "taker": "b",
                }
            ],
            "leaves": 0,
        }
        r.update((extra or {}).get(seq, {}))
        out[seq] = r
    return out


def test_flatten_folds_lists() -> None:
    assert flatten({"seq": 1, "a": {"b": [1, {"c": 2}]}}) == {"a.b#len": 2, "a.b[0]": 1, "a.b[1].c": 2}


def test_noise_masked_identical_economics_pass() -> None:
    d = diff_outputs(REQ, answers(1), answers(2), answers(3), DEFAULT_MUST_MATCH)
    assert d.deterministic
    assert {f.path for f in d.masked} == {"ts", "fills[].trade_id"}
    assert not d.critical_fields and not d.regressions


def test_fill_price_change_is_critical_with_examples() -> None:
    d = diff_outputs(REQ, answers(1), answers(2), answers(3, changed={5, 6, 7, 8}), DEFAULT_MUST_MATCH)
    crit = {f.path: f for f in d.critical_fields}
    assert set(crit) == {"fills[].price"}
    f = crit["fills[].price"]
    assert f.raw == 4 and f.noise == 0 and not f.masked
    assert [e.seq for e in f.examples] == [5, 6, 7]
    assert f.examples[0].request == REQ[4] and f.examples[0].candidate["fills"][0]["price"] == 11.0


def test_baselines_disagreeing_on_fills_is_non_deterministic() -> None:
    d = diff_outputs(REQ, answers(1), answers(2, changed={9}), answers(3), DEFAULT_MUST_MATCH)
    assert not d.deterministic
    price = next(f for f in d.fields if f.path == "fills[].price")
    assert price.must_match and not price.masked  # never masked, even though it is "noise"


def test_diffy_thresholds_for_non_critical_fields() -> None:
    # "leaves" differs in 30 of 100 requests for the candidate, never between the baselines: regression
    cand = answers(3, extra={i: {"leaves": 5} for i in range(1, 31)})
    d = diff_outputs(REQ, answers(1), answers(2), cand, DEFAULT_MUST_MATCH)
    leaves = next(f for f in d.fields if f.path == "leaves")
    assert leaves.regression and leaves.relative == 100.0 and leaves.absolute == 30.0
    # the same field with comparable baseline noise is masked, not a regression
    sec = answers(2, extra={i: {"leaves": 7} for i in range(40, 70)})
    d2 = diff_outputs(REQ, answers(1), sec, cand, DEFAULT_MUST_MATCH)
    leaves2 = next(f for f in d2.fields if f.path == "leaves")
    assert leaves2.masked and not leaves2.regression


def test_relative_threshold_blocks_small_excess_over_noise() -> None:
    cand = answers(3, extra={i: {"leaves": 5} for i in range(1, 12)})  # raw 11
    sec = answers(2, extra={i: {"leaves": 7} for i in range(50, 60)})  # noise 10
    d = diff_outputs(REQ, answers(1), sec, cand, DEFAULT_MUST_MATCH, noise=())
    leaves = next(f for f in d.fields if f.path == "leaves")
    assert leaves.raw == 11 and leaves.noise == 10
    assert leaves.relative < 20 and not leaves.regression


def test_missing_fill_counts_as_length_and_field_difference() -> None:
    cand = answers(3)
    cand[10] = {**cand[10], "fills": []}
    d = diff_outputs(REQ, answers(1), answers(2), cand, DEFAULT_MUST_MATCH)
    assert {"fills#len", "fills[].price"} <= {f.path for f in d.critical_fields}
