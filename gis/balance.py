"""Balanced grids, village by village: seed with METIS, then optimise.

For every village: check its units form one connected piece (else name the islands); keep
pinned units (专属网格: mines, enterprises) as grids of their own; split the rest into
``round(workload / target)`` grids (or a fixed count), proportionally over the pieces the
pinned units leave.  Each piece is seeded with a contiguous METIS partition (pymetis,
``contiguous=True``, cut weighted by shared boundary length so seeds are compact) — or, when
re-running on an existing plan, starts from that plan — and then optimised by
:class:`gis.search.LocalSearch` (balance first, then compactness, then fewest moved units),
with an exact CP-SAT merge-split of the stubborn grid and its neighbours
(:func:`gis.exact.exact_partition`) where flips and swaps get stuck.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from gis.adjacency import UnitGraph, check_connected
from gis.budget import SafetyLimit, unlimited
from gis.errors import GisError
from gis.exact import exact_partition
from gis.partition import Partition
from gis.search import LocalSearch
from gis.seeding import seed

log = logging.getLogger(__name__)

DEFAULT_TARGET = 300.0
DEFAULT_TOLERANCE = 0.05
#: Villages (pieces) up to this many units get the whole-village exact model when the
#: search leaves a grid out of tolerance, with this much CP-SAT deterministic time.
EXACT_VILLAGE_UNITS = 150
EXACT_WORK = 0.5
#: Exact merge-split attempts per piece: base + per grid (times ``effort``).
REPAIRS_BASE = 2
REPAIRS_PER_GRID = 1
#: CP-SAT deterministic time of one merge-split: base + per unit in it.
EXACT_WORK_BASE = 0.02
EXACT_WORK_PER_UNIT = 0.002
#: Cost of one cut edge (a grid's d² at 5 % is 0.0025).
CUT_WEIGHT = 0.002


class BalanceError(GisError, ValueError):
    """Grids cannot be drawn from this input; :attr:`problems` lists every reason."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class Piece:
    """One connected set of free units of a village and the grids it gets."""

    village: str
    nodes: NDArray[np.int64]
    k: int


def _check_inputs(graph: UnitGraph, weights: NDArray[np.float64], target: float,
                  tolerance: float, villages: list[str]) -> None:
    problems: list[str] = []
    if not (isinstance(target, int | float) and math.isfinite(target) and target > 0):
        problems.append(f"target {target!r} is not a positive workload: give e.g. --target 300")
    if not (0 <= tolerance < 1):
        problems.append(f"tolerance {tolerance!r} must be a fraction in [0, 1), e.g. 0.05")
    neg = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    for i in neg[:20]:
        problems.append(f"unit {graph.ids[i]}: workload {weights[i]} is negative or missing")
    present = set(graph.village)
    for v in villages:
        if v not in present:
            problems.append(f"village {v} has no units: build units for it first "
                            "(`gridpatrol units`) or leave it out of --village")
    if problems:
        raise BalanceError("cannot balance: " + "; ".join(problems[:5]), problems)


def plan_pieces(graph: UnitGraph, weights: NDArray[np.float64], *, target: float,
                tolerance: float, villages: list[str], pinned: NDArray[np.bool_],
                count: int | Mapping[str, int] | None = None,
                oversize: Literal["error", "pin"] = "error",
                islands: Literal["error", "separate"] = "error") -> tuple[list[Piece], NDArray]:
    """Split every village into pieces of free units and decide each piece's grid count.

    Returns the pieces and the (possibly extended) pinned mask.  Raises
    :class:`BalanceError` listing every problem: islands, oversize units, impossible counts.
    """
    _check_inputs(graph, weights, target, tolerance, villages)
    pinned = pinned.copy()
    problems: list[str] = []
    in_scope = np.flatnonzero(np.isin(graph.village, np.asarray(villages, dtype=object)))
    if islands == "error":
        problems += check_connected(graph, in_scope)
    limit = target * (1.0 + tolerance)
    big = np.flatnonzero((weights > limit) & ~pinned & np.isin(graph.village, villages))
    if oversize == "pin":
        pinned[big] = True
    else:
        for i in big[:20]:
            problems.append(
                f"unit {graph.ids[i]} (village {graph.village[i]}) has workload "
                f"{weights[i]:.0f} > target {target:g} + {tolerance:.0%}: no grid holding it "
                f"can meet the target — raise --target to ≥ {weights[i] / (1 + tolerance):.0f}"
                " or pin the unit as an exclusive grid (units.pinned)")
    pieces: list[Piece] = []
    for v in villages:
        nodes = in_scope[graph.village[in_scope] == v]
        free = nodes[~pinned[nodes]]
        comps = graph.components(free)
        want = count.get(v) if isinstance(count, Mapping) else count
        ks = _allocate([float(weights[c].sum()) for c in comps], [len(c) for c in comps],
                       target, want)
        if ks is None:
            problems.append(f"village {v}: {want} grid(s) cannot cover its {len(comps)} "
                            "separate pieces of free units (pinned units split it): ask for "
                            f"at least {len(comps)} grids")
            continue
        pieces += [Piece(v, c, kc) for c, kc in zip(comps, ks, strict=True)]
    if problems:
        raise BalanceError(f"cannot balance ({len(problems)} problem(s)): " + problems[0],
                           problems)
    return pieces, pinned


