"""`patchbook simulate profile set` / `simulate patch ID` / `simulate history` through the console script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import patchbook
from tests.cli.conftest import Run

DEMO = Path(patchbook.__file__).parent / "demo" / "data"


@pytest.mark.xdist_group("timing")
def test_simulate_a_planned_patch(run: Run, tmp_path: Path) -> None:
    assert run("feeds", "import", str(DEMO / "advisories"), str(DEMO / "kev.json")).returncode == 0
    assert run("asset", "add", "matching-engine", "--kind", "service").returncode == 0
    assert run("ingest", str(DEMO / "sboms" / "matching-engine.cdx.json"), "--asset", "matching-engine"
               ).returncode == 0
    planned = run("plan", "--calendar", str(DEMO / "calendar.yaml"), "--from", "2026-11-30", "--json")
    assert planned.returncode == 0, planned.stderr
    listed = run("patch", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    patch_id = next(p["id"] for p in json.loads(listed.stdout)["patches"] if p["asset"] == "matching-engine")

    missing = run("simulate", "patch", str(patch_id))
    assert missing.returncode == 2 and "simulate profile set matching-engine" in missing.stderr

    profile = tmp_path / "me.yaml"
    profile.write_text('baseline: {command: "{python} {venue}/engine.py --build 1.4.2"}\n'
                       'candidate: {command: "{python} {venue}/engine.py --build 1.4.3-tick"}\n'
                       'generate: {orders: 600, seed: 3}\nrounds: 1\nrate: "4000"\n')
    assert run("simulate", "profile", "set", "matching-engine", str(profile), "--as", "sre").returncode == 0
    html = tmp_path / "r.html"
    done = run("simulate", "patch", str(patch_id), "--json", "--html", str(html), "--as", "sre")
    assert done.returncode == 1, done.stderr  # rollback: the tick-rounding build changes fills
    out = json.loads(done.stdout)
    assert out["patch"] == patch_id and out["verdict"] == "rollback" and html.stat().st_size > 10_000
    hist = json.loads(run("simulate", "history", "--patch", str(patch_id), "--json").stdout)
    assert [h["id"] for h in hist] == [out["run_id"]] and hist[0]["verdict"] == "rollback"
    shown = json.loads(run("patch", "show", str(patch_id), "--json").stdout)
    assert shown["simulation"] == {"verdict": "rollback", "score": 0.0, "run": out["run_id"]}
    assert "simulated deployment: ROLLBACK" in run("patch", "show", str(patch_id)).stdout
    assert run("audit", "verify").returncode == 0
