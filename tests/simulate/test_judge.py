"""The judge on synthetic samples with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hdrh.histogram import HdrHistogram

from patchbook.model.simulation import (
    CriticalCheck,
    DiffReport,
    Direction,
    MetricConfig,
    MetricLabel,
    RoundMeasurement,
    Verdict,
)
from patchbook.simulate.judge import classify_metric, judge, mann_whitney_ci, score_metrics

LAT = MetricConfig("latency_p99", "latency", Direction.INCREASE, allowed_increase=1.10)
TPUT = MetricConfig("throughput", "throughput", Direction.DECREASE, allowed_decrease=0.90)


def test_identical_samples_pass() -> None:
    s = [100.0, 101.0, 99.0, 102.0, 98.0]
    r = classify_metric(LAT, s, list(s))
    assert r.label is MetricLabel.PASS and r.ratio == 1.0


def test_constant_equal_samples_pass() -> None:
    assert classify_metric(LAT, [5.0] * 8, [5.0] * 8).label is MetricLabel.PASS


def test_shift_up_is_high_with_hl_estimate_of_the_shift() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(100, 5, 30)
    r = classify_metric(LAT, base.tolist(), (base + 30).tolist())
    assert r.label is MetricLabel.HIGH
    assert r.hl_estimate == pytest.approx(30, abs=0.01)
    assert r.ci_lower > 0 and r.ci_upper > r.ci_lower


def test_shift_down_is_low_only_when_direction_allows() -> None:
    rng = np.random.default_rng(2)
    base = rng.normal(1000, 20, 30)
    low = (base * 0.5).tolist()
    assert classify_metric(TPUT, base.tolist(), low).label is MetricLabel.LOW
    # latency going down is an improvement: direction "increase" never fails on it
    assert classify_metric(LAT, base.tolist(), low).label is MetricLabel.PASS


def test_detectable_but_allowed_change_passes() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(100, 1, 40)
    r = classify_metric(LAT, base.tolist(), (base * 1.05).tolist())  # significant, but only +5 %
    assert r.ci_lower > 0
    assert r.label is MetricLabel.PASS


def test_hodges_lehmann_is_median_of_pairwise_differences() -> None:
    rng = np.random.default_rng(4)
    x, y = rng.exponential(10, 25), rng.exponential(12, 20)
    _, _, est = mann_whitney_ci(x, y)
    exact = float(np.median(np.subtract.outer(x, y)))
    assert est == pytest.approx(exact, abs=0.35)


def test_ci_covers_zero_for_same_distribution_and_is_symmetric_for_identical() -> None:
    lo, hi, est = mann_whitney_ci([1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert lo < 0 < hi and est == pytest.approx(0, abs=1e-6) and lo == pytest.approx(-hi, abs=1e-3)


def test_no_data() -> None:
    assert classify_metric(LAT, [], [1.0]).label is MetricLabel.NODATA
    cfg = MetricConfig("x", "g", must_have_data=True)
    assert classify_metric(cfg, [math.nan], [1.0]).label is MetricLabel.NODATA_FAIL


def test_weighted_sum_score() -> None:
    base = [10.0, 11, 12, 10, 11, 12, 10, 11]
    high = [30.0, 31, 32, 30, 31, 32, 30, 31]
    configs = [LAT, MetricConfig("latency_p50", "latency"), TPUT]
    results = [
        classify_metric(configs[0], base, high),
        classify_metric(configs[1], base, base),
        classify_metric(configs[2], base, base),
    ]
    score, groups = score_metrics(results, {"latency": 60, "throughput": 40})
    assert groups == {"latency": 50.0, "throughput": 100.0}
    assert score == 70.0  # 50 * 0.6 + 100 * 0.4
    # a group without a weight shares what is left
    score2, _ = score_metrics(results, {"latency": 60})
    assert score2 == 70.0


def test_verdicts() -> None:
    base = {"latency_p99": [10.0, 11, 12, 10, 11, 12, 10, 11]}
    assert judge([LAT], base, base).verdict is Verdict.PROMOTE
    worse = {"latency_p99": [30.0, 31, 32, 30, 31, 32, 30, 31]}
    j = judge(
        [LAT, MetricConfig("latency_p50", "latency")],
        {**base, "latency_p50": base["latency_p99"]},
        {**worse, "latency_p50": base["latency_p99"]},
        group_weights={"latency": 100},
    )
    assert j.score == 50.0 and j.verdict is Verdict.ROLLBACK
    j = judge(
        [LAT],
        base,
        base,
        pass_threshold=95,
        marginal_threshold=40,
        checks=[CriticalCheck("no output regressions", False, "x", critical=False)],
    )
    assert j.verdict is Verdict.HOLD and j.score == 100.0


def test_hold_between_marginal_and_pass() -> None:
    cfgs = [MetricConfig(f"m{i}", "latency") for i in range(5)]
    base = {c.name: [10.0, 11, 12, 10, 11, 12, 10, 11] for c in cfgs}
    cand = dict(base, m0=[30.0, 31, 32, 30, 31, 32, 30, 31])
    j = judge(cfgs, base, cand, group_weights={"latency": 100})
    assert j.score == 80.0 and j.verdict is Verdict.HOLD


def test_critical_check_forces_zero_and_rollback() -> None:
    base = {"latency_p99": [10.0, 11, 12]}
    j = judge([LAT], base, base, checks=[CriticalCheck("fills identical", False, "fills[].price: 3")])
    assert j.score == 0.0 and j.verdict is Verdict.ROLLBACK
    assert any("fills identical" in r for r in j.reasons)


def test_critical_metric_forces_zero() -> None:
    cfg = MetricConfig("errors", "errors", critical=True, allowed_increase=1.0)
    j = judge([cfg], {"errors": [0.0, 0, 0, 0, 0, 0]}, {"errors": [5.0, 6, 5, 7, 6, 5]})
    assert j.metrics[0].label is MetricLabel.HIGH and j.metrics[0].critical
    assert j.score == 0.0 and j.verdict is Verdict.ROLLBACK


def test_mostly_nodata_scores_zero() -> None:
    cfgs = [MetricConfig("a", "g"), MetricConfig("b", "g")]
    j = judge(cfgs, {"a": [1.0, 2.0]}, {"a": [1.0, 2.0]})
    assert j.score == 0.0


def test_coordinated_omission_worked_example() -> None:
    """simulation.md §5.1: 1000 x 100 µs on a 1 ms schedule plus one 50 ms stall."""
    plain = HdrHistogram(1, 3_600_000_000, 3)
    corrected = HdrHistogram(1, 3_600_000_000, 3)
    for _ in range(1000):
        plain.record_value(100)
        corrected.record_corrected_value(100, 1000)
    plain.record_value(50_000)
    corrected.record_corrected_value(50_000, 1000)
    assert plain.get_value_at_percentile(99) == 100 and plain.get_value_at_percentile(99.9) == 100
    assert corrected.get_total_count() == 1050
    assert corrected.get_value_at_percentile(99) == pytest.approx(40_000, rel=0.01)
    assert corrected.get_value_at_percentile(99.9) == pytest.approx(49_000, rel=0.01)


def test_min_effect_floor_ignores_tiny_absolute_shifts() -> None:
    base = [100.0, 101, 102, 100, 101, 102, 100, 101, 99, 100]
    cand = [v * 1.25 for v in base]  # +25 %, clearly significant, but only ~25 µs
    floor = MetricConfig("latency_p50", "latency", allowed_increase=1.10, min_effect=50.0)
    assert classify_metric(LAT, base, cand).label is MetricLabel.HIGH
    assert classify_metric(floor, base, cand).label is MetricLabel.PASS
    assert classify_metric(floor, base, [v + 80 for v in base]).label is MetricLabel.HIGH


def _round(arm: str, r: int, p50: float, wait: float, cpu: float = 60.0) -> RoundMeasurement:
    windows = [{"latency_p50": p50 + i, "latency_p90": p50 * 2 + i, "latency_p99": p50 * 3 + i,
                "latency_p99.9": p50 * 4 + i, "throughput": 5000.0 - i, "cpu_per_request": cpu + i * 0.1,
                "wait_share": wait} for i in range(10)]
    return RoundMeasurement(arm, r, 1000, 1000, 900, 0.2, 5000.0, p50, p50 * 2, p50 * 3, p50 * 4, p50 * 5,
                            0, 0, 20_000, 0.1, 0, windows=windows)


def test_starved_candidate_latency_is_not_judged_and_verdict_is_hold() -> None:
    from patchbook.simulate.profile import Profile
    from patchbook.simulate.runner import _judge

    prof = Profile()
    same = DiffReport(1000, (), True, 20.0, 0.03)
    base = [_round("baseline", r, 100.0, 0.02) for r in (1, 2, 3)]
    starved = [_round("candidate", r, 900.0, 0.40) for r in (1, 2, 3)]  # same CPU/request, host-starved
    j = _judge(prof, base + starved, same)
    assert any(c.name == "comparable host load" and not c.passed for c in j.checks)
    by = {m.name: m for m in j.metrics}
    assert by["latency_p50"].label is MetricLabel.HIGH  # still shown in the report ...
    assert j.group_scores["latency"] == 100.0 and j.score == 100.0  # ... but not scored
    assert j.verdict is Verdict.HOLD
    # the same latency rise with the same host load is the build's doing
    j2 = _judge(prof, base + [_round("candidate", r, 900.0, 0.02) for r in (1, 2, 3)], same)
    assert not any(c.name == "comparable host load" for c in j2.checks)
    assert j2.verdict is Verdict.ROLLBACK


def test_latency_rise_not_seen_in_every_round_is_host_noise_and_holds() -> None:
    """The CI failure this guards against: an identical build judged slower because bursts of other work
    slowed some of its rounds, with no run-queue wait to show for it."""
    from patchbook.simulate.profile import Profile
    from patchbook.simulate.runner import REPLICATION_CHECK, _judge

    prof = Profile()
    same = DiffReport(1000, (), True, 20.0, 0.03)
    base = [_round("baseline", r, 1000.0, 0.02) for r in (1, 2, 3)]
    bursts = [_round("candidate", 1, 1300.0, 0.02), _round("candidate", 2, 1300.0, 0.02),
              _round("candidate", 3, 1080.0, 0.02)]  # round 3 within the allowed 10 %
    j = _judge(prof, base + bursts, same)
    check = next(c for c in j.checks if c.name == REPLICATION_CHECK)
    assert not check.passed and "latency_p50 per round 1.30x, 1.30x, 1.08x" in check.detail
    assert "not judged" in check.detail
    by = {m.name: m for m in j.metrics}
    assert by["latency_p50"].label is MetricLabel.HIGH  # shown in the report, not scored
    assert j.score == 100.0 and j.verdict is Verdict.HOLD
    # slower in every round: the build's doing, rolled back, and no noise check is raised
    slow = [_round("candidate", r, 1300.0 + r, 0.02) for r in (1, 2, 3)]
    j2 = _judge(prof, base + slow, same)
    assert not any(c.name == REPLICATION_CHECK for c in j2.checks)
    assert j2.verdict is Verdict.ROLLBACK


def test_busy_host_mutes_latency_even_without_run_queue_wait() -> None:
    """Other processes keeping the host busy slow a service through caches and the memory bus with no
    run-queue wait to show: latency is then not judged, and a real slowdown still shows in CPU time."""
    from dataclasses import replace as copy

    from patchbook.simulate.profile import Profile
    from patchbook.simulate.runner import HOST_LOAD_CHECK, _judge

    prof = Profile()
    same = DiffReport(1000, (), True, 20.0, 0.03)
    base = [copy(_round("baseline", r, 100.0, 0.02), foreign_cpu_share=0.45) for r in (1, 2, 3)]
    slower = [copy(_round("candidate", r, 350.0, 0.02), foreign_cpu_share=0.45) for r in (1, 2, 3)]
    j = _judge(prof, base + slower, same)
    check = next(c for c in j.checks if c.name == HOST_LOAD_CHECK)
    assert not check.passed and "other processes used 45%" in check.detail and "not judged" in check.detail
    assert j.verdict is Verdict.HOLD  # never a rollback on the neighbours' account
    quiet = [copy(m, foreign_cpu_share=0.05) for m in base + slower]
    assert _judge(prof, quiet, same).verdict is Verdict.ROLLBACK  # the same numbers on a quiet host


def test_one_round_is_no_replication() -> None:
    from patchbook.simulate.profile import Profile
    from patchbook.simulate.runner import REPLICATION_CHECK, _judge

    same = DiffReport(1000, (), True, 20.0, 0.03)
    j = _judge(Profile(rounds=1), [_round("baseline", 1, 1000.0, 0.02), _round("candidate", 1, 1400.0, 0.02)],
               same)
    check = next(c for c in j.checks if c.name == REPLICATION_CHECK)
    assert "one round cannot tell the build from host noise" in check.detail
    assert j.verdict is Verdict.HOLD  # never a rollback, never a promote, on one pair of rounds
