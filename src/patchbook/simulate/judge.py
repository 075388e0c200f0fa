"""The canary judge: Kayenta's NetflixACAJudge semantics in Python. Pure: samples in, judgement out.

Per metric a Mann-Whitney rank-sum test with a 98 % confidence interval for the location shift
(candidate - baseline) and its Hodges-Lehmann point estimate, computed the way R's
``wilcox.test(conf.int = TRUE)`` does it with the normal approximation (tie and continuity corrected,
interval ends found by root finding). A metric is High when the interval lies clearly above zero *and*
the mean ratio reaches the allowed increase; Low symmetrically. Groups are scored by the fraction of
passing metrics, weighted, and any failed critical metric or critical check forces the score to 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm, rankdata

from patchbook.model.simulation import (
    CriticalCheck,
    Direction,
    Judgement,
    MetricConfig,
    MetricLabel,
    MetricResult,
    Verdict,
)

CONF_LEVEL = 0.98  # hard-coded in NetflixACAJudge
TOLERANCE = 0.25  # the interval must clear 25 % of |HL estimate| to count as a shift
NODATA_THRESHOLD = 50.0  # >= 50 % of metrics without data -> score 0


def _wdiff(x: np.ndarray, y: np.ndarray, d: float, zq: float) -> float:
    """Standardised rank-sum statistic of (x - d) against y, minus the target quantile."""
    nx, ny = len(x), len(y)
    ranks = rankdata(np.concatenate((x - d, y)))
    dz = float(ranks[:nx].sum()) - nx * (nx + 1) / 2 - nx * ny / 2
    _, counts = np.unique(ranks, return_counts=True)
    ties = float((counts.astype(np.float64) ** 3 - counts).sum())
    n = nx + ny
    sigma = math.sqrt((nx * ny / 12) * ((n + 1) - ties / (n * (n - 1))))
    if sigma == 0:
        raise ValueError("all observations tied")
    correction = math.copysign(0.5, dz) if dz != 0 else 0.0
    return (dz - correction) / sigma - zq


def _root(x: np.ndarray, y: np.ndarray, zq: float, lo: float, hi: float) -> float:
    f_lo = _wdiff(x, y, lo, zq)
    f_hi = _wdiff(x, y, hi, zq)
    if f_lo <= 0:
        return lo
    if f_hi >= 0:
        return hi
    return float(brentq(lambda d: _wdiff(x, y, d, zq), lo, hi, xtol=max(1e-12, 1e-7 * (hi - lo))))


def mann_whitney_ci(
    experiment: Sequence[float] | np.ndarray,
    control: Sequence[float] | np.ndarray,
    conf_level: float = CONF_LEVEL,
) -> tuple[float, float, float]:
    """(ci_lower, ci_upper, hodges_lehmann) of the shift experiment - control, two-sided."""
    x = np.asarray(experiment, dtype=np.float64)
    y = np.asarray(control, dtype=np.float64)
    lo, hi = float(x.min() - y.max()), float(x.max() - y.min())
    alpha = 1 - conf_level
    z = float(norm.ppf(1 - alpha / 2))
    ci_lower = _root(x, y, z, lo, hi)
    ci_upper = _root(x, y, -z, lo, hi)
    estimate = _root(x, y, 0.0, lo, hi)
    return ci_lower, ci_upper, estimate


def _mean_ratio(experiment: np.ndarray, control: np.ndarray) -> float:
    mc, me = float(control.mean()), float(experiment.mean())
    if mc == 0 or me == 0:
        return math.nan
    return me / mc


def classify_metric(
    config: MetricConfig, baseline: Sequence[float], candidate: Sequence[float], seed: int = 0
) -> MetricResult:
    """Kayenta's MannWhitneyClassifier: Pass / High / Low / Nodata, NaNs removed first."""
    b = np.asarray([v for v in baseline if not math.isnan(v)], dtype=np.float64)
    c = np.asarray([v for v in candidate if not math.isnan(v)], dtype=np.float64)

    def result(label: MetricLabel, ratio: float = math.nan, est: float = math.nan, lo: float = math.nan,
               hi: float = math.nan, critical: bool = False, note: str = "") -> MetricResult:
        return MetricResult(
            name=config.name, group=config.group, label=label, baseline=tuple(map(float, baseline)),
            candidate=tuple(map(float, candidate)), ratio=ratio, hl_estimate=est, ci_lower=lo,
            ci_upper=hi, critical=critical, allowed_increase=config.allowed_increase,
            allowed_decrease=config.allowed_decrease, unit=config.unit, note=note,
        )

    if len(b) == 0 or len(c) == 0:
        if config.must_have_data and not config.critical:
            return result(MetricLabel.NODATA_FAIL, note="no data")
        return result(MetricLabel.NODATA, critical=config.critical, note="no data")
    ratio = _mean_ratio(c, b)
    if np.array_equal(np.sort(b), np.sort(c)) or (np.all(b == b[0]) and np.all(c == b[0])):
        return result(MetricLabel.PASS, ratio=ratio, est=0.0, lo=0.0, hi=0.0)
    if len(b) == 1 and len(c) == 1:
        # Kayenta adds tiny Gaussian noise so that single-valued arrays do not tie; seeded here so the
        # judge stays a pure function of its inputs.
        rng = np.random.default_rng(seed)
        b = b + rng.normal(0, 1e-5 * abs(b[0]) or 1e-12, size=1)
        c = c + rng.normal(0, 1e-5 * abs(c[0]) or 1e-12, size=1)
    try:
        lo, hi, est = mann_whitney_ci(c, b)
    except (ValueError, ArithmeticError) as exc:
        return result(MetricLabel.ERROR, ratio=ratio, critical=config.critical, note=str(exc))
    margin = TOLERANCE * abs(est)
    up_ok = config.direction in (Direction.INCREASE, Direction.EITHER)
    down_ok = config.direction in (Direction.DECREASE, Direction.EITHER)
    if up_ok and lo > margin and est >= config.min_effect and (
        math.isnan(ratio) or ratio >= config.allowed_increase
    ):
        crit = config.critical and (math.isnan(ratio) or ratio >= config.critical_increase)
        return result(MetricLabel.HIGH, ratio, est, lo, hi, critical=crit)
    if down_ok and hi < -margin and est <= -config.min_effect and (
        math.isnan(ratio) or ratio <= config.allowed_decrease
    ):
        crit = config.critical and (math.isnan(ratio) or ratio <= config.critical_decrease)
        return result(MetricLabel.LOW, ratio, est, lo, hi, critical=crit)
    return result(MetricLabel.PASS, ratio, est, lo, hi)


