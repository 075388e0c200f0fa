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
        return '<svg class="plot" role="img" aria-label="no latency data"><text x="10" y="20">no data</text></svg>'
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
        label = "0%" if n == 0 else f"{100 * (1 - 10 ** -n):.{max(0, math.ceil(n) - 2)}f}%"
        out.append(f'<line x1="{x:.1f}" y1="{pad_t}" x2="{x:.1f}" y2="{height - pad_b}" class="grid"/>'
                   f'<text x="{x:.1f}" y="{height - pad_b + 16}" text-anchor="middle" class="tick">{label}</text>')
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


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>patchbook simulation: {{ verdict|upper }} ({{ score }})</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#111;padding:0 16px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.verdict{display:inline-block;padding:10px 22px;border-radius:8px;color:#fff;font-size:28px;font-weight:700;letter-spacing:.05em}
.promote{background:#15803d}.hold{background:#b45309}.rollback{background:#b91c1c}
.score{font-size:22px;margin-left:14px;vertical-align:middle}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f8fafc;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.Pass,.ok{color:#15803d;font-weight:600}.High,.Low,.fail{color:#b91c1c;font-weight:700}
.Nodata,.NodataFailMetric,.Error,.masked{color:#6b7280}
.plot .grid{stroke:#e5e7eb}.plot .tick{font-size:11px;fill:#555}.plot .axis,.plot .legend{font-size:12px;fill:#333}
pre{background:#f8fafc;padding:6px;overflow-x:auto;font-size:12px;margin:2px 0;white-space:pre-wrap}
.reasons li{margin:2px 0} .meta{color:#555;font-size:12px}
</style></head><body>
<header id="summary">
<h1>Simulated deployment</h1>
<div><span class="verdict {{ verdict }}" id="verdict">{{ verdict|upper }}</span>
<span class="score" id="score">score {{ score }} / 100</span>
<span class="meta">(promote &ge; {{ j.pass_threshold }}, hold &ge; {{ j.marginal_threshold }})</span></div>
<ul class="reasons" id="reasons">{% for r in j.reasons %}<li>{{ r }}</li>{% else %}<li>every metric and check passed</li>{% endfor %}</ul>
<p class="meta">baseline <code>{{ run.baseline_cmd }}</code><br>candidate <code>{{ run.candidate_cmd }}</code><br>
flow {{ run.flow }} ({{ run.requests }} requests, sha256 {{ run.flow_sha256[:16] }}…), {{ run.rounds }} rounds per arm, rate {{ run.rate }}, profile {{ run.profile }}<br>
{{ run.started }} → {{ run.finished }}</p>
</header>
<h2>Latency percentile spectrum</h2>
{{ svg|safe }}
<table id="round-summary"><tr><th>arm</th><th>rounds</th><th>p50 µs</th><th>p90 µs</th><th>p99 µs</th><th>p99.9 µs</th><th>max µs</th><th>throughput req/s</th></tr>
{% for a in arms %}<tr><td style="color:{{ a.color }}">{{ a.name }}</td><td class="num">{{ a.rounds }}</td><td class="num">{{ a.p50 }}</td><td class="num">{{ a.p90 }}</td><td class="num">{{ a.p99 }}</td><td class="num">{{ a.p999 }}</td><td class="num">{{ a.max }}</td><td class="num">{{ a.tput }}</td></tr>{% endfor %}</table>
<h2>Judge (Mann-Whitney U, Hodges-Lehmann 98% CI)</h2>
<table id="judge"><tr><th>metric</th><th>group</th><th>label</th><th>baseline median</th><th>candidate median</th><th>ratio</th><th>allowed</th><th>CI of shift</th><th>n</th></tr>
{% for m in metrics %}<tr><td>{{ m.name }}</td><td>{{ m.group }}</td><td class="{{ m.label }}">{{ m.label }}{% if m.critical %} (critical){% endif %}</td><td class="num">{{ m.bmed }}</td><td class="num">{{ m.cmed }}</td><td class="num">{{ m.ratio }}</td><td>{{ m.allowed }}</td><td class="num">{{ m.ci }}</td><td class="num">{{ m.n }}</td></tr>{% endfor %}</table>
<p class="meta">group scores: {% for g, s in j.group_scores.items() %}{{ g }} {{ '%.0f'|format(s) }}{% if not loop.last %}, {% endif %}{% endfor %}</p>
<h2>Checks</h2>
<table id="checks"><tr><th>check</th><th>result</th><th>detail</th></tr>
{% for c in j.checks %}<tr><td>{{ c.name }}</td><td class="{{ 'ok' if c.passed else 'fail' }}">{{ 'ok' if c.passed else ('FAILED' if c.critical else 'warning') }}</td><td>{{ c.detail }}</td></tr>{% endfor %}</table>
<h2>Output differences</h2>
{% if diff %}<p class="meta">{{ diff.requests }} requests compared; Diffy thresholds for non-critical fields: relative &gt; {{ diff.relative_threshold }} %, absolute &gt; {{ diff.absolute_threshold }} %. Replay {{ 'deterministic' if diff.deterministic else 'NOT deterministic (baselines disagree on must-match fields)' }}.</p>
<table id="diffs"><tr><th>field</th><th>kind</th><th>candidate differs</th><th>baseline noise</th><th>relative %</th><th>absolute %</th><th>first examples</th></tr>
{% for f in diff.fields %}<tr class="{{ 'masked' if f.masked else '' }}"><td><code>{{ f.path }}</code></td><td>{% if f.must_match %}<b>must match</b>{% elif f.masked %}noise (masked){% elif f.regression %}<span class="fail">regression</span>{% else %}below threshold{% endif %}</td><td class="num">{{ f.raw }}</td><td class="num">{{ f.noise }}</td><td class="num">{{ '%.1f'|format(f.relative) }}</td><td class="num">{{ '%.3f'|format(f.absolute) }}</td>
<td>{% for e in f.examples %}<details><summary>seq {{ e.seq }}</summary><pre>request   {{ js(e.request) }}</pre><pre>baseline  {{ js(e.primary) }}</pre><pre>secondary {{ js(e.secondary) }}</pre><pre>candidate {{ js(e.candidate) }}</pre></details>{% endfor %}</td></tr>{% else %}<tr><td colspan="7">no field differs</td></tr>{% endfor %}</table>
{% else %}<p>no complete answer sets to compare (see failures below)</p>{% endif %}
<h2>Rounds</h2>
<table id="rounds"><tr><th>arm</th><th>round</th><th>answered</th><th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th><th>req/s</th><th>errors</th><th>rejects</th><th>peak RSS KiB</th><th>CPU s</th><th>exit</th><th>failure</th></tr>
{% for m in run.measurements %}<tr><td>{{ m.arm }}</td><td class="num">{{ m.round }}</td><td class="num">{{ m.responses }}/{{ m.requests }}</td><td class="num">{{ f1(m.p50_us) }}</td><td class="num">{{ f1(m.p99_us) }}</td><td class="num">{{ f1(m.p999_us) }}</td><td class="num">{{ f0(m.throughput) }}</td><td class="num">{{ m.errors }}</td><td class="num">{{ m.rejects }}</td><td class="num">{{ m.peak_rss_kb }}</td><td class="num">{{ '%.2f'|format(m.cpu_s) }}</td><td class="num">{{ m.exit_code }}</td>
<td>{% if m.failure %}<span class="fail">{{ m.failure.kind }}</span>: {{ m.failure.detail }}{% for ev in m.failure.evidence %}<pre>{{ ev }}</pre>{% endfor %}{% if m.failure.stderr_tail %}<details><summary>stderr</summary><pre>{{ m.failure.stderr_tail }}</pre></details>{% endif %}{% endif %}</td></tr>{% endfor %}</table>
<h2>Environment</h2>
<table id="environment">{% for k, v in run.environment.items() %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
<p class="meta">generated by patchbook</p>
</body></html>
"""


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
            "allowed": (f"≥ {m.allowed_decrease:g}×" if m.name == "throughput" else f"≤ {m.allowed_increase:g}×"),
            "ci": f"[{_f(m.ci_lower)}, {_f(m.ci_upper)}]", "n": f"{len(m.baseline)}/{len(m.candidate)}",
        })
    env = Environment(autoescape=True)
    tpl = env.from_string(_TEMPLATE)
    return tpl.render(
        run=run, j=j, verdict=j.verdict.value, score=f"{j.score:g}", svg=latency_svg(curves), arms=arms,
        metrics=metrics, diff=run.diff, f1=_f, f0=lambda v: _f(v, 0),
        js=lambda o: json.dumps(o, sort_keys=True, default=str),
    )


def escape(text: str) -> str:
    return _html.escape(text)