def triage(graph: UnitGraph, weights: NDArray[np.float64], *, target: float,
           tolerance: float, villages: list[str], pinned: NDArray[np.bool_],
           count: int | Mapping[str, int] | None = None,
           oversize: Literal["error", "pin"] = "error",
           islands: Literal["error", "separate"] = "error") -> dict[str, list[str]]:
    """Why each village that cannot be balanced cannot be (``{}``: every one can).

    Problems of the whole run (a bad target or tolerance, a village without units) raise
    :class:`BalanceError` at once; problems of one village (units in several pieces, a unit
    heavier than the target, too few grids for its pieces) are listed under that village, so
    a caller can balance the others.
    """
    _check_inputs(graph, weights, target, tolerance, villages)
    out: dict[str, list[str]] = {}
    for v in villages:
        try:
            plan_pieces(graph, weights, target=target, tolerance=tolerance, villages=[v],
                        pinned=pinned, count=count, oversize=oversize, islands=islands)
        except BalanceError as exc:
            out[v] = exc.problems or [str(exc)]
    return out


def _allocate(loads: list[float], sizes: list[int], target: float,
              want: int | None) -> list[int] | None:
    """Grid counts per piece: ≥ 1 each, ≤ its units, summing to *want* or ≈ load / target."""
    if not loads:
        return []
    total = sum(loads)
    k = want if want is not None else max(len(loads), sum(max(1, round(x / target))
                                                          for x in loads))
    if k < len(loads):
        return None
    k = min(k, sum(sizes))
    ks = [1] * len(loads)
    for _ in range(k - len(loads)):
        # give the next grid to the piece whose grids are heaviest
        order = sorted(range(len(loads)), key=lambda c: -(loads[c] or total) / ks[c])
        c = next((c for c in order if ks[c] < sizes[c]), None)
        if c is None:
            break
        ks[c] += 1
    return ks


def optimise(graph: UnitGraph, weights: NDArray[np.float64], start: NDArray[np.int64],
             ideal: NDArray[np.float64], tolerance: float, *, rng: np.random.Generator,
             origin: NDArray[np.int64] | None = None, frozen: set[int] | None = None,
             effort: float = 1.0, exact_units: int = 60, compact: float = 0.1,
             cut: float = CUT_WEIGHT, limit: SafetyLimit | None = None) -> NDArray[np.int64]:
    """Improve a contiguous partition of a connected graph (see :mod:`gis.search`).

    Budgets are deterministic (sweeps, exact attempts, CP-SAT deterministic time), scaled by
    *effort*; *limit* is the outer wall-clock guard and records when it bites.
    """
    limit = limit or unlimited()
    search = LocalSearch(graph, weights, start, ideal, tolerance, origin=origin,
                         stay=0.05 if origin is not None else 0.0, compact=compact, cut=cut,
                         frozen=frozen, rng=rng)
    search.descend(limit=limit)
    tried: set[tuple[int, ...]] = set()
    attempts = max(1, round(effort * (REPAIRS_BASE + REPAIRS_PER_GRID * len(ideal))))
    while attempts > 0 and not limit.expired("exact repairs"):
        bad = search.out_of_tolerance()
        if not bad:
            break
        used, helped = _repair_round(search, graph, weights, bad, tried, attempts, origin, rng,
                                     exact_units, effort, limit)
        attempts -= used
        if not helped:
            break
    if search.out_of_tolerance() and graph.n <= EXACT_VILLAGE_UNITS:
        # a small village: the whole of it in the exact model, with its own budget
        whole = tuple(g for g in range(search.k) if g not in search.frozen)
        if _exact_step(search, graph, weights, whole, EXACT_WORK * effort, origin, rng, limit):
            search.descend(max_sweeps=20, limit=limit)
    return search.assignment()


