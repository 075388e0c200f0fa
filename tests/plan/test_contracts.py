"""Contract remediation paths: pause at once, timelocked upgrade after its delay, migration in steps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from patchbook.model.contract import ContractDetails, ContractProfile, Multisig, ProxyPattern, Timelock
from patchbook.plan.build import AssetInfo, build_plan
from patchbook.plan.contracts import ContractFacts, contract_path, from_profile
from patchbook.plan.remediation import Patch
from tests.plan.test_calendar import demo_calendar


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def vault_profile(proxy: ProxyPattern = ProxyPattern.UUPS) -> ContractProfile:
    details = ContractDetails(
        proxy=proxy,
        timelock=Timelock("0xabc", 48 * 3600),
        multisig=Multisig(3, 5),
        pausable=True,
    )
    return ContractProfile("options-vault", details)


def test_profile_maps_into_facts() -> None:
    facts = from_profile(vault_profile())
    assert facts == ContractFacts(
        "options-vault", "uups", True, timedelta(hours=48), "3 of 5", timedelta(hours=24)
    )


def test_timelocked_upgrade_executes_after_the_delay_outside_settlement() -> None:
    # Decided Wed 2026-11-25 07:45: signatures by Thu 07:45, executable from Sat 28 Nov 07:45, which is
    # inside the daily 07:30-08:15 settlement: execution moves to 08:15. The pause goes in at once
    # (08:15 too, since 07:45 is itself inside the settlement window).
    facts = from_profile(vault_profile())
    patch = Patch("options-vault", (), (), (1,), "out-of-cycle", 50.0, date(2026, 12, 2))
    plan = build_plan(
        [patch],
        {"options-vault": AssetInfo("options-vault", "defi")},
        demo_calendar(),
        start=utc(2026, 11, 25, 7, 45),
        days=14,
        contracts={"options-vault": facts},
    )
    steps = {s.action: s for s in plan.contract_steps["options-vault"]}
    assert list(steps) == ["pause", "propose", "queue", "execute"]
    assert steps["execute"].earliest == utc(2026, 11, 28, 7, 45)
    pause = plan.schedule.placement("options-vault:pause")
    execute = plan.schedule.placement("options-vault:execute")
    assert pause is not None and pause.start == utc(2026, 11, 25, 8, 15)
    assert execute is not None and execute.start == utc(2026, 11, 28, 8, 15)
    assert any("timelock's earliest execution" in w for w in execute.why)


def test_immutable_contract_migrates_in_order() -> None:
    facts = ContractFacts("old-pool", "none", False, None, "2 of 3")
    steps, changes = contract_path(facts, decided_at=utc(2026, 11, 25), team="defi", decision="scheduled")
    assert [s.action for s in steps] == ["deploy", "move-liquidity", "deprecate"]
    assert [c.after for c in changes] == [(), ("old-pool:deploy",), ("old-pool:move-liquidity",)]
    assert all(c.settlement_only and c.not_before == utc(2026, 11, 26) for c in changes)


def test_standby_before_primary_and_library_before_consumer() -> None:
    from patchbook.plan.remediation import ComponentFix

    def patch(asset: str) -> Patch:
        fix = ComponentFix(
            asset, "Debian:12", "openssh", "1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3", "patch", False, (1,)
        )
        return Patch(asset, (fix,), (), (1,), "scheduled", 1.0, date(2026, 12, 20))

    assets = {
        "host-ams-1": AssetInfo("host-ams-1", "sre-1", tags=("primary",)),
        "host-ams-2": AssetInfo("host-ams-2", "sre-2", tags=("standby",), depends_on=("host-ams-1",)),
        "gateway": AssetInfo("gateway", "gw", depends_on=("host-ams-1",)),
    }
    plan = build_plan(
        [patch(a) for a in assets], assets, demo_calendar(), start=utc(2026, 11, 25, 15), days=14
    )
    s = plan.schedule
    standby, primary, gateway = (s.placement(a) for a in ("host-ams-2", "host-ams-1", "gateway"))
    assert standby is not None and primary is not None and gateway is not None
    assert standby.rollback_end <= primary.start <= primary.rollback_end <= gateway.start
    assert any("standby host-ams-2 before primary host-ams-1" in w for w in primary.why)
