"""Simulated deployment: what a validation run measured and what the judge decided. Plain data, no I/O.

A :class:`SimulationRun` is the evidence bundle of one baseline-vs-candidate replay: per-round measurements
of each arm, the differential output report, the judge's per-metric table and the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    PROMOTE = "promote"
    HOLD = "hold"
    ROLLBACK = "rollback"


class MetricLabel(StrEnum):
    """Kayenta's per-metric classification."""

    PASS = "Pass"
    HIGH = "High"
    LOW = "Low"
    NODATA = "Nodata"
    NODATA_FAIL = "NodataFailMetric"
    ERROR = "Error"


class Direction(StrEnum):
    INCREASE = "increase"  # only a rise can fail (latency, errors, memory)
    DECREASE = "decrease"  # only a fall can fail (throughput)
    EITHER = "either"


@dataclass(frozen=True, slots=True)
class MetricConfig:
    """How one metric is judged; defaults follow Kayenta's NetflixACAJudge with patchbook's thresholds."""

    name: str
    group: str
    direction: Direction = Direction.INCREASE
    allowed_increase: float = 1.10
    allowed_decrease: float = 0.90
    critical: bool = False
    critical_increase: float = 1.0
    critical_decrease: float = 1.0
    must_have_data: bool = False
    muted: bool = False
    unit: str = ""
    # absolute floor (patchbook's addition, in the metric's unit): a shift whose Hodges-Lehmann estimate is
    # smaller than this is below what the harness can resolve and never fails, however significant
    min_effect: float = 0.0


@dataclass(frozen=True, slots=True)
class MetricResult:
    name: str
    group: str
    label: MetricLabel
    baseline: tuple[float, ...]
    candidate: tuple[float, ...]
    ratio: float  # mean(candidate) / mean(baseline); NaN when a mean is 0
    hl_estimate: float  # Hodges-Lehmann location shift, candidate - baseline
    ci_lower: float
    ci_upper: float
    critical: bool = False  # a critical metric that failed: forces the score to 0
    allowed_increase: float = 1.0
    allowed_decrease: float = 1.0
    unit: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class CriticalCheck:
    """An exact, non-statistical gate: a fill difference, a crash, an error-rate rise, non-determinism."""

    name: str
    passed: bool
    detail: str
    critical: bool = True  # a failed non-critical check caps the verdict at hold


@dataclass(frozen=True, slots=True)
class Judgement:
    score: float
    verdict: Verdict
    metrics: tuple[MetricResult, ...]
    checks: tuple[CriticalCheck, ...]
    group_scores: dict[str, float]
    pass_threshold: float
    marginal_threshold: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Example:
    seq: int
    request: dict[str, Any]
    primary: Any
    secondary: Any
    candidate: Any


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One field path (list indices folded to ``[]``) compared across primary, secondary and candidate."""

    path: str
    raw: int  # requests where primary and candidate differ on this field
    noise: int  # requests where primary and secondary differ on this field
    must_match: bool
    masked: bool  # noise field: hidden from the verdict, listed in the report
    regression: bool
    relative: float  # Diffy: |raw - noise| / (raw + noise) * 100
    absolute: float  # Diffy: |raw - noise| / requests * 100
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True, slots=True)
class DiffReport:
    requests: int
    fields: tuple[FieldDiff, ...]
    deterministic: bool  # primary and secondary agree on every must-match field
    relative_threshold: float
    absolute_threshold: float

    @property
    def critical_fields(self) -> tuple[FieldDiff, ...]:
        return tuple(f for f in self.fields if f.must_match and f.raw > 0)

    @property
    def regressions(self) -> tuple[FieldDiff, ...]:
        return tuple(f for f in self.fields if f.regression)

    @property
    def masked(self) -> tuple[FieldDiff, ...]:
        return tuple(f for f in self.fields if f.masked)


@dataclass(frozen=True, slots=True)
class ServiceFailure:
    """Why an arm's run did not produce one good answer per request, with the evidence."""

    kind: str  # crash | exit | hang | garbage | wrong-seq | missing | start | timeout
    detail: str
    exit_code: int | None = None
    stderr_tail: str = ""
    evidence: tuple[str, ...] = ()  # offending output lines, truncated


@dataclass(slots=True)
class RoundMeasurement:
    """One replay of the flow into one fresh instance of one arm."""

    arm: str  # baseline | candidate | secondary
    round: int
    requests: int
    responses: int
    measured: int  # responses after warm-up
    duration_s: float
    throughput: float  # responses per second over the measured part
    p50_us: float
    p90_us: float
    p99_us: float
    p999_us: float
    max_us: float
    errors: int  # harness-level failures plus responses flagged as errors
    rejects: int
    peak_rss_kb: int
    cpu_s: float
    exit_code: int | None
    histogram: str = ""  # HdrHistogram base64 encoding, nanoseconds
    windows: list[dict[str, float]] = field(default_factory=list)  # per-window percentiles for the judge
    percentile_curve: list[tuple[float, float]] = field(default_factory=list)  # (percentile, µs)
    failure: ServiceFailure | None = None
    # platform noise: share of the round the service (and the harness) spent runnable but not running,
    # from /proc/<pid>/schedstat; a round above the profile's limit is repeated
    service_wait_share: float = 0.0
    harness_wait_share: float = 0.0
    # share of the host's CPU capacity used by processes other than this service and the harness during
    # the round (from /proc/stat): contention run-queue wait cannot see (caches, memory bus, SMT siblings)
    foreign_cpu_share: float = 0.0
    attempts: int = 1


@dataclass(slots=True)
class SimulationRun:
    baseline_cmd: str
    candidate_cmd: str
    flow: str
    flow_sha256: str
    requests: int
    rounds: int
    rate: str
    profile: str
    environment: dict[str, str]
    measurements: list[RoundMeasurement]
    diff: DiffReport | None
    judgement: Judgement
    started: str  # ISO-8601 UTC
    finished: str

    @property
    def verdict(self) -> Verdict:
        return self.judgement.verdict

    @property
    def score(self) -> float:
        return self.judgement.score
