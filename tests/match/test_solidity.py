"""Compiler-bug matching against the real Solidity bug list (ethereum/solidity docs/bugs.json)."""

from __future__ import annotations

from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.feeds import solidity as feed
from patchbook.match.solidity import (
    InvalidCompilerVersion,
    applicable_bugs,
    candidates,
    default_evm_version,
    parse_version,
)
from patchbook.model.contract import BugStatus, CompilerSettings, SolcBug


@pytest.fixture(scope="module")
def bugs(shared_data: Path) -> tuple[SolcBug, ...]:
    path = shared_data / "solidity" / "bugs.json"
    return feed.load(str(path), path.read_bytes()).bugs


@pytest.fixture(scope="module")
def by_version(shared_data: Path) -> dict[str, list[str]]:
    path = shared_data / "solidity" / "bugs_by_version.json"
    releases = feed.load(str(path), path.read_bytes()).by_version
    assert releases is not None
    return {v: names for v, (names, _) in releases.items()}


def _verdicts(version: str, settings: CompilerSettings, bugs: tuple[SolcBug, ...]) -> dict[str, BugStatus]:
    return {m.bug.name: m.status for m in applicable_bugs(version, settings, bugs)}


def test_the_real_list_reads_whole(bugs: tuple[SolcBug, ...], by_version: dict[str, list[str]]) -> None:
    assert len(bugs) == 59
    assert len(by_version) == 112
    assert {b.severity for b in bugs} <= set(feed.SEVERITIES)
    verbatim = next(b for b in bugs if b.name == "VerbatimInvalidDeduplication")
    assert (verbatim.uid, verbatim.introduced, verbatim.fixed) == ("SOL-2023-3", "0.8.5", "0.8.23")


def test_ranges_agree_with_bugs_by_version_for_every_release(
    bugs: tuple[SolcBug, ...], by_version: dict[str, list[str]]
) -> None:
    for version, names in by_version.items():
        assert {b.name for b in candidates(version, bugs)} == set(names), version
        assert {b.name for b in candidates(version, bugs, by_version)} == set(names), version


def test_all_settings_known_optimizer_on(bugs: tuple[SolcBug, ...], by_version: dict[str, list[str]]) -> None:
    settings = CompilerSettings(optimizer=True, runs=200, via_ir=False, evm_version="london")
    got = _verdicts("0.8.15", settings, bugs)
    # every bug of 0.8.15 applies: the yulOptimizer ones (optimizer on), the viaIR=false one, ABI coder v2
    assert set(got) == set(by_version["0.8.15"])
    assert set(got.values()) == {BugStatus.APPLIES}
    assert "StorageWriteRemovalBeforeConditionalTermination" in got  # medium/high, needs the Yul optimizer


def test_optimizer_off_drops_the_bugs_that_need_it(bugs: tuple[SolcBug, ...]) -> None:
    got = _verdicts("0.8.15", CompilerSettings(optimizer=False, via_ir=False), bugs)
    assert "StorageWriteRemovalBeforeConditionalTermination" not in got
    assert "FullInlinerNonExpressionSplitArgumentEvaluationOrder" not in got
    assert got["VerbatimInvalidDeduplication"] is BugStatus.APPLIES  # unconditional
    assert got["MissingSideEffectsOnSelectorAccess"] is BugStatus.APPLIES  # viaIR: false holds


def test_explicitly_disabled_yul_optimizer_wins_over_the_optimizer_switch(bugs: tuple[SolcBug, ...]) -> None:
    got = _verdicts("0.8.15", CompilerSettings(optimizer=True, via_ir=False, yul_optimizer=False), bugs)
    assert "StorageWriteRemovalBeforeConditionalTermination" not in got


def test_via_ir_drops_the_legacy_pipeline_bug(bugs: tuple[SolcBug, ...]) -> None:
    got = _verdicts("0.8.20", CompilerSettings(optimizer=True, via_ir=True), bugs)
    assert "MissingSideEffectsOnSelectorAccess" not in got  # conditions: viaIR false
    assert got["FullInlinerNonExpressionSplitArgumentEvaluationOrder"] is BugStatus.APPLIES


