"""Fixtures for the simulation tests: the reference venue, tiny misbehaving services, small flows."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from patchbook.simulate.flow.generator import generate

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ENGINE = REPO / "examples" / "venue" / "engine.py"
SERVICES = HERE / "services"


def service(name: str, *args: str) -> str:
    return shlex.join([sys.executable, str(SERVICES / f"{name}.py"), *args])


def venue(build: str) -> str:
    return shlex.join([sys.executable, str(ENGINE), "--build", build])


@pytest.fixture(scope="session")
def small_flow() -> list[dict[str, Any]]:
    return list(generate(2000, 11))


@pytest.fixture(scope="session")
def tiny_flow() -> list[dict[str, Any]]:
    return list(generate(300, 5))
