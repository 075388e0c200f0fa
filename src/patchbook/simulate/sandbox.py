"""Sandboxes: each arm (baseline, candidate) runs as a child process in its own little world.

Own working directory and temp dir, an environment built from scratch (only PATH, locale and what the
profile gives), an optional virtualenv built offline from a wheelhouse, no network when the kernel lets
us create a network namespace (``unshare -n``, needs root or user namespaces), rlimits on address space,
CPU seconds and core files, its own process group (so a hang is killed with everything it spawned), and
stdout/stderr captured. Nothing here raises for a misbehaving service: start-up problems come back as a
:class:`~patchbook.model.simulation.ServiceFailure`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from patchbook.model.simulation import ServiceFailure


@functools.lru_cache(maxsize=1)
def network_isolation() -> tuple[bool, str]:
    """Whether ``unshare -n`` works here; the reason when it does not."""
    exe = shutil.which("unshare")
    if exe is None:
        return False, "off: unshare(1) not installed"
    try:
        r = subprocess.run([exe, "-n", "--", "true"], capture_output=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"off: unshare failed ({exc})"
    if r.returncode != 0:
        msg = r.stderr.decode(errors="replace").strip().splitlines()
        return False, f"off: unshare -n not permitted ({msg[-1] if msg else r.returncode})"
    return True, "on: private network namespace (unshare -n), loopback only"


@dataclass(slots=True)
class SandboxSpec:
    """How to run one arm. ``command`` may contain ``{port}`` for the TCP transport."""

    name: str
    command: str
    transport: str = "stdio"  # stdio | tcp
    env: dict[str, str] = field(default_factory=dict)
    memory_mb: int | None = 1024
    cpu_seconds: int | None = 600
    package: str | None = None  # pip requirement installed into the sandbox's own virtualenv
    wheelhouse: Path | None = None
    isolate_network: bool = True
    start_timeout_s: float = 10.0


@dataclass(slots=True)
class ExitInfo:
    exit_code: int | None  # negative: killed by that signal
    peak_rss_kb: int
    cpu_s: float
    killed: bool  # we had to kill it (did not exit by itself before the deadline)
    stderr_tail: str


def _resolve_args(command: str, origin: Path) -> list[str]:
    """Split the command; arguments naming existing files relative to the caller become absolute,
    because the service runs in its own working directory."""
    args = shlex.split(command)
    out = []
    for a in args:
        p = origin / a
        if not a.startswith("-") and not os.path.isabs(a) and ("/" in a or p.suffix) and p.exists():
            out.append(str(p.resolve()))
        else:
            out.append(a)
    return out


class Sandbox:
    def __init__(self, spec: SandboxSpec, root: Path, origin: Path | None = None) -> None:
        self.spec = spec
        self.workdir = root / spec.name
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "tmp").mkdir(exist_ok=True)
        self.origin = origin or Path.cwd()
        self.venv: Path | None = None
        on, why = network_isolation()
        self.network_isolated = spec.isolate_network and on and spec.transport == "stdio"
        if not spec.isolate_network:
            self.network_note = "off: disabled by the profile"
        elif spec.transport != "stdio":
            self.network_note = "off: the tcp transport needs the host's loopback"
        else:
            self.network_note = why

    # -- preparation --------------------------------------------------------------------------------
    def prepare(self, timeout_s: float = 300.0) -> ServiceFailure | None:
        """Build the arm's virtualenv from the wheelhouse when the profile names a package."""
        if not self.spec.package:
            return None
        if self.spec.wheelhouse is None or not self.spec.wheelhouse.is_dir():
            return ServiceFailure("start", f"{self.spec.name}: package {self.spec.package!r} needs a "
                                  f"wheelhouse directory (got {self.spec.wheelhouse})")
        venv = self.workdir / "venv"
        install = ["install", "--quiet", "--no-index", "--disable-pip-version-check", "--find-links",
                   str(self.spec.wheelhouse), self.spec.package]
        if _host_pip_targets_other_pythons():
            # a bare venv filled by the host's pip (`pip --python`): seconds instead of ensurepip's ~20 s
            steps = [[sys.executable, "-m", "venv", "--without-pip", str(venv)],
                     [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), *install]]
        else:
            steps = [[sys.executable, "-m", "venv", str(venv)],
                     [str(venv / "bin" / "python"), "-m", "pip", *install]]
        for cmd in steps:
            try:
                r = subprocess.run(cmd, capture_output=True, timeout=timeout_s, cwd=self.workdir,
                                   env=self._env())
            except subprocess.TimeoutExpired:
                return ServiceFailure("start", f"{self.spec.name}: building the virtualenv timed out")
            if r.returncode != 0:
                return ServiceFailure("start", f"{self.spec.name}: venv build failed: {shlex.join(cmd)}",
                                      exit_code=r.returncode,
                                      stderr_tail=r.stderr.decode(errors="replace")[-2000:])
        self.venv = venv
        return None

    def _env(self) -> dict[str, str]:
        path = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
        if self.venv is not None:
            path = f"{self.venv / 'bin'}{os.pathsep}{path}"
        env = {
            "PATH": path,
            "HOME": str(self.workdir),
            "TMPDIR": str(self.workdir / "tmp"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "PATCHBOOK_SANDBOX": self.spec.name,
        }
        if self.venv is not None:
            env["VIRTUAL_ENV"] = str(self.venv)
        env.update(self.spec.env)
        return env

    def _limits(self) -> None:  # runs in the child between fork and exec
        os.setsid()
        if self.spec.memory_mb:
            b = self.spec.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (b, b))
        if self.spec.cpu_seconds:
            resource.setrlimit(resource.RLIMIT_CPU, (self.spec.cpu_seconds, self.spec.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    # -- running --------------------------------------------------------------------------------------
    def start(self, run_label: str) -> Service | ServiceFailure:
        port = _free_port() if self.spec.transport == "tcp" else 0
        cmd_text = self.spec.command.replace("{port}", str(port))
        args = _resolve_args(cmd_text, self.origin)
        if self.venv is not None and args and "/" not in args[0] and (self.venv / "bin" / args[0]).exists():
            args[0] = str(self.venv / "bin" / args[0])
        if not args:
            return ServiceFailure("start", f"{self.spec.name}: empty command")
        env = self._env()
        if shutil.which(args[0], path=env["PATH"]) is None:
            # checked here because under unshare the exec failure would only show up as exit 127
            return ServiceFailure("start", f"{self.spec.name}: cannot start {args[0]}: not found or not "
                                  "executable")
        if self.network_isolated:
            args = ["unshare", "-n", "--", *args]
        stderr_path = self.workdir / f"{run_label}.stderr"
        env["PATCHBOOK_RUN"] = run_label
        if port:
            env["PATCHBOOK_SERVICE_PORT"] = str(port)
        try:
            with stderr_path.open("wb") as err:
                proc = subprocess.Popen(
                    args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=self.workdir,
                    env=env, preexec_fn=self._limits, bufsize=0, close_fds=True,
                )
        except OSError as exc:
            return ServiceFailure("start", f"cannot start {shlex.join(args)}: {exc.strerror or exc}")
        svc = Service(proc, stderr_path, self.spec.start_timeout_s)
        if self.spec.transport == "tcp":
            failure = svc.connect(port)
            if failure is not None:
                svc.finish(0.5)
                return failure
        return svc


@functools.lru_cache(maxsize=1)
def _host_pip_targets_other_pythons() -> bool:
    """pip >= 22.3 can install into another interpreter's environment with ``--python``."""
    try:
        from pip import __version__ as pip_version
    except ImportError:
        return False
    major, minor = (int(x) for x in pip_version.split(".")[:2])
    return (major, minor) >= (22, 3)


def _schedstat_wait(path: str) -> int | None:
    try:
        with open(path, "rb") as f:
            return int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None


def harness_sched_wait_ns() -> int | None:
    """Run-queue wait of the calling thread (the replay loop)."""
    return _schedstat_wait("/proc/thread-self/schedstat")


_TICK_S = 1.0 / (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)


def host_busy_s() -> float | None:
    """CPU seconds the whole host has spent busy since boot, all CPUs together (from /proc/stat)."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = f.readline().split()
        # cpu user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait
        values = [int(v) for v in fields[1:9]]
    except (OSError, ValueError, IndexError):
        return None
    return (sum(values) - values[3] - values[4]) * _TICK_S


def harness_cpu_s() -> float:
    """CPU seconds of this process (every thread), user and system."""
    t = os.times()
    return t.user + t.system


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Service:
    """A running service: the fds to talk to it and a bounded way to end it."""

    def __init__(self, proc: subprocess.Popen[bytes], stderr_path: Path, start_timeout_s: float) -> None:
        self.proc = proc
        self.stderr_path = stderr_path
        self.start_timeout_s = start_timeout_s
        assert proc.stdin is not None and proc.stdout is not None
        self.write_fd = proc.stdin.fileno()
        self.read_fd = proc.stdout.fileno()
        self.sock: socket.socket | None = None
        self._exit: ExitInfo | None = None

    def connect(self, port: int) -> ServiceFailure | None:
        deadline = time.monotonic() + self.start_timeout_s
        last: OSError | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return ServiceFailure("exit", f"service exited with {self.proc.returncode} before listening "
                                      f"on port {port}", exit_code=self.proc.returncode,
                                      stderr_tail=self.stderr_tail())
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=0.2)
            except OSError as exc:
                last = exc
                time.sleep(0.02)
                continue
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = s
            self.write_fd = self.read_fd = s.fileno()
            return None
        return ServiceFailure("start", f"service did not accept on 127.0.0.1:{port} within "
                              f"{self.start_timeout_s:g} s ({last})", stderr_tail=self.stderr_tail())

    def sched_wait_ns(self) -> int | None:
        """Nanoseconds the service has spent waiting on a run queue (runnable, but another task had the
        CPU). None where /proc/<pid>/schedstat is not available."""
        rw = self.sched_run_wait_ns()
        return None if rw is None else rw[1]

    def sched_run_wait_ns(self) -> tuple[int, int] | None:
        """(on-CPU ns, run-queue wait ns) of the service's main thread."""
        try:
            with open(f"/proc/{self.proc.pid}/schedstat", "rb") as f:
                parts = f.read().split()
            return int(parts[0]), int(parts[1])
        except (OSError, ValueError, IndexError):
            return None

    def cpu_s(self) -> float | None:
        """CPU seconds of the whole service process (every thread), user and system, so far."""
        try:
            with open(f"/proc/{self.proc.pid}/stat", "rb") as f:
                # the fields after the command name (which may hold spaces) start at state; utime, stime
                # are the 14th and 15th fields of the line
                rest = f.read().rsplit(b")", 1)[1].split()
            return (int(rest[11]) + int(rest[12])) * _TICK_S
        except (OSError, ValueError, IndexError):
            return None

    def peak_rss_kb(self) -> int:
        """The service's own RSS high-water mark (VmHWM), read while it is still alive. wait4's ru_maxrss
        is no good here: after fork it starts from the harness's RSS, which would swamp a small service."""
        try:
            with open(f"/proc/{self.proc.pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmHWM:"):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def stderr_tail(self, chars: int = 2000) -> str:
        try:
            data = self.stderr_path.read_bytes()
        except OSError:
            return ""
        return data[-chars:].decode("utf-8", "replace")

    def close_input(self) -> None:
        try:
            if self.sock is not None:
                self.sock.shutdown(socket.SHUT_WR)
            elif self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass

    def finish(self, grace_s: float) -> ExitInfo:
        """Close its input, give it ``grace_s`` to exit, then kill its process group. Always returns."""
        if self._exit is not None:
            return self._exit
        hwm = self.peak_rss_kb()
        self.close_input()
        deadline = time.monotonic() + grace_s
        killed = False
        status = rusage = None
        while True:
            try:
                pid, status, rusage = os.wait4(self.proc.pid, os.WNOHANG)
            except ChildProcessError:
                pid = -1
            if pid != 0:
                break
            if time.monotonic() >= deadline:
                killed = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    _, status, rusage = os.wait4(self.proc.pid, 0)
                break
            time.sleep(0.002)
        code: int | None = None
        if status is not None:
            code = os.waitstatus_to_exitcode(status)
            self.proc.returncode = code  # we reaped it ourselves: keep Popen from trying again
        for f in (self.proc.stdout, self.proc.stdin):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass
        if self.sock is not None:
            self.sock.close()
        self._exit = ExitInfo(
            exit_code=code,
            peak_rss_kb=hwm or (int(rusage.ru_maxrss) if rusage is not None else 0),
            cpu_s=(rusage.ru_utime + rusage.ru_stime) if rusage is not None else 0.0,
            killed=killed,
            stderr_tail=self.stderr_tail(),
        )
        return self._exit
