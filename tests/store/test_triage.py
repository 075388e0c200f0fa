"""Triage decisions, risk acceptance and triage rules against the store, on SQLite and PostgreSQL, with
the real juice-shop SBOM and the real GHSA advisories (lodash 2.4.2 has CVE-2020-8203 and
CVE-2021-23337, express 4.18.2 CVE-2024-29041, ws 7.4.6 CVE-2024-37890)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.model.asset import Asset, AssetKind, Exposure
from patchbook.model.triage import Justification, TriageState
from patchbook.service import feeds as feed_service
from patchbook.service import inventory as service
from patchbook.service import triage
from patchbook.store import Store
from patchbook.store.findings import get_finding, list_findings
from tests.store.test_inventory_findings import JUICE, _edit_sbom

NA = TriageState.NOT_AFFECTED
PATH = Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH


@pytest.fixture
def juice(store: Store, shared_data: Path) -> Store:
    feed_service.import_paths(store, [shared_data / "osv" / "ghsa"])
    service.add_asset(
        store, Asset("juice-shop", AssetKind.SERVICE, exposure=Exposure.INTERNET, tags=("web", "pci"))
    )
    service.ingest_file(store, "juice-shop", shared_data / JUICE)
    return store


def _ids(store: Store) -> dict[tuple[str, str], int]:
    with store.engine.connect() as conn:
        return {(f.package, f.alias_group): f.id for f in list_findings(conn)}


def _views(store: Store, now: datetime | None = None) -> dict[int, triage.TriageView]:
    with store.engine.connect() as conn:
        return triage.triage_map(conn, None, now)


def _history(store: Store, finding_id: int) -> list[tuple[str, dict[str, object]]]:
    with store.engine.connect() as conn:
        found = get_finding(conn, finding_id)
    assert found is not None
    return [(e.event, e.detail) for e in found[2] if e.event in triage.TRIAGE_EVENTS]


def test_triage_is_kept_with_its_history_and_survives_reingest(
    juice: Store, shared_data: Path, tmp_path: Path
) -> None:
    ids = _ids(juice)
    express = ids[("express", "CVE-2024-29041")]
    assert _views(juice) == {}
    triage.triage(juice, express, TriageState.UNDER_INVESTIGATION, None, "looking at it", "alice")
    view = triage.triage(juice, express, NA, PATH, "redirects are never built from input", "bob")
    assert (view.state, view.justification, view.actor, view.source) == (NA, PATH, "bob", "cli")
    assert view.suppressed and view.label == "not_affected (vulnerable_code_not_in_execute_path)"
    history = _history(juice, express)
    assert [(e, d["state"], d["by"]) for e, d in history] == [
        ("triage", "under_investigation", "alice"),
        ("triage", "not_affected", "bob"),
    ]
    assert history[1][1]["justification"] == PATH.value
    # a re-ingest of the same SBOM, and one that upgrades other packages, leave triage alone
    service.ingest_file(juice, "juice-shop", shared_data / JUICE)
    upgraded = _edit_sbom(shared_data / JUICE, tmp_path / "v2.json", {"lodash": "4.17.21"})
    service.ingest_file(juice, "juice-shop", upgraded)
    again = _views(juice)[express]
    assert (again.state, again.justification, again.reason) == (
        NA,
        PATH,
        "redirects are never built from input",
    )


def test_decisions_are_checked(juice: Store) -> None:
    express = _ids(juice)[("express", "CVE-2024-29041")]
    with pytest.raises(InputError, match="not_affected needs a justification"):
        triage.triage(juice, express, NA, None, "why", "bob")
    with pytest.raises(InputError, match="with not_affected only"):
        triage.triage(juice, express, TriageState.AFFECTED, PATH, "why", "bob")
    with pytest.raises(InputError, match="--reason"):
        triage.triage(juice, express, TriageState.AFFECTED, None, "  ", "bob")
    with pytest.raises(InputError, match="--as"):
        triage.triage(juice, express, TriageState.AFFECTED, None, "why", None)
    with pytest.raises(InputError, match="no finding with id 999999"):
        triage.triage(juice, 999999, TriageState.AFFECTED, None, "why", "bob")
    assert _views(juice) == {}


def test_acceptance_runs_until_its_expiry_then_the_finding_is_back(juice: Store) -> None:
    ws = _ids(juice)[("ws", "CVE-2024-37890")]
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    triage.triage(juice, ws, TriageState.AFFECTED, None, "reachable from the websocket API", "alice", now)
    view = triage.accept(juice, ws, "cso", "ws upgrade waits for the Q1 release", date(2027, 1, 15), now)
    assert view.accepted and view.suppressed and view.label == "accepted until 2027-01-15"
    assert view.state is TriageState.AFFECTED  # acceptance is beside the triage state, not instead of it
    before = datetime(2027, 1, 14, 23, 59, tzinfo=UTC)
    assert _views(juice, before)[ws].suppressed
    after = datetime(2027, 1, 15, 0, 0, 1, tzinfo=UTC)
    lapsed = _views(juice, after)[ws]
    assert not lapsed.accepted and not lapsed.suppressed and lapsed.state is TriageState.AFFECTED
    # the lapse goes into the history once, the first time anyone looks (dated at the expiry)
    assert triage.observe_expiries(juice, after) == 1
    assert triage.observe_expiries(juice, after + timedelta(days=3)) == 0
    events = _history(juice, ws)
    assert [e for e, _ in events] == ["triage", "accepted", "acceptance_expired"]
    assert events[1][1]["approver"] == "cso" and events[2][1]["approver"] == "cso"
    detail = triage.detail(juice, ws, after)
    assert detail.history[-1].at == datetime(2027, 1, 15, tzinfo=UTC)


def test_acceptance_can_be_revoked_early(juice: Store) -> None:
    ws = _ids(juice)[("ws", "CVE-2024-37890")]
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    with pytest.raises(InputError, match="no running risk acceptance"):
        triage.revoke(juice, ws, "cso", "nothing to revoke", now)
    triage.accept(juice, ws, "cso", "waits for Q1", date(2027, 1, 15), now)
    later = now + timedelta(days=2)
    assert triage.revoke(juice, ws, "cso", "exploit published", later) is not None
    view = _views(juice, later + timedelta(seconds=1))[ws]
    assert not view.accepted and not view.suppressed and view.label == "acceptance expired"
    events = _history(juice, ws)
    assert [e for e, _ in events] == ["accepted", "acceptance_revoked"]
    assert events[1][1]["reason"] == "exploit published"
    assert events[1][1]["was_until"] == "2027-01-15T00:00:00+00:00"
    assert triage.observe_expiries(juice, later + timedelta(days=100)) == 0  # no second "expired"


def test_acceptance_needs_approver_future_expiry_within_the_limit(
    juice: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = _ids(juice)[("ws", "CVE-2024-37890")]
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    with pytest.raises(InputError, match="--approver"):
        triage.accept(juice, ws, None, "r", date(2027, 1, 1), now)
    with pytest.raises(InputError, match="needs an expiry"):
        triage.accept(juice, ws, "cso", "r", None, now)
    with pytest.raises(InputError, match="must be in the future"):
        triage.accept(juice, ws, "cso", "r", date(2026, 11, 25), now)
    with pytest.raises(InputError, match="more than 365 days"):
        triage.accept(juice, ws, "cso", "r", date(2027, 11, 26), now)
    triage.accept(juice, ws, "cso", "r", date(2027, 11, 25), now)  # exactly 365 days is allowed
    monkeypatch.setenv(triage.MAX_DAYS_ENV, "30")
    with pytest.raises(InputError, match="more than 30 days"):
        triage.accept(juice, ws, "cso", "r", date(2027, 1, 1), now)
    monkeypatch.setenv(triage.MAX_DAYS_ENV, "soon")
    with pytest.raises(InputError, match="whole number of days"):
        triage.accept(juice, ws, "cso", "r", date(2026, 12, 1), now)


def test_rules_apply_while_they_match_and_stop_when_they_do_not(
    juice: Store, shared_data: Path, tmp_path: Path
) -> None:
    ids = _ids(juice)
    lodash = {ids[("lodash", "CVE-2020-8203")], ids[("lodash", "CVE-2021-23337")]}
    (rule,) = triage.add_rules(
        juice,
        [
            triage.new_rule(
                state=NA,
                justification=PATH,
                reason="template helpers unused",
                by="alice",
                package="lodash",
                version="2.4.2",
            )
        ],
    )
    views = _views(juice)
    assert set(views) == lodash and all(v.rule_id == rule.id and v.suppressed for v in views.values())
    assert views[min(lodash)].label.endswith(f"[rule {rule.id}]")
    # a decision on the finding itself wins over the rule
    one, other = ids[("lodash", "CVE-2020-8203")], ids[("lodash", "CVE-2021-23337")]
    triage.triage(juice, one, TriageState.AFFECTED, None, "this one is reachable", "bob")
    assert _views(juice)[one].state is TriageState.AFFECTED
    assert [s.applies_to for s in triage.list_rules(juice)] == [1]
    # lodash upgraded to 4.17.20: CVE-2020-8203 is fixed, CVE-2021-23337 still affects 4.17.20, and the
    # rule for 2.4.2 no longer matches it: the finding is not silently suppressed
    upgraded = _edit_sbom(shared_data / JUICE, tmp_path / "v2.json", {"lodash": "4.17.20"})
    service.ingest_file(juice, "juice-shop", upgraded)
    views = _views(juice)
    with juice.engine.connect() as conn:
        still_open = {f.id: f.installed_version for f in list_findings(conn, state="open")}
    assert still_open[other] == "4.17.20" and other not in views
    assert views[one].state is TriageState.AFFECTED
    assert [s.applies_to for s in triage.list_rules(juice)] == [0]


def test_rules_by_advisory_alias_and_asset_tag_expiry_and_removal(juice: Store) -> None:
    ids = _ids(juice)
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    by_ghsa, by_tag = triage.add_rules(
        juice,
        [
            # GHSA-rv95-896h-c2vc is an alias of CVE-2024-29041: the rule finds the finding by it
            triage.new_rule(
                state=TriageState.FALSE_POSITIVE,
                justification=None,
                reason="express is only a dev server here",
                by="alice",
                advisory="GHSA-rv95-896h-c2vc",
                now=now,
            ),
            triage.new_rule(
                state=TriageState.UNDER_INVESTIGATION,
                justification=None,
                reason="PCI scope: every finding is reviewed",
                by="carol",
                asset_tag="pci",
                expires=date(2027, 1, 1),
                now=now,
            ),
        ],
    )
    views = _views(juice, now)
    assert views[ids[("express", "CVE-2024-29041")]].rule_id == by_tag.id  # newest rule wins
    assert {v.rule_id for v in views.values()} == {by_tag.id} and len(views) == 4
    triage.remove_rule(juice, by_tag.id, "carol", now)
    views = _views(juice, now)
    assert set(views) == {ids[("express", "CVE-2024-29041")]}
    assert views[ids[("express", "CVE-2024-29041")]].state is TriageState.FALSE_POSITIVE
    listed = triage.list_rules(juice, include_removed=True, now=now)
    assert [(s.rule.id, s.removed_by, s.applies_to) for s in listed] == [
        (by_tag.id, "carol", 0),
        (by_ghsa.id, None, 1),
    ]
    with pytest.raises(InputError, match="already removed"):
        triage.remove_rule(juice, by_tag.id, "carol", now)
    with pytest.raises(InputError, match="no rule with id"):
        triage.remove_rule(juice, 4242, "carol", now)
    # an expired rule stops applying by itself
    (short,) = triage.add_rules(
        juice,
        [
            triage.new_rule(
                state=NA,
                justification=PATH,
                reason="r",
                by="a",
                package="ws",
                expires=date(2026, 12, 1),
                now=now,
            )
        ],
    )
    assert _views(juice, now)[ids[("ws", "CVE-2024-37890")]].rule_id == short.id
    assert ids[("ws", "CVE-2024-37890")] not in _views(juice, datetime(2026, 12, 1, tzinfo=UTC))


def test_rules_file(juice: Store, tmp_path: Path) -> None:
    good = tmp_path / "rules.yaml"
    good.write_text(
        "rules:\n"
        "  - package: lodash\n"
        "    ecosystem: NPM\n"
        "    state: not_affected\n"
        "    justification: vulnerable_code_not_present\n"
        "    reason: tree-shaken out of the bundle\n"
        "    expires: 2099-01-01\n"
        "  - advisory: CVE-2024-37890\n"
        "    state: affected\n"
        "    reason: websocket API is public\n"
        "    by: bob\n"
    )
    added = triage.add_rules(juice, triage.read_rules_file(good, "alice"))
    assert [(r.package, r.ecosystem, r.created_by) for r in added] == [
        ("lodash", "npm", "alice"),
        (None, None, "bob"),
    ]
    assert len(_views(juice)) == 3
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - package: lodash\n    state: not_affected\n    reason: r\n")
    with pytest.raises(InputError, match=r"bad.yaml:line 2: not_affected needs a justification"):
        triage.read_rules_file(bad, "alice")
    bad.write_text("rules:\n  - packages: lodash\n    state: affected\n    reason: r\n")
    with pytest.raises(InputError, match=r"line 2: rules\[0\].packages: unknown key"):
        triage.read_rules_file(bad, "alice")
    bad.write_text("rules:\n  - package: x\n    ecosystem: cobol\n    state: affected\n    reason: r\n")
    with pytest.raises(InputError, match="line 2: unknown ecosystem 'cobol'"):
        triage.read_rules_file(bad, "alice")
    bad.write_text("rules:\n  - state: affected\n    reason: r\n")
    with pytest.raises(InputError, match="at least one of package, advisory, asset tag"):
        triage.read_rules_file(bad, "alice")
