"""`simulate patch ID`: a planned patch runs through its asset's simulation profile; the run is stored
with the patch and in the audit trail, on both back ends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import patchbook
from patchbook.errors import InputError
from patchbook.model.asset import Asset, AssetKind, Criticality
from patchbook.service.feeds import import_paths
from patchbook.service.inventory import add_asset, ingest_file
from patchbook.service.plan import make_plan
from patchbook.service.simulations import expand, patch_upgrades, set_profile, simulate_patch
from patchbook.store import Store
from patchbook.store import audit as audit_repo
from patchbook.store import plans as plans_repo
from patchbook.store import simulations as repo

DEMO = Path(patchbook.__file__).parent / "demo" / "data"
START = datetime(2026, 11, 30, tzinfo=UTC)


def _profile(tmp: Path, candidate: str) -> Path:
    path = tmp / f"matching-engine-{candidate}.yaml"
    path.write_text(f"""baseline:
  command: "{{python}} {{venue}}/engine.py --build 1.4.2"
candidate:
  command: "{{python}} {{venue}}/engine.py --build {candidate}"
generate: {{orders: 600, seed: 3}}
rounds: 1
rate: "4000"
""")
    return path


def _planned_patch(store: Store) -> int:
    import_paths(store, [DEMO / "advisories", DEMO / "kev.json"])
    add_asset(store, Asset("matching-engine", AssetKind.SERVICE, criticality=Criticality.CRITICAL))
    ingest_file(store, "matching-engine", DEMO / "sboms" / "matching-engine.cdx.json")
    outcome = make_plan(store, calendar_path=DEMO / "calendar.yaml", start=START, actor="planner")
    return outcome.patch_ids["matching-engine"]


def test_patch_that_changes_fills_is_rolled_back_and_recorded(store: Store, tmp_path: Path) -> None:
    patch_id = _planned_patch(store)
    with pytest.raises(InputError, match="has no simulation profile"):
        simulate_patch(store, patch_id, "sre")
    set_profile(store, "matching-engine", _profile(tmp_path, "1.4.3-tick"), "sre")
    done = simulate_patch(store, patch_id, "sre")
    assert done.run.verdict.value == "rollback"  # options tick rounding changed fills: exact, not noisy
    assert done.run.diff is not None
    assert "fills[].price" in {f.path for f in done.run.diff.critical_fields}
    with store.engine.connect() as conn:
        stored = repo.runs(conn, patch_id=patch_id)
        assert [r.id for r in stored] == [done.run_id] and stored[0].verdict == "rollback"
        assert "--build 1.4.3-tick" in stored[0].candidate_cmd
        patch = plans_repo.get_patch(conn, patch_id)
        assert patch is not None and patch_upgrades(patch.detail)  # the SBOM's fixes, as planned
        assert all(u["package"] and u["target"] for u in patch_upgrades(patch.detail))
        assert stored[0].run["verdict"] == "rollback"
        assert repo.latest_verdicts(conn, [patch_id]) == {patch_id: ("rollback", 0.0, done.run_id)}
        events = audit_repo.events(conn, subject=f"patch:{patch_id}")
        assert [e.action for e in events][-1] == "patch.simulate"
        assert audit_repo.verify(conn).ok


def test_profile_and_patch_errors(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("baseline: {command: x}\ngenerate: {orders: 100}\n")
    with pytest.raises(InputError, match=r"needs candidate\.command"):
        set_profile(store, "a", bad, "sre")
    with pytest.raises(InputError, match="no patch with id 999"):
        simulate_patch(store, 999, "sre")
    with pytest.raises(InputError, match=r"unknown placeholder \{build\}"):
        expand("run --build {build}", profile_dir=tmp_path, upgrades=[], source="p.yaml")
    upgrades = [{"package": "requests", "installed": "2.25.0", "target": "2.31.0"}]
    assert expand("build {upgrades} over {installed}", profile_dir=tmp_path, upgrades=upgrades,
                  source="p.yaml") == "build requests==2.31.0 over requests==2.25.0"
