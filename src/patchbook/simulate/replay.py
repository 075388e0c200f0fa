"""Open-loop replay: send each request at its planned time, whatever the service is doing.

One thread, one ``selectors`` loop over two non-blocking fds. Due requests are appended to an outgoing
buffer and written in as few syscalls as the pipe allows; responses are read in large chunks and only
split into lines (parsing waits until the round is over). A request's latency runs from its *intended*
send time, so a service that stalls is charged for every request queued behind the stall (no coordinated
omission). Every wait has a deadline: no output for ``response_timeout_s`` while requests are
outstanding is a hang, and the whole round has a wall-clock limit.
"""

from __future__ import annotations

import os
import selectors
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

MAX_LINE = 16 * 1024 * 1024  # a "line" longer than this is garbage, not a response
WRITE_CHUNK = 1 << 17
AFAP_WINDOW = 1024  # as-fast-as-possible: requests in flight at most (keeps latency meaningful)


@dataclass(slots=True)
class RawRound:
    intended_ns: list[int]  # absolute perf_counter_ns per request (0 = never sent)
    lines: list[bytes]
    recv_ns: list[int]  # receive time of each line
    sent: int
    started_ns: int
    ended_ns: int
    stop: str  # complete | eof | hang | timeout | broken-pipe | garbage
    detail: str = ""
    # (responses so far, perf_counter_ns, sampler values) taken when the response count crosses each of
    # the caller's sample points: CPU and run-queue readings per measurement window
    samples: list[tuple[int, int, tuple[int, ...]]] = field(default_factory=list)


def replay(
    write_fd: int,
    read_fd: int,
    payloads: Sequence[bytes],
    schedule_ns: Sequence[int] | None,
    response_timeout_s: float = 5.0,
    wall_timeout_s: float = 300.0,
    lead_ns: int = 2_000_000,
    ready_timeout_s: float = 10.0,
    sampler: Callable[[], tuple[int, ...]] | None = None,
    sample_at: Sequence[int] = (),
) -> RawRound:
    """Replay ``payloads``; ``schedule_ns`` are offsets from the start, ``None`` = as fast as possible.

    The first request doubles as the readiness probe: it is sent alone and the open-loop clock starts
    once it is answered, so interpreter start-up is not charged to the first requests as queueing.
    """
    n = len(payloads)
    perf = time.perf_counter_ns
    _tight_timers()
    os.set_blocking(write_fd, False)
    if read_fd != write_fd:
        os.set_blocking(read_fd, False)
    # select(2) takes a microsecond timeout; epoll/poll round up to whole milliseconds, which would
    # make every send up to 1 ms late (and charge it to the service as latency). Two fds: select is fine.
    sel = selectors.SelectSelector()
    # one registration per fd; for a socket both directions share it
    sel.register(read_fd, selectors.EVENT_READ)
    write_registered = False
    intended = [0] * n
    lines: list[bytes] = []
    recv: list[int] = []
    out = bytearray()
    tail = b""
    i = 0
    stop, detail = "complete", ""
    probe_start = perf()
    if n:
        stop, detail, tail = _probe(write_fd, read_fd, sel, payloads[0], lines, recv, ready_timeout_s)
        intended[0] = probe_start
        i = 1
    start = perf() + lead_ns - (schedule_ns[1] if schedule_ns is not None and n > 1 else 0)
    deadline = start + int(wall_timeout_s * 1e9)
    idle_limit = int(response_timeout_s * 1e9)
    last_progress = start
    afap = schedule_ns is None
    samples: list[tuple[int, int, tuple[int, ...]]] = []
    points = list(sample_at) if sampler is not None else []
    next_point = 0
    while len(lines) < n and stop == "complete":
        now = perf()
        # 1. everything now due goes into the outgoing buffer
        if i < n:
            if afap:
                limit = min(n, len(lines) + AFAP_WINDOW)
                if i < limit and now >= start:
                    j = limit
                    out += b"".join(payloads[i:j])
                    for k in range(i, j):
                        intended[k] = now
                    i = j
            else:
                assert schedule_ns is not None
                j = i
                while j < n and start + schedule_ns[j] <= now:
                    intended[j] = start + schedule_ns[j]
                    j += 1
                if j > i:
                    out += b"".join(payloads[i:j])
                    i = j
        # 2. push as much as the pipe takes
        if out:
            try:
                written = os.write(write_fd, out[:WRITE_CHUNK])
                del out[:written]
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                stop, detail = "broken-pipe", "the service closed its input"
                break
        if out and not write_registered:
            if write_fd == read_fd:
                sel.modify(read_fd, selectors.EVENT_READ | selectors.EVENT_WRITE)
            else:
                sel.register(write_fd, selectors.EVENT_WRITE)
            write_registered = True
        elif not out and write_registered:
            if write_fd == read_fd:
                sel.modify(read_fd, selectors.EVENT_READ)
            else:
                sel.unregister(write_fd)
            write_registered = False
        # 3. wait for output, a writable pipe or the next planned send, whichever comes first
        now = perf()
        if now > deadline:
            stop, detail = "timeout", f"round exceeded its {wall_timeout_s:g} s wall-clock limit"
            break
        got = len(lines)
        if i > got:  # requests outstanding: the oldest one (or the last output) sets the hang clock
            idle_from = max(last_progress, intended[got])
            if now - idle_from > idle_limit:
                stop = "hang"
                detail = f"no answer for {response_timeout_s:g} s with {i - got} requests outstanding"
                break
            wait_ns = idle_from + idle_limit - now
        else:
            wait_ns = idle_limit
        if i < n and not afap:
            assert schedule_ns is not None
            wait_ns = min(wait_ns, start + schedule_ns[i] - now)
        elif i < n and afap and now < start:
            wait_ns = min(wait_ns, start - now)
        timeout = max(min(wait_ns, deadline - now), 0) / 1e9
        events = sel.select(timeout)
        for key, mask in events:
            if not mask & selectors.EVENT_READ or key.fd != read_fd:
                continue
            try:
                chunk = os.read(read_fd, 1 << 18)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                stop, detail = "eof", "the service closed its output"
                break
            t = perf()
            last_progress = t
            parts = (tail + chunk).split(b"\n") if tail else chunk.split(b"\n")
            tail = parts.pop()
            if parts:
                lines.extend(parts)
                recv.extend([t] * len(parts))
                while next_point < len(points) and len(lines) >= points[next_point]:
                    assert sampler is not None
                    samples.append((len(lines), t, sampler()))
                    next_point += 1
            if len(tail) > MAX_LINE:
                stop, detail = "garbage", f"an output line longer than {MAX_LINE} bytes"
                break
        if stop != "complete":
            break
    ended = perf()
    sel.close()
    start = probe_start
    if tail:
        lines.append(tail)
        recv.append(ended)
    return RawRound(intended, lines, recv, i, start, ended, stop, detail, samples)


