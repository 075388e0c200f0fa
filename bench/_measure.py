"""Run a command as a user would and measure it: wall time and the peak RSS of that process alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_mib: float
    returncode: int
    stdout: str
    stderr: str


def patchbook_command() -> list[str]:
    return [str(Path(sys.executable).with_name("patchbook"))]


def measure(argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 900) -> Measured:
    full_env = {**os.environ, **(env or {})}
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    # The peak RSS comes from the `wrapped()` launcher, which waits for its one child with wait4:
    # RUSAGE_CHILDREN here would report the maximum over every command this benchmark ever ran.
    elapsed = time.perf_counter() - started
    return Measured(elapsed, _peak_from_stderr(stderr), proc.returncode, stdout, stderr)


def _peak_from_stderr(stderr: str) -> float:
    for line in reversed(stderr.splitlines()):
        if line.startswith("PEAK_RSS_KIB="):
            return int(line.split("=", 1)[1]) / 1024
    return float("nan")


def wrapped(argv: list[str]) -> list[str]:
    """``argv`` run under a wrapper that prints the child's own peak RSS on stderr."""
    return [sys.executable, "-m", "bench._peak", *argv]
