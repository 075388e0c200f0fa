"""Simulation harness overhead and the reference engine's own speed.

Measured in one run, on this machine:

1. the floor: a bare closed-loop pipe round trip (write one line, read one line) with no harness at all;
2. the harness against a null service (answers each request at once with its seq) over stdio and TCP,
   as fast as possible (requests/s) and at a fixed open-loop rate (latency the harness adds, p50/p99);
3. the reference venue (examples/venue, build 1.4.2) replayed as fast as possible: its throughput on the
   mixed spot/options flow and on the exchange-core mix.

Targets from issue 7: >= 50,000 requests/s through stdio on one core, added p99 < 200 µs.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from patchbook.simulate.contract import encode_requests
from patchbook.simulate.flow.generator import generate
from patchbook.simulate.measure import measure, window_points
from patchbook.simulate.replay import replay
from patchbook.simulate.sandbox import Sandbox, SandboxSpec, Service, harness_sched_wait_ns

REPO = Path(__file__).resolve().parent.parent
ENGINE = REPO / "examples" / "venue" / "engine.py"
TARGET_RPS = 50_000
TARGET_P99_US = 200.0

# Answers {"seq":N,...} with {"seq":N} by slicing bytes: the service must not be what is measured.
NULL_SERVICE = r'''
import os, socket, sys
def serve(rfd, write):
    tail = b""
    while True:
        chunk = os.read(rfd, 1 << 18)
        if not chunk:
            return
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        if lines:
            write(b"".join(l[: l.index(b",")] + b"}\n" for l in lines if l))
if len(sys.argv) > 1:
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1]))); srv.listen(1)
    conn, _ = srv.accept(); conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    serve(conn.fileno(), conn.sendall)
else:
    out = sys.stdout.fileno()
    def write(data):
        view = memoryview(data)
        while view:
            view = view[os.write(out, view):]
    serve(0, write)
'''


@dataclass
class Result:
    rps: float
    p50: float
    p99: float
    harness_cpu_s: float
    wait_share: float  # run-queue wait of service or harness over the run (host contention)
    quiet_p99: float  # median p99 of the windows with < 5 % run-queue wait (nan if none)
    quiet_windows: int
    windows: int


def _run(workdir: Path, cmd: str, payloads: list[bytes], rate: float | None, transport: str = "stdio",
         name: str = "bench") -> Result:
    sb = Sandbox(SandboxSpec(name, cmd, transport=transport, isolate_network=False), workdir)
    svc = sb.start("r1")
    assert isinstance(svc, Service), svc
    schedule = None if rate is None else [int(k * 1e9 / rate) for k in range(len(payloads))]

    def sampler() -> tuple[int, ...]:
        rw = svc.sched_run_wait_ns() or (-1, -1)
        me = harness_sched_wait_ns()
        return (*rw, -1 if me is None else me)

    windows = 20
    w0 = (svc.sched_wait_ns() or 0, harness_sched_wait_ns() or 0, time.perf_counter_ns())
    cpu0 = time.process_time()
    raw = replay(svc.write_fd, svc.read_fd, payloads, schedule, response_timeout_s=10, sampler=sampler,
                 sample_at=window_points(len(payloads), 0.1, windows))
    cpu = time.process_time() - cpu0
    w1 = (svc.sched_wait_ns() or 0, harness_sched_wait_ns() or 0, time.perf_counter_ns())
    m, _ = measure(name, 1, raw, svc.finish(2.0), 0.1, windows, "status", ("rejected",), "status", ("error",))
    assert m.failure is None, m.failure
    quiet = sorted(w["latency_p99"] for w in m.windows if w.get("wait_share", 1.0) < 0.05)
    share = max(w1[0] - w0[0], w1[1] - w0[1]) / max(w1[2] - w0[2], 1)
    return Result(m.throughput, m.p50_us, m.p99_us, cpu, share,
                  quiet[len(quiet) // 2] if quiet else float("nan"), len(quiet), len(m.windows))


def _pipe_floor(n: int = 20_000) -> tuple[float, float]:
    """Closed-loop round trip through a pipe to a Python echo process: p50/p99 µs, no harness."""
    echo = "import os\nwhile True:\n d=os.read(0,65536)\n if not d: break\n os.write(1,d)"
    p = subprocess.Popen([sys.executable, "-c", echo], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         bufsize=0)
    assert p.stdin is not None and p.stdout is not None
    w, r = p.stdin.fileno(), p.stdout.fileno()
    res = []
    for _ in range(n):
        t = time.perf_counter_ns()
        os.write(w, b'{"seq":1}\n')
        os.read(r, 64)
        res.append(time.perf_counter_ns() - t)
        time.sleep(0.00005)
    p.stdin.close()
    p.wait(5)
    res.sort()
    return res[n // 2] / 1000, res[int(n * 0.99)] / 1000


def run(shared: Path, workdir: Path) -> Table:
    null = workdir / "null_service.py"
    null.write_text(NULL_SERVICE)
    py = shlex.quote(sys.executable)
    null_cmd = f"{py} {shlex.quote(str(null))}"
    flow = list(generate(200_000, 1))
    payloads = encode_requests(flow)

    floor_p50, floor_p99 = _pipe_floor()
    afap = _run(workdir, null_cmd, payloads, None, name="afap")
    rate = 20_000.0
    fixed_payloads = payloads[:100_000]
    fixed = _run(workdir, null_cmd, fixed_payloads, rate, name="fixed")
    tcp = _run(workdir, f"{null_cmd} {{port}}", payloads, None, transport="tcp", name="tcp")
    tcp_fixed = _run(workdir, f"{null_cmd} {{port}}", fixed_payloads, rate, transport="tcp", name="tcpfixed")

    engine = f"{py} {shlex.quote(str(ENGINE))} --build 1.4.2"
    eng = _run(workdir, engine, encode_requests(list(generate(50_000, 2))), None, name="engine")
    ec = _run(workdir, engine, encode_requests(list(generate(50_000, 3, "exchange-core"))), None,
              name="engine-ec")

    t = Table(title="simulate: harness overhead (null service) and reference engine")
    for col in ("measurement", "patchbook", "baseline / target", "ratio", "host noise"):
        t.add_column(col)

    def noise(r: Result) -> str:
        return f"run-queue wait {100 * r.wait_share:.0f}%"

    t.add_row("stdio, as fast as possible", f"{afap.rps:,.0f} req/s", f"target {TARGET_RPS:,} req/s",
              f"{afap.rps / TARGET_RPS:.2f}x",
              f"{noise(afap)}; harness CPU {afap.harness_cpu_s / len(payloads) * 1e6:.2f} µs/req")
    t.add_row(f"stdio added p50 @ {rate:,.0f} req/s", f"{fixed.p50:.1f} µs",
              f"bare pipe round trip p50 {floor_p50:.1f} µs", f"{fixed.p50 / floor_p50:.2f}x", noise(fixed))
    t.add_row(f"stdio added p99 @ {rate:,.0f} req/s", f"{fixed.p99:.1f} µs",
              f"target < {TARGET_P99_US:.0f} µs (bare pipe p99 {floor_p99:.1f} µs)",
              f"{fixed.p99 / TARGET_P99_US:.2f}x of target", noise(fixed))
    quiet = fixed.quiet_windows > 0
    t.add_row("  same, quiet windows only", f"{fixed.quiet_p99:.1f} µs" if quiet else "n/a (host busy)",
              f"target < {TARGET_P99_US:.0f} µs",
              f"{fixed.quiet_p99 / TARGET_P99_US:.2f}x of target" if quiet else "-",
              f"median window p99 of {fixed.quiet_windows}/{fixed.windows} windows with < 5% wait")
    t.add_row("tcp, as fast as possible", f"{tcp.rps:,.0f} req/s", f"stdio {afap.rps:,.0f} req/s",
              f"{tcp.rps / afap.rps:.2f}x", noise(tcp))
    t.add_row(f"tcp p50 / p99 @ {rate:,.0f} req/s", f"{tcp_fixed.p50:.1f} / {tcp_fixed.p99:.1f} µs",
              f"stdio {fixed.p50:.1f} / {fixed.p99:.1f} µs", f"{tcp_fixed.p99 / fixed.p99:.2f}x (p99)",
              noise(tcp_fixed))
    t.add_row("venue 1.4.2, mixed spot+options flow", f"{eng.rps:,.0f} req/s",
              f"null service {afap.rps:,.0f}", f"{eng.rps / afap.rps:.2f}x",
              f"{noise(eng)}; pure-Python engine, 50,000 orders")
    t.add_row("venue 1.4.2, exchange-core mix", f"{ec.rps:,.0f} req/s", f"null service {afap.rps:,.0f}",
              f"{ec.rps / afap.rps:.2f}x", f"{noise(ec)}; 9% GTC, 3% IOC, 6% cancel, 82% move")
    return t
