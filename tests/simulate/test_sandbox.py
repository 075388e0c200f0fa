"""Sandboxes: own working dir and environment, no network, rlimits, virtualenv from a wheelhouse, TCP."""

from __future__ import annotations

import base64
import hashlib
import socket
import zipfile
from pathlib import Path
from typing import Any

import orjson

from patchbook.model.simulation import MetricLabel, Verdict
from patchbook.simulate.contract import encode_requests, parse_responses
from patchbook.simulate.profile import ArmSettings, Profile
from patchbook.simulate.replay import replay
from patchbook.simulate.runner import run_simulation
from patchbook.simulate.sandbox import Sandbox, SandboxSpec, Service, network_isolation

from .conftest import ENGINE, service, venue

REQS = [{"op": "cancel", "order_id": "x"}]


def _ask(sb: Sandbox) -> dict[str, Any]:
    svc = sb.start("probe")
    assert isinstance(svc, Service)
    raw = replay(svc.write_fd, svc.read_fd, encode_requests(REQS), [0], response_timeout_s=5)
    svc.finish(2)
    return parse_responses(raw.lines, 1).by_seq[1]


def test_own_workdir_environment_and_no_network(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("SECRET_TOKEN", "do-not-leak")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        spec = SandboxSpec("candidate", service("introspect", str(port)), env={"MARKER": "m1"})
        sb = Sandbox(spec, tmp_path)
        out = _ask(sb)
    assert out["cwd"] == str(tmp_path / "candidate")
    assert "SECRET_TOKEN" not in out["env"] and out["marker"] == "m1"
    isolated, why = network_isolation()
    if isolated:  # root here: the service sees only its own loopback and cannot reach the host
        assert out["ifaces"] == ["lo"]
        assert out["reach_host"] is False
        assert sb.network_note.startswith("on")
    else:
        assert why.startswith("off") and out["reach_host"] is True


def _tiny_wheel(wheelhouse: Path) -> None:
    wheelhouse.mkdir()
    files = {
        "pbtinywheel/__init__.py": b"VALUE = 'from-the-wheelhouse'\n",
        "pbtinywheel-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: pbtinywheel\nVersion: 1.0\n",
        "pbtinywheel-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("pbtinywheel-1.0.dist-info/RECORD,,")
    with zipfile.ZipFile(wheelhouse / "pbtinywheel-1.0-py3-none-any.whl", "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
        z.writestr("pbtinywheel-1.0.dist-info/RECORD", "\n".join(record) + "\n")


def test_virtualenv_built_offline_from_wheelhouse(tmp_path: Path) -> None:
    _tiny_wheel(tmp_path / "wheels")
    spec = SandboxSpec(
        "candidate",
        f"python {Path(service('introspect').split()[1])}",
        package="pbtinywheel==1.0",
        wheelhouse=tmp_path / "wheels",
    )
    sb = Sandbox(spec, tmp_path / "sbx")
    assert sb.prepare() is None
    assert (sb.workdir / "venv" / "bin" / "python").exists()
    out = _ask(sb)
    assert out["wheel"] == "from-the-wheelhouse"
    spec2 = SandboxSpec("x", "python -c pass", package="nosuchpkg==1", wheelhouse=tmp_path / "wheels")
    missing = Sandbox(spec2, tmp_path / "sbx2").prepare()
    assert missing is not None and missing.kind == "start" and "nosuchpkg" in missing.stderr_tail


def test_short_flow_uses_fewer_windows_and_still_promotes(tiny_flow: list[dict[str, Any]]) -> None:
    prof = Profile(rounds=1, rate="4000", baseline=ArmSettings(env={"VENUE_MODE": "a"}), windows=10)
    run = run_simulation(venue("1.4.2"), venue("1.4.2"), tiny_flow[:200], prof)
    # 180 measured answers: 9 windows of 20 instead of 10; every metric still gets data
    assert all(len(m.windows) == 9 for m in run.measurements)
    assert all(m.label is not MetricLabel.NODATA for m in run.judgement.metrics)
    assert run.verdict is not Verdict.ROLLBACK, run.judgement.reasons


def test_tcp_transport(tiny_flow: list[dict[str, Any]]) -> None:
    import shlex
    import sys

    cmd = shlex.join([sys.executable, str(ENGINE), "--build", "1.4.2", "--listen"]) + " {port}"
    prof = Profile(rounds=1, rate="4000", transport="tcp")
    run = run_simulation(cmd, cmd, tiny_flow, prof)
    assert all(m.failure is None and m.responses == len(tiny_flow) for m in run.measurements)
    assert run.environment["network_isolation"].startswith("off: the tcp transport")
    assert run.diff is not None and not run.diff.critical_fields
    assert orjson.dumps(run.diff.requests) == b"300"
