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
from gis.errors import GisError

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
    retired
        Slots emptied on purpose (a grid merged into another): an empty retired slot is no
        longer a grid, while an empty slot that is not retired is a grid that lost its units.
    """

    graph: UnitGraph
    assignment: NDArray[np.int64]
    weights: NDArray[np.float64]
    labels: tuple[str, ...]
    villages: tuple[str, ...]
    ideal: NDArray[np.float64]
    pinned: NDArray[np.bool_]
    tolerance: float = 0.05
    retired: NDArray[np.bool_] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        a = np.asarray(self.assignment, dtype=np.int64).copy()
        a.setflags(write=False)
        object.__setattr__(self, "assignment", a)
        k = len(self.labels)
        retired = np.zeros(k, dtype=bool)
        if self.retired is not None:
            given = np.asarray(self.retired, dtype=bool)[:k]
            retired[: len(given)] = given
        object.__setattr__(self, "retired", retired)

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
                   pinned: NDArray[np.bool_], retired: NDArray[np.bool_] | None = None
                   ) -> Partition:
        """A child with a new slot table (after a split or merge); *retired* defaults to the
        current mask, extended with ``False`` for new slots."""
        return replace(self, assignment=assignment, labels=labels, villages=villages,
                       ideal=np.asarray(ideal, dtype=np.float64),
                       pinned=np.asarray(pinned, dtype=bool),
                       retired=self.retired if retired is None else retired, _cache={})

    def with_labels(self, labels: tuple[str, ...]) -> Partition:
        """The same partition with other grid ids (numbering)."""
        return replace(self, labels=tuple(labels), _cache={})

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


def pinned_kept(p: Partition, pinned_units: NDArray[np.bool_]) -> bool:
    """Every pinned unit (专属网格) is in a pinned grid that holds pinned units only."""
    return not _pinned_problems(p, np.asarray(pinned_units, dtype=bool), None)


#: The constraints every committed plan satisfies (``pinned_kept`` also needs the units'
#: pinned flags: :func:`check_valid` runs them all).
VALID = (complete, contiguous, within_villages)


class InvalidPartitionError(GisError, ValueError):
    """A partition breaks a constraint of :data:`VALID`; :attr:`problems` lists every reason."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


def _pinned_problems(p: Partition, pinned_units: NDArray[np.bool_],
                     before: Partition | None) -> list[str]:
    out = []
    ids = p.graph.ids
    for i in np.flatnonzero(pinned_units & ~p.pinned[p.assignment]):
        out.append(f"unit {ids[i]} is an exclusive unit (专属网格, pinned) but grid "
                   f"{p.labels[p.assignment[i]]} is not an exclusive grid")
    for s in np.flatnonzero(p.pinned & (p["size"] > 0)):
        strays = ids[(p.assignment == s) & ~pinned_units]
        if len(strays):
            out.append(f"exclusive grid {p.labels[s]} would hold ordinary unit(s) "
                       f"{[str(u) for u in strays[:10]]}: exclusive grids are never merged")
    if before is not None:
        for s in np.flatnonzero(before.pinned & (before["size"] > 0)):
            was = set(before.graph.ids[before.assignment == s].tolist())
            label = before.labels[s]
            now = set(ids[p.assignment == p.labels.index(label)].tolist()) \
                if label in p.labels else set()
            if was != now:
                out.append(f"exclusive grid {label} would change (专属网格 are kept as they "
                           "are): leave its units where they are")
    return out


def problems(p: Partition, *, pinned_units: NDArray[np.bool_] | None = None,
             before: Partition | None = None) -> list[str]:
    """Every reason *p* may not be committed (empty: valid).

    Checks :data:`VALID` — complete, contiguous, within villages — and, given the units'
    *pinned_units* flags, that exclusive grids hold their pinned units only; given the
    partition *before* an edit, also that every exclusive grid kept exactly its units.
    """
    out: list[str] = []
    a = p.assignment
    if len(a) != p.graph.n or np.any((a < 0) | (a >= p.k)):
        bad = p.graph.ids[(a < 0) | (a >= p.k)] if len(a) == p.graph.n else p.graph.ids
        return [f"unit(s) {[str(u) for u in bad[:10]]} have no grid: every unit of the "
                "village needs exactly one grid"]
    gone = np.flatnonzero(p.retired & (p["size"] > 0))
    out += [f"grid {p.labels[s]} was merged away but still holds units" for s in gone]
    for s in np.flatnonzero(p["pieces"] > 1):
        out.append(f"grid {p.labels[s]} would fall into {p['pieces'][s]} disconnected pieces: "
                   "a grid is one connected area")
    for s in p["mixed_villages"]:
        other = sorted({str(v) for v in p.graph.village[a == s]} - {p.villages[s]})
        out.append(f"grid {p.labels[s]} (village {p.villages[s]}) would hold units of village "
                   f"{other[:5]}: grids never cross a village boundary")
    if pinned_units is not None:
        out += _pinned_problems(p, np.asarray(pinned_units, dtype=bool), before)
    return out


def check_valid(p: Partition, *, pinned_units: NDArray[np.bool_] | None = None,
                before: Partition | None = None) -> None:
    """Raise :class:`InvalidPartitionError` with every reason when :func:`problems` finds any."""
    found = problems(p, pinned_units=pinned_units, before=before)
    if found:
        msg = f"the grids cannot be committed ({len(found)} problem(s)): " + "; ".join(found[:3])
        raise InvalidPartitionError(msg, found)
