"""`patchbook scan contract`: Slither as a real subprocess (a stand-in `slither` script on PATH that
prints a real Slither JSON report), the missing-tool path, a deadline, and failures that write nothing."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Run

VAULT_REPORT = ("reports", "slither-cli", "options-vault.json")


def _fake_slither(bin_dir: Path, body: str) -> Path:
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "slither"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def _env(bin_dir: Path) -> dict[str, str]:
    # Only the fake's folder and the basic tools: no real slither can be picked up by accident.
    return {"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"}


@pytest.fixture
def project(tmp_path: Path, shared_data: Path) -> Path:
    src = tmp_path / "options-vault"
    src.mkdir()
    sol = shared_data / "reports" / "slither-cli" / "OptionsVault.sol"
    (src / "OptionsVault.sol").write_text(sol.read_text())
    return src


@pytest.fixture
def contract_asset(run: Run) -> str:
    added = run("asset", "add", "options-vault", "--kind", "contract", "--exposure", "internet-facing")
    assert added.returncode == 0, added.stderr
    return "options-vault"


def test_missing_slither_says_what_and_how_to_install(
    run: Run, tmp_path: Path, project: Path, contract_asset: str
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = run("scan", "contract", str(project), "--asset", contract_asset, env=_env(empty))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "slither is not installed" in lines[0] and "pipx install slither-analyzer" in lines[0]


def test_runs_slither_and_ingests_its_real_json(
    run: Run, tmp_path: Path, project: Path, contract_asset: str, shared_data: Path
) -> None:
    report = shared_data.joinpath(*VAULT_REPORT)
    args_file = tmp_path / "args"
    bin_dir = tmp_path / "bin"
    # Slither exits 255 when it has findings: that is success, not a crash.
    _fake_slither(bin_dir, f'printf "%s\\n" "$@" > "{args_file}"\ncat "{report}"\nexit 255')
    result = run("scan", "contract", str(project), "--asset", contract_asset, "--json", env=_env(bin_dir))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    detectors = json.loads(report.read_text())["results"]["detectors"]
    assert data["tool"] == "slither" and data["exit_code"] == 255
    assert data["format"] == "slither-json"
    assert data["new_findings"] == data["findings"] > 0
    assert data["findings"] <= len(detectors)
    assert args_file.read_text().split() == [str(project), "--json", "-"]
    # the same report again: nothing new, nothing duplicated
    again = run("scan", "contract", str(project), "--asset", contract_asset, "--json", env=_env(bin_dir))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["new_findings"] == 0


def test_a_scan_past_its_deadline_is_stopped_and_writes_nothing(
    run: Run, tmp_path: Path, project: Path, contract_asset: str, shared_data: Path
) -> None:
    report = shared_data.joinpath(*VAULT_REPORT)
    bin_dir = tmp_path / "bin"
    _fake_slither(bin_dir, "sleep 30")
    result = run(
        "scan",
        "contract",
        str(project),
        "--asset",
        contract_asset,
        "--timeout",
        "1",
        env=_env(bin_dir),
        timeout=20,
    )
    assert result.returncode == 2
    assert "did not finish within 1 s" in result.stderr
    # nothing was written: a later scan finds every finding new
    _fake_slither(bin_dir, f'cat "{report}"\nexit 255')
    later = run("scan", "contract", str(project), "--asset", contract_asset, "--json", env=_env(bin_dir))
    assert later.returncode == 0, later.stderr
    data = json.loads(later.stdout)
    assert data["new_findings"] == data["findings"] > 0


def test_slither_failure_and_bad_targets_are_one_line_exit_2(
    run: Run, tmp_path: Path, project: Path, contract_asset: str
) -> None:
    bin_dir = tmp_path / "bin"
    failure = {"success": False, "error": "Invalid compilation: solc not found", "results": {}}
    _fake_slither(bin_dir, f"echo '{json.dumps(failure)}'\nexit 1")
    failed = run("scan", "contract", str(project), "--asset", contract_asset, env=_env(bin_dir))
    assert failed.returncode == 2, failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
    assert "slither output for" in failed.stderr
    _fake_slither(bin_dir, "echo 'Traceback: boom' >&2\nexit 1")
    silent = run("scan", "contract", str(project), "--asset", contract_asset, env=_env(bin_dir))
    assert silent.returncode == 2 and "printed no JSON (exit 1)" in silent.stderr and "boom" in silent.stderr
    not_dir = run(
        "scan", "contract", str(project / "OptionsVault.sol"), "--asset", contract_asset, env=_env(bin_dir)
    )
    assert not_dir.returncode == 2 and "expected a directory" in not_dir.stderr
    unknown = run("scan", "contract", str(project), "--asset", "nope", env=_env(bin_dir))
    assert unknown.returncode == 2
    assert sys.executable  # the console script runs on the venv's interpreter, whatever PATH says
