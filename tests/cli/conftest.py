"""Run the real console script in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

PATCHBOOK = str(Path(sys.executable).with_name("patchbook"))

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    home = tmp_path / "home"

    def _run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("PATCHBOOK_")}
        full_env.update({"PATCHBOOK_HOME": str(home), "COLUMNS": "200", **(env or {})})
        return subprocess.run(
            [PATCHBOOK, *args],
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    return _run
