"""Trading context -> SSVC inputs: the mapping a venue's security lead signs off, case by case."""

from __future__ import annotations

import pytest

from patchbook.model.asset import Asset, AssetKind, Criticality, Environment, Exposure
from patchbook.risk import context, human_impact

LOG4SHELL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"


def asset(**kw: object) -> Asset:
    base: dict[str, object] = {"name": "a", "kind": AssetKind.SERVICE}
    base.update(kw)
    return Asset(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "reachability", "expected"),
    [
        ({"exposure": Exposure.INTERNET}, "direct", "open"),
        ({"exposure": Exposure.INTERNET}, "transitive", "open"),  # depth does not lower exposure
        ({"exposure": Exposure.PARTNER}, "unknown", "controlled"),
        ({"exposure": Exposure.INTERNAL}, "direct", "small"),
        ({"exposure": Exposure.INTERNAL, "kind": AssetKind.CONTRACT}, "direct", "open"),  # on-chain
        ({"exposure": Exposure.INTERNET}, "not_affected", "small"),  # VEX not_affected
    ],
)
def test_system_exposure(kw: dict[str, object], reachability: str, expected: str) -> None:
    assert context.system_exposure(asset(**kw), reachability).value == expected  # type: ignore[arg-type]


def test_system_exposure_override_is_marked() -> None:
    got = context.system_exposure(asset(exposure=Exposure.INTERNET), "direct", "controlled", "behind mTLS")
    assert (got.value, got.overridden, got.reason) == ("controlled", True, "behind mTLS")


CASES = [
    # (what, asset fields, safety, mission, human impact)
    (
        "hot-wallet signer with $250M",
        {"trading_role": "wallet-signer", "criticality": Criticality.CRITICAL, "value_at_risk_usd": 250e6},
        "critical",
        "mission failure",
        "very high",
    ),
    (
        "settlement engine, $50M in flight",
        {"trading_role": "settlement-engine", "criticality": Criticality.CRITICAL, "value_at_risk_usd": 50e6},
        "critical",
        "mef failure",
        "high",
    ),
    (
        "matching engine, no funds of its own",
        {"trading_role": "matching-engine", "criticality": Criticality.CRITICAL},
        "critical",
        "mef failure",
        "high",
    ),
    (
        "market-data publisher",
        {"trading_role": "market-data", "criticality": Criticality.HIGH},
        "negligible",
        "mef support crippled",
        "low",
    ),
    (
        "internal wiki",
        {"trading_role": None, "criticality": Criticality.LOW},
        "negligible",
        "degraded",
        "low",
    ),
    (
        "options vault contract, $2B TVL",
        {"kind": AssetKind.CONTRACT, "criticality": Criticality.HIGH, "value_at_risk_usd": 2e9},
        "catastrophic",
        "mission failure",
        "very high",
    ),
    (
        "back office with $5M of client money",
        {"trading_role": "back-office", "criticality": Criticality.MEDIUM, "value_at_risk_usd": 5e6},
        "marginal",
        "mef support crippled",
        "low",
    ),
    (
        "staging copy of the wallet signer",
        {"trading_role": "wallet-signer", "value_at_risk_usd": 250e6, "environment": Environment.STAGING},
        "negligible",
        "degraded",
        "low",
    ),
]


@pytest.mark.parametrize(("what", "kw", "safety", "mission", "hi"), CASES, ids=[c[0] for c in CASES])
def test_safety_mission_human_impact(
    what: str, kw: dict[str, object], safety: str, mission: str, hi: str
) -> None:
    a = asset(**kw)
    s = context.safety_impact(a)
    m = context.mission_impact(a)
    assert (s.value, m.value) == (safety, mission), (s.reason, m.reason)
    assert human_impact(s.value, m.value) == hi  # type: ignore[arg-type]


def test_thresholds_are_policy() -> None:
    a = asset(trading_role="wallet-signer", value_at_risk_usd=20e6)
    assert context.mission_impact(a).value == "mef failure"
    strict = context.ContextPolicy(mission_failure_usd=10e6)
    assert context.mission_impact(a, strict).value == "mission failure"


@pytest.mark.parametrize(
    ("vector", "expected"),
    [
        (LOG4SHELL, "yes"),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "yes"),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", "no"),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "no"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", "no"),
        ("CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "no"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "yes"),
        ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "no"),  # attack requirements
        (None, "yes"),  # unknown: assumed, conservative
    ],
)
def test_automatable_from_vector(vector: str | None, expected: str) -> None:
    assert context.automatable(vector).value == expected


def test_automatable_override_and_bad_vector() -> None:
    got = context.automatable(LOG4SHELL, "no", "needs a JNDI-reachable logger we do not configure")
    assert (got.value, got.overridden) == ("no", True)
    with pytest.raises(ValueError, match="Missing mandatory"):
        context.automatable("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H")


@pytest.mark.parametrize(
    ("vector", "expected"),
    [
        (LOG4SHELL, "total"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "partial"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N", "total"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:H/SC:N/SI:N/SA:N", "partial"),
        (None, "total"),
    ],
)
def test_technical_impact(vector: str | None, expected: str) -> None:
    assert context.technical_impact(vector).value == expected
