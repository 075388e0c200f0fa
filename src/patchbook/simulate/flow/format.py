"""patchbook's order-flow format: one JSON object per line, one order-entry message each.

Fields (see docs/simulation.md):

- ``t_ns``: intended send time, nanoseconds from the start of the flow (non-decreasing)
- ``op``: ``new`` | ``cancel`` | ``replace`` | ``market``
- ``order_id``: the client order id (the order a cancel/replace refers to)
- ``instrument``: ``{"symbol", "kind": "spot"|"option"}``; options add ``underlying``, ``strike``,
  ``expiry`` (YYYY-MM-DD) and ``type`` (``call``|``put``)
- ``side``: ``buy`` | ``sell`` (new, market); ``price`` (new, replace); ``quantity`` (new, market, replace)
- ``tif``: ``GTC`` | ``IOC`` | ``FOK`` (new); ``participant`` (new, market)

The harness adds ``seq`` when it sends a record; the record is otherwise passed to the service unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from patchbook.errors import InputError

FLOW_OPS = ("new", "cancel", "replace", "market")
SIDES = ("buy", "sell")
TIFS = ("GTC", "IOC", "FOK")
_REQUIRED = {
    "new": ("order_id", "instrument", "side", "price", "quantity"),
    "market": ("order_id", "instrument", "side", "quantity"),
    "cancel": ("order_id",),
    "replace": ("order_id",),
}


def _num(rec: dict[str, Any], key: str, positive: bool = True) -> None:
    v = rec[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or (positive and v <= 0):
        raise ValueError(f"{key} must be a positive number, got {v!r}")


def validate_record(rec: Any) -> dict[str, Any]:
    """Check one flow record; raises ValueError with what was expected."""
    if not isinstance(rec, dict):
        raise ValueError("expected a JSON object")
    op = rec.get("op")
    if op not in FLOW_OPS:
        raise ValueError(f"op must be one of {', '.join(FLOW_OPS)}, got {op!r}")
    missing = [k for k in _REQUIRED[op] if k not in rec]
    if missing:
        raise ValueError(f"{op} needs {', '.join(missing)}")
    t = rec.get("t_ns", 0)
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise ValueError(f"t_ns must be a non-negative integer, got {t!r}")
    if "side" in rec and rec["side"] not in SIDES:
        raise ValueError(f"side must be buy or sell, got {rec['side']!r}")
    if "tif" in rec and rec["tif"] not in TIFS:
        raise ValueError(f"tif must be one of {', '.join(TIFS)}, got {rec['tif']!r}")
    for key in ("price", "quantity"):
        if key in rec:
            _num(rec, key)
    if op == "replace" and "price" not in rec and "quantity" not in rec:
        raise ValueError("replace needs price or quantity")
    inst = rec.get("instrument")
    if inst is not None:
        if not isinstance(inst, dict) or not isinstance(inst.get("symbol"), str):
            raise ValueError("instrument must be an object with a symbol")
        if inst.get("kind", "spot") == "option":
            for k in ("underlying", "strike", "expiry", "type"):
                if k not in inst:
                    raise ValueError(f"option instrument needs {k}")
            if inst["type"] not in ("call", "put"):
                raise ValueError(f"option type must be call or put, got {inst['type']!r}")
    return rec


def read_flow(lines: Iterable[bytes], source: str) -> Iterator[dict[str, Any]]:
    """Parse and validate flow lines; a bad line raises InputError naming it. Blank lines are skipped."""
    last_t = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = validate_record(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            raise InputError(source, f"not JSON ({exc})", f"line {n}") from None
        except ValueError as exc:
            raise InputError(source, str(exc), f"line {n}") from None
        t = rec.get("t_ns", 0)
        if t < last_t:
            raise InputError(source, f"t_ns goes backwards ({t} < {last_t})", f"line {n}")
        last_t = t
        yield rec


def load_flow(path: Path) -> tuple[list[dict[str, Any]], str]:
    """All records of a flow file and the file's SHA-256 (kept as evidence of what was replayed)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read flow file ({exc.strerror})") from None
    records = list(read_flow(data.splitlines(), str(path)))
    if not records:
        raise InputError(str(path), "flow file has no orders")
    return records, hashlib.sha256(data).hexdigest()


def write_flow(records: Iterable[dict[str, Any]], out: IO[bytes]) -> int:
    n = 0
    for rec in records:
        out.write(orjson.dumps(rec) + b"\n")
        n += 1
    return n
