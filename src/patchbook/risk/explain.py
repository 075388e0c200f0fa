"""Plain-text explanation of a :class:`Priority`: every input, every table lookup, the score arithmetic.

The lines are written so a person can redo the decision by hand with the SSVC tables and a calculator;
``findings explain`` prints them as they are, and ``why`` gives the one line a ranked table shows.
"""

from __future__ import annotations

from patchbook.model.risk import Input, Priority


def _input(i: Input) -> str:
    tag = " [overridden]" if i.overridden else ""
    return f"  {i.name}: {i.value}{tag} — {i.reason}"


def explain(priority: Priority) -> list[str]:
    p = priority
    lines = [f"{p.vulnerability_id} on {p.asset}: {p.deployer} (SSVC deployer), {p.cisa} (CISA coordinator)"]

    lines.append("Severity:")
    s = p.severity
    if s is None:
        lines.append("  none stated by any source")
    elif s.stated:
        lines.append(f"  {s.band} — stated by the source ({s.source}), not computed: no usable CVSS vector")
    else:
        lines.append(f"  CVSS {s.version} base {s.score} ({s.band}) from {s.source}: {s.vector}")
    lines.extend(f"    considered {c}" for c in (s.considered if s else ()))

    lines.append("Exploitability:")
    if p.kev is not None:
        due = p.kev.due_date.isoformat() if p.kev.due_date else "none"
        ransom = "yes" if p.kev.known_ransomware else "unknown"
        lines.append(
            f"  KEV: {p.kev.cve_id} added {p.kev.date_added.isoformat()}, due {due}, ransomware use {ransom}"
        )
    else:
        lines.append("  KEV: not listed")
    if p.epss is not None:
        pct = f", percentile {p.epss.percentile:g}" if p.epss.percentile is not None else ""
        lines.append(f"  EPSS: {p.epss.epss:g}{pct} (model {p.epss.model_version or 'unknown'})")
    else:
        lines.append("  EPSS: no score")

    lines.append("SSVC inputs:")
    for i in p.ssvc_inputs:
        lines.append(_input(i))

    lines.append("Decision path:")
    for step in p.path:
        ins = ", ".join(f"{name}={value}" for name, value in step.inputs)
        lines.append(f"  {step.table} row {step.row}: {ins} -> {step.outcome_name} = {step.outcome}")

    r = p.risk
    lines.append("Risk score (ranks findings inside a decision class):")
    lines.append(f"  probability = {r.probability:g} — {r.probability_reason}")
    lines.append(
        f"  impact = criticality {r.criticality_weight:g} x value-at-risk factor {r.value_at_risk_factor:.4f}"
        f" x exposure {r.exposure_weight:g} x reachability {r.reachability_weight:g} = {r.impact:.4f}"
    )
    lines.append(f"  score = {r.probability:g} x {r.impact:.4f} = {r.score:.4f}")
    return lines


def why(priority: Priority) -> str:
    """The one-line reason a ranked table shows next to the decision."""
    p = priority
    s = p.severity
    return why_line(
        s.band if s else None,
        s.score if s else None,
        p.exploitation.value,
        p.system_exposure.value,
        p.automatable.value,
        p.human_impact.value,
    )


def why_line(
    band: str | None,
    score: float | None,
    exploitation: str,
    exposure: str,
    automatable: str,
    human_impact: str,
) -> str:
    """:func:`why` from the stored values (the store keeps them per finding, not the sentence)."""
    sev = ""
    if band is not None:
        sev = band + (f" {score}" if score is not None else " (stated)") + ", "
    return (
        f"{sev}exploitation {exploitation}, exposure {exposure}, "
        f"automatable {automatable}, human impact {human_impact}"
    )
