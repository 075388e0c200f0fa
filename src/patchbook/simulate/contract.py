"""The service contract, harness side: framing of requests and checking of responses.

A service under test reads JSON lines, each with an integer ``seq``, and writes exactly one JSON line per
request carrying the same ``seq``; everything else in the response is the service's own business. Over
stdio the lines go to stdin and come from stdout; over TCP the same lines go both ways on one connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

EVIDENCE_LINES = 5
EVIDENCE_CHARS = 300


def encode_requests(records: Sequence[dict[str, Any]]) -> list[bytes]:
    """Each record with its ``seq`` (1-based), serialised once, newline-terminated."""
    out = []
    for i, rec in enumerate(records, 1):
        msg = {"seq": i}
        msg.update({k: v for k, v in rec.items() if k != "t_ns"})
        out.append(orjson.dumps(msg) + b"\n")
    return out


@dataclass(slots=True)
class ParsedResponses:
    """Responses by seq, and what broke the contract."""

    by_seq: dict[int, dict[str, Any]]
    line_of: dict[int, int]  # seq -> index of the line that answered it (for its receive time)
    garbage: list[str] = field(default_factory=list)
    wrong_seq: list[str] = field(default_factory=list)
    duplicate: list[str] = field(default_factory=list)
    garbage_count: int = 0
    wrong_seq_count: int = 0


def _clip(line: bytes) -> str:
    text = line.decode("utf-8", "replace")
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


def parse_responses(lines: Sequence[bytes], expected: int) -> ParsedResponses:
    """Match response lines to requests 1..expected by their ``seq``."""
    loads = orjson.loads
    parsed = ParsedResponses(by_seq={}, line_of={})
    for idx, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except orjson.JSONDecodeError:
            obj = None
        if not isinstance(obj, dict):
            parsed.garbage_count += 1
            if len(parsed.garbage) < EVIDENCE_LINES:
                parsed.garbage.append(_clip(line))
            continue
        seq = obj.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= expected:
            parsed.wrong_seq_count += 1
            if len(parsed.wrong_seq) < EVIDENCE_LINES:
                parsed.wrong_seq.append(_clip(line))
            continue
        if seq in parsed.by_seq:
            parsed.wrong_seq_count += 1
            if len(parsed.duplicate) < EVIDENCE_LINES:
                parsed.duplicate.append(_clip(line))
            continue
        parsed.by_seq[seq] = obj
        parsed.line_of[seq] = idx
    return parsed
