"""Import a LOBSTER message file (lobsterdata.com) as patchbook order flow.

Columns: time (seconds after midnight), type, order id, size, price x 10,000, direction (1 buy, -1 sell).
Real files may carry a 7th column (the market participant id, ``null`` when anonymous); it becomes the
participant. Event types and what they become:

1 submission          -> ``new`` GTC limit order
2 partial cancel      -> ``replace`` with the reduced size (same price: keeps priority)
3 deletion            -> ``cancel``
4 visible execution   -> ``market`` order on the opposite side for the executed size (the aggressor
                         that caused the trade; the resting order's side is the file's direction)
5 hidden execution,   -> skipped: they do not touch the visible book the flow rebuilds
6 cross trade,
7 trading halt
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patchbook.errors import InputError


@dataclass(slots=True)
class LobsterStats:
    lines: int = 0
    written: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def _symbol(path: Path) -> str:
    m = re.match(r"([A-Za-z0-9.]+)_\d{4}-\d{2}-\d{2}_", path.name)
    return m.group(1) if m else "LOBSTER"


def import_lobster(path: Path, stats: LobsterStats | None = None) -> Iterator[dict[str, Any]]:
    """Yield flow records; a malformed line raises InputError naming it."""
    stats = stats if stats is not None else LobsterStats()
    inst = {"symbol": _symbol(path), "kind": "spot"}
    sizes: dict[str, int] = {}  # remaining visible size of orders submitted inside the file
    t0: float | None = None
    seen_exec = 0
    try:
        fh = path.open("r", encoding="ascii", errors="replace")
    except OSError as exc:
        raise InputError(str(path), f"cannot read LOBSTER file ({exc.strerror})") from None
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            stats.lines += 1
            cols = line.rstrip("\r\n").split(",")
            if len(cols) not in (6, 7):
                raise InputError(str(path), f"expected 6 or 7 comma-separated columns, got {len(cols)}",
                                 f"line {n}")
            try:
                t = float(cols[0])
                etype = int(cols[1])
                oid = cols[2].strip()
                size = int(cols[3])
                price = int(cols[4])
                direction = int(cols[5])
            except ValueError:
                raise InputError(str(path), "expected time,type,order id,size,price,direction as numbers",
                                 f"line {n}") from None
            if etype not in (1, 2, 3, 4, 5, 6, 7) or direction not in (1, -1):
                raise InputError(str(path), f"type must be 1-7 and direction 1 or -1 (got {etype}, "
                                 f"{direction})", f"line {n}")
            mpid = cols[6].strip() if len(cols) == 7 else ""
            if t0 is None:
                t0 = t
            rec: dict[str, Any] = {"t_ns": max(0, round((t - t0) * 1e9))}
            side = "buy" if direction == 1 else "sell"
            key = f"L{oid}"
            if etype == 1:
                rec.update(op="new", order_id=key, instrument=inst, side=side, price=price / 10_000,
                           quantity=size, tif="GTC",
                           participant=mpid if mpid and mpid != "null" else "anon")
                sizes[key] = size
            elif etype == 2:
                left = sizes.get(key)
                if left is None:  # order from before the file starts: its size is unknown
                    stats.skipped["partial cancel of unknown order"] = (
                        stats.skipped.get("partial cancel of unknown order", 0) + 1)
                    continue
                left = max(left - size, 0)
                sizes[key] = left
                if left == 0:
                    rec.update(op="cancel", order_id=key, instrument=inst)
                else:
                    rec.update(op="replace", order_id=key, instrument=inst, quantity=left)
            elif etype == 3:
                sizes.pop(key, None)
                rec.update(op="cancel", order_id=key, instrument=inst)
            elif etype == 4:
                seen_exec += 1
                if key in sizes:
                    sizes[key] = max(sizes[key] - size, 0)
                rec.update(op="market", order_id=f"X{seen_exec}", instrument=inst,
                           side="sell" if side == "buy" else "buy", quantity=size, participant="aggressor")
            else:
                label = {5: "hidden execution", 6: "cross trade", 7: "trading halt"}[etype]
                stats.skipped[label] = stats.skipped.get(label, 0) + 1
                continue
            stats.written += 1
            yield rec
