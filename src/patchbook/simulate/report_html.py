"""The HTML report: one self-contained file (inline CSS and SVG, no scripts from anywhere).

Top of the page answers the question in ten seconds: the verdict, the score and why. Below: the latency
percentile spectrum of both arms (HdrHistogram, all measured rounds merged; x axis in "nines"), the
judge's table, the exact checks, the field diffs with first examples, and the per-round evidence.
"""

from __future__ import annotations

import html as _html
import json
import math
import statistics
from collections.abc import Sequence
from importlib import resources

from hdrh.histogram import HdrHistogram
from jinja2 import Environment

from patchbook.model.simulation import RoundMeasurement, SimulationRun
from patchbook.simulate.measure import HIST_MAX_NS

COLORS = {"baseline": "#2563eb", "candidate": "#ea580c"}
_NINES = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]  # 0 % ... 99.999 %


def merged_curve(rounds: Sequence[RoundMeasurement]) -> list[tuple[float, float]]:
    """(nines, µs) points of all rounds' histograms merged; nines = -log10(1 - p)."""
    total = HdrHistogram(1, HIST_MAX_NS, 3)
    any_data = False
    for m in rounds:
        if m.histogram:
            total.decode_and_add(m.histogram)
            any_data = True
    if not any_data:
        return []
    count = total.get_total_count()
    max_nines = min(5.0, math.log10(count)) if count > 1 else 0.0
    pts = []
    steps = 60
    for k in range(steps + 1):
        nines = max_nines * k / steps
        p = 100.0 * (1 - 10 ** (-nines))
        pts.append((nines, total.get_value_at_percentile(p) / 1000.0))
    pts.append((max_nines + 0.15, total.get_max_value() / 1000.0))  # the max, drawn just past the last nine
    return pts


def latency_svg(curves: dict[str, list[tuple[float, float]]], width: int = 760, height: int = 320) -> str:
    """Percentile spectrum, log-scaled latency axis, one polyline per arm."""
    pad_l, pad_r, pad_t, pad_b = 70, 20, 20, 50
    pts = [p for c in curves.values() for p in c]
    if not pts:
        return ('<svg class="plot" role="img" aria-label="no latency data">'
                '<text x="10" y="20">no data</text></svg>')
    x_max = max(p[0] for p in pts) or 1.0
    ys = [max(p[1], 0.001) for p in pts]
    y_lo = 10 ** math.floor(math.log10(min(ys)))
    y_hi = 10 ** math.ceil(math.log10(max(ys) * 1.01))
    if y_hi <= y_lo:
        y_hi = y_lo * 10

    def sx(x: float) -> float:
        return pad_l + (width - pad_l - pad_r) * x / x_max

    def sy(y: float) -> float:
        f = (math.log10(max(y, 0.001)) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo))
        return height - pad_b - (height - pad_t - pad_b) * f

    out = [f'<svg class="plot" id="latency-plot" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" xmlns="http://www.w3.org/2000/svg" role="img" '
           f'aria-label="latency percentile spectrum">']
    decade = y_lo
    while decade <= y_hi * 1.0001:
        y = sy(decade)
        label = f"{decade / 1000:g} ms" if decade >= 1000 else f"{decade:g} µs"
        out.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" class="grid"/>'
                   f'<text x="{pad_l - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{label}</text>')
        decade *= 10
    for n in _NINES:
        if n > x_max:
            break
        x = sx(n)
        if n != int(n):  # half-nines get a grid line only; labels at 0 %, 90 %, 99 %, 99.9 %, ...
            out.append(f'<line x1="{x:.1f}" y1="{pad_t}" x2="{x:.1f}" y2="{height - pad_b}" class="grid"/>')
            continue
        label = "0%" if n == 0 else f"{100 * (1 - 10 ** -n):.{max(0, int(n) - 2)}f}%"
        out.append(f'<line x1="{x:.1f}" y1="{pad_t}" x2="{x:.1f}" y2="{height - pad_b}" class="grid"/>'
                   f'<text x="{x:.1f}" y="{height - pad_b + 16}" text-anchor="middle" class="tick">'
                   f"{label}</text>")
    out.append(f'<text x="{(width + pad_l) / 2:.0f}" y="{height - 8}" text-anchor="middle" class="axis">'
               'percentile (latency from intended send time)</text>')
    for i, (arm, curve) in enumerate(curves.items()):
        if not curve:
            continue
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in curve)
        color = COLORS.get(arm, "#555")
        out.append(f'<polyline class="curve" data-arm="{arm}" points="{path}" fill="none" stroke="{color}" '
                   'stroke-width="2"/>')
        out.append(f'<rect x="{pad_l + 10}" y="{pad_t + 6 + 18 * i}" width="12" height="12" fill="{color}"/>'
                   f'<text x="{pad_l + 28}" y="{pad_t + 16 + 18 * i}" class="legend">{arm}</text>')
    out.append("</svg>")
    return "".join(out)




def _f(v: float, digits: int = 1) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.{digits}f}"


def render_html(run: SimulationRun) -> str:
    j = run.judgement
    by_arm = {arm: [m for m in run.measurements if m.arm == arm and m.failure is None]
              for arm in ("baseline", "candidate")}
    curves = {arm: merged_curve(ms) for arm, ms in by_arm.items()}
    arms = []
    for arm, ms in by_arm.items():
        def med(attr: str, ms: list[RoundMeasurement] = ms) -> float:
            vals = [getattr(m, attr) for m in ms if not math.isnan(getattr(m, attr))]
            return statistics.median(vals) if vals else math.nan
        arms.append({"name": arm, "color": COLORS[arm], "rounds": len(ms), "p50": _f(med("p50_us")),
                     "p90": _f(med("p90_us")), "p99": _f(med("p99_us")), "p999": _f(med("p999_us")),
                     "max": _f(med("max_us")), "tput": _f(med("throughput"), 0)})
    metrics = []
    for m in j.metrics:
        metrics.append({
            "name": m.name, "group": m.group, "label": m.label.value, "critical": m.critical,
            "bmed": _f(statistics.median(m.baseline)) if m.baseline else "–",
            "cmed": _f(statistics.median(m.candidate)) if m.candidate else "–",
            "ratio": _f(m.ratio, 3),
            "allowed": (f"≥ {m.allowed_decrease:g}×" if m.name == "throughput"
                        else f"≤ {m.allowed_increase:g}×"),
            "ci": f"[{_f(m.ci_lower)}, {_f(m.ci_upper)}]", "n": f"{len(m.baseline)}/{len(m.candidate)}",
        })
    env = Environment(autoescape=True)
    source = resources.files("patchbook.simulate").joinpath("templates/report.html.j2").read_text("utf-8")
    tpl = env.from_string(source)
    return tpl.render(
        run=run, j=j, verdict=j.verdict.value, score=f"{j.score:g}", svg=latency_svg(curves), arms=arms,
        metrics=metrics, diff=run.diff, f1=_f, f0=lambda v: _f(v, 0),
        js=lambda o: json.dumps(o, sort_keys=True, default=str),
    )


def escape(text: str) -> str:
    return _html.escape(text)
