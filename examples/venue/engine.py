"""Reference venue: a price-time-priority matching engine for spot and options, speaking patchbook's
simulation service contract (one JSON request per stdin line with a ``seq``, one JSON response per line).

Pure standard library. One module, several builds, selected with ``--build``:

==============  =================================================================================
``1.4.2``       what is deployed today
``1.4.3``       security patch: rejects oversized quantities and non-finite prices (CVE-style input
                hardening); ordinary order flow behaves exactly as in 1.4.2            -> promote
``1.4.3-tick``  1.4.3 plus a "tidy-up" of the options tick-size rounding: rounds limit prices to the
                *nearest* tick instead of passively (buy down / sell up); changes fills -> rollback
``1.4.3-slow``  1.4.3 plus a pre-trade risk check that recomputes the participant's open exposure by
                walking every resting order on each new order: same fills, slow hot path -> hold/rollback
==============  =================================================================================

Run: ``python examples/venue/engine.py --build 1.4.2`` (stdio) or ``... --listen PORT`` (TCP, same framing).
Prices are held as integers in units of 1e-4 so that matching never touches floating point.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import socket
import sys
import time
import uuid
from collections import deque
from decimal import Decimal
from typing import Any

BUILDS = ("1.4.2", "1.4.3", "1.4.3-tick", "1.4.3-slow")
SCALE = 10_000  # price units per 1.0
MAX_QTY = 1_000_000_000


class Order:
    __slots__ = ("id", "instrument", "participant", "price", "qty", "side")

    def __init__(self, oid: str, instrument: str, side: str, price: int, qty: int, participant: str) -> None:
        self.id = oid
        self.instrument = instrument
        self.side = side
        self.price = price
        self.qty = qty
        self.participant = participant


class Book:
    """One instrument: price levels (sorted price lists + FIFO queues), best first."""

    __slots__ = ("ask_prices", "asks", "bid_prices", "bids")

    def __init__(self) -> None:
        self.bids: dict[int, deque[Order]] = {}
        self.asks: dict[int, deque[Order]] = {}
        self.bid_prices: list[int] = []  # ascending; best bid is the last
        self.ask_prices: list[int] = []  # ascending; best ask is the first

    def add(self, o: Order) -> None:
        levels, prices = (self.bids, self.bid_prices) if o.side == "buy" else (self.asks, self.ask_prices)
        q = levels.get(o.price)
        if q is None:
            q = levels[o.price] = deque()
            bisect.insort(prices, o.price)
        q.append(o)

    def remove(self, o: Order) -> None:
        levels, prices = (self.bids, self.bid_prices) if o.side == "buy" else (self.asks, self.ask_prices)
        q = levels[o.price]
        q.remove(o)
        if not q:
            del levels[o.price]
            del prices[bisect.bisect_left(prices, o.price)]

    def bbo(self) -> list[float | None]:
        bid = self.bid_prices[-1] / SCALE if self.bid_prices else None
        ask = self.ask_prices[0] / SCALE if self.ask_prices else None
        return [bid, ask]


def option_tick(price: int) -> int:
    """Options tick table: 0.05 below 5.00, 0.10 from 5.00 up (spot instruments tick at 0.01)."""
    return 500 if price < 50_000 else 1_000


class Engine:
    def __init__(self, build: str) -> None:
        if build not in BUILDS:
            raise SystemExit(f"unknown build {build!r}; one of {', '.join(BUILDS)}")
        self.build = build
        self.hardened = build != "1.4.2"
        self.nearest_tick = build == "1.4.3-tick"
        self.slow_risk = build == "1.4.3-slow"
        self.books: dict[str, Book] = {}
        self.orders: dict[str, Order] = {}
        self.kinds: dict[str, str] = {}

    # -- price handling --------------------------------------------------------------------------------
    def to_price(self, symbol: str, side: str, raw: Any) -> int:
        value = float(raw)
        if self.hardened and not math.isfinite(value):
            raise ValueError("price is not a finite number")
        p = round(value * SCALE)
        tick = option_tick(p) if self.kinds.get(symbol) == "option" else 100
        if self.nearest_tick:
            return ((p + tick // 2) // tick) * tick
        # passive rounding: a buy never pays more, a sell never receives less than asked
        return (p // tick) * tick if side == "buy" else -((-p) // tick) * tick

    # -- requests ---------------------------------------------------------------------------------------
    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        op = req.get("op")
        try:
            if op == "new" or op == "market":
                out = self.new(req, market=op == "market")
            elif op == "cancel":
                out = self.cancel(req)
            elif op == "replace":
                out = self.replace(req)
            else:
                out = {"status": "rejected", "reason": f"unknown op {op!r}"}
        except (KeyError, TypeError, ValueError) as exc:
            out = {"status": "rejected", "reason": f"bad request: {exc}"}
        out["seq"] = req.get("seq")
        out["ts"] = time.time_ns()
        return out

    def _book(self, inst: dict[str, Any]) -> tuple[str, Book]:
        symbol = inst["symbol"]
        book = self.books.get(symbol)
        if book is None:
            book = self.books[symbol] = Book()
            self.kinds[symbol] = inst.get("kind", "spot")
        return symbol, book

    def new(self, req: dict[str, Any], market: bool) -> dict[str, Any]:
        symbol, book = self._book(req["instrument"])
        side = req["side"]
        qty = int(req["quantity"])
        oid = str(req["order_id"])
        if side not in ("buy", "sell") or qty <= 0:
            return {"status": "rejected", "order_id": oid, "reason": "bad side or quantity"}
        if self.hardened and qty > MAX_QTY:
            return {"status": "rejected", "order_id": oid, "reason": "quantity above limit"}
        if oid in self.orders:
            return {"status": "rejected", "order_id": oid, "reason": "duplicate order id"}
        participant = str(req.get("participant", ""))
        tif = "IOC" if market else req.get("tif", "GTC")
        price = 0 if market else self.to_price(symbol, side, req["price"])
        if not market and price <= 0:
            return {"status": "rejected", "order_id": oid, "reason": "price below one tick"}
        if self.slow_risk:
            self.exposure(participant)
        order = Order(oid, symbol, side, price, qty, participant)
        if tif == "FOK" and self.available(book, order, market) < qty:
            return {"status": "cancelled", "order_id": oid, "fills": [], "leaves": 0, "bbo": book.bbo()}
        fills = self.match(book, order, market)
        if order.qty > 0 and tif == "GTC":
            book.add(order)
            self.orders[oid] = order
            status = "partially_filled" if fills else "accepted"
        else:
            status = "filled" if order.qty == 0 else ("partially_filled" if fills else "cancelled")
        return {"status": status, "order_id": oid, "fills": fills, "leaves": order.qty, "bbo": book.bbo()}

    def exposure(self, participant: str) -> Decimal:
        """1.4.3-slow's pre-trade check: open notional of the participant, recomputed from scratch on
        every order, each resting order re-priced in Decimal before the participant filter is applied."""
        total = Decimal(0)
        for o in list(self.orders.values()):
            notional = Decimal(o.price) / SCALE * o.qty
            if o.participant == participant:
                total += notional
        return total

    def available(self, book: Book, order: Order, market: bool) -> int:
        if order.side == "buy":
            prices = [p for p in book.ask_prices if market or p <= order.price]
            levels = book.asks
        else:
            prices = [p for p in book.bid_prices if market or p >= order.price]
            levels = book.bids
        return sum(o.qty for p in prices for o in levels[p])

    def match(self, book: Book, order: Order, market: bool) -> list[dict[str, Any]]:
        fills: list[dict[str, Any]] = []
        buy = order.side == "buy"
        levels = book.asks if buy else book.bids
        prices = book.ask_prices if buy else book.bid_prices
        while order.qty > 0 and prices:
            best = prices[0] if buy else prices[-1]
            if not market and (best > order.price if buy else best < order.price):
                break
            queue = levels[best]
            while order.qty > 0 and queue:
                maker = queue[0]
                q = min(order.qty, maker.qty)
                maker.qty -= q
                order.qty -= q
                fills.append({
                    "trade_id": uuid.uuid4().hex,  # generated per trade: differs run to run (noise)
                    "price": best / SCALE,
                    "qty": q,
                    "side": order.side,
                    "maker": maker.participant,
                    "taker": order.participant,
                    "maker_order": maker.id,
                })
                if maker.qty == 0:
                    queue.popleft()
                    del self.orders[maker.id]
            if not queue:
                del levels[best]
                if buy:
                    del prices[0]
                else:
                    prices.pop()
        return fills

    def cancel(self, req: dict[str, Any]) -> dict[str, Any]:
        oid = str(req["order_id"])
        o = self.orders.pop(oid, None)
        if o is None:
            return {"status": "rejected", "order_id": oid, "reason": "unknown order"}
        self.books[o.instrument].remove(o)
        return {"status": "cancelled", "order_id": oid, "leaves": 0, "bbo": self.books[o.instrument].bbo()}

    def replace(self, req: dict[str, Any]) -> dict[str, Any]:
        oid = str(req["order_id"])
        o = self.orders.get(oid)
        if o is None:
            return {"status": "rejected", "order_id": oid, "reason": "unknown order"}
        book = self.books[o.instrument]
        qty = int(req.get("quantity", o.qty))
        if qty <= 0 or (self.hardened and qty > MAX_QTY):
            return {"status": "rejected", "order_id": oid, "reason": "bad quantity"}
        price = self.to_price(o.instrument, o.side, req["price"]) if "price" in req else o.price
        if price == o.price and qty <= o.qty:
            o.qty = qty  # a pure size reduction keeps time priority
            return {"status": "replaced", "order_id": oid, "fills": [], "leaves": o.qty, "bbo": book.bbo()}
        book.remove(o)
        o.price, o.qty = price, qty
        fills = self.match(book, o, market=False)
        if o.qty > 0:
            book.add(o)
        else:
            del self.orders[oid]
        return {"status": "replaced", "order_id": oid, "fills": fills, "leaves": o.qty, "bbo": book.bbo()}


def serve(engine: Engine, read_fd: int, write: Any) -> None:
    """Read whatever is available, answer every complete line, write the answers in one go."""
    loads, dumps = json.loads, json.dumps
    tail = b""
    while True:
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            return
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        out = []
        for line in lines:
            if not line.strip():
                continue
            try:
                req = loads(line)
            except ValueError as exc:
                out.append(dumps({"seq": None, "status": "rejected", "reason": f"bad json: {exc}"}))
                continue
            out.append(dumps(engine.handle(req), separators=(",", ":")))
        if out:
            write(("\n".join(out) + "\n").encode())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="1.4.2", choices=BUILDS)
    ap.add_argument("--listen", type=int, default=None, help="serve one TCP connection on 127.0.0.1:PORT")
    args = ap.parse_args(argv)
    engine = Engine(args.build)
    if args.listen is None:
        out_fd = sys.stdout.fileno()

        def write(data: bytes) -> None:
            view = memoryview(data)
            while view:
                view = view[os.write(out_fd, view):]

        serve(engine, sys.stdin.fileno(), write)
        return 0
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.listen))
    srv.listen(1)
    conn, _ = srv.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    serve(engine, conn.fileno(), conn.sendall)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
