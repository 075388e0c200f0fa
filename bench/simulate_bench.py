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
from pathlib import Path

from rich.table import Table

from patchbook.simulate.contract import encode_requests
from patchbook.simulate.flow.generator import generate
from patchbook.simulate.measure import measure
from patchbook.simulate.replay import replay
from patchbook.simulate.sandbox import Sandbox, SandboxSpec, Service

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


def _run(workdir: Path, cmd: str, payloads: list[bytes], rate: float | None, transport: str = "stdio",
         name: str = "bench") -> tuple[float, float, float, float]:
    """(requests/s, p50 µs, p99 µs, harness CPU s) for one replay."""
    sb = Sandbox(SandboxSpec(name, cmd, transport=transport, isolate_network=False), workdir)
    svc = sb.start("r1")
    assert isinstance(svc, Service), svc
    schedule = None if rate is None else [int(k * 1e9 / rate) for k in range(len(payloads))]
    cpu0 = time.process_time()
    raw = replay(svc.write_fd, svc.read_fd, payloads, schedule, response_timeout_s=10)
    cpu = time.process_time() - cpu0
    m, _ = measure(name, 1, raw, svc.finish(2.0), 0.1, 10, "status", ("rejected",), "status", ("error",))
    assert m.failure is None, m.failure
    return m.throughput, m.p50_us, m.p99_us, cpu


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
    afap_rps, _, _, afap_cpu = _run(workdir, null_cmd, payloads, None, name="afap")
    rate = 20_000.0
    fixed = payloads[:100_000]
    _, p50, p99, _ = _run(workdir, null_cmd, fixed, rate, name="fixed")
    tcp_rps, _, _, _ = _run(workdir, f"{null_cmd} {{port}}", payloads, None, transport="tcp", name="tcp")
    _, tp50, tp99, _ = _run(workdir, f"{null_cmd} {{port}}", fixed, rate, transport="tcp", name="tcpfixed")

    engine = f"{py} {shlex.quote(str(ENGINE))} --build 1.4.2"
    mixed = encode_requests(list(generate(50_000, 2)))
    eng_rps, _, _, _ = _run(workdir, engine, mixed, None, name="engine")
    ec = encode_requests(list(generate(50_000, 3, "exchange-core")))
    ec_rps, _, _, _ = _run(workdir, engine, ec, None, name="engine-ec")

    t = Table(title="simulate: harness overhead (null service) and reference engine")
    for col in ("measurement", "patchbook", "baseline / target", "ratio", "note"):
        t.add_column(col)
    t.add_row("stdio, as fast as possible", f"{afap_rps:,.0f} req/s", f"target {TARGET_RPS:,} req/s",
              f"{afap_rps / TARGET_RPS:.2f}x", f"harness CPU {afap_cpu / len(payloads) * 1e6:.1f} µs/req")
    t.add_row(f"stdio added p50 @ {rate:,.0f} req/s", f"{p50:.1f} µs", f"bare pipe p50 {floor_p50:.1f} µs",
              f"{p50 / floor_p50:.2f}x", "open loop, from intended send time")
    t.add_row(f"stdio added p99 @ {rate:,.0f} req/s", f"{p99:.1f} µs", f"target < {TARGET_P99_US:.0f} µs "
              f"(bare pipe p99 {floor_p99:.1f} µs)", f"{p99 / TARGET_P99_US:.2f}x of target",
              "includes the null service's own wake-up")
    t.add_row("tcp, as fast as possible", f"{tcp_rps:,.0f} req/s", f"stdio {afap_rps:,.0f} req/s",
              f"{tcp_rps / afap_rps:.2f}x", "loopback, TCP_NODELAY")
    t.add_row(f"tcp p50 / p99 @ {rate:,.0f} req/s", f"{tp50:.1f} / {tp99:.1f} µs",
              f"stdio {p50:.1f} / {p99:.1f} µs", f"{tp99 / p99:.2f}x (p99)", "")
    t.add_row("venue 1.4.2, mixed spot+options flow", f"{eng_rps:,.0f} req/s",
              f"null service {afap_rps:,.0f}", f"{eng_rps / afap_rps:.2f}x",
              "pure-Python engine, 50,000 orders")
    t.add_row("venue 1.4.2, exchange-core mix", f"{ec_rps:,.0f} req/s", f"null service {afap_rps:,.0f}",
              f"{ec_rps / afap_rps:.2f}x", "9% GTC, 3% IOC, 6% cancel, 82% move")
    return t
