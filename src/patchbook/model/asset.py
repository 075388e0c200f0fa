"""Assets: what the venue deploys and patches, with the trading context that risk and planning read."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AssetKind(StrEnum):
    SERVICE = "service"  # a trading service: matching engine, risk engine, gateways, wallet signer, ...
    HOST = "host"
    IMAGE = "image"
    CONTRACT = "contract"  # a deployed smart contract


class Criticality(StrEnum):
    """How much the venue's trading depends on the asset."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Exposure(StrEnum):
    """Who can reach the asset; SSVC's System Exposure is derived from this."""

    INTERNAL = "internal"
    PARTNER = "partner-facing"
    INTERNET = "internet-facing"


class Environment(StrEnum):
    PROD = "prod"
    STAGING = "staging"
    DEV = "dev"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class Asset:
    name: str
    kind: AssetKind
    owner: str | None = None
    environment: Environment = Environment.PROD
    trading_role: str | None = None  # "matching-engine", "risk-engine", "order-gateway", "wallet-signer", ...
    criticality: Criticality = Criticality.MEDIUM
    exposure: Exposure = Exposure.INTERNAL
    value_at_risk_usd: float | None = None  # hot-wallet funds, open interest guarded, contract TVL
    depends_on: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """Plain values (enums as their strings), for JSON output and storage."""
        return {
            "name": self.name,
            "kind": self.kind.value,
            "owner": self.owner,
            "environment": self.environment.value,
            "trading_role": self.trading_role,
            "criticality": self.criticality.value,
            "exposure": self.exposure.value,
            "value_at_risk_usd": self.value_at_risk_usd,
            "depends_on": list(self.depends_on),
            "tags": list(self.tags),
        }
