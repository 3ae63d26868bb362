"""Boundary edits that never break a partition: move, split, merge, redraw, rebalance.

Every edit takes a :class:`~gis.partition.Partition` and returns an :class:`EditPreview`:
the child partition and the before/after figures of the grids it touched.  An edit that
would leave a grid disconnected or empty, cross a village boundary, or touch a pinned grid
(专属网格) raises :class:`EditRefused` with every reason; unknown unit or grid ids raise
:class:`UnknownIdError`.  Nothing is changed either way: partitions are immutable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray

from gis.balance import balance_piece
from gis.budget import SafetyLimit
from gis.errors import GisError
from gis.partition import Partition, grid_figures
from gis.search import LocalSearch

#: Share of a unit's area a drawn polygon must cover to take the unit (majority rule).
MAJORITY = 0.5
#: Flip/swap sweeps of a local rebalance (its deterministic budget).
REBALANCE_SWEEPS = 50


class EditError(GisError, ValueError):
    """Base of the edit errors; :attr:`problems` lists every reason."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class EditRefused(EditError):
    """The edit would break the partition (disconnected, empty, cross-village, pinned)."""


class UnknownIdError(EditError):
    """The edit names a unit or grid that does not exist."""


@dataclass(frozen=True)
class EditPreview:
    """What an edit would do.

    Attributes
    ----------
    kind
        ``move``, ``split``, ``merge``, ``redraw`` or ``rebalance``.
    grids
        Ids of the grids the edit touches.
    before, after
        ``{grid_id: figures}`` of those grids (see :func:`gis.partition.grid_figures`).
    moved
        Unit ids whose grid changes.
    partition
        The partition after the edit.
    """

    kind: str
    grids: tuple[str, ...]
    before: dict[str, dict]
    after: dict[str, dict]
    moved: tuple[str, ...]
    partition: Partition = field(repr=False)

    def as_dict(self) -> dict:
        """JSON-able view (without the partition)."""
        return {"kind": self.kind, "grids": list(self.grids), "before": self.before,
                "after": self.after, "moved": list(self.moved)}


def _slot(p: Partition, grid_id: str) -> int:
    try:
        s = p.slot_of(grid_id)
    except KeyError:
        s = -1
    if s < 0 or p["size"][s] == 0:
        msg = f"unknown grid {grid_id!r}: no grid with that id has units"
        raise UnknownIdError(msg)
    return s


def _nodes(p: Partition, unit_ids: Sequence[str]) -> NDArray[np.int64]:
    index = p.graph.index_of()
    unknown = [u for u in unit_ids if str(u) not in index]
    if unknown:
        msg = f"unknown unit id(s) {unknown[:10]}: check the ids against the units layer"
        raise UnknownIdError(msg, [f"unknown unit {u}" for u in unknown])
    if not unit_ids:
        raise UnknownIdError("the edit names no units: give at least one unit id")
    return np.array(sorted({index[str(u)] for u in unit_ids}), dtype=np.int64)


def _refusals(before: Partition, after: Partition, slots: set[int]) -> list[str]:
    """Every reason the change from *before* to *after* is not allowed."""
    reasons = []
    changed = np.flatnonzero(before.assignment != after.assignment)
    for i in changed:
        src, dst = int(before.assignment[i]), int(after.assignment[i])
        uid = before.graph.ids[i]
        if before.pinned[src] or after.pinned[dst]:
            grid = before.labels[src] if before.pinned[src] else after.labels[dst]
            reasons.append(f"unit {uid}: grid {grid} is an exclusive grid (专属网格, pinned) "
                           "and cannot be edited")
        if after.villages[dst] != before.graph.village[i]:
            reasons.append(f"unit {uid} belongs to village {before.graph.village[i]} but grid "
                           f"{after.labels[dst]} to village {after.villages[dst]}: grids never "
                           "cross a village boundary")
    size = after["size"]
    for s in sorted(slots):
        if s >= after.k:
            continue
        if size[s] == 0 and before["size"][s] > 0 and not after.retired[s]:
            reasons.append(f"grid {after.labels[s]} would be left with no units: merge it "
                           "with a neighbour instead")
        elif size[s] > 0 and not after["contiguous"][s]:
            reasons.append(f"grid {after.labels[s]} would fall into {after['pieces'][s]} "
                           "disconnected pieces: move units that touch it, or move the pieces "
                           "too")
    return list(dict.fromkeys(reasons))


def _preview(kind: str, before: Partition, after: Partition, slots: set[int]) -> EditPreview:
    reasons = _refusals(before, after, slots)
    if reasons:
        raise EditRefused(f"{kind} refused: " + "; ".join(reasons[:3]), reasons)
    act = sorted(s for s in slots if s < after.k)
    moved = before.graph.ids[np.flatnonzero(before.assignment != after.assignment)]
    return EditPreview(
        kind=kind,
        grids=tuple(after.labels[s] for s in act),
        before=grid_figures(before, [s for s in act if s < before.k and before["size"][s]]),
        after=grid_figures(after, [s for s in act if after["size"][s]]),
        moved=tuple(str(u) for u in moved),
        partition=after,
    )


def move_units(p: Partition, unit_ids: Sequence[str], to_grid: str, *,
               kind: str = "move") -> EditPreview:
    """Paint *unit_ids* into grid *to_grid* (which they must touch, in their own village)."""
    nodes = _nodes(p, unit_ids)
    dst = _slot(p, to_grid)
    slots = {int(s) for s in p.assignment[nodes]} | {dst}
    return _preview(kind, p, p.flip({int(i): dst for i in nodes}), slots)