def _repair_round(search: LocalSearch, graph: UnitGraph, weights: NDArray[np.float64],
                  bad: list[int], tried: set[tuple[int, ...]], attempts: int,
                  origin: NDArray[np.int64] | None, rng: np.random.Generator,
                  max_units: int, effort: float, limit: SafetyLimit) -> tuple[int, bool]:
    """Exact merge-splits around grids out of tolerance until one helps (at most *attempts*).

    Returns ``(attempts used, whether one helped)``.
    """
    used = 0
    for g in bad:
        for hood in _neighbourhoods(search, g, max_units):
            if hood in tried:
                continue
            if used >= attempts or limit.expired("exact repairs"):
                return used, False
            tried.add(hood)
            used += 1
            units = sum(len(search.members[h]) for h in hood)
            work = effort * (EXACT_WORK_BASE + EXACT_WORK_PER_UNIT * units)
            if _exact_step(search, graph, weights, hood, work, origin, rng, limit):
                search.descend(limit=limit)
                tried.clear()
                return used, True
    return used, False


def _neighbourhoods(search: LocalSearch, g: int, max_units: int) -> list[tuple[int, ...]]:
    """Candidate groups around grid *g*: pairs, then triples, then everything near it."""
    sign = np.sign(search.dev(g))
    nbrs = sorted(search.neighbour_grids(g) - search.frozen,
                  key=lambda o: search.dev(o) * sign)
    out = [tuple(sorted((g, h))) for h in nbrs]
    for h in nbrs[:3]:
        for o in sorted(search.neighbour_grids(h) - {g} - search.frozen,
                        key=lambda o: search.dev(o) * sign)[:3]:
            out.append(tuple(sorted((g, h, o))))
    out.append(_neighbourhood(search, g, max_units))
    return list(dict.fromkeys(out))


def _neighbourhood(search: LocalSearch, g: int, max_units: int) -> tuple[int, ...]:
    """Grid *g* and neighbouring grids (breadth first) up to *max_units* units."""
    hood = [g]
    size = len(search.members[g])
    frontier = [g]
    while frontier:
        nxt = []
        for h in frontier:
            for o in sorted(search.neighbour_grids(h) - set(hood) - search.frozen,
                            key=lambda o: search.dev(o) * np.sign(search.dev(g))):
                if size + len(search.members[o]) > max_units:
                    continue
                hood.append(o)
                size += len(search.members[o])
                nxt.append(o)
        frontier = nxt
    return tuple(sorted(hood))


def _exact_step(search: LocalSearch, graph: UnitGraph, weights: NDArray[np.float64],
                hood: tuple[int, ...], work: float, origin: NDArray[np.int64] | None,
                rng: np.random.Generator, limit: SafetyLimit) -> bool:
    """Re-partition the grids *hood* exactly (CP-SAT merge-split); keep it if it is better."""
    if len(hood) < 2:
        return False
    nodes = np.array(sorted(i for g in hood for i in search.members[g]), dtype=np.int64)
    local = {g: p for p, g in enumerate(hood)}
    sub = graph.subgraph(nodes)
    cur = np.array([local[search.a[i]] for i in nodes], dtype=np.int64)
    org = None
    if origin is not None:
        org = np.array([local.get(int(origin[i]), -1) for i in nodes], dtype=np.int64)
    ideal = np.array([search.T[g] for g in hood])
    res = exact_partition(sub, weights[nodes], ideal, search.tol, hint=cur, origin=org,
                          work=work, seed=int(rng.integers(1 << 30)), limit=limit)
    if res is None:
        return False
    moves = [(int(i), hood[int(p)]) for i, p, c in zip(nodes, res, cur, strict=True) if p != c]
    return bool(moves) and search.try_moves(moves)


def balance_piece(graph: UnitGraph, weights: NDArray[np.float64], nodes: NDArray[np.int64],
                  k: int, tolerance: float, *, rng: np.random.Generator,
                  initial: NDArray[np.int64] | None = None, effort: float = 1.0,
                  limit: SafetyLimit | None = None) -> NDArray[np.int64]:
    """Grids ``0 … k-1`` for the connected *nodes*; *initial* (local labels) warm-starts."""
    sub = graph.subgraph(nodes)
    w = weights[nodes]
    ideal = np.full(k, w.sum() / k)
    warm = initial is not None and _valid_start(sub, initial, k)
    start = initial if warm else seed(sub, w, k, rng=rng)
    assert start is not None
    if k == 1:
        return start
    return optimise(sub, w, start, ideal, tolerance, rng=rng, effort=effort, limit=limit,
                    origin=initial if warm else None)


def _valid_start(sub: UnitGraph, initial: NDArray[np.int64], k: int) -> bool:
    if len(initial) != sub.n or initial.min() < 0 or initial.max() >= k:
        return False
    if np.any(np.bincount(initial, minlength=k) == 0):
        return False
    return all(len(sub.components(np.flatnonzero(initial == p))) == 1 for p in range(k))


