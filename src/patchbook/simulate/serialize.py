"""A SimulationRun as plain JSON-able data (``--json`` and stored evidence). NaN becomes null."""

from __future__ import annotations

import math
from typing import Any

from patchbook.model.simulation import DiffReport, FieldDiff, MetricResult, RoundMeasurement, SimulationRun


def _num(v: float) -> float | None:
    return None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v


def metric_dict(m: MetricResult) -> dict[str, Any]:
    return {
        "name": m.name, "group": m.group, "label": m.label.value, "critical": m.critical,
        "ratio": _num(m.ratio), "hl_estimate": _num(m.hl_estimate), "ci_lower": _num(m.ci_lower),
        "ci_upper": _num(m.ci_upper), "allowed_increase": m.allowed_increase,
        "allowed_decrease": m.allowed_decrease, "unit": m.unit, "baseline": [_num(v) for v in m.baseline],
        "candidate": [_num(v) for v in m.candidate], "note": m.note,
    }


def field_dict(f: FieldDiff, examples: bool = True) -> dict[str, Any]:
    d: dict[str, Any] = {
        "path": f.path, "raw": f.raw, "noise": f.noise, "must_match": f.must_match, "masked": f.masked,
        "regression": f.regression, "relative": round(f.relative, 3), "absolute": round(f.absolute, 4),
    }
    if examples:
        d["examples"] = [
            {"seq": e.seq, "request": e.request, "primary": e.primary, "secondary": e.secondary,
             "candidate": e.candidate}
            for e in f.examples
        ]
    return d


def diff_dict(d: DiffReport | None) -> dict[str, Any]:
    if d is None:
        return {"compared": 0, "deterministic": None, "fields": []}
    return {
        "compared": d.requests, "deterministic": d.deterministic,
        "relative_threshold": d.relative_threshold, "absolute_threshold": d.absolute_threshold,
        "critical": [f.path for f in d.critical_fields], "regressions": [f.path for f in d.regressions],
        "masked": [f.path for f in d.masked], "fields": [field_dict(f) for f in d.fields],
    }


def round_dict(m: RoundMeasurement) -> dict[str, Any]:
    f = m.failure
    return {
        "arm": m.arm, "round": m.round, "requests": m.requests, "responses": m.responses,
        "measured": m.measured, "duration_s": _num(m.duration_s), "throughput": _num(m.throughput),
        "p50_us": _num(m.p50_us), "p90_us": _num(m.p90_us), "p99_us": _num(m.p99_us),
        "p999_us": _num(m.p999_us), "max_us": _num(m.max_us), "errors": m.errors, "rejects": m.rejects,
        "peak_rss_kb": m.peak_rss_kb, "cpu_s": round(m.cpu_s, 4), "exit_code": m.exit_code,
        "service_wait_share": round(m.service_wait_share, 4),
        "harness_wait_share": round(m.harness_wait_share, 4), "attempts": m.attempts,
        "foreign_cpu_share": round(m.foreign_cpu_share, 4),
        "windows": m.windows, "histogram": m.histogram,
        "failure": None if f is None else {
            "kind": f.kind, "detail": f.detail, "exit_code": f.exit_code, "stderr_tail": f.stderr_tail,
            "evidence": list(f.evidence),
        },
    }


def run_dict(run: SimulationRun) -> dict[str, Any]:
    j = run.judgement
    return {
        "verdict": j.verdict.value,
        "score": j.score,
        "reasons": list(j.reasons),
        "metrics": [metric_dict(m) for m in j.metrics],
        "checks": [{"name": c.name, "passed": c.passed, "critical": c.critical, "detail": c.detail}
                   for c in j.checks],
        "group_scores": j.group_scores,
        "thresholds": {"pass": j.pass_threshold, "marginal": j.marginal_threshold},
        "diff": diff_dict(run.diff),
        "rounds": [round_dict(m) for m in run.measurements],
        "run": {
            "baseline": run.baseline_cmd, "candidate": run.candidate_cmd, "flow": run.flow,
            "flow_sha256": run.flow_sha256, "requests": run.requests, "rounds": run.rounds,
            "rate": run.rate, "profile": run.profile, "started": run.started, "finished": run.finished,
            "environment": run.environment,
        },
    }
