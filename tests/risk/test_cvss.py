"""CVSS: every real vector in shared/data, the exhaustive 3.1 base set, known vectors, bad vectors, bands,
and the choice of severity for an OSV record."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from cvss import CVSS3, CVSS4

from patchbook.model.advisory import Severity
from patchbook.risk import best_severity, cvss_score, severity_band
from tests.conftest import DATA
from tests.risk import cvss31_reference as ref
from tests.risk.vectors import all_vectors, stated_scores

REAL_VECTORS = all_vectors(DATA) if DATA.is_dir() else {}
STATED = stated_scores(DATA) if DATA.is_dir() else []


def _package_score(vector: str) -> float:
    return float(CVSS4(vector).base_score if vector.startswith("CVSS:4.0/") else CVSS3(vector).base_score)


def test_real_vectors_were_found(shared_data: Path) -> None:
    # 3.0, 3.1 and 4.0 all occur; if the harvest broke, the parametrised tests below would pass vacuously.
    versions = {v[5:8] for v in REAL_VECTORS}
    assert versions == {"3.0", "3.1", "4.0"}
    assert len(REAL_VECTORS) >= 140
    assert len(STATED) >= 30


@pytest.mark.parametrize("vector", sorted(REAL_VECTORS), ids=lambda v: v)
def test_real_vector_scores_as_the_cvss_package(vector: str) -> None:
    assert cvss_score(vector) == _package_score(vector)


@pytest.mark.parametrize(("source", "vector", "stated"), STATED, ids=[f"{f}:{v}" for f, v, _ in STATED])
def test_real_vector_scores_as_its_record_states(source: str, vector: str, stated: float) -> None:
    assert cvss_score(vector) == stated, source


def test_ghsa_stated_band_agrees_with_computed_band(shared_data: Path) -> None:
    files = sorted((shared_data / "osv" / "ghsa").glob("*.json"))
    assert len(files) == 44
    for path in files:
        doc = json.loads(path.read_text())
        sev = best_severity(doc.get("severity", []), doc["database_specific"])
        assert sev is not None, path.name
        # a record without a vector (GHSA-6hcf-g6gr-hhcr) keeps its stated band, marked as stated
        assert sev.stated == (not doc.get("severity")), path.name
        stated = doc["database_specific"]["severity"].lower().replace("moderate", "medium")
        assert sev.band == stated, path.name


def _all_31_base_vectors() -> list[str]:
    names = list(ref.BASE_METRICS)
    return [
        "CVSS:3.1/" + "/".join(f"{n}:{v}" for n, v in zip(names, values, strict=True))
        for values in itertools.product(*ref.BASE_METRICS.values())
    ]


def test_exhaustive_cvss31_base_set_package_and_spec_agree() -> None:
    vectors = _all_31_base_vectors()
    assert len(vectors) == 2592 == len(set(vectors))
    wrong_vs_package = [v for v in vectors if cvss_score(v) != float(CVSS3(v).base_score)]
    wrong_vs_spec = [v for v in vectors if cvss_score(v) != ref.base_score(v)]
    assert wrong_vs_package == []
    assert wrong_vs_spec == []


def test_roundup_from_the_spec() -> None:
    # Appendix A: Roundup(4.02) is 4.1; Roundup(4.00) is 4.0; float noise like 4.000000001 stays 4.0.
    assert ref.roundup(4.02) == 4.1
    assert ref.roundup(4.0) == 4.0
    assert ref.roundup(4.000000001) == 4.0
    # binary-float noise must not push a score up a tenth: 0.1 + 0.2 == 0.30000000000000004
    assert ref.roundup(0.1 + 0.2) == 0.3


KNOWN = [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "critical"),  # Log4Shell, CVE-2021-44228
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "high"),  # Heartbleed, CVE-2014-0160
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "medium"),  # reflected XSS
    ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, "low"),  # the lowest non-zero 3.1 score
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "none"),  # no impact -> 0 (§1.2)
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"),
    ("CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:N/I:H/A:N", 5.3, "medium"),  # GHSA-wprv-93r4-jj2p, data-formats.md
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R", 9.8, "critical"),  # temporal ignored
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, "critical"),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, "none"),  # §2.4 step 1
]


@pytest.mark.parametrize(("vector", "score", "band"), KNOWN)
def test_known_vectors(vector: str, score: float, band: str) -> None:
    assert cvss_score(vector) == score
    assert severity_band(score, vector[5:8]) == band
    if vector.startswith("CVSS:3.1/") and "/E:" not in vector:
        assert ref.base_score(vector) == score


BAD = [
    ("", "missing the CVSS:3.x/ or CVSS:4.0/ prefix"),
    ("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "missing the CVSS:3.x/ or CVSS:4.0/ prefix"),
    ("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "prefix"),
    ("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "unsupported CVSS version"),
    ("AV:N/AC:L/Au:N/C:P/I:P/A:P", "CVSS v2"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", 'Missing mandatory metrics "A"'),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:L", 'Duplicate metric "A"'),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:1", 'Unknown metric "XX"'),
    ("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 'Unknown value "Q"'),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", 'trailing "/"'),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", 'Missing mandatory metrics "SA"'),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/SA:N", 'Duplicate metric "SA"'),
]


@pytest.mark.parametrize(("vector", "reason"), BAD)
def test_bad_vector_is_a_value_error_with_the_reason(vector: str, reason: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        cvss_score(vector)
    assert reason in str(info.value)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0.0, "none"),
        (0.1, "low"),
        (3.9, "low"),
        (4.0, "medium"),
        (6.9, "medium"),
        (7.0, "high"),
        (8.9, "high"),
        (9.0, "critical"),
        (10.0, "critical"),
    ],
)
def test_severity_bands(score: float, band: str) -> None:
    assert severity_band(score, "3.1") == band
    assert severity_band(score, "4.0") == band


def test_severity_band_rejects_out_of_range_and_unknown_version() -> None:
    with pytest.raises(ValueError):
        severity_band(10.1, "3.1")
    with pytest.raises(ValueError):
        severity_band(5.0, "5.0")


def test_best_severity_prefers_newest_version_and_records_inputs(shared_data: Path) -> None:
    doc = json.loads((shared_data / "osv/ghsa/GHSA-3ww4-gg4f-jr7f.json").read_text())
    sev = best_severity(doc["severity"], doc["database_specific"])
    assert sev is not None
    assert (sev.version, sev.score, sev.band, sev.stated) == ("4.0", 8.7, "high", False)
    assert sev.source == "severity[1] CVSS_V4"
    assert len(sev.considered) == 2 and "CVSS 3.1 base score" in sev.considered[0]


def test_best_severity_skips_bad_vectors_and_takes_highest_within_a_version() -> None:
    sev = best_severity(
        [
            Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),  # missing A
            Severity("CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"),
            Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),
            Severity("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),
        ]
    )
    assert sev is not None and sev.score == 7.5
    assert "rejected" in sev.considered[0] and "not scored (CVSS v2)" in sev.considered[3]


def test_best_severity_falls_back_to_the_stated_ghsa_band() -> None:
    sev = best_severity([], {"severity": "MODERATE"})
    assert sev is not None
    assert (sev.band, sev.score, sev.vector, sev.stated, sev.source) == (
        "medium",
        None,
        None,
        True,
        "database_specific.severity",
    )
    bad_vector = best_severity([{"type": "CVSS_V3", "score": "CVSS:3.1/garbage"}], {"severity": "HIGH"})
    assert bad_vector is not None and bad_vector.stated and bad_vector.band == "high"
    assert best_severity([], None) is None
    assert best_severity([], {"severity": "UNKNOWN"}) is None


def test_best_severity_on_pypi_yaml_record(shared_data: Path) -> None:
    import yaml

    path = next(p for p in sorted((shared_data / "osv/pypi").rglob("*.yaml")) if "CVSS:" in p.read_text())
    doc = yaml.safe_load(path.read_text())
    sev = best_severity(doc["severity"])
    assert sev is not None and sev.score == cvss_score(doc["severity"][0]["score"])
