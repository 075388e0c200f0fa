"""Synthetic order flow, deterministic for a seed.

Poisson arrivals at the profile's mean rate; limit prices scattered around a mid that random-walks per
instrument; a share of orders priced through the touch so that trades happen; cancels and replaces aimed
at orders the generator believes are resting. Profiles:

- ``mixed``: two spot pairs and a strip of BTC options, GTC/IOC/FOK limits, market orders, cancels.
- ``exchange-core``: exchange-core's benchmark mix on one book: 9 % GTC, 3 % IOC, 6 % cancel, 82 % move.
- ``options``: options only, prices off the tick grid so tick-size handling is exercised.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from patchbook.errors import InputError


@dataclass(frozen=True, slots=True)
class FlowProfile:
    name: str
    rate: float  # mean arrivals per second
    gtc: float
    ioc: float
    fok: float
    market: float
    cancel: float
    replace: float  # "move": change price of a resting order
    spot: tuple[str, ...]
    options: bool
    participants: int
    aggressive: float  # share of limit orders priced through the opposite side


PROFILES: dict[str, FlowProfile] = {
    "mixed": FlowProfile("mixed", 10_000, 0.50, 0.06, 0.02, 0.04, 0.28, 0.10, ("BTC-USD", "ETH-USD"),
                         True, 200, 0.12),
    "exchange-core": FlowProfile("exchange-core", 10_000, 0.09, 0.03, 0.0, 0.0, 0.06, 0.82, ("BTC-USD",),
                                 False, 1000, 0.10),
    "options": FlowProfile("options", 10_000, 0.55, 0.08, 0.02, 0.03, 0.24, 0.08, (), True, 200, 0.15),
}

_SPOT_MID = {"BTC-USD": 62_000.0, "ETH-USD": 3_100.0}
_EXPIRIES = ("2025-03-28", "2025-06-27")
_STRIKES = (55_000, 60_000, 65_000, 70_000)


def _options() -> list[dict[str, Any]]:
    out = []
    for expiry in _EXPIRIES:
        for strike in _STRIKES:
            for typ in ("call", "put"):
                d = expiry.replace("-", "")[2:]
                out.append({
                    "symbol": f"BTC-{d}-{strike}-{typ[0].upper()}", "kind": "option", "underlying": "BTC",
                    "strike": strike, "expiry": expiry, "type": typ,
                })
    return out


def generate(
    orders: int, seed: int, profile: str = "mixed", rate: float | None = None
) -> Iterator[dict[str, Any]]:
    """Yield ``orders`` flow records."""
    prof = PROFILES.get(profile)
    if prof is None:
        raise InputError("--profile", f"unknown flow profile {profile!r}; one of {', '.join(PROFILES)}")
    if orders < 0:
        raise InputError("--orders", "must not be negative")
    rng = random.Random(seed)
    mean_rate = rate or prof.rate
    instruments: list[dict[str, Any]] = [{"symbol": s, "kind": "spot"} for s in prof.spot]
    if prof.options:
        instruments += _options()
    mids: dict[str, float] = {}
    for inst in instruments:
        if inst["kind"] == "spot":
            mids[inst["symbol"]] = _SPOT_MID.get(inst["symbol"], 100.0)
        else:  # premiums between ~1 and ~25 USD-equivalent: both sides of the 5.00 tick boundary
            mids[inst["symbol"]] = rng.uniform(1.5, 22.0)
    resting: list[tuple[str, dict[str, Any], str]] = []  # (order id, instrument, side)
    thresholds = []
    acc = 0.0
    for kind, w in (("gtc", prof.gtc), ("ioc", prof.ioc), ("fok", prof.fok), ("market", prof.market),
                    ("cancel", prof.cancel), ("replace", prof.replace)):
        acc += w
        thresholds.append((acc, kind))
    t = 0.0
    next_id = 1

    def price_for(inst: dict[str, Any], side: str) -> float:
        sym = inst["symbol"]
        mid = mids[sym]
        spot = inst["kind"] == "spot"
        # the mid moves a little with every order: a random walk, kept positive
        mid = max(mid * (1 + rng.gauss(0, 0.0004 if spot else 0.002)), 0.2)
        mids[sym] = mid
        half_spread = mid * (0.0005 if spot else 0.02)
        if rng.random() < prof.aggressive:
            off = -rng.uniform(0, 3) * half_spread  # through the touch: trades
        else:
            off = half_spread + rng.expovariate(1.0) * half_spread * 4
        p = mid - off if side == "buy" else mid + off
        return round(max(p, 0.01), 2 if spot else 4)

    for _ in range(orders):
        t += rng.expovariate(mean_rate)
        r = rng.random() * acc
        kind = next(k for limit, k in thresholds if r < limit)
        if kind in ("cancel", "replace") and not resting:
            kind = "gtc"
        rec: dict[str, Any] = {"t_ns": int(t * 1e9)}
        if kind in ("cancel", "replace"):
            i = rng.randrange(len(resting))
            oid, inst, side = resting[i]
            if kind == "cancel":
                resting[i] = resting[-1]
                resting.pop()
                rec.update(op="cancel", order_id=oid, instrument=inst)
            else:
                rec.update(op="replace", order_id=oid, instrument=inst, price=price_for(inst, side),
                           quantity=rng.randint(1, 20))
        else:
            inst = rng.choice(instruments)
            side = "buy" if rng.random() < 0.5 else "sell"
            oid = f"c{seed}-{next_id}"
            next_id += 1
            qty = rng.randint(1, 20) if inst["kind"] == "option" else rng.randint(1, 50)
            participant = f"acct{rng.randrange(prof.participants):04d}"
            if kind == "market":
                rec.update(op="market", order_id=oid, instrument=inst, side=side, quantity=qty,
                           participant=participant)
            else:
                tif = kind.upper()
                rec.update(op="new", order_id=oid, instrument=inst, side=side, price=price_for(inst, side),
                           quantity=qty, tif=tif, participant=participant)
                if tif == "GTC":
                    resting.append((oid, inst, side))
        yield rec
