"""The finding lifecycle, pure: opened, refreshed, version change, fixed, inactive, reopened."""

from __future__ import annotations

from patchbook.match.lifecycle import reconcile
from patchbook.model.finding import FindingState, Known, Observation

LODASH = ("npm", "lodash", "CVE-2020-8203")


def obs(version: str, group: str = "CVE-2020-8203", package: str = "lodash") -> Observation:
    return Observation("npm", package, group, version, ("GHSA-p6mc-m468-83gw",), ("4.17.20",), True)


def known(state: FindingState, version: str = "4.17.15", fid: int = 7) -> Known:
    return Known(fid, *LODASH, state, version)


def test_new_observation_opens_a_finding() -> None:
    (change,) = reconcile([], [obs("4.17.15")], {("npm", "lodash"): "4.17.15"})
    assert (change.finding_id, change.state, change.event) == (None, FindingState.OPEN, "opened")


def test_same_observation_only_refreshes() -> None:
    (change,) = reconcile([known(FindingState.OPEN)], [obs("4.17.15")], {("npm", "lodash"): "4.17.15"})
    assert (change.finding_id, change.event, change.observation is not None) == (7, None, True)


def test_other_affected_version_is_a_version_event() -> None:
    (change,) = reconcile([known(FindingState.OPEN)], [obs("4.17.19")], {("npm", "lodash"): "4.17.19"})
    assert change.event == "version" and change.detail == {"from": "4.17.15", "to": "4.17.19"}


def test_upgraded_past_the_fix_is_fixed() -> None:
    (change,) = reconcile([known(FindingState.OPEN)], [], {("npm", "lodash"): "4.17.21"})
    assert (change.state, change.event, change.detail["to"]) == (FindingState.FIXED, "fixed", "4.17.21")


def test_same_version_no_longer_affected_is_inactive_not_fixed() -> None:
    # A withdrawn advisory or a narrowed range: nothing was patched, so "fixed" would be false evidence.
    (change,) = reconcile([known(FindingState.OPEN)], [], {("npm", "lodash"): "4.17.15"})
    assert (change.state, change.event, change.detail["version"]) == (
        FindingState.INACTIVE,
        "not-affected",
        "4.17.15",
    )


def test_removed_package_is_inactive() -> None:
    (change,) = reconcile([known(FindingState.OPEN)], [], {})
    assert (change.state, change.event) == (FindingState.INACTIVE, "inactive")


def test_fixed_or_inactive_findings_come_back_when_observed_again() -> None:
    for state in (FindingState.FIXED, FindingState.INACTIVE):
        (change,) = reconcile([known(state)], [obs("4.17.15")], {("npm", "lodash"): "4.17.15"})
        assert (change.finding_id, change.state, change.event) == (7, FindingState.OPEN, "reopened")


def test_closed_findings_not_observed_stay_as_they_are() -> None:
    assert reconcile([known(FindingState.FIXED), known(FindingState.INACTIVE, fid=8)], [], {}) == []


def test_identity_includes_the_alias_group() -> None:
    changes = reconcile(
        [known(FindingState.OPEN)], [obs("4.17.15", group="CVE-2021-23337")], {("npm", "lodash"): "4.17.15"}
    )
    assert sorted((c.event or "", c.identity[2]) for c in changes) == [
        ("not-affected", "CVE-2020-8203"),
        ("opened", "CVE-2021-23337"),
    ]
