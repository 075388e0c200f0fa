"""Smart contracts: how a deployed contract was built and who can change it.

A contract is "patched" through governance, not by a deploy: the proxy pattern says whether it can be
upgraded at all, the timelock and multisig say how long an upgrade takes, and ``pausable`` says whether
there is an immediate way to contain a problem. The planner reads these as a :class:`ContractProfile`.
Compiler bugs are matched against :class:`CompilerSettings` (see ``patchbook.match.solidity``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ProxyPattern(StrEnum):
    NONE = "none"  # immutable: a fix means a migration to a new contract
    TRANSPARENT = "transparent"  # TransparentUpgradeableProxy, upgraded through its ProxyAdmin
    UUPS = "uups"  # the implementation carries upgradeToAndCall
    BEACON = "beacon"  # one UpgradeableBeacon upgrades every proxy that reads it


@dataclass(frozen=True, slots=True)
class CompilerSettings:
    """The solc settings that decide whether a compiler bug applies; None = not known."""

    optimizer: bool | None = None  # settings.optimizer.enabled
    runs: int | None = None  # settings.optimizer.runs
    via_ir: bool | None = None  # settings.viaIR (the IR pipeline)
    evm_version: str | None = None  # settings.evmVersion; None = the compiler's default, if known
    yul_optimizer: bool | None = None  # settings.optimizer.details.yul, where given explicitly
    abi_coder: int | None = None  # 1 or 2 where the sources declare it; v2 is the default from 0.8.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer,
            "runs": self.runs,
            "via_ir": self.via_ir,
            "evm_version": self.evm_version,
            "yul_optimizer": self.yul_optimizer,
            "abi_coder": self.abi_coder,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompilerSettings:
        return cls(**{k: data.get(k) for k in cls.__slots__})


@dataclass(frozen=True, slots=True)
class Library:
    """A library the contract was built with, as an npm package (``@openzeppelin/contracts``)."""

    name: str
    version: str

    @property
    def purl(self) -> str:
        name = self.name.replace("@", "%40", 1) if self.name.startswith("@") else self.name
        return f"pkg:npm/{name}@{self.version}"


@dataclass(frozen=True, slots=True)
class Timelock:
    address: str | None
    min_delay_seconds: int


@dataclass(frozen=True, slots=True)
class Multisig:
    threshold: int  # signatures needed
    signers: int | None = None  # of how many owners
    address: str | None = None

    @property
    def label(self) -> str:
        return f"{self.threshold} of {self.signers}" if self.signers else f"{self.threshold} signatures"


@dataclass(frozen=True, slots=True)
class ContractDetails:
    chain: str | None = None  # "ethereum", "arbitrum", ...
    chain_id: int | None = None
    address: str | None = None  # the address users call (the proxy, for an upgradeable contract)
    contract_name: str | None = None  # the Solidity contract, e.g. "OptionsVault"
    compiler_version: str | None = None  # "0.8.15", without the "+commit..." build suffix
    settings: CompilerSettings = field(default_factory=CompilerSettings)
    libraries: tuple[Library, ...] = ()
    proxy: ProxyPattern = ProxyPattern.NONE
    implementation: str | None = None
    admin: str | None = None  # the ProxyAdmin / upgrade authority
    owner: str | None = None
    timelock: Timelock | None = None
    multisig: Multisig | None = None
    pausable: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "chain_id": self.chain_id,
            "address": self.address,
            "contract_name": self.contract_name,
            "compiler_version": self.compiler_version,
            "settings": self.settings.as_dict(),
            "libraries": [{"name": lib.name, "version": lib.version} for lib in self.libraries],
            "proxy": self.proxy.value,
            "implementation": self.implementation,
            "admin": self.admin,
            "owner": self.owner,
            "timelock": None
            if self.timelock is None
            else {"address": self.timelock.address, "min_delay_seconds": self.timelock.min_delay_seconds},
            "multisig": None
            if self.multisig is None
            else {
                "address": self.multisig.address,
                "threshold": self.multisig.threshold,
                "signers": self.multisig.signers,
            },
            "pausable": self.pausable,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContractDetails:
        tl = data.get("timelock")
        ms = data.get("multisig")
        return cls(
            chain=data.get("chain"),
            chain_id=data.get("chain_id"),
            address=data.get("address"),
            contract_name=data.get("contract_name"),
            compiler_version=data.get("compiler_version"),
            settings=CompilerSettings.from_dict(data.get("settings") or {}),
            libraries=tuple(Library(x["name"], x["version"]) for x in data.get("libraries") or ()),
            proxy=ProxyPattern(data.get("proxy") or ProxyPattern.NONE.value),
            implementation=data.get("implementation"),
            admin=data.get("admin"),
            owner=data.get("owner"),
            timelock=Timelock(tl.get("address"), int(tl["min_delay_seconds"])) if tl else None,
            multisig=Multisig(int(ms["threshold"]), ms.get("signers"), ms.get("address")) if ms else None,
            pausable=data.get("pausable"),
        )


@dataclass(frozen=True, slots=True)
class ContractProfile:
    """What the planner needs to remediate a contract: can it be upgraded, how long does it take,
    and can it be paused meanwhile (trading-and-compliance reference, section 2.3)."""

    asset: str
    details: ContractDetails
    value_at_risk_usd: float | None = None

    @property
    def upgradeable(self) -> bool:
        return self.details.proxy is not ProxyPattern.NONE

    @property
    def fix_path(self) -> str:
        if not self.upgradeable:
            return "migration"  # deploy a new contract, move state and funds, re-point users
        return "timelocked upgrade" if self.details.timelock else "direct upgrade"

    @property
    def containment(self) -> str | None:
        """The fastest on-chain containment: pause() does not wait for the timelock."""
        return "pause" if self.details.pausable else None

    @property
    def min_lead_time_seconds(self) -> int:
        """The least time from decision to an executed upgrade on chain: the timelock's delay (the
        multisig's signature collection comes on top and is not known in advance)."""
        return self.details.timelock.min_delay_seconds if self.details.timelock else 0

    def constraints(self) -> list[str]:
        """The remediation constraints, one sentence each, for people."""
        d = self.details
        out = [
            f"proxy: {d.proxy.value}"
            + (" (upgradeable)" if self.upgradeable else " (immutable: a fix is a migration)")
        ]
        if d.timelock:
            out.append(f"timelock: minimum delay {format_delay(d.timelock.min_delay_seconds)}")
        elif self.upgradeable:
            out.append("timelock: none (the upgrade authority acts at once)")
        if d.multisig:
            out.append(f"multisig: {d.multisig.label} to propose an upgrade")
        if d.pausable is not None:
            out.append("pausable: yes (pause() contains at once)" if d.pausable else "pausable: no")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            **self.details.as_dict(),
            "value_at_risk_usd": self.value_at_risk_usd,
            "upgradeable": self.upgradeable,
            "fix_path": self.fix_path,
            "containment": self.containment,
            "min_lead_time_seconds": self.min_lead_time_seconds,
            "constraints": self.constraints(),
        }


