"""Scoring a whole estate fast: the same :func:`prioritise` decisions, computed once per distinct input.

An estate of 200,000 findings has a few hundred assets and a few thousand vulnerabilities, and the SSVC
decision of a finding does not read EPSS. So :class:`Scorer` decides once per (asset, reachability,
severity, KEV entry, exploit reference) — the only things :func:`prioritise` reads — and per finding only
multiplies the EPSS probability into the cached impact and looks up a cached due date. The result for
each finding equals ``prioritise`` + ``due_date`` on the same inputs (tests/risk/test_batch.py checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from patchbook.model.advisory import KevEntry
from patchbook.model.asset import Asset
from patchbook.model.risk import EpssScore, Priority, Reachability, SeverityAssessment
from patchbook.risk.context import DEFAULT_CONTEXT, ContextPolicy
from patchbook.risk.explain import why
from patchbook.risk.exploitation import first_exploit_reference
from patchbook.risk.priority import prioritise, probability
from patchbook.risk.sla import DEFAULT_POLICY, SlaPolicy, due_date


@dataclass(frozen=True, slots=True)
class VulnerabilityInputs:
    """What risk reads about one vulnerability of one finding (its advisories, KEV, EPSS)."""

    vulnerability_id: str
    severity: SeverityAssessment | None
    kev: KevEntry | None
    exploit_reference: tuple[str, str] | None  # the reference that makes it public poc, if any
    epss: EpssScore | None

    @classmethod
    def build(
        cls,
        vulnerability_id: str,
        *,
        severity: SeverityAssessment | None,
        kev: KevEntry | None,
        references: Iterable[Mapping[str, Any] | tuple[str, str]],
        epss: EpssScore | None,
    ) -> VulnerabilityInputs:
        return cls(vulnerability_id, severity, kev, first_exploit_reference(references), epss)


@dataclass(frozen=True, slots=True)
class Scored:
    """One finding's priority in the compact form the store keeps and the ranked tables show."""

    decision: str
    cisa: str
    score: float
    severity: str | None  # CVSS band
    severity_score: float | None
    severity_stated: bool
    in_kev: bool
    kev_due: date | None
    epss: float | None
    due: date
    due_reason: str
    why: str
    inputs: dict[str, Any]  # every SSVC input and score factor, by name

    @property
    def severity_label(self) -> str:
        return severity_label(self.severity, self.severity_score)


def severity_label(band: str | None, score: float | None) -> str:
    if band is None:
        return "unknown"
    return f"{band} {score}" if score is not None else f"{band} (stated)"


def reachability_of(direct: bool | None) -> Reachability:
    return "unknown" if direct is None else ("direct" if direct else "transitive")


@dataclass(frozen=True, slots=True)
class _Decided:
    priority: Priority
    why: str
    inputs: dict[str, Any]


class Scorer:
    """Scores findings with per-input caches; one instance per re-score (the caches hold its inputs)."""

    def __init__(self, sla: SlaPolicy = DEFAULT_POLICY, context: ContextPolicy = DEFAULT_CONTEXT) -> None:
        self.sla = sla
        self.context = context
        self._decided: dict[tuple[Any, ...], _Decided] = {}
        self._due: dict[tuple[Any, ...], tuple[date, str]] = {}

    def decide(
        self, asset: Asset, vuln: VulnerabilityInputs, reachability: Reachability
    ) -> tuple[Priority, str, dict[str, Any]]:
        """The priority without EPSS (decisions never read it), its why line and its inputs."""
        key = (asset, reachability, vuln.severity, vuln.kev, vuln.exploit_reference)
        hit = self._decided.get(key)
        if hit is None:
            refs = (vuln.exploit_reference,) if vuln.exploit_reference else ()
            p = prioritise(
                vuln.vulnerability_id,
                asset,
                severity=vuln.severity,
                kev=vuln.kev,
                references=refs,
                reachability=reachability,
                policy=self.context,
            )
            inputs: dict[str, Any] = {
                i.name: i.value
                for i in (
                    p.exploitation,
                    p.system_exposure,
                    p.automatable,
                    p.technical_impact,
                    p.safety_impact,
                    p.mission_impact,
                    p.human_impact,
                    p.mission_well_being,
                )
            }
            inputs.update(
                {
                    "reachability": reachability,
                    "criticality weight": p.risk.criticality_weight,
                    "value-at-risk factor": round(p.risk.value_at_risk_factor, 4),
                    "exposure weight": p.risk.exposure_weight,
                    "reachability weight": p.risk.reachability_weight,
                    "impact": round(p.risk.impact, 4),
                }
            )
            hit = _Decided(p, why(p), inputs)
            self._decided[key] = hit
        return hit.priority, hit.why, hit.inputs

    def due(
        self, priority: Priority, asset: Asset, first_seen: datetime, kev: KevEntry | None
    ) -> tuple[date, str]:
        day = first_seen.date()
        band = priority.severity.band if priority.severity else None
        key = (day, priority.deployer, band, kev, priority.exploitation.value, asset.environment, asset.tags)
        hit = self._due.get(key)
        if hit is None:
            hit = due_date(
                self.sla,
                first_seen=day,
                decision=priority.deployer,
                severity=band,
                kev_due_date=kev.due_date if kev else None,
                in_kev=kev is not None,
                exploitation=priority.exploitation.value,
                environment=asset.environment.value,
                tags=asset.tags,
            )
            self._due[key] = hit
        return hit

    def score(
        self, asset: Asset, vuln: VulnerabilityInputs, reachability: Reachability, first_seen: datetime
    ) -> Scored:
        priority, line, inputs = self.decide(asset, vuln, reachability)
        p, p_reason = probability(priority.exploitation, vuln.epss)
        due, due_reason = self.due(priority, asset, first_seen, vuln.kev)
        sev = priority.severity
        return Scored(
            decision=priority.deployer,
            cisa=priority.cisa,
            score=p * priority.risk.impact,
            severity=sev.band if sev else None,
            severity_score=sev.score if sev else None,
            severity_stated=bool(sev and sev.stated),
            in_kev=vuln.kev is not None,
            kev_due=vuln.kev.due_date if vuln.kev else None,
            epss=vuln.epss.epss if vuln.epss else None,
            due=due,
            due_reason=due_reason,
            why=line,
            inputs={**inputs, "probability": p, "probability reason": p_reason, "due reason": due_reason},
        )
