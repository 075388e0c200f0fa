"""One validation run end to end: sandboxes -> interleaved rounds -> diff -> judge -> SimulationRun.

``run_simulation`` is the service-level entry point (the CLI calls it; ``simulate patch ID`` will call it
with the planned patch's deployed and patched builds). It never raises for a misbehaving service: crashes,
hangs and garbage become failed checks with their evidence, and the verdict is rollback.
"""

from __future__ import annotations

import hashlib
import math
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from patchbook.model.simulation import (
    CriticalCheck,
    DiffReport,
    Judgement,
    MetricConfig,
    MetricLabel,
    RoundMeasurement,
    ServiceFailure,
    SimulationRun,
)
from patchbook.simulate.contract import encode_requests
from patchbook.simulate.diff import diff_outputs
from patchbook.simulate.flow.format import load_flow
from patchbook.simulate.judge import classify_metric, judge
from patchbook.simulate.measure import measure, window_points
from patchbook.simulate.profile import ArmSettings, Profile, rate_of
from patchbook.simulate.replay import replay
from patchbook.simulate.sandbox import (
    ExitInfo,
    Sandbox,
    SandboxSpec,
    harness_cpu_s,
    harness_sched_wait_ns,
    host_busy_s,
    network_isolation,
)

SimulationResult = SimulationRun  # the name the service layer uses
# arms whose median run-queue wait share differs by more than this cannot be compared on latency
CONFOUND_GAP = 0.15
HOST_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
Progress = Callable[[str, int, int], None]  # (what is running, steps done, steps total)
# the judge's own evidence that the host, not the build, moved latency: either caps the verdict at hold
HOST_LOAD_CHECK = "comparable host load"
REPLICATION_CHECK = "effect replicated in every round"
HOST_NOISE_CHECKS = (HOST_LOAD_CHECK, REPLICATION_CHECK)
REPLICATED_GROUPS = ("latency", "throughput", "cpu")  # metrics a busy neighbour can move
MIN_REPLICATED_ROUNDS = 2
LATENCY_AND_RATE = ("latency_p50", "latency_p90", "latency_p99", "latency_p99.9", "throughput")


def _schedule(records: Sequence[dict[str, Any]], rate: float | str | None, speed: float) -> list[int] | None:
    if rate is None:
        return None
    if rate == "recorded":
        return [int(r.get("t_ns", 0) / speed) for r in records]
    assert isinstance(rate, float)
    step = 1e9 / rate
    return [int(k * step) for k in range(len(records))]


def _spec(name: str, cmd: str, prof: Profile, arm: ArmSettings) -> SandboxSpec:
    return SandboxSpec(
        name=name, command=cmd, transport=prof.transport, env=dict(arm.env), memory_mb=prof.memory_mb,
        cpu_seconds=prof.cpu_seconds, package=arm.package, wheelhouse=arm.wheelhouse,
        isolate_network=prof.isolate_network,
    )


def _failed_round(arm: str, round_no: int, n: int, failure: ServiceFailure) -> RoundMeasurement:
    nan = math.nan
    return RoundMeasurement(arm, round_no, n, 0, 0, 0.0, nan, nan, nan, nan, nan, nan, n, 0, 0, 0.0,
                            failure.exit_code, failure=failure)


def _noise(m: RoundMeasurement) -> float:
    return max(m.service_wait_share, m.harness_wait_share, m.foreign_cpu_share)


def _environment(sandboxes: Sequence[Sandbox], prof: Profile) -> dict[str, str]:
    uname = platform.uname()
    return {
        "host": uname.node,
        "kernel": f"{uname.system} {uname.release}",
        "machine": uname.machine,
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "network_isolation": sandboxes[0].network_note if sandboxes else network_isolation()[1],
        "memory_limit_mb": str(prof.memory_mb or "none"),
        "cpu_limit_s": str(prof.cpu_seconds or "none"),
        "transport": prof.transport,
        "sandbox_root": str(sandboxes[0].workdir.parent) if sandboxes else "",
    }


