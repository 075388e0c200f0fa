"""Running an optional scanner and ingesting what it reports: ``scan contract`` runs Slither.

Slither is AGPL-3.0: it runs as a separate process (``slither DIR --json -``) and patchbook only
reads its JSON, never imports it. Slither exits 255 when it has findings (its default
``--fail-pedantic``), so the exit code says nothing about success: the JSON's ``success`` does, and
the report ingest checks it. The run has a deadline; on expiry the whole process group (Slither and
the solc it started) is killed and nothing is written.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from patchbook.errors import InputError, PatchbookError
from patchbook.service.inventory import IngestResult
from patchbook.store import Store

DEFAULT_TIMEOUT = 600.0
INSTALL_HINT = (
    "install it with `pipx install slither-analyzer` (it is AGPL-3.0 and runs as a separate program) "
    "and make sure a solc for the contracts is reachable (solc-select, or the npm solc wrapper in "
    "docs), or pass --slither PATH"
)


class ToolMissing(PatchbookError):
    """A scanner patchbook runs as a subprocess is not installed."""


class ScanFailed(PatchbookError):
    pass


@dataclass
class ScanResult:
    tool: str
    command: list[str]
    exit_code: int
    seconds: float
    ingest: IngestResult


def find_slither(explicit: str | None = None) -> str:
    found = shutil.which(explicit or "slither")
    if found is None:
        what = f"{explicit!r} is not an executable" if explicit else "slither is not installed (not on PATH)"
        raise ToolMissing(f"cannot scan the contract: {what}; {INSTALL_HINT}")
    return found


def run_slither(target: Path, *, timeout: float, executable: str) -> tuple[bytes, int, float, list[str]]:
    """Slither's JSON on stdout, its exit code, the wall time and the command line."""
    import time

    command = [executable, str(target), "--json", "-"]
    started = time.monotonic()
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so a timeout also stops the solc it runs
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ScanFailed(
                f"slither did not finish within {timeout:g} s on {target}; nothing was ingested "
                "(raise --timeout for a large project)"
            ) from None
    elapsed = time.monotonic() - started
    if not out.strip():
        last = next(
            (line for line in reversed(err.decode(errors="replace").splitlines()) if line.strip()), ""
        )
        raise ScanFailed(
            f"slither printed no JSON (exit {proc.returncode}) on {target}"
            + (f": {last.strip()}" if last else "")
        )
    return out, proc.returncode, elapsed, command


def scan_contract(
    store: Store,
    target: Path,
    asset: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    slither: str | None = None,
) -> ScanResult:
    """Run Slither on a contract project directory and ingest its findings into the asset."""
    from patchbook.service import reports  # the report ingest: Slither JSON parser and code findings

    if not target.is_dir():
        raise InputError(
            str(target), "expected a directory (a Foundry/Hardhat project or a folder of .sol files)"
        )
    executable = find_slither(slither)
    out, code, seconds, command = run_slither(target, timeout=timeout, executable=executable)
    with tempfile.TemporaryDirectory(prefix="patchbook-slither-") as tmp:
        report = Path(tmp) / "slither.json"
        report.write_bytes(out)
        try:
            result = reports.ingest_report(store, asset, report)
        except InputError as exc:  # name what the user ran, not the temporary file
            raise InputError(f"slither output for {target}", exc.message, exc.position) from None
    result.source = f"slither {target}"
    return ScanResult("slither", command, code, seconds, result)