def balance(graph: UnitGraph, weights: NDArray[np.float64], *, rng: np.random.Generator,
            target: float = DEFAULT_TARGET, tolerance: float = DEFAULT_TOLERANCE,
            count: int | Mapping[str, int] | None = None, pinned: NDArray[np.bool_] | None = None,
            villages: list[str] | None = None, initial: NDArray[np.object_] | None = None,
            oversize: Literal["error", "pin"] = "error",
            islands: Literal["error", "separate"] = "error", effort: float = 1.0,
            limit: SafetyLimit | None = None,
            progress: Callable[[str], None] | None = None) -> Partition:
    """Balanced, contiguous grids for every village of *graph*.

    Parameters
    ----------
    graph, weights
        Units and their workload (:mod:`gis.workload`).
    rng
        The only source of randomness (METIS seeds, move order).
    target, tolerance
        Target workload per grid and allowed |deviation| (fraction).
    count
        A fixed number of grids (per village when a mapping) instead of ``target``.
    pinned
        Units that are exclusive grids of their own.
    villages
        Villages to balance (default all); the result then covers only their units
        (``partition.graph`` is the subgraph of those villages).
    initial
        The current grid id of every unit (re-run: move as few units as possible; an
        existing grid keeps its id).
    oversize
        ``"error"`` (default): a unit heavier than the target + tolerance is an error;
        ``"pin"``: such units become exclusive grids.
    islands
        ``"error"`` (default): a village whose units are not connected is an error naming
        the islands; ``"separate"``: each connected piece gets grids of its own.
    effort
        Multiplies every search budget (sweeps, exact attempts, CP-SAT deterministic time):
        budgets are steps, never seconds, so a seed gives the same grids on any machine.
    limit
        The outer wall-clock safety limit; :attr:`SafetyLimit.events` says if it bit.
    progress
        Called with each village id once it is done.

    Returns a :class:`Partition` over the units of *villages*; slots' labels are the
    initial grid ids where a grid carried over, else ``""`` (the caller numbers them).
    """
    pinned = np.zeros(graph.n, dtype=bool) if pinned is None else np.asarray(pinned, bool)
    weights = np.asarray(weights, dtype=np.float64)
    if villages is not None and set(villages) != set(graph.village):
        _check_inputs(graph, weights, target, tolerance, list(villages))
        keep = np.flatnonzero(np.isin(graph.village, np.asarray(list(villages), dtype=object)))
        graph, weights, pinned = graph.subgraph(keep), weights[keep], pinned[keep]
        initial = None if initial is None else np.asarray(initial, dtype=object)[keep]
    villages = sorted(set(graph.village)) if villages is None else list(villages)
    pieces, pinned = plan_pieces(graph, weights, target=target, tolerance=tolerance,
                                 villages=villages, pinned=pinned, count=count,
                                 oversize=oversize, islands=islands)
    assign = np.full(graph.n, -1, dtype=np.int64)
    labels: list[str] = []
    vills: list[str] = []
    ideal: list[float] = []
    pins: list[bool] = []
    for i in np.flatnonzero(pinned & np.isin(graph.village, villages)):
        assign[i] = len(labels)
        labels.append(str(initial[i]) if initial is not None and initial[i] else "")
        vills.append(str(graph.village[i]))
        ideal.append(float(weights[i]))
        pins.append(True)
    done: set[str] = set()
    for piece in pieces:
        init_local, names = _initial_labels(initial, piece)
        local = balance_piece(graph, weights, piece.nodes, piece.k, tolerance, rng=rng,
                              initial=init_local, effort=effort, limit=limit)
        base = len(labels)
        assign[piece.nodes] = base + local
        total = float(weights[piece.nodes].sum())
        for p in range(piece.k):
            labels.append(names[p] if init_local is not None and p < len(names) else "")
            vills.append(piece.village)
            ideal.append(total / piece.k)
            pins.append(False)
        if progress is not None and piece.village not in done:
            progress(piece.village)
        done.add(piece.village)
    labels = _dedupe(labels)
    return Partition(graph=graph, assignment=assign, weights=weights, labels=tuple(labels),
                     villages=tuple(vills), ideal=np.asarray(ideal), pinned=np.asarray(pins),
                     tolerance=tolerance)


def _initial_labels(initial: NDArray[np.object_] | None, piece: Piece
                    ) -> tuple[NDArray[np.int64] | None, list[str]]:
    """Local start labels from the current grid ids when they give exactly ``k`` grids."""
    if initial is None:
        return None, []
    cur = [str(v) if v is not None and str(v) not in ("", "nan", "None") else ""
           for v in initial[piece.nodes]]
    if "" in cur:
        return None, []
    names = sorted(set(cur))
    if len(names) != piece.k:
        return None, []
    index = {g: p for p, g in enumerate(names)}
    return np.array([index[g] for g in cur], dtype=np.int64), names


def _dedupe(labels: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for lab in labels:
        if lab and lab in seen:
            lab = ""
        seen.add(lab)
        out.append(lab)
    return out
