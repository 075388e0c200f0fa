"""SSVC decision tables, loaded as data from the CERT/CC CSVs bundled in ``patchbook/risk/data``.

The trees are never hard-coded: each CSV (``row, <decision point> vX.Y.Z, ..., <outcome> vX.Y.Z``) is read
once through importlib.resources and looked up by its input columns. Every lookup returns the table id,
its version and the row, so the audit trail can name exactly which cell decided.

Human Impact follows the *table*, not the prose of ssvc:HI:2.0.2, where they disagree (CERTCC/SSVC#1227:
the maintainers ruled the table authoritative).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import cast

from patchbook.model.risk import (
    Automatable,
    CisaDecision,
    DecisionStep,
    DeployerDecision,
    Exploitation,
    HumanImpact,
    MissionImpact,
    MissionPrevalence,
    MissionWellBeing,
    PublicWellBeing,
    SafetyImpact,
    SystemExposure,
    TechnicalImpact,
)

_HEADER = re.compile(r"^(?P<name>.+?) v(?P<version>\d+\.\d+\.\d+)(?: \((?P<ns>\w+)\))?$")


@dataclass(frozen=True, slots=True)
class Table:
    """A decision table: input column names, the outcome column name, and a map inputs -> (row, outcome)."""

    id: str  # e.g. "ssvc:DT_DP:1.0.0"
    file: str
    inputs: tuple[str, ...]  # decision-point names without versions, e.g. ("Exploitation", ...)
    input_versions: tuple[str, ...]
    outcome: str
    cells: dict[tuple[str, ...], tuple[int, str]]

    def lookup(self, *values: str) -> DecisionStep:
        return _lookup(self.id, tuple(values))

    def _step(self, key: tuple[str, ...]) -> DecisionStep:
        if key not in self.cells:
            expected = ", ".join(self.inputs)
            raise ValueError(f"{self.id}: no row for ({', '.join(key)}); inputs are ({expected})")
        row, outcome = self.cells[key]
        return DecisionStep(
            table=self.id,
            row=row,
            inputs=tuple(zip(self.inputs, key, strict=True)),
            outcome_name=self.outcome,
            outcome=outcome,
        )


@cache
def _lookup(table_id: str, key: tuple[str, ...]) -> DecisionStep:
    # A table has at most a few dozen cells: caching the finished steps keeps estate re-scoring cheap.
    return table(table_id)._step(key)


# table id -> bundled file; the ids are those CERT/CC gives the tables (DT_DP, DT_HI, ...).
TABLE_FILES = {
    "ssvc:DT_DP:1.0.0": "deployer_patch_application_priority_1_0_0.csv",
    "ssvc:DT_HI:1.0.0": "human_impact_1_0_0.csv",
    "cisa:DT_CO:2.0.3": "cisa_coordinator_2_0_3.csv",
    # Mission & Well-Being Impact (CISA): transcribed from the MWI 1.0.0 decision point definition; CERT/CC
    # publishes it as JSON, not CSV, so patchbook ships it in the same CSV layout.
    "cisa:DT_MWI:1.0.0": "mission_and_well_being_impact_1_0_0.csv",
}
DEPLOYER = "ssvc:DT_DP:1.0.0"
HUMAN_IMPACT = "ssvc:DT_HI:1.0.0"
CISA_COORDINATOR = "cisa:DT_CO:2.0.3"
MISSION_WELL_BEING = "cisa:DT_MWI:1.0.0"


def bundled_text(file: str) -> str:
    """The text of a bundled data file (never reads ../shared at run time)."""
    return resources.files("patchbook.risk").joinpath("data", file).read_text(encoding="utf-8")


def parse_table(table_id: str, text: str, file: str = "<text>") -> Table:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    if not header or header[0] != "row":
        raise ValueError(f"{file}: first column must be 'row', got {header[:1]}")
    names: list[str] = []
    versions: list[str] = []
    for col in header[1:]:
        m = _HEADER.match(col)
        if not m:
            raise ValueError(f"{file}: column {col!r} is not '<name> vX.Y.Z'")
        names.append(m["name"])
        versions.append(m["version"])
    cells: dict[tuple[str, ...], tuple[int, str]] = {}
    for line, rec in enumerate(reader, start=2):
        if not rec:
            continue
        if len(rec) != len(header):
            raise ValueError(f"{file}:{line}: {len(rec)} columns, expected {len(header)}")
        key = tuple(rec[1:-1])
        if key in cells:
            raise ValueError(f"{file}:{line}: duplicate inputs {key}")
        cells[key] = (int(rec[0]), rec[-1])
    return Table(
        id=table_id,
        file=file,
        inputs=tuple(names[:-1]),
        input_versions=tuple(versions[:-1]),
        outcome=names[-1],
        cells=cells,
    )


@cache
def table(table_id: str) -> Table:
    """A bundled table by id, parsed once per process."""
    file = TABLE_FILES[table_id]
    return parse_table(table_id, bundled_text(file), file)


def deployer_step(exploitation: str, exposure: str, automatable: str, human_impact: str) -> DecisionStep:
    return table(DEPLOYER).lookup(exploitation, exposure, automatable, human_impact)


def ssvc_deployer(
    exploitation: Exploitation, exposure: SystemExposure, automatable: Automatable, human_impact: HumanImpact
) -> DeployerDecision:
    """SSVC Deployer Patch Application Priority (ssvc:DT_DP:1.0.0): defer / scheduled / out-of-cycle /
    immediate, spelled as the table spells them."""
    return cast(DeployerDecision, deployer_step(exploitation, exposure, automatable, human_impact).outcome)


def human_impact_step(safety: str, mission: str) -> DecisionStep:
    return table(HUMAN_IMPACT).lookup(safety, mission)


def human_impact(safety: SafetyImpact, mission: MissionImpact) -> HumanImpact:
    """Human Impact from Safety Impact x Mission Impact (ssvc:DT_HI:1.0.0, the table per SSVC#1227)."""
    return cast(HumanImpact, human_impact_step(safety, mission).outcome)


def cisa_coordinator_step(
    exploitation: str, automatable: str, technical_impact: str, mission_well_being: str
) -> DecisionStep:
    return table(CISA_COORDINATOR).lookup(exploitation, automatable, technical_impact, mission_well_being)


def cisa_coordinator(
    exploitation: Exploitation,
    automatable: Automatable,
    technical_impact: TechnicalImpact,
    mission_well_being: MissionWellBeing,
) -> CisaDecision:
    """CISA Coordinator decision v2.0.3: track / track* / attend / act."""
    step = cisa_coordinator_step(exploitation, automatable, technical_impact, mission_well_being)
    return cast(CisaDecision, step.outcome)


def mission_well_being_step(prevalence: str, well_being: str) -> DecisionStep:
    return table(MISSION_WELL_BEING).lookup(prevalence, well_being)


def mission_well_being(prevalence: MissionPrevalence, well_being: PublicWellBeing) -> MissionWellBeing:
    """CISA Mission & Well-Being Impact from Mission Prevalence x Public Well-Being Impact."""
    return cast(MissionWellBeing, mission_well_being_step(prevalence, well_being).outcome)
