"""The SSVC functions reproduce every row of the CERT/CC tables in shared/data/ssvc, and the bundled copies
are those tables byte for byte."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest

from patchbook.risk import cisa_coordinator, human_impact, mission_well_being, ssvc, ssvc_deployer
from tests.conftest import DATA

SSVC = DATA / "ssvc"
SHARED_TABLES = {
    "deployer_patch_application_priority_1_0_0.csv": SSVC
    / "ssvc"
    / "deployer_patch_application_priority_1_0_0.csv",
    "human_impact_1_0_0.csv": SSVC / "ssvc" / "human_impact_1_0_0.csv",
    "cisa_coordinator_2_0_3.csv": SSVC / "cisa" / "cisa_coordinator_2_0_3.csv",
}


def _rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]


DEPLOYER_ROWS = _rows(SHARED_TABLES["deployer_patch_application_priority_1_0_0.csv"])
HI_ROWS = _rows(SHARED_TABLES["human_impact_1_0_0.csv"])
CISA_ROWS = _rows(SHARED_TABLES["cisa_coordinator_2_0_3.csv"])


def test_tables_have_the_documented_sizes(shared_data: Path) -> None:
    # scoring.md §5: 72 deployer rows, 16 human impact rows, 36 CISA coordinator rows
    assert (len(DEPLOYER_ROWS), len(HI_ROWS), len(CISA_ROWS)) == (72, 16, 36)


@pytest.mark.parametrize("row", DEPLOYER_ROWS, ids=lambda r: f"row{r[0]}:" + "/".join(r[1:]))
def test_deployer_reproduces_row(row: list[str]) -> None:
    n, exploitation, exposure, automatable, hi, outcome = row
    assert ssvc_deployer(exploitation, exposure, automatable, hi) == outcome  # type: ignore[arg-type]
    step = ssvc.deployer_step(exploitation, exposure, automatable, hi)
    assert (step.table, step.row) == ("ssvc:DT_DP:1.0.0", int(n))


@pytest.mark.parametrize("row", HI_ROWS, ids=lambda r: f"row{r[0]}:" + "/".join(r[1:]))
def test_human_impact_reproduces_row(row: list[str]) -> None:
    # The table, not the ssvc:HI:2.0.2 prose, is authoritative (CERTCC/SSVC#1227).
    n, safety, mission, outcome = row
    assert human_impact(safety, mission) == outcome  # type: ignore[arg-type]
    assert ssvc.human_impact_step(safety, mission).row == int(n)


def test_human_impact_follows_the_table_where_the_prose_disagrees() -> None:
    # SSVC#1227: the HI prose says Marginal + Degraded is Medium; the table (authoritative) says low.
    assert human_impact("marginal", "degraded") == "low"


@pytest.mark.parametrize("row", CISA_ROWS, ids=lambda r: f"row{r[0]}:" + "/".join(r[1:]))
def test_cisa_coordinator_reproduces_row(row: list[str]) -> None:
    n, exploitation, automatable, ti, mwi, outcome = row
    assert cisa_coordinator(exploitation, automatable, ti, mwi) == outcome  # type: ignore[arg-type]
    step = ssvc.cisa_coordinator_step(exploitation, automatable, ti, mwi)
    assert (step.table, step.row) == ("cisa:DT_CO:2.0.3", int(n))


@pytest.mark.parametrize("name", sorted(SHARED_TABLES))
def test_bundled_table_equals_the_shared_one(name: str, shared_data: Path) -> None:
    bundled = resources.files("patchbook.risk").joinpath("data", name).read_bytes()
    assert bundled == SHARED_TABLES[name].read_bytes()


def test_bundled_licence_is_the_ssvc_data_licence(shared_data: Path) -> None:
    bundled = resources.files("patchbook.risk").joinpath("data", "LICENSE").read_bytes()
    assert bundled == (SSVC / "LICENSE").read_bytes()


def test_package_data_is_inside_the_package() -> None:
    # hatchling ships everything under src/patchbook; importlib.resources finds the files there.
    data = resources.files("patchbook.risk").joinpath("data")
    names = {p.name for p in data.iterdir()}
    assert set(ssvc.TABLE_FILES.values()) | {"LICENSE"} <= names


# scoring.md §5.5, CISA Mission & Well-Being Impact (rows: prevalence; columns: well-being)
MWI = {
    "minimal": {"minimal": "low", "material": "medium", "irreversible": "high"},
    "support": {"minimal": "medium", "material": "medium", "irreversible": "high"},
    "essential": {"minimal": "high", "material": "high", "irreversible": "high"},
}


@pytest.mark.parametrize(("prevalence", "well_being"), [(p, w) for p in MWI for w in MWI[p]])
def test_mission_well_being_table(prevalence: str, well_being: str) -> None:
    assert mission_well_being(prevalence, well_being) == MWI[prevalence][well_being]  # type: ignore[arg-type]


def test_every_table_is_complete() -> None:
    # every combination of input values has exactly one row
    for table_id in ssvc.TABLE_FILES:
        t = ssvc.table(table_id)
        values = [sorted({k[i] for k in t.cells}) for i in range(len(t.inputs))]
        size = 1
        for v in values:
            size *= len(v)
        assert len(t.cells) == size, table_id


def test_unknown_value_is_a_value_error_naming_the_table() -> None:
    with pytest.raises(ValueError, match=r"ssvc:DT_DP:1\.0\.0: no row for \(Active"):
        ssvc_deployer("Active", "open", "yes", "high")  # type: ignore[arg-type]


def test_parse_table_rejects_a_malformed_header() -> None:
    with pytest.raises(ValueError, match=r"not '<name> vX\.Y\.Z'"):
        ssvc.parse_table("x", "row,Exploitation,Outcome v1.0.0\n0,none,defer\n")