def format_delay(seconds: int) -> str:
    """48 h, 30 min, 90 s: the unit people write timelock delays in."""
    if seconds and seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds and seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


# --- compiler bugs --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SolcBug:
    """One entry of the Solidity compiler's bug list (``docs/bugs.json``)."""

    uid: str  # SOL-YYYY-N; one bug with several affected ranges repeats it under different names
    name: str  # unique
    summary: str
    severity: str  # very low | low | low/medium | medium | medium/high | high
    fixed: str | None
    introduced: str | None = None  # None: every release before ``fixed``
    conditions: dict[str, Any] = field(default_factory=dict)
    link: str | None = None
    published: str | None = None


class BugStatus(StrEnum):
    APPLIES = "applies"  # the version is affected and every condition holds for the settings
    CONDITIONS_UNKNOWN = "conditions-unknown"  # affected version, but a setting the bug needs is unknown


@dataclass(frozen=True, slots=True)
class BugMatch:
    bug: SolcBug
    status: BugStatus
    unknown: tuple[str, ...] = ()  # the conditions that could not be decided

    def as_dict(self) -> dict[str, Any]:
        return {
            "uid": self.bug.uid,
            "name": self.bug.name,
            "severity": self.bug.severity,
            "fixed": self.bug.fixed,
            "status": self.status.value,
            "unknown": list(self.unknown),
            "conditions": self.bug.conditions,
            "summary": self.bug.summary,
        }
