"""Where the reference venue is: the demo's matching engine, whose builds simulation profiles start
through the ``{venue}`` placeholder.

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
