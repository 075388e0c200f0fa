"""Risk results: severity, exploitability, SSVC inputs and decisions, the ranking score.

Plain frozen dataclasses with no I/O. Every result carries the inputs it was computed from and why each
input has its value, so a priority can be explained and recomputed by hand (see ``patchbook.risk.explain``).
The SSVC values are spelled exactly as the CERT/CC decision-table CSVs spell them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from patchbook.model.advisory import KevEntry

# --- SSVC decision-point values, spelled as in CERTCC/SSVC data/csv -----------------------------------
Exploitation = Literal["none", "public poc", "active"]
SystemExposure = Literal["small", "controlled", "open"]
Automatable = Literal["no", "yes"]
TechnicalImpact = Literal["partial", "total"]
SafetyImpact = Literal["negligible", "marginal", "critical", "catastrophic"]
MissionImpact = Literal["degraded", "mef support crippled", "mef failure", "mission failure"]
HumanImpact = Literal["low", "medium", "high", "very high"]
MissionPrevalence = Literal["minimal", "support", "essential"]
PublicWellBeing = Literal["minimal", "material", "irreversible"]
MissionWellBeing = Literal["low", "medium", "high"]
DeployerDecision = Literal["defer", "scheduled", "out-of-cycle", "immediate"]
CisaDecision = Literal["track", "track*", "attend", "act"]

SeverityBand = Literal["none", "low", "medium", "high", "critical"]

# How a component is reached from the asset; "not_affected" is a VEX statement saying it is not exploitable.
Reachability = Literal["direct", "transitive", "unknown", "not_affected"]


@dataclass(frozen=True, slots=True)
class SeverityAssessment:
    """The severity patchbook uses for one advisory, and where it came from.

    ``stated`` is True when no usable CVSS vector existed and the band is what the source wrote
    (e.g. GHSA ``database_specific.severity``): then ``score`` and ``vector`` are None.
    """

    band: SeverityBand
    score: float | None
    version: str | None  # "3.0", "3.1", "4.0"
    vector: str | None
    stated: bool
    source: str  # e.g. "severity[0] CVSS_V3", "database_specific.severity"
    considered: tuple[str, ...] = ()  # every candidate looked at, with its outcome, for the explanation


@dataclass(frozen=True, slots=True)
class EpssScore:
    cve: str
    epss: float  # probability of exploitation activity in the next 30 days
    percentile: float | None  # a rank, not a probability; display only (None in early-2021 files)
    model_version: str | None
    score_date: datetime | None


@dataclass(frozen=True, slots=True)
class EpssSnapshot:
    """One daily EPSS file: its model and date, and one score per CVE."""

    model_version: str | None
    score_date: datetime | None
    scores: dict[str, EpssScore]

    def get(self, cve: str) -> EpssScore | None:
        return self.scores.get(cve.upper())


@dataclass(frozen=True, slots=True)
class Input:
    """One decision-point value, with the reason it has that value."""

    name: str  # the decision point, as the table header names it (without the version)
    value: str
    reason: str
    overridden: bool = False  # True when a person set it rather than patchbook deriving it


@dataclass(frozen=True, slots=True)
class DecisionStep:
    """One lookup in a decision table: which table, which row, what went in, what came out."""

    table: str  # table id and version, e.g. "ssvc:DT_DP:1.0.0"
    row: int  # the ``row`` column of the CSV
    inputs: tuple[tuple[str, str], ...]
    outcome_name: str
    outcome: str


@dataclass(frozen=True, slots=True)
class RiskScore:
    """The ranking score inside a decision class: probability x impact on the venue."""

    probability: float
    probability_reason: str
    criticality_weight: float
    value_at_risk_factor: float
    exposure_weight: float
    reachability_weight: float
    impact: float
    score: float


@dataclass(frozen=True, slots=True)
class Priority:
    """Everything decided about one vulnerability on one asset, and every input that went in."""

    vulnerability_id: str
    asset: str
    severity: SeverityAssessment | None
    epss: EpssScore | None
    kev: KevEntry | None
    exploitation: Input
    system_exposure: Input
    automatable: Input
    technical_impact: Input
    safety_impact: Input
    mission_impact: Input
    human_impact: Input
    mission_prevalence: Input
    public_well_being: Input
    mission_well_being: Input
    deployer: DeployerDecision
    cisa: CisaDecision
    path: tuple[DecisionStep, ...]
    risk: RiskScore

    @property
    def ssvc_inputs(self) -> tuple[Input, ...]:
        """Every SSVC input in the order people read them: the decision points, then what they combine."""
        return (
            self.exploitation,
            self.system_exposure,
            self.automatable,
            self.technical_impact,
            self.safety_impact,
            self.mission_impact,
            self.human_impact,
            self.mission_prevalence,
            self.public_well_being,
            self.mission_well_being,
        )
