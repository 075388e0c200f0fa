"""From one raw round to its measurement: latencies into HdrHistogram, windows for the judge, failures.

Runs after the round, outside the hot loop, so the replay itself only moves bytes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hdrh.histogram import HdrHistogram

from patchbook.model.simulation import RoundMeasurement, ServiceFailure
from patchbook.simulate.contract import parse_responses
from patchbook.simulate.replay import RawRound
from patchbook.simulate.sandbox import ExitInfo

HIST_MAX_NS = 3_600_000_000_000  # one hour: anything slower is a hang anyway
CURVE_PERCENTILES = (0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 99.999, 100.0)


def window_points(n: int, warmup: float, windows: int) -> list[int]:
    """Response counts at which each measurement window starts and ends (the same split ``measure`` uses
    for a complete round), so the replay can take CPU readings exactly there."""
    first = int(n * warmup)
    m = n - first
    w = min(windows, m // 20)
    if w < 1:
        return []
    sizes = [m // w + (1 if k < m % w else 0) for k in range(w)]
    points = [first]
    for size in sizes:
        points.append(points[-1] + size)
    return points


def _failure(raw: RawRound, exit_info: ExitInfo, parsed_ok: int, expected: int, garbage: list[str],
             garbage_count: int, wrong: list[str], wrong_count: int) -> ServiceFailure | None:
    stderr = exit_info.stderr_tail
    code = exit_info.exit_code
    if raw.stop == "hang":
        return ServiceFailure("hang", raw.detail, code, stderr)
    if raw.stop == "timeout":
        return ServiceFailure("timeout", raw.detail, code, stderr)
    if garbage_count:
        return ServiceFailure("garbage", f"{garbage_count} output lines are not JSON objects", code, stderr,
                              tuple(garbage))
    if wrong_count:
        return ServiceFailure("wrong-seq", f"{wrong_count} responses carry a seq that matches no outstanding "
                              "request", code, stderr, tuple(wrong))
    if parsed_ok < expected:
        kind = "crash" if code is not None and code != 0 else "exit"
        why = f"exit code {code}" if code is not None else "no exit status"
        if code is not None and code < 0:
            why = f"killed by signal {-code}"
        return ServiceFailure(kind, f"{expected - parsed_ok} of {expected} requests unanswered; the service "
                              f"stopped ({raw.detail or raw.stop}, {why})", code, stderr)
    if code is not None and code != 0 and not exit_info.killed:
        return ServiceFailure("crash", f"answered everything but exited with {code}", code, stderr)
    return None


def _add_cpu(win: list[dict[str, float]], raw: RawRound, points: list[int]) -> None:
    """Per window: the service's CPU time per response (schedstat run time, immune to other processes
    holding the CPU) and how much the service or the harness was kept waiting for a CPU."""
    if len(raw.samples) != len(points) or len(points) != len(win) + 1:
        return
    for k, w in enumerate(win):
        (c0, t0, v0), (c1, t1, v1) = raw.samples[k], raw.samples[k + 1]
        if c1 <= c0 or min(v0 + v1) < 0:
            continue
        run_svc, wait_svc, wait_me = (b - a for a, b in zip(v0, v1, strict=True))
        w["cpu_per_request"] = run_svc / (c1 - c0) / 1000.0
        # share of the window's wall time spent runnable but not running (another task had the CPU).
        # Not normalised by run time: a mostly idle service waits long per short burst, which would
        # make the lighter build look the more starved one.
        w["wait_share"] = max(wait_svc, wait_me) / max(t1 - t0, 1)


def measure(
    arm: str,
    round_no: int,
    raw: RawRound,
    exit_info: ExitInfo,
    warmup: float,
    windows: int,
    reject_field: str,
    reject_values: tuple[str, ...],
    error_field: str,
    error_values: tuple[str, ...],
) -> tuple[RoundMeasurement, dict[int, dict[str, Any]]]:
    n = len(raw.intended_ns)
    parsed = parse_responses(raw.lines, n)
    by_seq = parsed.by_seq
    first = int(n * warmup) + 1  # seqs below this are warm-up
    seqs = np.fromiter((s for s in by_seq if s >= first), dtype=np.int64)
    seqs.sort()
    intended = np.asarray(raw.intended_ns, dtype=np.int64)
    recv = np.asarray(raw.recv_ns, dtype=np.int64)
    line_idx = np.fromiter((parsed.line_of[int(s)] for s in seqs), dtype=np.int64, count=len(seqs))
    lat_ns = recv[line_idx] - intended[seqs - 1] if len(seqs) else np.zeros(0, dtype=np.int64)
    lat_ns = np.maximum(lat_ns, 1)
    hist = HdrHistogram(1, HIST_MAX_NS, 3)
    for v in lat_ns.tolist():
        hist.record_value(v if v < HIST_MAX_NS else HIST_MAX_NS)
    rejects = errors = 0
    rv, ev = set(reject_values), set(error_values)
    for obj in by_seq.values():
        if obj.get(reject_field) in rv:
            rejects += 1
        if obj.get(error_field) in ev or "error" in obj:
            errors += 1
    errors += parsed.garbage_count + parsed.wrong_seq_count + (n - len(by_seq))
    failure = _failure(raw, exit_info, len(by_seq), n, parsed.garbage, parsed.garbage_count,
                       parsed.wrong_seq + parsed.duplicate, parsed.wrong_seq_count)

    def pct(p: float) -> float:
        return hist.get_value_at_percentile(p) / 1000.0 if len(lat_ns) else float("nan")

    duration = 0.0
    throughput = float("nan")
    if len(seqs):
        t0 = int(intended[seqs[0] - 1])
        t1 = int(recv[line_idx].max())
        duration = max(t1 - t0, 1) / 1e9
        throughput = len(seqs) / duration
    win: list[dict[str, float]] = []
    windows = min(windows, len(seqs) // 20)  # at least 20 responses per window, or no window at all
    if windows >= 1:
        parts = zip(np.array_split(seqs, windows), np.array_split(lat_ns, windows),
                    np.array_split(line_idx, windows), strict=True)
        for part_seq, part_lat, part_idx in parts:
            us = part_lat / 1000.0
            t0 = int(intended[part_seq[0] - 1])
            t1 = int(recv[part_idx].max())
            q = np.percentile(us, [50, 90, 99, 99.9], method="higher")
            win.append({"latency_p50": float(q[0]), "latency_p90": float(q[1]), "latency_p99": float(q[2]),
                        "latency_p99.9": float(q[3]), "throughput": len(part_seq) / (max(t1 - t0, 1) / 1e9)})
        _add_cpu(win, raw, window_points(n, warmup, windows))
    curve = [(p, hist.get_value_at_percentile(p) / 1000.0) for p in CURVE_PERCENTILES] if len(lat_ns) else []
    m = RoundMeasurement(
        arm=arm, round=round_no, requests=n, responses=len(by_seq), measured=len(seqs),
        duration_s=duration, throughput=throughput, p50_us=pct(50), p90_us=pct(90), p99_us=pct(99),
        p999_us=pct(99.9), max_us=hist.get_max_value() / 1000.0 if len(lat_ns) else float("nan"),
        errors=errors, rejects=rejects, peak_rss_kb=exit_info.peak_rss_kb, cpu_s=exit_info.cpu_s,
        exit_code=exit_info.exit_code, histogram=hist.encode().decode("ascii") if len(lat_ns) else "",
        windows=win, percentile_curve=curve, failure=failure,
    )
    return m, by_seq
