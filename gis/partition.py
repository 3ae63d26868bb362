"""The partition of units into grids: an immutable step, named cached metrics, constraints.

GerryChain's vocabulary: a :class:`Partition` never changes; :meth:`Partition.flip` returns a
child.  Metrics are named functions of a partition, registered in :data:`METRICS` and cached
per partition (``partition["polsby_popper"]``).  Constraints are ``partition -> bool``.

Grids are *slots* ``0 … k-1``; a slot may be empty after a merge (it is then inactive and left
out of every summary).  Each slot carries its grid id (``labels``), village, ideal workload
(the village's workload divided by its number of grids) and whether it is pinned (专属网格).
Deviations are ``workload / ideal - 1``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from gis.adjacency import UnitGraph

Metric = Callable[["Partition"], Any]
#: Named metrics of a partition (GerryChain's "updaters"); see :func:`metric`.
METRICS: dict[str, Metric] = {}


def metric(name: str) -> Callable[[Metric], Metric]:
    """Register a metric under *name* (computed once per partition, then cached)."""

    def deco(func: Metric) -> Metric:
        METRICS[name] = func
        return func

    return deco


@dataclass(frozen=True, eq=False)
class Partition:
    """An assignment of every unit to one grid slot.

    Attributes
    ----------
    graph
        The units' rook adjacency.
    assignment
        Grid slot of every unit (node order of *graph*).
    weights
        Workload of every unit.
    labels, villages
        Grid id and village id of every slot.
    ideal
        Ideal workload of every slot (its village's workload / number of grids).
    pinned
        Whether a slot is an exclusive grid (专属网格) that edits may not touch.
    tolerance
        Allowed |deviation| (fraction, 0.05 = ±5 %).
    """

    graph: UnitGraph
    assignment: NDArray[np.int64]
    weights: NDArray[np.float64]
    labels: tuple[str, ...]
    villages: tuple[str, ...]
    ideal: NDArray[np.float64]
    pinned: NDArray[np.bool_]
    tolerance: float = 0.05
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        a = np.asarray(self.assignment, dtype=np.int64).copy()
        a.setflags(write=False)
        object.__setattr__(self, "assignment", a)

    @property
    def k(self) -> int:
        """Number of grid slots (active or not)."""
        return len(self.labels)

    def __getitem__(self, name: str) -> Any:
        """The metric *name*, computed on first use."""
        if name not in self._cache:
            self._cache[name] = METRICS[name](self)
        return self._cache[name]

    def flip(self, changes: Mapping[int, int]) -> Partition:
        """A child partition with ``{node: slot}`` changes applied."""
        a = self.assignment.copy()
        for node, slot in changes.items():
            a[int(node)] = int(slot)
        return replace(self, assignment=a, _cache={})

    def with_slots(self, assignment: NDArray[np.int64], *, labels: tuple[str, ...],
                   villages: tuple[str, ...], ideal: NDArray[np.float64],
                   pinned: NDArray[np.bool_]) -> Partition:
        """A child with a new slot table (after a split or merge)."""
        return replace(self, assignment=assignment, labels=labels, villages=villages,
                       ideal=np.asarray(ideal, dtype=np.float64),
                       pinned=np.asarray(pinned, dtype=bool), _cache={})

    def units_of(self, slot: int) -> NDArray[np.int64]:
        """Nodes of grid *slot*."""
        return np.flatnonzero(self.assignment == slot)

    def slot_of(self, label: str) -> int:
        """Slot of the grid with id *label* (``KeyError`` if none)."""
        try:
            return self.labels.index(label)
        except ValueError:
            raise KeyError(label) from None

    @property
    def active(self) -> NDArray[np.int64]:
        """Slots that hold at least one unit."""
        return np.flatnonzero(self["size"] > 0)


@metric("size")
def _size(p: Partition) -> NDArray[np.int64]:
    return np.bincount(p.assignment, minlength=p.k)


@metric("workload")
def _workload(p: Partition) -> NDArray[np.float64]:
    return np.bincount(p.assignment, weights=p.weights, minlength=p.k)


@metric("deviation")
def _deviation(p: Partition) -> NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = p["workload"] / p.ideal - 1.0
    return np.where((p["size"] > 0) & (p.ideal > 0), dev, 0.0)


@metric("area")
def _area(p: Partition) -> NDArray[np.float64]:
    return np.bincount(p.assignment, weights=p.graph.area, minlength=p.k)


def _edges(p: Partition) -> tuple[NDArray, NDArray, NDArray]:
    if "_edges" not in p._cache:
        p._cache["_edges"] = p.graph.edges()
    return p._cache["_edges"]


@metric("perimeter")
def _perimeter(p: Partition) -> NDArray[np.float64]:
    i, j, s = _edges(p)
    inside = p.assignment[i] == p.assignment[j]
    total = np.bincount(p.assignment, weights=p.graph.perimeter, minlength=p.k)
    internal = np.bincount(p.assignment[i[inside]], weights=s[inside], minlength=p.k)
    return total - 2.0 * internal


@metric("polsby_popper")
def _pp(p: Partition) -> NDArray[np.float64]:
    per = p["perimeter"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pp = 4.0 * np.pi * p["area"] / (per * per)
    return np.where(per > 0, pp, 0.0)


@metric("cut_edges")
def _cut_edges(p: Partition) -> int:
    i, j, _ = _edges(p)
    return int(np.count_nonzero(p.assignment[i] != p.assignment[j]))


@metric("pieces")
def _pieces(p: Partition) -> NDArray[np.int64]:
    """Connected pieces of every slot (1 = contiguous, 0 = empty)."""
    i, j, _ = _edges(p)
    inside = p.assignment[i] == p.assignment[j]
    n = p.graph.n
    mat = csr_matrix((np.ones(int(inside.sum())), (i[inside], j[inside])), shape=(n, n))
    _, comp = connected_components(mat, directed=False)
    pairs = np.unique(np.stack([p.assignment, comp]), axis=1)
    return np.bincount(pairs[0], minlength=p.k)


@metric("contiguous")
def _contiguous(p: Partition) -> NDArray[np.bool_]:
    return p["pieces"] <= 1


@metric("mixed_villages")
def _mixed(p: Partition) -> list[int]:
    """Slots holding a unit of another village than the slot's."""
    slot_village = np.asarray(p.villages, dtype=object)[p.assignment]
    return sorted({int(s) for s in p.assignment[slot_village != p.graph.village]})


@metric("granularity")
def _granularity(p: Partition) -> float:
    """The largest unit's share of its grid's ideal workload (±this is the best possible)."""
    ideal = p.ideal[p.assignment]
    free = ~p.pinned[p.assignment] & (ideal > 0)
    if not free.any():
        return 0.0
    return float(np.max(p.weights[free] / ideal[free]))


@metric("summary")
def _summary(p: Partition) -> dict[str, float | int]:
    act = p.active
    free = act[~p.pinned[act]]
    dev = np.abs(p["deviation"][free])
    pp = p["polsby_popper"][act]
    return {
        "grids": int(len(act)),
        "pinned_grids": int(len(act) - len(free)),
        "max_dev": float(dev.max()) if len(dev) else 0.0,
        "mean_dev": float(dev.mean()) if len(dev) else 0.0,
        "within_tolerance": float(np.mean(dev <= p.tolerance + 1e-12)) if len(dev) else 1.0,
        "within_10": float(np.mean(dev <= 0.10 + 1e-12)) if len(dev) else 1.0,
        "contiguous": float(np.mean(p["contiguous"][act])) if len(act) else 1.0,
        "pp_mean": float(pp.mean()) if len(pp) else 0.0,
        "pp_min": float(pp.min()) if len(pp) else 0.0,
        "cut_edges": p["cut_edges"],
        "granularity": p["granularity"],
    }


def grid_figures(p: Partition, slots: list[int] | NDArray[np.int64]) -> dict[str, dict]:
    """Per-grid figures ``{grid_id: {...}}`` of *slots* (for previews and reports)."""
    out = {}
    for s in slots:
        s = int(s)
        out[p.labels[s]] = {
            "village_id": p.villages[s],
            "units": int(p["size"][s]),
            "workload": float(p["workload"][s]),
            "ideal": float(p.ideal[s]),
            "deviation": float(p["deviation"][s]),
            "polsby_popper": float(p["polsby_popper"][s]),
            "contiguous": bool(p["contiguous"][s]),
            "pinned": bool(p.pinned[s]),
        }
    return out


# --- constraints: partition -> bool -------------------------------------------------------


def contiguous(p: Partition) -> bool:
    """Every non-empty grid is one connected piece."""
    return bool(np.all(p["pieces"] <= 1))


def complete(p: Partition) -> bool:
    """Every unit is assigned to exactly one existing grid slot."""
    a = p.assignment
    return bool(len(a) == p.graph.n and np.all((a >= 0) & (a < p.k)))


def within_villages(p: Partition) -> bool:
    """No grid holds units of another village."""
    return not p["mixed_villages"]


def within_tolerance(p: Partition) -> bool:
    """Every free (not pinned) grid is within ±tolerance of its ideal workload."""
    return p["summary"]["within_tolerance"] >= 1.0


#: The constraints every committed plan satisfies.
VALID = (complete, contiguous, within_villages)
