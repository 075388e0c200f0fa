"""Priority of one vulnerability on one asset: SSVC deployer decision, CISA coordinator decision beside it,
and a numeric risk score that ranks findings inside a decision class.

Risk score (documented in docs/risk-model.md)::

    score  = probability x impact
    probability = 1.0 if Exploitation is active (KEV or marked)
                  else EPSS (30-day probability of exploitation activity) when the CVE has one
                  else 0.1 for public poc, 0.01 for none (assumed; said so in the reason)
    impact = criticality weight x value-at-risk factor x exposure weight x reachability weight
        criticality weight: low 1, medium 2, high 4, critical 8 (each step doubles)
        value-at-risk factor: 1 + log10(1 + VaR / $10,000)   ($0 -> 1, $1M -> 3, $100M -> 5, $1B -> 6)
        exposure weight (SSVC System Exposure): small 1, controlled 2, open 3
        reachability weight: direct / unknown 1, transitive 0.8, VEX not_affected 0

The score is a ranking key, not a dollar figure: the logarithm keeps a $1B wallet from drowning every other
asset while still ordering by money at risk. The decision classes always come first (see :func:`rank_key`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, cast

from patchbook.model.advisory import KevEntry
from patchbook.model.asset import Asset, Criticality
from patchbook.model.risk import (
    Automatable,
    CisaDecision,
    DeployerDecision,
    EpssScore,
    Exploitation,
    Input,
    MissionImpact,
    Priority,
    Reachability,
    RiskScore,
    SafetyImpact,
    SeverityAssessment,
    SystemExposure,
    TechnicalImpact,
)
from patchbook.risk import context, ssvc
from patchbook.risk.exploitation import exploitation_state

CRITICALITY_WEIGHT = {
    Criticality.LOW: 1.0,
    Criticality.MEDIUM: 2.0,
    Criticality.HIGH: 4.0,
    Criticality.CRITICAL: 8.0,
}
EXPOSURE_WEIGHT = {"small": 1.0, "controlled": 2.0, "open": 3.0}
REACHABILITY_WEIGHT = {"direct": 1.0, "unknown": 1.0, "transitive": 0.8, "not_affected": 0.0}
VAR_UNIT_USD = 10_000.0
ASSUMED_PROBABILITY = {"public poc": 0.1, "none": 0.01}

DEPLOYER_ORDER = {"immediate": 0, "out-of-cycle": 1, "scheduled": 2, "defer": 3}
CISA_ORDER = {"act": 0, "attend": 1, "track*": 2, "track": 3}


@dataclass(frozen=True, slots=True)
class Overrides:
    """Values a person sets by hand; each wins over what patchbook derives, and is shown as overridden."""

    exploitation: Exploitation | None = None
    exploitation_reason: str = ""
    system_exposure: SystemExposure | None = None
    system_exposure_reason: str = ""
    automatable: Automatable | None = None
    automatable_reason: str = ""
    technical_impact: TechnicalImpact | None = None
    safety_impact: SafetyImpact | None = None
    mission_impact: MissionImpact | None = None


NO_OVERRIDES = Overrides()


def value_at_risk_factor(value_at_risk_usd: float | None) -> float:
    var = max(value_at_risk_usd or 0.0, 0.0)
    return 1.0 + math.log10(1.0 + var / VAR_UNIT_USD)


def probability(exploitation: Input, epss: EpssScore | None) -> tuple[float, str]:
    """(probability of exploitation, why): 1.0 when active, else EPSS, else an assumed floor."""
    if exploitation.value == "active":
        return 1.0, "exploitation is active: " + exploitation.reason
    if epss is not None:
        model = f", model {epss.model_version}" if epss.model_version else ""
        day = f", {epss.score_date.date().isoformat()}" if epss.score_date else ""
        return epss.epss, f"EPSS {epss.epss:g} for {epss.cve}{model}{day}"
    p = ASSUMED_PROBABILITY[exploitation.value]
    return p, f"{p:g}: no EPSS score, assumed for exploitation '{exploitation.value}'"


def risk_score(
    *,
    exploitation: Input,
    epss: EpssScore | None,
    asset: Asset,
    exposure: Input,
    reachability: Reachability,
) -> RiskScore:
    p, why = probability(exploitation, epss)
    cw = CRITICALITY_WEIGHT[asset.criticality]
    vf = value_at_risk_factor(asset.value_at_risk_usd)
    ew = EXPOSURE_WEIGHT[exposure.value]
    rw = REACHABILITY_WEIGHT[reachability]
    impact = cw * vf * ew * rw
    return RiskScore(
        probability=p,
        probability_reason=why,
        criticality_weight=cw,
        value_at_risk_factor=vf,
        exposure_weight=ew,
        reachability_weight=rw,
        impact=impact,
        score=p * impact,
    )


def prioritise(
    vulnerability_id: str,
    asset: Asset,
    *,
    severity: SeverityAssessment | None = None,
    epss: EpssScore | None = None,
    kev: KevEntry | None = None,
    references: Iterable[Mapping[str, Any] | tuple[str, str]] = (),
    reachability: Reachability = "unknown",
    overrides: Overrides = NO_OVERRIDES,
    policy: context.ContextPolicy = context.DEFAULT_CONTEXT,
) -> Priority:
    """Decide the priority of ``vulnerability_id`` on ``asset`` and record every input and table step."""
    o = overrides
    vector = severity.vector if severity is not None else None
    exploitation = exploitation_state(
        kev=kev, references=references, marked=o.exploitation, marked_reason=o.exploitation_reason
    )
    exposure = context.system_exposure(asset, reachability, o.system_exposure, o.system_exposure_reason)
    auto = context.automatable(vector, o.automatable, o.automatable_reason)
    ti = context.technical_impact(vector, o.technical_impact)
    safety = context.safety_impact(asset, policy, o.safety_impact)
    mission = context.mission_impact(asset, policy, o.mission_impact)

    hi_step = ssvc.human_impact_step(safety.value, mission.value)
    hi = Input("Human Impact", hi_step.outcome, f"{ssvc.HUMAN_IMPACT} row {hi_step.row}")
    dp_step = ssvc.deployer_step(exploitation.value, exposure.value, auto.value, hi.value)
    prevalence = context.mission_prevalence(mission)
    well_being = context.public_well_being(safety)
    mwi_step = ssvc.mission_well_being_step(prevalence.value, well_being.value)
    mwi = Input(
        "Mission and Well-Being Impact", mwi_step.outcome, f"{ssvc.MISSION_WELL_BEING} row {mwi_step.row}"
    )
    co_step = ssvc.cisa_coordinator_step(exploitation.value, auto.value, ti.value, mwi.value)
    return Priority(
        vulnerability_id=vulnerability_id,
        asset=asset.name,
        severity=severity,
        epss=epss,
        kev=kev,
        exploitation=exploitation,
        system_exposure=exposure,
        automatable=auto,
        technical_impact=ti,
        safety_impact=safety,
        mission_impact=mission,
        human_impact=hi,
        mission_prevalence=prevalence,
        public_well_being=well_being,
        mission_well_being=mwi,
        deployer=cast(DeployerDecision, dp_step.outcome),
        cisa=cast(CisaDecision, co_step.outcome),
        path=(hi_step, dp_step, mwi_step, co_step),
        risk=risk_score(
            exploitation=exploitation, epss=epss, asset=asset, exposure=exposure, reachability=reachability
        ),
    )


def rescore_epss(priority: Priority, epss: EpssScore | None) -> Priority:
    """The same priority with a new EPSS score: after an EPSS import only the probability moves.

    SSVC decisions do not read EPSS, and the impact factors are kept in ``priority.risk``, so re-scoring an
    estate is one multiplication per finding instead of a full :func:`prioritise`.
    """
    p, why = probability(priority.exploitation, epss)
    risk = replace(priority.risk, probability=p, probability_reason=why, score=p * priority.risk.impact)
    return replace(priority, epss=epss, risk=risk)


def rank_key(priority: Priority) -> tuple[int, int, float, str]:
    """Sort key, most urgent first: deployer decision, then CISA decision, then risk score (descending)."""
    return (
        DEPLOYER_ORDER[priority.deployer],
        CISA_ORDER[priority.cisa],
        -priority.risk.score,
        priority.vulnerability_id,
    )