_COUNTED = (MetricLabel.PASS, MetricLabel.HIGH, MetricLabel.LOW, MetricLabel.NODATA_FAIL)


def score_metrics(
    results: Sequence[MetricResult], group_weights: dict[str, float], muted: frozenset[str] = frozenset()
) -> tuple[float, dict[str, float]]:
    """Kayenta's WeightedSumScorer: per-group pass fraction, weighted; unweighted groups share the rest."""
    live = [r for r in results if r.name not in muted]
    groups = sorted({r.group for r in live} | set(group_weights))
    scores: dict[str, float] = {}
    for g in groups:
        counted = [r for r in live if r.group == g and r.label in _COUNTED]
        passed = sum(1 for r in counted if r.label == MetricLabel.PASS)
        scores[g] = 100.0 * passed / len(counted) if counted else 100.0  # noData group counts as 100
    given = {g: w for g, w in group_weights.items() if g in scores}
    rest = [g for g in groups if g not in given]
    share = (100.0 - sum(given.values())) / len(rest) if rest else 0.0
    total = sum(scores[g] * given.get(g, share) / 100.0 for g in groups)
    return round(total, 2), scores


def judge(
    configs: Sequence[MetricConfig],
    baseline: Mapping[str, Sequence[float]],
    candidate: Mapping[str, Sequence[float]],
    checks: Sequence[CriticalCheck] = (),
    group_weights: dict[str, float] | None = None,
    pass_threshold: float = 95.0,
    marginal_threshold: float = 75.0,
) -> Judgement:
    """Classify every metric, score, apply the critical overrides and map the score to a verdict."""
    results = [
        classify_metric(cfg, baseline.get(cfg.name, ()), candidate.get(cfg.name, ()), seed=i)
        for i, cfg in enumerate(configs)
    ]
    muted = frozenset(c.name for c in configs if c.muted)
    score, groups = score_metrics(results, group_weights or {}, muted)
    reasons: list[str] = []
    live = [r for r in results if r.name not in muted]
    critical_metrics = [r for r in live if r.critical]
    failed_checks = [c for c in checks if not c.passed and c.critical]
    soft_checks = [c for c in checks if not c.passed and not c.critical]
    nodata = [r for r in live if r.label in (MetricLabel.NODATA, MetricLabel.NODATA_FAIL)]
    for r in critical_metrics:
        reasons.append(f"critical metric {r.name} is {r.label.value}")
    for c in failed_checks + soft_checks:
        reasons.append(f"{c.name}: {c.detail}")
    if live and 100.0 * len(nodata) / len(live) >= NODATA_THRESHOLD:
        reasons.append(f"{len(nodata)} of {len(live)} metrics have no data")
        score = 0.0
    if critical_metrics or failed_checks:
        score = 0.0
    for r in live:
        if r.label in (MetricLabel.HIGH, MetricLabel.LOW) and not r.critical:
            reasons.append(f"{r.name} {r.label.value.lower()}: ratio {r.ratio:.2f}")
    if critical_metrics or failed_checks or score < marginal_threshold:
        verdict = Verdict.ROLLBACK
    elif score < pass_threshold or soft_checks:
        verdict = Verdict.HOLD
    else:
        verdict = Verdict.PROMOTE
    return Judgement(
        score=score, verdict=verdict, metrics=tuple(results), checks=tuple(checks), group_scores=groups,
        pass_threshold=pass_threshold, marginal_threshold=marginal_threshold, reasons=tuple(reasons),
    )