def run_simulation(
    baseline_cmd: str,
    candidate_cmd: str,
    flow: Path | Sequence[dict[str, Any]],
    profile: Profile | None = None,
    *,
    rounds: int | None = None,
    rate: str | None = None,
    workdir: Path | None = None,
    origin: Path | None = None,
    progress: Progress | None = None,
    profile_label: str = "default",
) -> SimulationRun:
    """Replay ``flow`` into baseline and candidate, diff their outputs, judge, return the evidence."""
    prof = profile or Profile()
    n_rounds = rounds or prof.rounds
    rate_text = rate or prof.rate
    started = datetime.now(UTC).isoformat(timespec="seconds")
    if isinstance(flow, Path):
        records, sha = load_flow(flow)
        flow_name = str(flow)
    else:
        records = list(flow)
        sha = hashlib.sha256(b"".join(orjson.dumps(r) + b"\n" for r in records)).hexdigest()
        flow_name = "<in-memory flow>"
    payloads = encode_requests(records)
    schedule = _schedule(records, rate_of(rate_text), prof.speed)
    n = len(payloads)
    tmp = tempfile.TemporaryDirectory(prefix="patchbook-sim-") if workdir is None else None
    root = Path(tmp.name) if tmp is not None else workdir
    assert root is not None
    origin = origin or Path.cwd()
    try:
        sb_base = Sandbox(_spec("baseline", baseline_cmd, prof, prof.baseline), root, origin)
        sb_cand = Sandbox(_spec("candidate", candidate_cmd, prof, prof.candidate), root, origin)
        sb_second = Sandbox(_spec("secondary", baseline_cmd, prof, prof.baseline), root, origin)
        total = 2 * n_rounds + 1
        done = 0

        def tick(what: str) -> None:
            if progress is not None:
                progress(what, done, total)

        prep: dict[str, ServiceFailure | None] = {}
        for sb in (sb_base, sb_cand, sb_second):
            tick(f"preparing {sb.spec.name}")
            prep[sb.spec.name] = sb.prepare()

        def attempt(sb: Sandbox, round_no: int) -> tuple[RoundMeasurement, dict[int, dict[str, Any]]]:
            name = sb.spec.name
            failure = prep.get(name)
            if failure is not None:
                return _failed_round(name, round_no, n, failure), {}
            svc = sb.start(f"round{round_no}")
            if isinstance(svc, ServiceFailure):
                return _failed_round(name, round_no, n, svc), {}
            expected_s = (schedule[-1] / 1e9) if schedule else 0.0
            busy0, own0 = host_busy_s(), harness_cpu_s() + (svc.cpu_s() or 0.0)
            w_svc0, w_me0, t0 = svc.sched_run_wait_ns(), harness_sched_wait_ns(), time.perf_counter_ns()
            service = svc

            def sampler() -> tuple[int, ...]:
                run_wait = service.sched_run_wait_ns()
                me = harness_sched_wait_ns()
                return (*(run_wait or (-1, -1)), -1 if me is None else me)

            raw = replay(svc.write_fd, svc.read_fd, payloads, schedule,
                         response_timeout_s=prof.response_timeout_s,
                         wall_timeout_s=min(prof.round_timeout_s, expected_s + prof.round_timeout_s),
                         sampler=sampler, sample_at=window_points(n, prof.warmup, prof.windows))
            w_svc1, w_me1, t1 = svc.sched_run_wait_ns(), harness_sched_wait_ns(), time.perf_counter_ns()
            busy1, own1 = host_busy_s(), harness_cpu_s() + (svc.cpu_s() or 0.0)
            exit_info: ExitInfo = svc.finish(grace_s=2.0)
            m, resp = measure(name, round_no, raw, exit_info, prof.warmup, prof.windows, prof.reject_field,
                              prof.reject_values, prof.error_field, prof.error_values)
            span = max(t1 - t0, 1)
            if w_svc0 is not None and w_svc1 is not None:
                m.service_wait_share = (w_svc1[1] - w_svc0[1]) / span
            if w_me0 is not None and w_me1 is not None:
                m.harness_wait_share = (w_me1 - w_me0) / span
            if busy0 is not None and busy1 is not None:
                foreign = (busy1 - busy0) - (own1 - own0)
                m.foreign_cpu_share = max(0.0, foreign) / (span / 1e9 * HOST_CPUS)
            return m, resp

        retries_left = [prof.contention_retries]

        def run_one(sb: Sandbox, round_no: int) -> tuple[RoundMeasurement, dict[int, dict[str, Any]]]:
            """A round, repeated when the host was too busy to measure it (another process held the CPU
            the service or the harness needed); the quietest attempt is kept. The retries are a budget
            for the whole run: on a host that is busy all the time, repeating every round buys nothing."""
            best = attempt(sb, round_no)
            tries = 1
            while (best[0].failure is None and _noise(best[0]) > prof.contention_limit
                   and retries_left[0] > 0):
                retries_left[0] -= 1
                tries += 1
                again = attempt(sb, round_no)
                if again[0].failure is not None or _noise(again[0]) < _noise(best[0]):
                    best = again
            best[0].attempts = tries
            return best

        measurements: list[RoundMeasurement] = []
        answers: dict[str, dict[int, dict[str, Any]]] = {}
        for r in range(1, n_rounds + 1):
            # alternate the order (AB, BA, ...) so that drift on the host hits both arms alike
            order = (sb_base, sb_cand) if r % 2 else (sb_cand, sb_base)
            for sb in order:
                tick(f"round {r}/{n_rounds}: {sb.spec.name}")
                m, resp = run_one(sb, r)
                done += 1
                measurements.append(m)
                if r == 1:
                    answers[sb.spec.name] = resp
            if r == 1:
                tick("round 1: secondary baseline (noise floor)")
                m, resp = run_one(sb_second, 1)
                done += 1
                measurements.append(m)
                answers["secondary"] = resp
            if any(m.failure is not None for m in measurements):
                break  # a failed arm is already a rollback; more rounds add no evidence
        tick("judging")
        diff = None
        if answers.get("baseline") and answers.get("candidate"):
            diff = diff_outputs(records, answers["baseline"], answers.get("secondary", {}),
                                answers["candidate"], prof.must_match, prof.noise, prof.relative_threshold,
                                prof.absolute_threshold, prof.examples)
        judgement = _judge(prof, measurements, diff)
        done = total
        tick("done")
        return SimulationRun(
            baseline_cmd=baseline_cmd, candidate_cmd=candidate_cmd, flow=flow_name, flow_sha256=sha,
            requests=n, rounds=n_rounds, rate=rate_text, profile=profile_label,
            environment=_environment([sb_base], prof), measurements=measurements, diff=diff,
            judgement=judgement, started=started,
            finished=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    finally:
        if tmp is not None:
            tmp.cleanup()


def _judge(prof: Profile, ms: Sequence[RoundMeasurement], diff: DiffReport | None) -> Judgement:
    checks: list[CriticalCheck] = []
    by_arm: dict[str, list[RoundMeasurement]] = {}
    for m in ms:
        by_arm.setdefault(m.arm, []).append(m)
    for arm in ("candidate", "baseline", "secondary"):
        failed = [m for m in by_arm.get(arm, []) if m.failure is not None]
        if failed:
            f = failed[0].failure
            assert f is not None
            label = "candidate" if arm == "candidate" else f"{arm} (cannot judge without a working baseline)"
            checks.append(CriticalCheck(f"{arm} ran clean", False, f"{label}: {f.kind}: {f.detail}"))
        else:
            checks.append(CriticalCheck(f"{arm} ran clean", True, f"{len(by_arm.get(arm, []))} rounds"))
    if diff is None:
        checks.append(CriticalCheck("outputs compared", False, "no complete answer set to compare"))
    else:
        checks.append(CriticalCheck(
            "deterministic replay", diff.deterministic,
            "the two baseline instances agree on every must-match field" if diff.deterministic else
            "the two baseline instances disagree on must-match fields: "
            + ", ".join(f.path for f in diff.fields if f.must_match and f.noise) + " (run invalid)"))
        crit = diff.critical_fields
        checks.append(CriticalCheck(
            "fills identical", not crit,
            "no must-match field differs" if not crit else
            "; ".join(f"{f.path}: {f.raw} requests" for f in crit)))
        regs = diff.regressions
        checks.append(CriticalCheck(
            "no output regressions", not regs,
            "no non-critical field over Diffy's thresholds" if not regs else
            "; ".join(f"{f.path}: raw {f.raw} vs noise {f.noise}" for f in regs), critical=False))
    base_err = sum(m.errors for m in by_arm.get("baseline", []))
    cand_err = sum(m.errors for m in by_arm.get("candidate", []))
    nb, nc = len(by_arm.get("baseline", [])) or 1, len(by_arm.get("candidate", [])) or 1
    checks.append(CriticalCheck("error rate", cand_err / nc <= base_err / nb,
                                f"errors per round: baseline {base_err / nb:g}, candidate {cand_err / nc:g}"))
    samples: dict[str, dict[str, list[float]]] = {"baseline": {}, "candidate": {}}
    # a window is "noisy" when its run-queue wait stands out from the host's usual level in this run
    shares = sorted(w.get("wait_share", 0.0) for m in ms if m.arm in samples for w in m.windows)
    typical = shares[len(shares) // 2] if shares else 0.0
    wait_cut = max(prof.window_contention_limit, typical + 0.10)
    for arm in ("baseline", "candidate"):
        good = [m for m in by_arm.get(arm, []) if m.failure is None]
        s = samples[arm]
        windows = [w for m in good for w in m.windows]
        # windows in which the service or the harness waited for a CPU held by someone else measure the
        # host, not the build: left out of the latency samples while enough quiet windows remain
        quiet = [w for w in windows if w.get("wait_share", 0.0) <= wait_cut]
        use = quiet if len(quiet) >= max(3, len(windows) // 3) else windows
        for name in LATENCY_AND_RATE:
            s[name] = [w[name] for w in use]
        s["cpu_per_request"] = [w["cpu_per_request"] for w in windows if "cpu_per_request" in w]
        s["errors"] = [float(m.errors) for m in by_arm.get(arm, [])]
        s["peak_rss"] = [float(m.peak_rss_kb) for m in good]
        s["cpu_time"] = [m.cpu_s for m in good]
    configs = list(prof.metrics)
    med = {}
    for arm in ("baseline", "candidate"):
        vals = sorted(w.get("wait_share", 0.0) for m in by_arm.get(arm, []) for w in m.windows)
        med[arm] = vals[len(vals) // 2] if vals else 0.0
    busy = sorted(m.foreign_cpu_share for m in ms if m.arm in samples and m.failure is None)
    foreign = busy[len(busy) // 2] if busy else 0.0
    host_reasons = []
    if med["candidate"] - med["baseline"] > CONFOUND_GAP or med["baseline"] - med["candidate"] > CONFOUND_GAP:
        # One arm was starved of CPU far more than the other: its latency and throughput describe the host.
        host_reasons.append(f"run-queue wait baseline {100 * med['baseline']:.0f}% vs candidate "
                            f"{100 * med['candidate']:.0f}% of the time")
    if foreign > prof.foreign_load_limit:
        # Other processes kept the host busy: they share caches, the memory bus and SMT siblings with the
        # service, which slows it without any run-queue wait to show. Seen on a 2-core CI runner: an
        # identical build measured 2-3.5x slower in every round.
        host_reasons.append(f"other processes used {100 * foreign:.0f}% of the host's {HOST_CPUS} CPUs "
                            f"during the rounds (limit {100 * prof.foreign_load_limit:.0f}%)")
    if host_reasons:
        # Latency and throughput stay in the report but are not scored; the verdict can be at best hold.
        configs = [replace(c, muted=True) if c.group in ("latency", "throughput") else c for c in configs]
        checks.append(CriticalCheck(
            HOST_LOAD_CHECK, False,
            "; ".join(host_reasons) + ": latency and throughput not judged (measure on a quiet host)",
            critical=False))
    configs = _mute_unreplicated(configs, samples, by_arm, wait_cut, checks)
    return judge(configs, samples["baseline"], samples["candidate"], checks, prof.group_weights,
                 prof.pass_threshold, prof.marginal_threshold)


def _round_medians(rounds: Sequence[RoundMeasurement], name: str, wait_cut: float) -> dict[int, float]:
    """Per round, the median of its quiet windows' values of ``name`` (all windows if none is quiet)."""
    out: dict[int, float] = {}
    for m in rounds:
        if m.failure is not None or not m.windows:
            continue
        quiet = [w[name] for w in m.windows if w.get("wait_share", 0.0) <= wait_cut and name in w]
        values = quiet or [w[name] for w in m.windows if name in w]
        if values:
            out[m.round] = float(statistics.median(values))
    return out


def _mute_unreplicated(
    configs: list[MetricConfig],
    samples: dict[str, dict[str, list[float]]],
    by_arm: dict[str, list[RoundMeasurement]],
    wait_cut: float,
    checks: list[CriticalCheck],
) -> list[MetricConfig]:
    """A performance regression must show in every round, not only in the pooled windows.

    On a shared host a burst of someone else's work (cache, memory bandwidth, a sibling hyperthread: none
    of it shows as run-queue wait) can slow one round of one arm by 2-3x, in wall-clock time and, through
    the caches, in CPU time per request too. Pooled, its windows look like a significant regression of
    the build. A real regression of the build slows the candidate in every round, so a latency,
    throughput or CPU metric judged High or Low whose per-round ratios do not all cross the metric's
    allowed change, in at least two rounds, is not scored: it is reported, and the verdict is capped at
    hold (run again, with more rounds, or on a quieter host). One round is no replication at all."""
    out: list[MetricConfig] = []
    noisy: list[str] = []
    for cfg in configs:
        if cfg.muted or cfg.group not in REPLICATED_GROUPS:
            out.append(cfg)
            continue
        label = classify_metric(cfg, samples["baseline"].get(cfg.name, ()),
                                samples["candidate"].get(cfg.name, ())).label
        if label not in (MetricLabel.HIGH, MetricLabel.LOW):
            out.append(cfg)
            continue
        base = _round_medians(by_arm.get("baseline", []), cfg.name, wait_cut)
        cand = _round_medians(by_arm.get("candidate", []), cfg.name, wait_cut)
        ratios = [cand[r] / base[r] for r in sorted(base.keys() & cand.keys()) if base[r] > 0]
        if label is MetricLabel.HIGH:
            beyond = bool(ratios) and min(ratios) >= cfg.allowed_increase
        else:
            beyond = bool(ratios) and max(ratios) <= cfg.allowed_decrease
        if beyond and len(ratios) >= MIN_REPLICATED_ROUNDS:
            out.append(cfg)
            continue
        out.append(replace(cfg, muted=True))
        noisy.append(f"{cfg.name} per round " + ", ".join(f"{r:.2f}x" for r in ratios))
    if noisy:
        few = len(by_arm.get("candidate", [])) < MIN_REPLICATED_ROUNDS
        why = ("one round cannot tell the build from host noise (run 2 or more)" if few else
               "a change in some rounds only is host noise")
        checks.append(CriticalCheck(
            REPLICATION_CHECK, False, "; ".join(noisy) + f": {why}, not judged", critical=False))
    return out


def python_command(script: Path, *args: str) -> str:
    """A command line running ``script`` with this interpreter (used by the demo and the tests)."""
    return shlex.join([sys.executable, str(script), *args])
