"""Scoring a whole estate fast: the same :func:`prioritise` decisions, computed once per distinct input.

An estate of 200,000 findings has a few hundred assets and a few thousand vulnerabilities, and the SSVC
decision of a finding reads only a handful of their properties: the asset, the reachability, and of the
vulnerability its CVSS vector (band, score), whether it is in KEV (and the KEV due date, for the SLA),
whether an exploit is referenced. :class:`Scorer` decides once per distinct combination of those, and per
finding only multiplies the vulnerability's probability (EPSS, or 1.0 in KEV) into the cached impact and
looks up a cached due date. The result equals ``prioritise`` + ``due_date`` on the same inputs
(tests/risk/test_batch.py and tests/store/test_risk_store.py check it).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from patchbook.model.advisory import KevEntry
from patchbook.model.asset import Asset
from patchbook.model.risk import EpssScore, Priority, Reachability, SeverityAssessment
from patchbook.risk.context import DEFAULT_CONTEXT, ContextPolicy
from patchbook.risk.explain import why
from patchbook.risk.exploitation import exploitation_state, first_exploit_reference
from patchbook.risk.priority import prioritise, probability
from patchbook.risk.sla import DEFAULT_POLICY, SlaPolicy, apply_limit, sla_limit


@dataclass(frozen=True, slots=True)
class VulnerabilityInputs:
    """What risk reads about one vulnerability of one finding (its advisories, KEV, EPSS).

    ``decision_key`` holds exactly the properties the decision and the due date read, so that
    vulnerabilities alike in those share one cached decision; ``probability`` is the first factor of
    the score (it depends on nothing else).
    """

    vulnerability_id: str
    severity: SeverityAssessment | None
    kev: KevEntry | None
    exploit_reference: tuple[str, str] | None  # the reference that makes it public poc, if any
    epss: EpssScore | None
    decision_key: Hashable
    probability: float

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
        ref = first_exploit_reference(references)
        sev = None if severity is None else (severity.vector, severity.band, severity.score, severity.stated)
        kev_key = None if kev is None else ("kev", kev.due_date)
        p, _ = probability(exploitation_state(kev=kev, references=(ref,) if ref else ()), epss)
        return cls(vulnerability_id, severity, kev, ref, epss, (sev, kev_key, ref is not None), p)


@dataclass(frozen=True, slots=True)
class Scored:
    """One finding's priority in the compact form the store keeps and the ranked tables show."""

    decision: str
    cisa: str
    score: float
    probability: float
    severity: str | None  # CVSS band
    severity_score: float | None
    in_kev: bool
    epss: float | None
    due: date
    due_reason: str
    why: str
    inputs: dict[str, Any]  # every SSVC input and impact factor, by name (shared: do not modify)

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
class Decision:
    """What is shared by every finding of one (asset, reachability, vulnerability class)."""

    priority: Priority
    why: str
    inputs: dict[str, Any]
    limit: tuple[int, str]  # SLA days and which limit won
    kev_due: date | None
    in_kev: bool
    # the due date is first seen + ``delta``, but never later than ``cap`` (the KEV dueDate, if applied)
    delta: timedelta
    cap: date | None
    # the values the store keeps that are the same for every finding of this decision, in column order
    impact_columns: tuple[Any, ...]  # impact, its four weights, severity band and score, in KEV
    input_columns: tuple[str, ...]  # exploitation, system exposure, automatable, human impact


def decision_inputs(p: Priority, reachability: Reachability) -> dict[str, Any]:
    """The SSVC inputs and impact factors of a priority, by name, as the store keeps them."""
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
    return inputs


class Scorer:
    """Scores findings with per-input caches; one instance per re-score (the caches hold its inputs).

    ``asset_key`` identifies the asset cheaply (its store id); the caller guarantees one asset per key.
    """

    def __init__(self, sla: SlaPolicy = DEFAULT_POLICY, context: ContextPolicy = DEFAULT_CONTEXT) -> None:
        self.sla = sla
        self.context = context
        self._decided: dict[Hashable, Decision] = {}

    def decide(
        self, asset_key: Hashable, asset: Asset, vuln: VulnerabilityInputs, reachability: Reachability
    ) -> Decision:
        key = (asset_key, reachability, vuln.decision_key)
        hit = self._decided.get(key)
        if hit is not None:
            return hit
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
        limit = self._limit(p, asset, vuln.kev is not None)
        kev_due = vuln.kev.due_date if vuln.kev else None
        r, sev = p.risk, p.severity
        hit = self._decided[key] = Decision(
            priority=p,
            why=why(p),
            inputs=decision_inputs(p, reachability),
            limit=limit,
            kev_due=kev_due,
            in_kev=vuln.kev is not None,
            delta=timedelta(days=limit[0]),
            cap=kev_due if self.sla.kev_due_date else None,
            impact_columns=(
                r.impact,
                r.criticality_weight,
                r.value_at_risk_factor,
                r.exposure_weight,
                r.reachability_weight,
                sev.band if sev else None,
                sev.score if sev else None,
                vuln.kev is not None,
            ),
            input_columns=(
                p.exploitation.value,
                p.system_exposure.value,
                p.automatable.value,
                p.human_impact.value,
            ),
        )
        return hit

    def _limit(self, priority: Priority, asset: Asset, in_kev: bool) -> tuple[int, str]:
        return sla_limit(
            self.sla,
            decision=priority.deployer,
            severity=priority.severity.band if priority.severity else None,
            in_kev=in_kev,
            exploitation=priority.exploitation.value,
            environment=asset.environment.value,
            tags=asset.tags,
        )

    def due(self, decision: Decision, first_seen: date) -> tuple[date, str]:
        return apply_limit(self.sla, first_seen, decision.limit, decision.kev_due)

    def due_for(
        self, priority: Priority, asset: Asset, first_seen: date, kev: KevEntry | None
    ) -> tuple[date, str]:
        """The due date of a priority computed elsewhere (a full ``prioritise``)."""
        limit = self._limit(priority, asset, kev is not None)
        return apply_limit(self.sla, first_seen, limit, kev.due_date if kev else None)

    def score(
        self,
        asset_key: Hashable,
        asset: Asset,
        vuln: VulnerabilityInputs,
        reachability: Reachability,
        first_seen: date,
    ) -> Scored:
        d = self.decide(asset_key, asset, vuln, reachability)
        due, due_reason = self.due(d, first_seen)
        sev = d.priority.severity
        return Scored(
            decision=d.priority.deployer,
            cisa=d.priority.cisa,
            score=vuln.probability * d.priority.risk.impact,
            probability=vuln.probability,
            severity=sev.band if sev else None,
            severity_score=sev.score if sev else None,
            in_kev=d.in_kev,
            epss=vuln.epss.epss if vuln.epss else None,
            due=due,
            due_reason=due_reason,
            why=d.why,
            inputs=d.inputs,
        )
