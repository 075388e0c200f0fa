"""EPSS daily CSV: both layouts, gzip or plain, and a clear error naming the line for bad input."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patchbook.errors import InputError
from patchbook.risk.epss import load_epss, lookup, parse_epss, parse_epss_text

CURRENT = (
    "#model_version:v2025.03.14,score_date:2026-05-18T00:00:00Z\n"
    "cve,epss,percentile\n"
    "CVE-1999-0001,0.0046,0.7385\n"
    "CVE-2021-44228,0.94358,0.99957\n"
)


def test_current_layout() -> None:
    snap = parse_epss_text(CURRENT, "epss.csv")
    assert snap.model_version == "v2025.03.14"
    assert snap.score_date == datetime(2026, 5, 18, tzinfo=UTC)
    assert len(snap.scores) == 2
    log4shell = snap.get("cve-2021-44228")
    assert log4shell is not None
    assert (log4shell.epss, log4shell.percentile, log4shell.model_version) == (
        0.94358,
        0.99957,
        "v2025.03.14",
    )


def test_older_offset_date_and_early_2021_layout() -> None:
    older = parse_epss_text(
        "#model_version:v2022.01.01,score_date:2022-02-04T00:00:00+0000\ncve,epss,percentile\nCVE-2020-0001,0.1,0.5\n"
    )
    assert older.score_date == datetime(2022, 2, 4, tzinfo=UTC)
    early = parse_epss_text("cve,epss\nCVE-2020-0001,0.00105\n")
    assert early.model_version is None and early.score_date is None
    score = early.get("CVE-2020-0001")
    assert score is not None and score.percentile is None


def test_gzip_and_plain_files(tmp_path: Path) -> None:
    gz = tmp_path / "epss_scores-2026-05-18.csv.gz"
    gz.write_bytes(gzip.compress(CURRENT.encode()))
    plain = tmp_path / "epss_scores-2026-05-18.csv"
    plain.write_text(CURRENT)
    assert load_epss(gz).scores == load_epss(plain).scores


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("", "line 1", "missing header"),
        ("#model_version:v2025.03.14,score_date:2026-05-18T00:00:00Z\n", "line 2", "missing header"),
        ("#model_version v2025.03.14\ncve,epss,percentile\n", "line 1", "garbled metadata"),
        ("#model_version:v2025.03.14\ncve,epss,percentile\n", "line 1", "model_version and score_date"),
        ("#model_version:v1,score_date:yesterday\ncve,epss,percentile\n", "line 1", "score_date"),
        ("#model_version:v1,score_date:2026-05-18T00:00:00Z\ncve,score,percentile\n", "line 2", "header"),
        ("cve,epss,percentile\nCVE-2020-0001,0.1\n", "line 2", "expected 3 columns"),
        ("cve,epss,percentile\nCVE-2020-0001,0.1,0.2\nGHSA-xxxx,0.1,0.2\n", "line 3", "not a CVE id"),
        ("cve,epss,percentile\nCVE-2020-0001,high,0.2\n", "line 2", "epss 'high' is not a number"),
        ("cve,epss,percentile\nCVE-2020-0001,1.5,0.2\n", "line 2", "outside [0, 1]"),
        ("cve,epss,percentile\nCVE-2020-0001,nan,0.2\n", "line 2", "outside [0, 1]"),
        ("cve,epss,percentile\nCVE-2020-0001,0.1,-0.2\n", "line 2", "percentile"),
        ("cve,epss,percentile\nCVE-2020-0001,0.1,0.2\nCVE-2020-0001,0.1,0.2\n", "line 3", "twice"),
    ],
)
def test_bad_input_names_the_line(text: str, position: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_epss_text(text, "epss.csv")
    assert info.value.source == "epss.csv"
    assert info.value.position == position
    assert message in info.value.message
    assert str(info.value).startswith(f"epss.csv:{position}: ")


def test_corrupt_gzip_and_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="corrupt gzip"):
        parse_epss(b"\x1f\x8b" + b"garbage", "x.csv.gz")
    with pytest.raises(InputError, match="cannot read"):
        load_epss(tmp_path / "missing.csv")


def test_unknown_cves_are_counted_not_fatal() -> None:
    snap = parse_epss_text(CURRENT)
    found, missing = lookup(snap, ["CVE-2021-44228", "CVE-2099-0001", "CVE-2099-0002"])
    assert list(found) == ["CVE-2021-44228"]
    assert missing == ["CVE-2099-0001", "CVE-2099-0002"]


@given(
    st.dictionaries(
        st.builds("CVE-{}-{:04d}".format, st.integers(1999, 2030), st.integers(0, 9_999_999)),
        st.tuples(st.floats(0, 1), st.floats(0, 1)),
        max_size=30,
    )
)
def test_round_trip(rows: dict[str, tuple[float, float]]) -> None:
    body = "".join(f"{c},{e!r},{p!r}\n" for c, (e, p) in rows.items())
    snap = parse_epss_text(
        "#model_version:v2025.03.14,score_date:2026-05-18T00:00:00Z\ncve,epss,percentile\n" + body
    )
    assert {c: (s.epss, s.percentile) for c, s in snap.scores.items()} == rows


def test_full_size_file_parses_quickly(tmp_path: Path) -> None:
    # a real daily file has ~300k rows; 100k must parse well under a second or two.
    import time

    body = "".join(f"CVE-2020-{i:06d},0.00{i % 10},0.5\n" for i in range(100_000))
    data = gzip.compress(
        ("#model_version:v2025.03.14,score_date:2026-05-18T00:00:00Z\ncve,epss,percentile\n" + body).encode()
    )
    start = time.perf_counter()
    snap = parse_epss(data)
    assert len(snap.scores) == 100_000
    assert time.perf_counter() - start < 5
