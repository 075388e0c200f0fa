"""A calendar's blocks laid on the planner's slot grid: what each slot allows, and why not.

A slot is blocked when any blocking occurrence touches it at all, so a change placed on free slots can
never overlap a blackout, whatever the rule's minutes. Arrays are numpy so the scheduler can test every
start of a horizon at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from patchbook.plan.calendar import BLOCKING, Block, Calendar, expand

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Grid:
    """The horizon ``[start, start + n * slot)`` cut into slots."""

    start: datetime
    slot: timedelta
    n: int

    @property
    def end(self) -> datetime:
        return self.start + self.n * self.slot

    def at(self, index: int) -> datetime:
        return self.start + index * self.slot

    def index_floor(self, moment: datetime) -> int:
        """The slot holding ``moment`` (clamped to the grid)."""
        return max(0, min(self.n, int((moment - self.start) // self.slot)))

    def index_ceil(self, moment: datetime) -> int:
        """The first slot starting at or after ``moment`` (clamped)."""
        i = self.index_floor(moment)
        return i if i >= self.n or self.at(i) >= moment else i + 1

    def slots(self, span: timedelta) -> int:
        """How many whole slots ``span`` needs."""
        return max(1, -(-span // self.slot))


@dataclass(frozen=True)
class Timeline:
    """What one asset's calendar allows in each slot of the grid."""

    grid: Grid
    blocks: tuple[Block, ...]
    routine_ok: BoolArray  # no settlement, session, freeze or blackout touches the slot
    emergency_ok: BoolArray  # no settlement touches it (the emergency track ignores the rest)
    preferred: BoolArray  # inside a preferred window
    blocker: IntArray  # index into blocks of the first blocking occurrence, -1 when free
    preferred_by: IntArray  # index into blocks of the preferred window, -1 when none

    def block_at(self, index: int) -> Block | None:
        b = int(self.blocker[index]) if 0 <= index < self.grid.n else -1
        return self.blocks[b] if b >= 0 else None


def _span(grid: Grid, block: Block) -> tuple[int, int]:
    """Slots ``[lo, hi)`` that the occurrence touches."""
    return grid.index_floor(block.start), grid.index_ceil(block.end)


def lay_out(grid: Grid, blocks: Sequence[Block]) -> Timeline:
    routine_ok = np.ones(grid.n, dtype=np.bool_)
    emergency_ok = np.ones(grid.n, dtype=np.bool_)
    preferred = np.zeros(grid.n, dtype=np.bool_)
    blocker = np.full(grid.n, -1, dtype=np.int32)
    preferred_by = np.full(grid.n, -1, dtype=np.int32)
    # Settlements first, so a slot both settling and frozen is explained by the settlement.
    order = sorted(range(len(blocks)), key=lambda i: (blocks[i].kind != "settlement", blocks[i].start))
    for i in order:
        b = blocks[i]
        lo, hi = _span(grid, b)
        if lo >= hi:
            continue
        if b.kind in BLOCKING:
            routine_ok[lo:hi] = False
            if b.kind == "settlement":
                emergency_ok[lo:hi] = False
            part = blocker[lo:hi]
            part[part < 0] = i
        elif b.kind == "preferred":
            # Only whole slots count as preferred: a change must sit entirely inside the window.
            plo, phi = grid.index_ceil(b.start), grid.index_floor(b.end)
            if plo < phi:
                preferred[plo:phi] = True
                pb = preferred_by[plo:phi]
                pb[pb < 0] = i
    return Timeline(grid, tuple(blocks), routine_ok, emergency_ok, preferred, blocker, preferred_by)


def grid_for(start: datetime, days: int, slot: timedelta) -> Grid:
    """The horizon of ``days`` days from ``start`` (rounded up to the slot)."""
    epoch = start.replace(hour=0, minute=0, second=0, microsecond=0)
    first = epoch + -(-(start - epoch) // slot) * slot
    return Grid(first, slot, int(timedelta(days=days) // slot))


def timelines_for(calendar: Calendar, assets: Mapping[str, Sequence[str]], grid: Grid) -> dict[str, Timeline]:
    """One timeline per asset (``assets`` maps name -> tags); assets with the same rules share one."""
    cache: dict[tuple[str, ...], Timeline] = {}
    out: dict[str, Timeline] = {}
    for name in sorted(assets):
        rules = calendar.rules_for(name, assets[name])
        key = tuple(r.name for r in rules)
        if key not in cache:
            cache[key] = lay_out(grid, expand(rules, grid.start, grid.end, calendar.source))
        out[name] = cache[key]
    return out