def _reideal(p: Partition, a: NDArray[np.int64], villages: tuple[str, ...],
             pinned: NDArray[np.bool_], village: str) -> NDArray[np.float64]:
    """Ideal workload per slot after the village's grid count changes."""
    k = len(villages)
    ideal = np.resize(p.ideal, k).astype(np.float64)
    size = np.bincount(a, minlength=k)
    free = (np.asarray(villages, dtype=object) == village) & (size > 0) & ~pinned
    load = np.bincount(a, weights=p.weights, minlength=k)
    if free.any():
        ideal[free] = load[free].sum() / free.sum()
    return ideal


def split_grid(p: Partition, grid_id: str, *, new_id: str, rng: np.random.Generator,
               effort: float = 1.0, limit: SafetyLimit | None = None) -> EditPreview:
    """Split grid *grid_id* into two balanced, connected grids (the second is *new_id*)."""
    s = _slot(p, grid_id)
    nodes = p.units_of(s)
    if p.pinned[s]:
        raise EditRefused(f"split refused: grid {grid_id} is an exclusive grid (pinned)")
    if len(nodes) < 2:
        raise EditRefused(f"split refused: grid {grid_id} has a single unit")
    if new_id in p.labels:
        raise EditRefused(f"split refused: grid id {new_id} already exists")
    halves = balance_piece(p.graph, p.weights, nodes, 2, p.tolerance, rng=rng, effort=effort,
                           limit=limit)
    a = p.assignment.copy()
    a[nodes[halves == 1]] = p.k
    villages = (*p.villages, p.villages[s])
    pinned = np.append(p.pinned, False)
    ideal = _reideal(p, a, villages, pinned, p.villages[s])
    after = p.with_slots(a, labels=(*p.labels, new_id), villages=villages, ideal=ideal,
                         pinned=pinned)
    return _preview("split", p, after, {s, p.k})


def merge_grids(p: Partition, grid_id: str, other_id: str) -> EditPreview:
    """Merge grid *other_id* into *grid_id* (adjacent, same village, neither pinned)."""
    s, o = _slot(p, grid_id), _slot(p, other_id)
    if s == o:
        raise EditRefused("merge refused: the two grids are the same grid")
    a = p.assignment.copy()
    a[a == o] = s
    retired = p.retired.copy()
    retired[o] = True  # emptied on purpose: no longer a grid
    ideal = _reideal(p, a, p.villages, p.pinned, p.villages[s])
    after = p.with_slots(a, labels=p.labels, villages=p.villages, ideal=ideal,
                         pinned=p.pinned, retired=retired)
    reasons = _refusals(p, after, {s, o})
    if p.villages[s] != p.villages[o]:
        reasons.insert(0, f"grids {grid_id} and {other_id} are in different villages")
    if reasons:
        raise EditRefused("merge refused: " + "; ".join(reasons[:3]), reasons)
    return _preview("merge", p, after, {s, o})


def redraw(p: Partition, polygon: shapely.Geometry, to_grid: str,
           unit_geoms: NDArray[np.object_]) -> EditPreview:
    """Give *to_grid* every unit of its village that *polygon* covers by majority area.

    *unit_geoms* are the units' geometries in node order, in the polygon's CRS (a metric
    CRS for exact areas; lon/lat is fine for the majority rule on small areas).
    """
    dst = _slot(p, to_grid)
    if polygon is None or shapely.is_empty(polygon) or not shapely.is_valid(polygon):
        reason = shapely.is_valid_reason(polygon) if polygon is not None else "no geometry"
        raise EditRefused(f"redraw refused: the drawn polygon is not valid ({reason})")
    same = np.flatnonzero(p.graph.village == p.villages[dst])
    cover = shapely.area(shapely.intersection(unit_geoms[same], polygon))
    share = cover / np.maximum(shapely.area(unit_geoms[same]), 1e-12)
    take = same[(share > MAJORITY) & (p.assignment[same] != dst)]
    if len(take) == 0:
        raise EditRefused(f"redraw refused: the polygon covers no unit of village "
                          f"{p.villages[dst]} outside grid {to_grid} by more than half")
    return move_units(p, [str(u) for u in p.graph.ids[take]], to_grid, kind="redraw")


def rebalance(p: Partition, grid_ids: Sequence[str], *, rng: np.random.Generator,
              sweeps: int = REBALANCE_SWEEPS, limit: SafetyLimit | None = None) -> EditPreview:
    """Rebalance *grid_ids* and their free neighbours in the same village; others stay.

    The search runs at most *sweeps* flip/swap sweeps (deterministic: a seed gives the same
    preview on any machine); *limit* is the outer wall-clock guard.
    """
    core = [_slot(p, g) for g in grid_ids]
    village = p.villages[core[0]]
    i, j, _ = p.graph.edges()
    a = p.assignment
    near = set(core)
    for s in core:
        touch = (a[i] == s) | (a[j] == s)
        near |= set(a[i[touch]].tolist()) | set(a[j[touch]].tolist())
    slots = sorted(s for s in near if p.villages[s] == village and not p.pinned[s])
    if len(slots) < 2:
        raise EditRefused("rebalance refused: no free neighbouring grid to trade units with")
    nodes = np.flatnonzero(np.isin(a, slots))
    sub = p.graph.subgraph(nodes)
    local = {s: k for k, s in enumerate(slots)}
    start = np.array([local[int(s)] for s in a[nodes]], dtype=np.int64)
    search = LocalSearch(sub, p.weights[nodes], start, p.ideal[slots], p.tolerance,
                         origin=start, stay=0.01, rng=rng)
    search.descend(max_sweeps=sweeps, limit=limit)
    res = search.assignment()
    after = p.flip({int(n): slots[int(r)] for n, r, s in zip(nodes, res, start, strict=True)
                    if r != s})
    return _preview("rebalance", p, after, set(slots))