def test_missing_settings_are_reported_as_conditions_unknown(bugs: tuple[SolcBug, ...]) -> None:
    matches = {m.bug.name: m for m in applicable_bugs("0.8.15", CompilerSettings(), bugs)}
    storage = matches["StorageWriteRemovalBeforeConditionalTermination"]
    assert storage.status is BugStatus.CONDITIONS_UNKNOWN
    assert storage.unknown == ("yulOptimizer",)
    assert matches["MissingSideEffectsOnSelectorAccess"].unknown == ("viaIR",)
    assert matches["VerbatimInvalidDeduplication"].status is BugStatus.APPLIES
    # ABI coder v2 is the default from 0.8.0, so that condition is known without settings
    assert matches["AbiReencodingHeadOverflowWithStaticArrayCleanup"].status is BugStatus.APPLIES


def test_abi_coder_v2_before_080_needs_the_sources_to_say(bugs: tuple[SolcBug, ...]) -> None:
    unknown = _verdicts("0.7.6", CompilerSettings(optimizer=False), bugs)
    assert unknown["AbiReencodingHeadOverflowWithStaticArrayCleanup"] is BugStatus.CONDITIONS_UNKNOWN
    v1 = _verdicts("0.7.6", CompilerSettings(optimizer=False, abi_coder=1), bugs)
    assert "AbiReencodingHeadOverflowWithStaticArrayCleanup" not in v1
    v2 = _verdicts("0.7.6", CompilerSettings(optimizer=False, abi_coder=2), bugs)
    assert v2["AbiReencodingHeadOverflowWithStaticArrayCleanup"] is BugStatus.APPLIES


def test_evm_version_comparison_uses_the_compilers_default(bugs: tuple[SolcBug, ...]) -> None:
    # DoubleShiftSizeOverflow: 0.5.5 only, optimizer and evmVersion >= constantinople
    assert default_evm_version(parse_version("0.5.5")) == "petersburg"
    default = _verdicts("0.5.5", CompilerSettings(optimizer=True), bugs)
    assert default["DoubleShiftSizeOverflow"] is BugStatus.APPLIES
    byzantium = _verdicts("0.5.5", CompilerSettings(optimizer=True, evm_version="byzantium"), bugs)
    assert "DoubleShiftSizeOverflow" not in byzantium
    no_optimizer = _verdicts("0.5.5", CompilerSettings(optimizer=False, evm_version="istanbul"), bugs)
    assert "DoubleShiftSizeOverflow" not in no_optimizer


def test_fixed_release_has_no_bug_of_the_range(bugs: tuple[SolcBug, ...]) -> None:
    assert "VerbatimInvalidDeduplication" not in _verdicts("0.8.23", CompilerSettings(), bugs)
    assert _verdicts("0.8.28", CompilerSettings(optimizer=True, via_ir=True), bugs) == {}


def test_versions_parse_with_build_suffix_and_reject_garbage() -> None:
    assert parse_version("v0.8.15+commit.e14f2714") == (0, 8, 15)
    with pytest.raises(InvalidCompilerVersion):
        parse_version("^0.8.0")


def test_damaged_bug_lists_name_the_entry() -> None:
    with pytest.raises(InputError, match=r"x\.json:\[0\] \(Foo\): 'severity' 'catastrophic'"):
        feed.load(
            "x.json", b'[{"uid": "SOL-2020-1", "name": "Foo", "severity": "catastrophic", "fixed": "0.6.0"}]'
        )
    with pytest.raises(InputError, match="not of the form SOL-YYYY-N"):
        feed.load("x.json", b'[{"uid": "CVE-1", "name": "Foo", "severity": "low"}]')
    with pytest.raises(InputError, match="malformed JSON"):
        feed.load("x.json", b"[{")
    assert feed.sniff(b'[\n    {\n        "uid": "SOL-2023-3",') == "bugs"
    assert feed.sniff(b'{\n    "0.1.0": {\n        "bugs": [') == "by-version"
    assert feed.sniff(b'{"vulnerabilities": []}') is None
