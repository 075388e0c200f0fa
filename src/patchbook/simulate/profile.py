"""Simulation profiles: everything about a validation run that is policy rather than code.

A profile is a YAML or JSON file (see docs/simulation.md); every key is optional and the defaults are
those for the reference venue. Unknown keys are an input error, so a typo never silently loosens a gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from patchbook.errors import InputError
from patchbook.model.simulation import Direction, MetricConfig

DEFAULT_MUST_MATCH = (
    "status",
    "fills#len",
    "fills[].price",
    "fills[].qty",
    "fills[].side",
    "fills[].maker",
    "fills[].taker",
    "fills[].maker_order",
)

# Per-metric thresholds. Latency: p99 may rise at most 10 % (reference §5.4), p99.9 20 %; the centre of
# the distribution gets the same 10 %. Throughput may fall 10 %. Errors: any rise is critical (an exact
# check in the runner covers totals; the per-window metric catches bursts).
# Latency shifts below 50 µs are under the harness's floor on stdio (bench: ~100 µs added p50 on a shared
# 2-core host) and never fail; lower min_effect on a quiet, dedicated host.
LATENCY_FLOOR_US = 50.0
DEFAULT_METRICS: tuple[MetricConfig, ...] = (
    MetricConfig("latency_p50", "latency", Direction.INCREASE, allowed_increase=1.10, unit="µs",
                 min_effect=LATENCY_FLOOR_US),
    MetricConfig("latency_p90", "latency", Direction.INCREASE, allowed_increase=1.10, unit="µs",
                 min_effect=LATENCY_FLOOR_US),
    MetricConfig("latency_p99", "latency", Direction.INCREASE, allowed_increase=1.10, unit="µs",
                 min_effect=LATENCY_FLOOR_US),
    MetricConfig("latency_p99.9", "latency", Direction.INCREASE, allowed_increase=1.20, unit="µs",
                 min_effect=LATENCY_FLOOR_US),
    MetricConfig("throughput", "throughput", Direction.DECREASE, allowed_decrease=0.90, unit="req/s"),
    MetricConfig("errors", "errors", Direction.INCREASE, allowed_increase=1.0, critical=True,
                 critical_increase=1.0, unit="count"),
    MetricConfig("cpu_per_request", "cpu", Direction.INCREASE, allowed_increase=1.25, unit="µs"),
    MetricConfig("peak_rss", "resources", Direction.INCREASE, allowed_increase=1.25, unit="KiB"),
    MetricConfig("cpu_time", "resources", Direction.INCREASE, allowed_increase=1.25, unit="s", muted=True),
)

DEFAULT_GROUP_WEIGHTS = {"latency": 45.0, "cpu": 25.0, "throughput": 10.0, "errors": 10.0, "resources": 10.0}


@dataclass(slots=True)
class ArmSettings:
    env: dict[str, str] = field(default_factory=dict)
    package: str | None = None
    wheelhouse: Path | None = None
    # An asset's profile names the commands (``simulate patch``): a template with {python}, {venue},
    # {profile_dir}, {installed} and {upgrades} (see service/simulations.py); None on the command line.
    command: str | None = None


@dataclass(slots=True)
class Profile:
    name: str = "default"
    rounds: int = 5
    rate: str = "5000"  # requests/s, "max" (as fast as possible) or "recorded" (the flow's t_ns)
    speed: float = 1.0  # time scale for "recorded"
    warmup: float = 0.10  # fraction of each round's requests discarded before measuring
    windows: int = 10  # per-round windows: each yields one sample per latency metric for the judge
    transport: str = "stdio"
    response_timeout_s: float = 5.0
    round_timeout_s: float = 300.0
    # A round in which the service or the harness waited on a run queue for more than this share of the
    # round (another process had the CPU) is repeated; contention_retries is the budget for the whole run.
    contention_limit: float = 0.30
    contention_retries: int = 2
    window_contention_limit: float = 0.05  # windows above this wait share are left out of latency samples
    # Latency is judged only on a quiet host: when other processes used more than this share of the host's
    # CPU capacity during the rounds (median), wall-clock numbers describe the neighbours, not the build.
    foreign_load_limit: float = 0.25
    memory_mb: int | None = 1024
    cpu_seconds: int | None = 600
    isolate_network: bool = True
    reject_field: str = "status"
    reject_values: tuple[str, ...] = ("rejected",)
    error_field: str = "status"
    error_values: tuple[str, ...] = ("error",)
    must_match: tuple[str, ...] = DEFAULT_MUST_MATCH
    noise: tuple[str, ...] = ()  # field paths always masked (in addition to those learned)
    relative_threshold: float = 20.0  # Diffy defaults
    absolute_threshold: float = 0.03
    examples: int = 3
    pass_threshold: float = 95.0
    marginal_threshold: float = 75.0
    group_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_GROUP_WEIGHTS))
    metrics: tuple[MetricConfig, ...] = DEFAULT_METRICS
    baseline: ArmSettings = field(default_factory=ArmSettings)
    candidate: ArmSettings = field(default_factory=ArmSettings)
    # The order flow an asset's profile replays: a recorded file (relative to the profile), or a
    # generated one (orders, seed) when no recording is at hand.
    flow: Path | None = None
    generate: tuple[int, int] | None = None


_SCALARS = {
    "rounds": int, "rate": str, "speed": float, "warmup": float, "windows": int, "transport": str,
    "response_timeout_s": float, "round_timeout_s": float, "contention_limit": float,
    "contention_retries": int, "window_contention_limit": float, "foreign_load_limit": float,
    "memory_mb": int, "cpu_seconds": int,
    "isolate_network": bool, "reject_field": str, "error_field": str, "relative_threshold": float,
    "absolute_threshold": float, "examples": int, "pass_threshold": float, "marginal_threshold": float,
    "name": str,
}
_LISTS = ("reject_values", "error_values", "must_match", "noise")
_METRIC_KEYS = {
    "direction": str, "allowed_increase": float, "allowed_decrease": float, "critical": bool,
    "critical_increase": float, "critical_decrease": float, "must_have_data": bool, "muted": bool,
    "min_effect": float,
}


def _arm(src: str, key: str, raw: Any, base: Path) -> ArmSettings:
    if not isinstance(raw, dict):
        raise InputError(src, "expected a mapping", key)
    extra = set(raw) - {"env", "package", "wheelhouse", "command"}
    if extra:
        raise InputError(src, f"unknown keys {sorted(extra)}", key)
    env = raw.get("env") or {}
    if not isinstance(env, dict):
        raise InputError(src, "env must be a mapping of strings", f"{key}.env")
    wh = raw.get("wheelhouse")
    return ArmSettings(
        env={str(k): str(v) for k, v in env.items()},
        package=str(raw["package"]) if raw.get("package") else None,
        wheelhouse=(base / str(wh)).resolve() if wh else None,
        command=str(raw["command"]) if raw.get("command") else None,
    )


def _generate(src: str, raw: Any) -> tuple[int, int]:
    if not isinstance(raw, dict) or set(raw) - {"orders", "seed"} or "orders" not in raw:
        raise InputError(src, "expected a mapping with orders (and seed)", "generate")
    try:
        orders, seed = int(raw["orders"]), int(raw.get("seed", 1))
    except (TypeError, ValueError):
        raise InputError(src, "orders and seed are whole numbers", "generate") from None
    if orders < 20:
        raise InputError(src, "at least 20 orders are needed to measure anything", "generate.orders")
    return orders, seed


def parse_profile(data: Any, source: str, base: Path) -> Profile:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(source, "a profile must be a mapping at the top level")
    prof = Profile(name=Path(source).stem)
    known = set(_SCALARS) | set(_LISTS) | {"group_weights", "metrics", "baseline", "candidate", "flow",
                                           "generate"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(source, f"unknown keys {unknown}; expected some of {sorted(known)}")
    for key, typ in _SCALARS.items():
        if key in data and data[key] is not None:
            try:
                setattr(prof, key, typ(data[key]))
            except (TypeError, ValueError):
                raise InputError(source, f"expected {typ.__name__}, got {data[key]!r}", key) from None
    for key in _LISTS:
        if key in data:
            if not isinstance(data[key], list):
                raise InputError(source, "expected a list", key)
            setattr(prof, key, tuple(str(v) for v in data[key]))
    if "group_weights" in data:
        gw = data["group_weights"]
        if not isinstance(gw, dict):
            raise InputError(source, "expected a mapping of group to percent", "group_weights")
        prof.group_weights = {str(k): float(v) for k, v in gw.items()}
    if "metrics" in data:
        raw = data["metrics"]
        if not isinstance(raw, dict):
            raise InputError(source, "expected a mapping of metric name to settings", "metrics")
        by_name = {m.name: m for m in prof.metrics}
        for name, settings in raw.items():
            if name not in by_name:
                raise InputError(source, f"unknown metric {name!r}; one of {sorted(by_name)}", "metrics")
            if not isinstance(settings, dict) or set(settings) - set(_METRIC_KEYS):
                raise InputError(source, f"settings must be some of {sorted(_METRIC_KEYS)}",
                                 f"metrics.{name}")
            kw: dict[str, Any] = {}
            for k, v in settings.items():
                try:
                    kw[k] = Direction(v) if k == "direction" else _METRIC_KEYS[k](v)
                except ValueError:
                    raise InputError(source, f"bad value {v!r}", f"metrics.{name}.{k}") from None
            by_name[name] = replace(by_name[name], **kw)
        prof.metrics = tuple(by_name.values())
    for arm in ("baseline", "candidate"):
        if arm in data:
            setattr(prof, arm, _arm(source, arm, data[arm], base))
    if data.get("flow"):
        prof.flow = (base / str(data["flow"])).resolve()
    if data.get("generate") is not None:
        prof.generate = _generate(source, data["generate"])
    if prof.flow is not None and prof.generate is not None:
        raise InputError(source, "give either flow (a recording) or generate, not both", "generate")
    validate(prof, source)
    return prof


def validate(prof: Profile, source: str) -> None:
    if prof.rounds < 1:
        raise InputError(source, "rounds must be at least 1", "rounds")
    if prof.transport not in ("stdio", "tcp"):
        raise InputError(source, "transport must be stdio or tcp", "transport")
    if not 0 <= prof.warmup < 1:
        raise InputError(source, "warmup is a fraction in [0, 1)", "warmup")
    if prof.windows < 1:
        raise InputError(source, "windows must be at least 1", "windows")
    rate_of(prof.rate, source)
    if not 0 <= prof.marginal_threshold <= prof.pass_threshold <= 100:
        raise InputError(source, "need 0 <= marginal_threshold <= pass_threshold <= 100")


def rate_of(rate: str, source: str = "--rate") -> float | str | None:
    """A positive float, ``None`` for as fast as possible, or ``"recorded"``."""
    text = str(rate).strip().lower()
    if text in ("max", "0", "afap"):
        return None
    if text == "recorded":
        return "recorded"
    try:
        value = float(text)
    except ValueError:
        raise InputError(source, f"rate must be requests/s, 'max' or 'recorded', got {rate!r}") from None
    if value <= 0:
        return None
    return value


def load_profile(path: Path | None) -> Profile:
    if path is None:
        return Profile()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read profile ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = f"line {mark.line + 1}" if mark is not None else None
        raise InputError(str(path), f"not valid YAML/JSON ({getattr(exc, 'problem', exc)})", pos) from None
    return parse_profile(data, str(path), path.parent)
