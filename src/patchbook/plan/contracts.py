"""Smart-contract remediation: contracts are not patched in place, they are paused, upgraded through
governance, or migrated (trading-and-compliance reference, section 2).

- **pause** (if the contract is pausable): the guardian calls ``pause()`` at once, without the timelock;
  an emergency step, only kept out of settlement windows;
- **proxy upgrade** (UUPS, Transparent, Beacon): the multisig collects signatures and proposes, the
  ``TimelockController`` queues it, and execution is possible at proposal + minimum delay; the
  execution is placed outside expiry settlement windows (a beacon upgrade moves every proxy at once);
- **migration** (immutable contracts): deploy the fixed contract, move liquidity, deprecate the old one,
  each step after the previous, outside settlement windows.

Each step becomes a :class:`~patchbook.plan.schedule.ChangeRequest` with its earliest time, so the same
scheduler places contract steps and software patches on one calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from patchbook.model.contract import ContractProfile, ProxyPattern
from patchbook.plan.calendar import format_duration
from patchbook.plan.schedule import ChangeRequest

# Collecting multisig signatures is people's time, not known in advance: a working day by default.
DEFAULT_SIGNING = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class ContractFacts:
    """What the planner needs to know about one deployed contract."""

    asset: str
    proxy: str  # "none" (immutable), "uups", "transparent", "beacon"
    pausable: bool
    timelock_delay: timedelta | None  # None: no timelock in front of the upgrade authority
    multisig: str | None = None  # "3 of 5"
    signing: timedelta = DEFAULT_SIGNING

    @property
    def upgradeable(self) -> bool:
        return self.proxy != "none"


def from_profile(profile: ContractProfile, signing: timedelta = DEFAULT_SIGNING) -> ContractFacts:
    d = profile.details
    return ContractFacts(
        asset=profile.asset,
        proxy=d.proxy.value if d.proxy is not ProxyPattern.NONE else "none",
        pausable=bool(d.pausable),
        timelock_delay=timedelta(seconds=d.timelock.min_delay_seconds) if d.timelock else None,
        multisig=d.multisig.label if d.multisig else None,
        signing=signing if d.multisig else timedelta(0),
    )


@dataclass(frozen=True, slots=True)
class ContractStep:
    id: str
    action: str  # pause | propose | queue | execute | deploy | move-liquidity | deprecate
    earliest: datetime
    detail: str
    scheduled: bool  # True when the step is a change the scheduler places


def contract_path(
    facts: ContractFacts,
    *,
    decided_at: datetime,
    team: str,
    decision: str,
    score: float = 0.0,
    due: date | None = None,
) -> tuple[list[ContractStep], list[ChangeRequest]]:
    """The steps of the contract's remediation with their earliest times, and the changes to schedule."""
    a = facts.asset
    steps: list[ContractStep] = []
    changes: list[ChangeRequest] = []
    on_chain = partial(ChangeRequest, asset=a, team=team, score=score, due=due, settlement_only=True)
    if facts.pausable:
        steps.append(
            ContractStep(f"{a}:pause", "pause", decided_at, "guardian calls pause(): no timelock", True)
        )
        changes.append(
            on_chain(
                id=f"{a}:pause",
                decision="immediate",
                duration=timedelta(minutes=15),
                rollback=timedelta(0),
                label="pause() by the guardian",
            )
        )
    if facts.upgradeable:
        proposed = decided_at + facts.signing
        who = f"multisig {facts.multisig}" if facts.multisig else "the upgrade authority"
        steps.append(
            ContractStep(
                f"{a}:propose",
                "propose",
                proposed,
                f"{who} signs the upgrade to the fixed implementation"
                + (
                    f" (signature collection allowed {format_duration(facts.signing)})"
                    if facts.signing
                    else ""
                ),
                False,
            )
        )
        eta = proposed + (facts.timelock_delay or timedelta(0))
        if facts.timelock_delay is not None:
            steps.append(
                ContractStep(
                    f"{a}:queue",
                    "queue",
                    proposed,
                    f"TimelockController.schedule; executable from {eta:%a %d %b %H:%M} UTC "
                    f"(minimum delay {format_duration(facts.timelock_delay)})",
                    False,
                )
            )
        what = {
            "beacon": "UpgradeableBeacon.upgradeTo (every proxy of the beacon at once)",
            "transparent": "ProxyAdmin.upgradeAndCall",
            "uups": "upgradeToAndCall on the proxy",
        }.get(facts.proxy, "upgrade")
        steps.append(ContractStep(f"{a}:execute", "execute", eta, f"execute {what}; re-simulate first", True))
        changes.append(
            on_chain(
                id=f"{a}:execute",
                decision=decision,
                duration=timedelta(minutes=30),
                rollback=timedelta(minutes=30),
                not_before=eta,
                not_before_why=(
                    f"the timelock's earliest execution {eta:%a %d %b %H:%M}"
                    if facts.timelock_delay is not None
                    else f"the multisig proposal {eta:%a %d %b %H:%M}"
                ),
                label=f"timelocked upgrade: {what}",
            )
        )
        return steps, changes
    # Immutable: migrate.
    ready = decided_at + facts.signing
    for action, detail, span, after in (
        ("deploy", "deploy the fixed contract and verify its source", timedelta(hours=1), None),
        ("move-liquidity", "move liquidity and state to the new contract", timedelta(hours=2), "deploy"),
        (
            "deprecate",
            "deprecate the old contract and re-point integrations",
            timedelta(hours=1),
            "move-liquidity",
        ),
    ):
        cid = f"{a}:{action}"
        steps.append(ContractStep(cid, action, ready, detail, True))
        changes.append(
            on_chain(
                id=cid,
                decision=decision,
                duration=span,
                rollback=timedelta(minutes=30),
                after=(f"{a}:{after}",) if after else (),
                after_why={f"{a}:{after}": "migration step order"} if after else {},
                not_before=ready,
                not_before_why="signatures for the migration",
                label=detail,
            )
        )
    return steps, changes
