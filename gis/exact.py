"""The exact small model: OR-Tools CP-SAT partition of a few dozen units into connected grids.

Used for small villages and for a few stubborn neighbouring grids (a merge-split of their
union).  Lexicographic objective by weights: workload outside the tolerance, then |deviation|,
then shared boundary cut (compactness), then moved units.  Contiguity by single-commodity flow:
each grid has one root that sends one unit of flow to every other member, along edges inside
the grid only.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from gis.adjacency import UnitGraph
from gis.budget import SafetyLimit, unlimited


def exact_partition(
    graph: UnitGraph,
    weights: NDArray[np.float64],
    ideal: NDArray[np.float64],
    tolerance: float,
    *,
    hint: NDArray[np.int64] | None = None,
    origin: NDArray[np.int64] | None = None,
    work: float = 1.0,
    seed: int = 0,
    limit: SafetyLimit | None = None,
) -> NDArray[np.int64] | None:
    """Partition the nodes of *graph* into ``len(ideal)`` connected grids, or ``None``.

    Parameters
    ----------
    graph
        A small connected graph (nodes ``0 … n-1``).
    weights, ideal
        Workload per node; ideal workload per grid.
    tolerance
        Allowed |deviation| (fraction).
    hint
        A feasible assignment to start from (its cost bounds the answer).
    origin
        Assignment to stay close to (moved units cost a little).
    work
        CP-SAT's budget in *deterministic* time (``max_deterministic_time``, about a second
        of work on a reference machine): the same model, hint and seed give the same answer
        on any machine and under any load.
    seed
        CP-SAT random seed (one worker, so results are reproducible).
    limit
        The run's wall-clock safety limit (CP-SAT's ``max_time_in_seconds``); when it stops
        the solver before its deterministic budget, the limit records it.
    """
    n, k = graph.n, len(ideal)
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    if n < k:
        return None
    scale = 1000.0 / max(float(np.max(ideal)), 1e-9)
    w = np.rint(np.asarray(weights) * scale).astype(int).tolist()
    t = np.rint(np.asarray(ideal) * scale).astype(int).tolist()
    m = cp_model.CpModel()
    x = [[m.new_bool_var(f"x{i}_{p}") for p in range(k)] for i in range(n)]
    for i in range(n):
        m.add_exactly_one(x[i])
    i_e, j_e, s_e = graph.edges()
    _contiguity(m, x, i_e.tolist(), j_e.tolist(), n, k)
    big = sum(w) + 1
    obj = []
    for p in range(k):
        load = sum(w[i] * x[i][p] for i in range(n))
        dev = m.new_int_var(0, big, f"dev{p}")
        m.add(dev >= load - t[p])
        m.add(dev >= t[p] - load)
        ex = m.new_int_var(0, big, f"ex{p}")
        m.add(ex >= dev - int(tolerance * t[p]))
        obj += [1_000_000 * ex, 1_000 * dev]
    smax = max(float(s_e.max()), 1e-9) if len(s_e) else 1.0
    for a, b, s in zip(i_e.tolist(), j_e.tolist(), s_e.tolist(), strict=True):
        cut = m.new_bool_var(f"c{a}_{b}")
        for p in range(k):
            m.add(cut >= x[a][p] - x[b][p])
        obj.append(int(round(100 * s / smax)) * cut)
    if origin is not None:
        obj += [50 * (1 - x[i][int(origin[i])]) for i in range(n) if 0 <= origin[i] < k]
    m.minimize(sum(obj))
    if hint is not None:
        for i in range(n):
            for p in range(k):
                m.add_hint(x[i][p], int(hint[i]) == p)
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = work
    limit = limit or unlimited()
    if math.isfinite(limit.remaining()):
        solver.parameters.max_time_in_seconds = max(limit.remaining(), 1e-3)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE) and \
            solver.deterministic_time < 0.999 * work:
        limit.record("exact CP-SAT partition")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array([next(p for p in range(k) if solver.value(x[i][p])) for i in range(n)],
                    dtype=np.int64)


def _contiguity(m: cp_model.CpModel, x: list[list[cp_model.IntVar]], i_e: list[int],
                j_e: list[int], n: int, k: int) -> None:
    arcs = list(zip(i_e, j_e, strict=True)) + list(zip(j_e, i_e, strict=True))
    for p in range(k):
        root = [m.new_bool_var(f"r{i}_{p}") for i in range(n)]
        m.add_exactly_one(root)
        inflow: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
        outflow: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
        for a, b in arcs:
            f = m.new_int_var(0, n, f"f{a}_{b}_{p}")
            m.add(f <= n * x[a][p])
            m.add(f <= n * x[b][p])
            outflow[a].append(f)
            inflow[b].append(f)
        for i in range(n):
            m.add_implication(root[i], x[i][p])
            m.add(sum(inflow[i]) - sum(outflow[i]) >= x[i][p] - n * root[i])
