"""The simulation part of ``patchbook demo``: validate a patch of the reference venue end to end.

The reference venue is not part of the package (DESIGN: it lives in ``examples/venue/``), and there is
exactly one copy of it: this module finds it in the source checkout next to ``src/`` (or wherever
``PATCHBOOK_VENUE`` points) and fails with one clear line when it is absent, e.g. in an installed wheel.
A second copy shipped as package data would drift from the one the tests exercise.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from patchbook.errors import InputError
from patchbook.model.simulation import SimulationRun
from patchbook.simulate.flow.generator import generate
from patchbook.simulate.profile import Profile
from patchbook.simulate.runner import run_simulation

DEPLOYED = "1.4.2"
BUILDS = {
    "1.4.3": "security patch, same behaviour (expect promote)",
    "1.4.3-tick": "patch that changes options tick rounding (expect rollback)",
    "1.4.3-slow": "patch that slows the hot path (expect hold or rollback)",
}


def venue_engine() -> Path:
    env = os.environ.get("PATCHBOOK_VENUE")
    root = Path(env) if env else Path(__file__).resolve().parents[3] / "examples" / "venue"
    engine = root / "engine.py"
    if not engine.is_file():
        raise InputError(
            str(root),
            "reference venue not found (examples/venue/engine.py of a patchbook "
            "source checkout); set PATCHBOOK_VENUE to its directory",
        )
    return engine


def venue_command(build: str) -> str:
    return shlex.join([sys.executable, str(venue_engine()), "--build", build])


def demo_simulation(candidate: str = "1.4.3", orders: int = 2000, rounds: int = 3) -> SimulationRun:
    """Simulate deploying ``candidate`` over the deployed 1.4.2 on a synthetic options/spot flow."""
    if candidate not in BUILDS:
        raise InputError("demo", f"unknown venue build {candidate!r}; one of {', '.join(BUILDS)}")
    return run_simulation(
        venue_command(DEPLOYED),
        venue_command(candidate),
        list(generate(orders, 1)),
        Profile(rounds=rounds),
        profile_label="reference venue (defaults)",
    )