def _tight_timers() -> None:
    """Ask Linux for 1 µs timer slack (default 50 µs): sends wake up when planned, not up to 50 µs late."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(29, 1000, 0, 0, 0)  # PR_SET_TIMERSLACK, in nanoseconds
    except (OSError, AttributeError):
        pass


def _probe(write_fd: int, read_fd: int, sel: selectors.BaseSelector, payload: bytes, lines: list[bytes],
           recv: list[int], timeout_s: float) -> tuple[str, str, bytes]:
    """Send one request and wait (bounded) for the first complete output line."""
    perf = time.perf_counter_ns
    deadline = perf() + int(timeout_s * 1e9)
    view = memoryview(payload)
    tail = b""
    while perf() < deadline:
        if view:
            try:
                view = view[os.write(write_fd, view):]
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                return "broken-pipe", "the service closed its input before answering", tail
        for _key, mask in sel.select(min(0.05, max(0.0, (deadline - perf()) / 1e9))):
            if not mask & selectors.EVENT_READ:
                continue
            try:
                chunk = os.read(read_fd, 1 << 16)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return "eof", "the service closed its output before answering", tail
            t = perf()
            parts = (tail + chunk).split(b"\n")
            tail = parts.pop()
            lines.extend(parts)
            recv.extend([t] * len(parts))
            if parts:
                return "complete", "", tail
            if len(tail) > MAX_LINE:
                return "garbage", f"an output line longer than {MAX_LINE} bytes", tail
    return "hang", f"no answer to the first request within {timeout_s:g} s (not ready)", tail
