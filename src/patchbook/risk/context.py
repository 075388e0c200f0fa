"""The venue's trading context -> SSVC inputs: System Exposure, Safety and Mission Impact, Automatable,
Technical Impact, and CISA's Mission Prevalence / Public Well-Being.

Every function returns an :class:`Input` whose ``reason`` says which asset field or vector metric decided,
so a security lead can check the mapping on one line. The mapping (also in docs/risk-model.md):

System Exposure (SSVC EXP 1.0.1)
    internet-facing -> open; partner-facing (allow-listed FIX/API counterparties, cross-connects, VPN)
    -> controlled; internal -> small (the venue's production segment is a "highly controlled network").
    A deployed smart contract is always open: anyone can send it a transaction.
    VEX ``not_affected`` -> small: the vulnerable code is not reachable at all.
    Transitive dependencies are *not* lowered: depth in the dependency tree says nothing about whether
    attacker input reaches the code (Log4Shell was almost always transitive).

Safety Impact (SSVC SI 2.0.1, financial harm to the venue's customers)
    by value at risk (customer funds an attacker could move or destroy through the asset):
    < $1M negligible, < $10M marginal, < $1B critical ("losses that likely bankrupt multiple persons"),
    >= $1B catastrophic (the venue itself collapses, SSVC's "financial system collapse").
    Core trading roles (matching, risk/margin/liquidation, order entry, price oracle, settlement, custody)
    are at least *critical*: on a leveraged derivatives venue, control of order entry, matching,
    liquidation or prices lets an attacker wipe out many traders' accounts whatever the wallet holds.
    Non-production assets hold no customer money: negligible.

Mission Impact (SSVC MI 2.0.0; the venue's Mission Essential Functions are order entry, matching,
risk/margin/liquidation, settlement and custody of funds)
    by role: funds roles (wallet signer, custody, settlement, bridge, treasury; contracts holding TVL)
    -> MEF failure, and mission failure when value at risk >= $100M (losing the hot wallet ends the
    venue); core trading roles -> MEF failure; support roles (market data, pricing, reference data,
    surveillance, reporting, back office, API gateway) -> MEF support crippled.
    by criticality: critical -> MEF failure, high -> MEF support crippled, medium/low -> degraded.
    The higher of the two wins. Non-production assets: degraded.

Automatable (SSVC A 2.0.0) from the CVSS vector: CVSS 3.x AV:N/AC:L/PR:N/UI:N, or CVSS 4.0
    AV:N/AC:L/AT:N/PR:N/UI:N -> yes (reachable over the network, no preconditions, no credentials, no
    victim action: the kill chain can be scripted end to end); otherwise no. No vector -> yes, assumed,
    because an unknown must not lower a priority; the reason says so and a person can override it.

Technical Impact (SSVC TI 1.0.0) from the vector: C:H and I:H (4.0: VC:H and VI:H) -> total, otherwise
    partial; no vector -> total, assumed.

CISA Mission Prevalence from Mission Impact (mission failure / MEF failure -> essential; MEF support
    crippled -> support; degraded -> minimal); Public Well-Being from Safety Impact (negligible -> minimal;
    marginal -> material; critical / catastrophic -> irreversible).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from patchbook.model.asset import Asset, AssetKind, Criticality, Environment, Exposure
from patchbook.model.risk import (
    Automatable,
    Input,
    MissionImpact,
    MissionPrevalence,
    PublicWellBeing,
    Reachability,
    SafetyImpact,
    SystemExposure,
    TechnicalImpact,
)
from patchbook.risk.cvss import cvss_version, metrics

FUNDS_ROLES = frozenset(
    {
        "wallet-signer",
        "custody",
        "hot-wallet",
        "settlement-engine",
        "bridge",
        "treasury",
        "withdrawal-service",
    }
)
CORE_ROLES = frozenset(
    {
        "matching-engine",
        "risk-engine",
        "margin-engine",
        "liquidation-engine",
        "order-gateway",
        "price-oracle",
    }
)
SUPPORT_ROLES = frozenset(
    {
        "market-data",
        "pricing",
        "reference-data",
        "surveillance",
        "reporting",
        "back-office",
        "api-gateway",
        "fix-gateway",
    }
)

_SAFETY_ORDER: tuple[SafetyImpact, ...] = ("negligible", "marginal", "critical", "catastrophic")
_MISSION_ORDER: tuple[MissionImpact, ...] = (
    "degraded",
    "mef support crippled",
    "mef failure",
    "mission failure",
)


@dataclass(frozen=True, slots=True)
class ContextPolicy:
    """Thresholds of the mapping; a venue can set its own (documented defaults)."""

    safety_marginal_usd: float = 1_000_000
    safety_critical_usd: float = 10_000_000
    safety_catastrophic_usd: float = 1_000_000_000
    mission_failure_usd: float = 100_000_000


DEFAULT_CONTEXT = ContextPolicy()

# The derivations below are pure functions of frozen, hashable values (Asset, ContextPolicy, vector strings),
# and an estate has few assets and few distinct vectors: they are cached so re-scoring 200k findings
# costs table lookups, not string work. The Inputs they return are frozen, so sharing them is safe.


def _usd(v: float | None) -> str:
    return "not set" if v is None else f"${v:,.0f}"


def _is_prod(asset: Asset) -> bool:
    return asset.environment == Environment.PROD


def _role(asset: Asset) -> str:
    return (asset.trading_role or "").strip().lower()


@lru_cache(maxsize=65536)
def system_exposure(
    asset: Asset,
    reachability: Reachability = "unknown",
    override: SystemExposure | None = None,
    override_reason: str = "",
) -> Input:
    if override is not None:
        return Input("System Exposure", override, override_reason or "set by the user", overridden=True)
    if reachability == "not_affected":
        return Input("System Exposure", "small", "VEX not_affected: the vulnerable code is not reachable")
    if asset.kind == AssetKind.CONTRACT:
        return Input("System Exposure", "open", "a deployed smart contract: anyone can send it a transaction")
    if asset.exposure == Exposure.INTERNET:
        return Input("System Exposure", "open", "asset is internet-facing")
    if asset.exposure == Exposure.PARTNER:
        return Input("System Exposure", "controlled", "asset is partner-facing (allow-listed counterparties)")
    return Input("System Exposure", "small", "asset is internal (production segment, highly controlled)")


@lru_cache(maxsize=65536)
def safety_impact(
    asset: Asset, policy: ContextPolicy = DEFAULT_CONTEXT, override: SafetyImpact | None = None
) -> Input:
    if override is not None:
        return Input("Safety Impact", override, "set by the user", overridden=True)
    if not _is_prod(asset):
        return Input("Safety Impact", "negligible", f"{asset.environment.value} asset: no customer funds")
    var = asset.value_at_risk_usd or 0.0
    if var >= policy.safety_catastrophic_usd:
        by_var: SafetyImpact = "catastrophic"
    elif var >= policy.safety_critical_usd:
        by_var = "critical"
    elif var >= policy.safety_marginal_usd:
        by_var = "marginal"
    else:
        by_var = "negligible"
    reason = f"value at risk {_usd(asset.value_at_risk_usd)} -> {by_var}"
    role = _role(asset)
    if role in CORE_ROLES | FUNDS_ROLES and _SAFETY_ORDER.index(by_var) < _SAFETY_ORDER.index("critical"):
        return Input("Safety Impact", "critical", f"{reason}; raised to critical: core trading role '{role}'")
    return Input("Safety Impact", by_var, reason)


@lru_cache(maxsize=65536)
def mission_impact(
    asset: Asset, policy: ContextPolicy = DEFAULT_CONTEXT, override: MissionImpact | None = None
) -> Input:
    if override is not None:
        return Input("Mission Impact", override, "set by the user", overridden=True)
    if not _is_prod(asset):
        return Input(
            "Mission Impact", "degraded", f"{asset.environment.value} asset: no trading depends on it"
        )
    by_crit = _MISSION_BY_CRITICALITY[asset.criticality]
    reasons = [f"criticality {asset.criticality.value} -> {by_crit}"]
    role = _role(asset)
    var = asset.value_at_risk_usd or 0.0
    by_role: MissionImpact | None = None
    if role in FUNDS_ROLES or (asset.kind == AssetKind.CONTRACT and var > 0):
        what = f"role '{role}'" if role in FUNDS_ROLES else "contract holding funds"
        if var >= policy.mission_failure_usd:
            by_role = "mission failure"
            reasons.append(f"{what} with value at risk {_usd(var)} >= {_usd(policy.mission_failure_usd)}")
        else:
            by_role = "mef failure"
            reasons.append(f"{what} (custody/settlement of funds is a MEF)")
    elif role in CORE_ROLES:
        by_role = "mef failure"
        reasons.append(f"core trading role '{role}' is a MEF")
    elif role in SUPPORT_ROLES:
        by_role = "mef support crippled"
        reasons.append(f"role '{role}' supports the MEFs")
    value = by_crit
    if by_role is not None and _MISSION_ORDER.index(by_role) > _MISSION_ORDER.index(by_crit):
        value = by_role
    return Input("Mission Impact", value, "; ".join(reasons) + f" -> {value}")


@lru_cache(maxsize=65536)
def automatable(vector: str | None, override: Automatable | None = None, override_reason: str = "") -> Input:
    if override is not None:
        return Input("Automatable", override, override_reason or "set by the user", overridden=True)
    if not vector:
        return Input("Automatable", "yes", "no CVSS vector: assumed yes (an unknown must not lower priority)")
    m = metrics(vector)
    need = {"AV": "N", "AC": "L", "PR": "N", "UI": "N"}
    if cvss_version(vector) == "4.0":
        need["AT"] = "N"
    shown = "/".join(f"{k}:{m[k]}" for k in need)
    if all(m.get(k) == v for k, v in need.items()):
        return Input(
            "Automatable", "yes", f"{shown}: network, no preconditions, no privileges, no user action"
        )
    return Input("Automatable", "no", f"{shown}: not all of " + "/".join(f"{k}:{v}" for k, v in need.items()))


@lru_cache(maxsize=65536)
def technical_impact(vector: str | None, override: TechnicalImpact | None = None) -> Input:
    if override is not None:
        return Input("Technical Impact", override, "set by the user", overridden=True)
    if not vector:
        return Input("Technical Impact", "total", "no CVSS vector: assumed total")
    m = metrics(vector)
    c, i = ("VC", "VI") if cvss_version(vector) == "4.0" else ("C", "I")
    shown = f"{c}:{m[c]}/{i}:{m[i]}"
    if m[c] == "H" and m[i] == "H":
        return Input("Technical Impact", "total", f"{shown}: full disclosure and full control")
    return Input("Technical Impact", "partial", f"{shown}: not both high")


_PREVALENCE: dict[str, MissionPrevalence] = {
    "mission failure": "essential",
    "mef failure": "essential",
    "mef support crippled": "support",
    "degraded": "minimal",
}
_WELL_BEING: dict[str, PublicWellBeing] = {
    "negligible": "minimal",
    "marginal": "material",
    "critical": "irreversible",
    "catastrophic": "irreversible",
}
_MISSION_BY_CRITICALITY: dict[Criticality, MissionImpact] = {
    Criticality.CRITICAL: "mef failure",
    Criticality.HIGH: "mef support crippled",
    Criticality.MEDIUM: "degraded",
    Criticality.LOW: "degraded",
}


def mission_prevalence(mission: Input) -> Input:
    """CISA Mission Prevalence: how essential the affected function is, read off Mission Impact."""
    return Input("Mission Prevalence", _PREVALENCE[mission.value], f"from Mission Impact {mission.value}")


def public_well_being(safety: Input) -> Input:
    """CISA Public Well-Being Impact, read off Safety Impact (financial harm to the venue's customers)."""
    return Input("Public Well-Being Impact", _WELL_BEING[safety.value], f"from Safety Impact {safety.value}")
