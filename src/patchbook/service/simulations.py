"""Simulated deployment of a planned patch: the asset's simulation profile, the run, its evidence.

An asset's profile (``patchbook simulate profile set ASSET FILE``) is a simulation profile (see
docs/simulation.md) that also says how to start the deployed build and the patched one, and which flow
to replay::

    baseline:  {command: "{python} {venue}/engine.py --build 1.4.2"}
    candidate: {command: "{python} {venue}/engine.py --build 1.4.3"}
    flow: flows/matching-engine.jsonl        # or  generate: {orders: 2000, seed: 1}
    rounds: 3

Command templates may use ``{python}`` (this interpreter), ``{venue}`` (the reference venue of a source
checkout, or $PATCHBOOK_VENUE), ``{profile_dir}``, and the patch's component changes: ``{upgrades}``
("name==target" for each upgrade, space-separated and shell-quoted) and ``{installed}`` ("name==version"
of what runs today), so a build script can produce both arms from one template. The run is stored with
the patch (its newest run is the patch's verdict) and in the audit trail.
"""

from __future__ import annotations

import hashlib
import shlex
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from patchbook.errors import InputError
from patchbook.model.simulation import SimulationRun
from patchbook.simulate.flow.generator import generate
from patchbook.simulate.profile import Profile, load_profile
from patchbook.simulate.runner import run_simulation
from patchbook.simulate.serialize import run_dict
from patchbook.store import Store
from patchbook.store import audit as audit_repo
from patchbook.store import plans as plans_repo
from patchbook.store import simulations as repo

PLACEHOLDERS = ("python", "venue", "profile_dir", "upgrades", "installed")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PatchSimulation:
    run_id: int
    patch_id: int
    asset: str
    run: SimulationRun


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the simulation profile ({exc.strerror})") from None


def set_profile(store: Store, asset: str, path: Path, actor: str) -> str:
    """Make ``path`` the simulation profile of ``asset``'s patches (checked now, read again at run time)."""
    profile = load_profile(path)
    for arm in ("baseline", "candidate"):
        if getattr(profile, arm).command is None:
            raise InputError(str(path), f"an asset's profile needs {arm}.command (how to start that build)",
                             arm)
    if profile.flow is None and profile.generate is None:
        raise InputError(str(path), "an asset's profile needs flow (a recording) or generate: {orders, seed}")
    source = str(path.resolve())
    sha = _sha256(path)
    with store.transaction() as conn:
        repo.set_profile(conn, asset, source, sha, actor, datetime.now(UTC))
        audit_repo.append(conn, actor=actor, action="simulation.profile", subject=f"asset:{asset}",
                          payload={"source": source, "sha256": sha})
    return source


def _venue() -> str:
    from patchbook.simulate.demo import venue_engine

    return str(venue_engine().parent)


def expand(template: str, *, profile_dir: Path, upgrades: list[dict[str, Any]], source: str) -> str:
    """Fill a command template; an unknown placeholder is an error naming the profile."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise InputError(source, f"unknown placeholder {{{unknown[0]}}} in a command; known: "
                         + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
    values = {
        "python": shlex.quote(sys.executable),
        "profile_dir": shlex.quote(str(profile_dir)),
        "upgrades": " ".join(shlex.quote(f"{u['package']}=={u['target']}") for u in upgrades),
        "installed": " ".join(shlex.quote(f"{u['package']}=={u['installed']}") for u in upgrades),
    }
    if "venue" in names:
        values["venue"] = shlex.quote(_venue())
    return template.format(**values)


def patch_upgrades(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """The component upgrades a stored patch makes (those with a target version)."""
    planned = detail.get("patch") or {}
    return [u for u in planned.get("upgrades", []) if u.get("target")]


def _flow(profile: Profile, source: str) -> Path | list[dict[str, Any]]:
    if profile.flow is not None:
        if not profile.flow.is_file():
            raise InputError(source, f"flow {profile.flow} does not exist", "flow")
        return profile.flow
    assert profile.generate is not None
    orders, seed = profile.generate
    return list(generate(orders, seed))


def simulate_patch(
    store: Store,
    patch_id: int,
    actor: str,
    *,
    rounds: int | None = None,
    progress: Progress | None = None,
) -> PatchSimulation:
    """Run patch ``patch_id`` through its asset's profile: baseline = deployed, candidate = patched."""
    with store.engine.connect() as conn:
        patch = plans_repo.get_patch(conn, patch_id)
        if patch is None:
            raise InputError("simulate", f"no patch with id {patch_id}; `patchbook patch list` shows them")
        if patch.kind != "software":
            raise InputError("simulate", f"patch {patch_id} changes a smart contract ({patch.change_key}): "
                             "contracts are validated on a fork of the chain, not by order-flow replay")
        stored = repo.get_profile(conn, patch.asset)
    if stored is None:
        raise InputError("simulate", f"asset {patch.asset!r} has no simulation profile; set one with "
                         f"`patchbook simulate profile set {patch.asset} FILE`")
    path = Path(stored.source)
    sha = _sha256(path)
    profile = load_profile(path)
    upgrades = patch_upgrades(patch.detail)
    cmds = []
    for arm in (profile.baseline, profile.candidate):
        if arm.command is None:
            raise InputError(stored.source, "an asset's profile needs baseline.command and candidate.command")
        cmds.append(expand(arm.command, profile_dir=path.parent, upgrades=upgrades, source=stored.source))
    run = run_simulation(cmds[0], cmds[1], _flow(profile, stored.source), profile, rounds=rounds,
                         origin=path.parent, progress=progress, profile_label=f"{patch.asset} ({path.name})")
    with store.transaction() as conn:
        run_id = repo.add_run(
            conn, patch_id=patch_id, asset=patch.asset, verdict=run.verdict.value, score=run.score,
            started_at=datetime.fromisoformat(run.started), finished_at=datetime.fromisoformat(run.finished),
            profile_source=stored.source, profile_sha256=sha, baseline_cmd=cmds[0], candidate_cmd=cmds[1],
            flow_sha256=run.flow_sha256, run=run_dict(run),
        )
        audit_repo.append(conn, actor=actor, action="patch.simulate", subject=f"patch:{patch_id}", payload={
            "run": run_id, "verdict": run.verdict.value, "score": run.score, "flow_sha256": run.flow_sha256,
            "profile_sha256": sha, "changed_since_set": sha != stored.sha256,
            "reasons": list(run.judgement.reasons),
        })
    return PatchSimulation(run_id, patch_id, patch.asset, run)
