"""Scheduling: each change into a window the calendar allows, most urgent first, with the reason why.

Rules, in the order they apply:

1. Dependencies first: a change starts only after the changes it waits for have ended (rollback margin
   included). A change inherits the urgency of the most urgent change waiting for it, so an urgent
   consumer never queues behind unrelated work while its library waits. A cycle is an error.
2. Most urgent first: deployer decision (immediate, out-of-cycle, scheduled, defer), then the risk
   score, then the due date, then the id (so the same inputs always give the same plan).
3. The whole change, its duration plus the rollback margin, must fit in free slots: no blackout of the
   asset's calendar touches it, fewer than ``window_capacity`` changes run at once venue-wide, fewer
   than ``team_capacity`` of the owning team, and none on the same asset.
4. Routine changes (scheduled, defer) go to the first preferred (low-activity) window that ends by
   the due date; failing that, the first free time before the due date; failing that, the first free
   time at all, flagged late with the date it can be done. ``out-of-cycle`` changes take the first
   free time. ``immediate`` changes take the first free time, and may use the emergency track (any
   time outside settlement windows) when that is sooner: such a change needs the emergency approvals.
   A change that fits nowhere in the horizon is listed as unscheduled with the
   reason, never dropped.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from patchbook.errors import PatchbookError
from patchbook.plan.calendar import format_duration
from patchbook.plan.timeline import BoolArray, Grid, Timeline

DECISION_ORDER = {"immediate": 0, "out-of-cycle": 1, "scheduled": 2, "defer": 3}
_DECISIONS = {v: k for k, v in DECISION_ORDER.items()}


class DependencyCycle(PatchbookError):
    """Changes that wait for each other: no order can satisfy them."""

    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = tuple(cycle)
        super().__init__("dependency cycle between changes: " + " -> ".join(cycle))


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """One change to place: a patch, or one step of a contract remediation."""

    id: str
    asset: str
    team: str
    decision: str  # SSVC deployer decision
    score: float = 0.0
    due: date | None = None
    duration: timedelta = timedelta(hours=1)
    rollback: timedelta = timedelta(minutes=30)
    after: tuple[str, ...] = ()  # ids of changes that must end first
    after_why: Mapping[str, str] = field(default_factory=dict)  # id -> "library before consumers"
    not_before: datetime | None = None  # e.g. a timelock's earliest execution
    not_before_why: str = ""
    settlement_only: bool = False  # on-chain execution: only settlement windows stop it
    label: str = ""

    @property
    def span(self) -> timedelta:
        return self.duration + self.rollback


@dataclass(frozen=True, slots=True)
class Placement:
    id: str
    asset: str
    start: datetime
    end: datetime  # the change itself
    rollback_end: datetime  # the window it holds, rollback margin included
    emergency: bool
    preferred_window: str | None
    late: bool
    due: date | None
    why: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unscheduled:
    id: str
    asset: str
    due: date | None
    reasons: tuple[str, ...]


@dataclass
class Schedule:
    grid: Grid
    placements: list[Placement]  # in start order
    unscheduled: list[Unscheduled]
    order: list[str]  # the order changes were considered in

    def placement(self, change_id: str) -> Placement | None:
        return next((p for p in self.placements if p.id == change_id), None)


# --- ordering --------------------------------------------------------------------------------------


def _own_key(c: ChangeRequest) -> tuple[int, float, date, str]:
    return (DECISION_ORDER.get(c.decision, 3), -c.score, c.due or date.max, c.id)


def _find_cycle(changes: Mapping[str, ChangeRequest]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for root in sorted(changes):
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = [root]
        state[root] = 1
        while stack:
            node, i = stack[-1]
            deps = [d for d in changes[node].after if d in changes]
            if i < len(deps):
                stack[-1] = (node, i + 1)
                nxt = deps[i]
                if state.get(nxt) == 1:
                    return [*path[path.index(nxt) :], nxt]
                if not state.get(nxt):
                    state[nxt] = 1
                    stack.append((nxt, 0))
                    path.append(nxt)
            else:
                state[node] = 2
                stack.pop()
                path.pop()
    return None


def order(changes: Sequence[ChangeRequest]) -> list[str]:
    """Dependency order, most urgent first where dependencies allow, with urgency inherited."""
    return _order(changes)[0]


_Key = tuple[int, float, date, str]


def _order(changes: Sequence[ChangeRequest]) -> tuple[list[str], dict[str, _Key]]:
    by_id = {c.id: c for c in changes}
    cycle = _find_cycle(by_id)
    if cycle is not None:
        raise DependencyCycle(cycle)
    waiting: dict[str, list[str]] = {c.id: [] for c in changes}  # id -> the changes that wait for it
    pending = {c.id: 0 for c in changes}
    for c in changes:
        for d in set(c.after):
            if d in by_id:
                waiting[d].append(c.id)
                pending[c.id] += 1
    # Inherit urgency from waiters: walk from the changes nothing waits for, down to their libraries.
    key = {c.id: _own_key(c) for c in changes}
    topo: list[str] = []
    ready = sorted(i for i, n in pending.items() if n == 0)
    left = dict(pending)
    while ready:
        i = ready.pop()
        topo.append(i)
        for w in waiting[i]:
            left[w] -= 1
            if left[w] == 0:
                ready.append(w)
    for i in reversed(topo):
        for w in waiting[i]:
            key[i] = min(key[i], key[w])
    heap = [(key[i], i) for i, n in pending.items() if n == 0]
    heapq.heapify(heap)
    out: list[str] = []
    while heap:
        _, i = heapq.heappop(heap)
        out.append(i)
        for w in waiting[i]:
            pending[w] -= 1
            if pending[w] == 0:
                heapq.heappush(heap, (key[w], w))
    return out, key


# --- placing ---------------------------------------------------------------------------------------


def _fits(ok: BoolArray, need: int) -> BoolArray:
    """``out[s]`` is True when ``ok[s:s+need]`` are all True (starts that fit before the grid ends)."""
    n = ok.shape[0]
    if need > n:
        return np.zeros(0, dtype=np.bool_)
    c = np.concatenate(([0], np.cumsum(ok, dtype=np.int32)))
    result: BoolArray = (c[need:] - c[: n - need + 1]) == need
    return result


def _first(candidates: BoolArray, lo: int, hi: int) -> int | None:
    """First True index in ``[lo, hi)``."""
    hi = min(hi, candidates.shape[0])
    if lo >= hi:
        return None
    hits = np.flatnonzero(candidates[lo:hi])
    return int(hits[0]) + lo if hits.size else None


def _stamp(moment: datetime) -> str:
    return f"{moment:%a %d %b %H:%M}"


class _Board:
    """Who holds which slots: venue-wide, per team, per asset."""

    def __init__(self, grid: Grid, window_capacity: int, team_capacity: int) -> None:
        self.grid = grid
        self.window_capacity = window_capacity
        self.team_capacity = team_capacity
        self.total = np.zeros(grid.n, dtype=np.int32)
        self.team: dict[str, np.ndarray] = {}
        self.asset: dict[str, np.ndarray] = {}

    def _team(self, team: str) -> np.ndarray:
        return self.team.setdefault(team, np.zeros(self.grid.n, dtype=np.int32))

    def _asset(self, asset: str) -> np.ndarray:
        return self.asset.setdefault(asset, np.zeros(self.grid.n, dtype=np.int32))

    def room(self, team: str, asset: str) -> BoolArray:
        free: BoolArray = (
            (self.total < self.window_capacity)
            & (self._team(team) < self.team_capacity)
            & (self._asset(asset) == 0)
        )
        return free

    def take(self, team: str, asset: str, lo: int, hi: int) -> None:
        self.total[lo:hi] += 1
        self._team(team)[lo:hi] += 1
        self._asset(asset)[lo:hi] += 1

    def why_full(self, team: str, asset: str, index: int) -> str:
        if self._asset(asset)[index]:
            return f"another change of {asset} holds {_stamp(self.grid.at(index))}"
        if self._team(team)[index] >= self.team_capacity:
            return f"team {team} already runs {self.team_capacity} change(s) at {_stamp(self.grid.at(index))}"
        return f"{self.window_capacity} changes already run venue-wide at {_stamp(self.grid.at(index))}"


def _blocked_reason(
    timeline: Timeline, board: _Board, change: ChangeRequest, base: BoolArray, lo: int, need: int
) -> str:
    """Why the earliest start ``lo`` was not used: what blocks it, or what cuts the window short."""
    grid = timeline.grid
    if lo >= grid.n:
        return "the earliest start is past the plan horizon"
    room = board.room(change.team, change.asset)
    for i in range(lo, min(grid.n, lo + need)):
        if not base[i]:
            block = timeline.block_at(i)
            what = block.describe() if block is not None else "blocked"
            if i == lo:
                return f"{what}"
            return f"only {format_duration(grid.slot * (i - lo))} free before {what}"
        if not room[i]:
            return board.why_full(change.team, change.asset, i)
    return f"the horizon ends before {format_duration(change.span)} fits"


def schedule(
    changes: Sequence[ChangeRequest],
    timelines: Mapping[str, Timeline],
    grid: Grid,
    *,
    window_capacity: int,
    team_capacity: int,
) -> Schedule:
    """Place every change; ``timelines`` maps each asset to its calendar on ``grid``."""
    by_id = {c.id: c for c in changes}
    sequence, keys = _order(changes)
    board = _Board(grid, window_capacity, team_capacity)
    placed: dict[str, Placement] = {}
    unscheduled: list[Unscheduled] = []
    failed: set[str] = set()
    for rank, cid in enumerate(sequence, start=1):
        c = by_id[cid]
        timeline = timelines[c.asset]
        blocked_by = [d for d in c.after if d in failed]
        if blocked_by:
            failed.add(cid)
            unscheduled.append(
                Unscheduled(
                    cid,
                    c.asset,
                    c.due,
                    tuple(f"waits for {d}, which could not be scheduled" for d in sorted(blocked_by)),
                )
            )
            continue
        inherited = _DECISIONS[keys[cid][0]]
        source = None
        if inherited != c.decision:
            source = f"{keys[cid][3]} ({inherited}) waits for it"
            c = replace(c, decision=inherited)
        result = _place(c, rank, timeline, board, placed, by_id, source)
        if isinstance(result, Unscheduled):
            failed.add(cid)
            unscheduled.append(result)
        else:
            placed[cid] = result
            board.take(c.team, c.asset, grid.index_floor(result.start), grid.index_ceil(result.rollback_end))
    placements = sorted(placed.values(), key=lambda p: (p.start, p.id))
    return Schedule(grid, placements, unscheduled, sequence)


def _due_index(grid: Grid, due: date | None) -> int:
    if due is None:
        return grid.n
    end_of_day = datetime.combine(due + timedelta(days=1), time(0), tzinfo=UTC)
    return grid.index_floor(end_of_day) if end_of_day < grid.end else grid.n


def _place(
    c: ChangeRequest,
    rank: int,
    timeline: Timeline,
    board: _Board,
    placed: Mapping[str, Placement],
    by_id: Mapping[str, ChangeRequest],
    inherited_from: str | None = None,
) -> Placement | Unscheduled:
    grid = timeline.grid
    need = grid.slots(c.span)
    why = [f"#{rank} in urgency order ({c.decision}, score {c.score:.3g})"]
    if inherited_from is not None:
        why.append(f"urgency inherited: {inherited_from}")
    earliest, earliest_why = grid.start, "the plan start"
    for d in c.after:
        p = placed.get(d)
        if p is not None and p.rollback_end > earliest:
            relation = c.after_why.get(d, "dependency")
            where = d if by_id[d].asset == d else f"{d} on {by_id[d].asset}"
            earliest, earliest_why = p.rollback_end, f"{where} ends ({relation})"
    if c.not_before is not None and c.not_before > earliest:
        earliest, earliest_why = c.not_before, c.not_before_why or "its earliest allowed time"
    lo = grid.index_ceil(earliest)
    due_hi = _due_index(grid, c.due)  # a start s is on time when s + need <= due_hi
    room = board.room(c.team, c.asset)
    routine_base = timeline.emergency_ok if c.settlement_only else timeline.routine_ok
    routine = _fits(routine_base & room, need)
    choice: int | None = None
    emergency = False
    preferred_name: str | None = None
    if c.decision == "immediate" and not c.settlement_only:
        first_routine = _first(routine, lo, grid.n)
        first_emergency = _first(_fits(timeline.emergency_ok & room, need), lo, grid.n)
        if first_emergency is not None and (first_routine is None or first_emergency < first_routine):
            choice, emergency = first_emergency, True
        else:
            choice = first_routine
    else:
        # Only routine work (scheduled, defer) waits for a preferred window; out-of-cycle means now.
        if not c.settlement_only and c.decision in ("scheduled", "defer"):
            preferred = _fits(routine_base & room & timeline.preferred, need)
            choice = _first(preferred, lo, due_hi - need + 1)
            if choice is not None:
                block = timeline.blocks[int(timeline.preferred_by[choice])]
                preferred_name = block.rule.label
        if choice is None:
            choice = _first(routine, lo, grid.n)
    if choice is None:
        base = timeline.emergency_ok if (c.decision == "immediate" or c.settlement_only) else routine_base
        reason = _blocked_reason(timeline, board, c, base, lo, need)
        return Unscheduled(
            c.id,
            c.asset,
            c.due,
            (
                f"no free window of {format_duration(c.span)} (change {format_duration(c.duration)}"
                f" + rollback {format_duration(c.rollback)}) from {_stamp(grid.at(min(lo, grid.n - 1)))}"
                f" to the horizon end {_stamp(grid.end)}",
                f"first obstacle: {reason}",
            ),
        )
    start = grid.at(choice)
    waits = [f"{d} ({c.after_why.get(d, 'dependency')})" for d in c.after if d in placed]
    if waits and (preferred_name is not None or choice > lo):
        why.append("after " + ", ".join(waits))
    if preferred_name is not None:
        why.append(
            f"routine change: first fit in the preferred window, {preferred_name}, before the due date"
        )
    elif choice > lo:
        base = timeline.emergency_ok if emergency else routine_base
        reason = _blocked_reason(timeline, board, c, base, lo, need)
        last = _blocked_reason(timeline, board, c, base, choice - 1, need) if choice - 1 > lo else reason
        if last != reason:  # the first obstacle alone does not explain a later start
            reason = f"{reason}, then {last}"
        why.append(
            f"moved to {_stamp(start)} because {reason} (earliest start {_stamp(grid.at(lo))}: "
            f"{earliest_why})"
        )
    else:
        why.append(f"starts at the earliest possible time: {earliest_why}")
    if emergency:
        why.append("emergency track: outside settlement windows only; needs the emergency approvals")
    elif preferred_name is not None:
        pass
    elif c.decision in ("scheduled", "defer") and not c.settlement_only:
        why.append("no preferred window fits before the due date; first free time instead")
    elif c.decision == "out-of-cycle":
        why.append("out-of-cycle: the first free time, not the next preferred window")
    late = choice + need > _due_index(grid, c.due) if c.due is not None else False
    if late:
        why.append(f"LATE: due {c.due}; earliest possible is {_stamp(start)}")
    return Placement(
        id=c.id,
        asset=c.asset,
        start=start,
        end=start + c.duration,
        rollback_end=start + c.span,
        emergency=emergency,
        preferred_window=preferred_name,
        late=late,
        due=c.due,
        why=tuple(why),
    )
