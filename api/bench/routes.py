"""``gridpatrol bench routes``: travel-time matrix, day routes and the campaign, side by side.

Fair by construction: every row says how many processes it used, and rows are compared
only at equal CPU.

* ``matrix``: a jittered 316 × 316 grid (~100,000 nodes, 8 % of the streets removed,
  largest strongly connected component) with 200 sites: our CSR multi-source Dijkstra vs
  networkx single-source Dijkstra from every site, on a plain ``DiGraph`` (parallel edges
  collapsed to the fastest, as our CSR does).  **Serial against serial** (one process
  each) and **parallel against parallel** (the sources split over the same number of
  forked processes for both).  ``quick``: networkx from 10 sources, scaled up to 200 and
  said so in ``networkx_sources_timed``.
* ``day``: the demo road graph (the store at ``$GRIDPATROL_BENCH_DB`` if set, else North
  Bayreuth read straight from the OSM extract through :func:`gis.roads.roads_from_osm_lines`)
  with 60/120/200 random candidate sites, 3 teams, 8 h, each method with the same time
  limit: ours with one search per core (``ours``) and with one (``ours_1_worker``, the
  equal-CPU row for single-threaded OR-Tools: transit matrices registered with
  ``RegisterTransitMatrix``, guided local search), the reference PyVRP with 60 s and the
  same workers as ``ours``, and greedy nearest-neighbour.
* ``campaign``: 8 weeks on 120 of those sites, ours vs the greedy most-overdue × risk policy.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from data import OSM_BAYREUTH
from gis import matrix as gm
from gis.campaign import CampaignConfig, run_campaign
from gis.observers import evaluate
from gis.patrol import (
    PRIZE_SCALE,
    DayPlan,
    DayProblem,
    Stop,
    TeamRoute,
    greedy_day,
    plan_from_routes,
    solve_day,
)
from gis.risk import site_risk
from gis.roads import NodeIndex, graph_to_csr, road_graph, roads_from_osm_lines
from gis.sites import DEFAULT_VISIT_MIN

log = logging.getLogger(__name__)
KINDS = (("coal_mine", "producing", 0.15), ("coal_mine", "closed", 0.1),
         ("fire_zone", 2, 0.25), ("village", None, 0.5))


def grid_graph(side: int = 316, *, drop: float = 0.08, seed: int = 0) -> nx.MultiDiGraph:
    """A county-sized road-like graph: jittered grid, some streets removed, largest SCC."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph()
    xy = np.c_[np.repeat(np.arange(side), side), np.tile(np.arange(side), side)] * 300.0
    xy += rng.normal(0, 60, xy.shape)
    idx = np.arange(side * side).reshape(side, side)
    pairs = np.r_[np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()],
                  np.c_[idx[:-1, :].ravel(), idx[1:, :].ravel()]]
    pairs = pairs[rng.random(len(pairs)) >= drop]
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    speed = rng.choice([25.0, 40.0, 60.0], len(pairs), p=[0.6, 0.3, 0.1]) / 3.6
    tt = np.round(length / speed, 3)
    for i in range(side * side):
        g.add_node(i, x=xy[i, 0], y=xy[i, 1])
    for (a, b), w in zip(pairs.tolist(), tt.tolist(), strict=True):
        g.add_edge(a, b, travel_time=w)
        g.add_edge(b, a, travel_time=w)
    big = max(nx.strongly_connected_components(g), key=len)
    return g.subgraph(big).copy()


def plain_digraph(g: nx.MultiDiGraph, weight: str = "travel_time") -> nx.DiGraph:
    """*g* as a ``DiGraph``: one edge per ordered pair, the fastest of the parallel ones."""
    out = nx.DiGraph()
    out.add_nodes_from(g.nodes)
    for u, v, w in g.edges(data=weight):
        if not out.has_edge(u, v) or w < out[u][v][weight]:
            out.add_edge(u, v, **{weight: w})
    return out


#: The graph a forked networkx worker searches (set once in each worker process).
_NX_WORKER: dict[str, Any] = {}


def _nx_init(graph: nx.DiGraph, targets: list[int]) -> None:
    _NX_WORKER.update(graph=graph, targets=targets)


def _nx_rows(sources: list[int]) -> np.ndarray:
    return gm.networkx_matrix(_NX_WORKER["graph"], sources, _NX_WORKER["targets"])


def networkx_matrix_timed(g: nx.DiGraph, sources: list[int], targets: list[int],
                          workers: int) -> tuple[np.ndarray, float]:
    """networkx single-source Dijkstra from *sources*, split over *workers* forked
    processes (1: this process); ``(rows, seconds)``."""
    t0 = time.perf_counter()
    if workers <= 1:
        _nx_init(g, targets)
        rows = _nx_rows(sources)
    else:
        parts = [list(p) for p in np.array_split(sources, workers) if len(p)]
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(len(parts), mp_context=ctx, initializer=_nx_init,
                                 initargs=(g, targets)) as pool:
            rows = np.vstack(list(pool.map(_nx_rows, parts)))
    return rows, time.perf_counter() - t0


def bench_matrix(*, quick: bool, sites: int = 200, side: int = 316) -> dict[str, Any]:
    """Ours vs networkx (plain DiGraph): serial vs serial, parallel vs parallel."""
    g = grid_graph(side)
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    csr, nodes = graph_to_csr(g)
    csr_s = time.perf_counter() - t0
    rows = rng.choice(len(nodes), sites, replace=False)
    workers = os.cpu_count() or 1
    t0 = time.perf_counter()
    serial = gm.travel_time_matrix(csr, rows)
    serial_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    parallel = gm.travel_time_matrix(csr, rows, workers=workers)
    parallel_s = time.perf_counter() - t0
    if not np.array_equal(parallel, serial):
        msg = "parallel and serial matrices differ"
        raise RuntimeError(msg)
    digraph = plain_digraph(g)
    targets = nodes[rows].tolist()
    timed = 10 if quick else sites
    scale = sites / timed
    ref, nx_serial_s = networkx_matrix_timed(digraph, targets[:timed], targets, 1)
    _, nx_parallel_s = networkx_matrix_timed(digraph, targets[:timed], targets, workers)
    diff = float(np.abs(serial[:timed] - ref).max())
    return {"sites": sites, "nodes": int(len(nodes)), "csr_build_s": round(csr_s, 3),
            "networkx_graph": "DiGraph (parallel edges collapsed to the fastest)",
            "networkx_sources_timed": timed,
            "serial": {"processes": 1, "ours_s": round(serial_s, 3),
                       "networkx_s": round(nx_serial_s * scale, 2),
                       "speedup": round(nx_serial_s * scale / serial_s, 1)},
            "parallel": {"processes": workers, "ours_s": round(parallel_s, 3),
                         "networkx_s": round(nx_parallel_s * scale, 2),
                         "speedup": round(nx_parallel_s * scale / parallel_s, 1)},
            "max_abs_diff_s": diff}


def demo_graph() -> nx.MultiDiGraph:
    """The demo road graph: from the store at $GRIDPATROL_BENCH_DB, else the OSM extract."""
    db = os.environ.get("GRIDPATROL_BENCH_DB")
    if db:
        from layers.store import open_store

        store = open_store(db, create=False)
        try:
            return road_graph(store.read("roads"))
        finally:
            store.close()
    import pyogrio

    lines = pyogrio.read_dataframe(f"/vsigzip/{OSM_BAYREUTH}", layer="lines")
    return road_graph(roads_from_osm_lines(lines))


def instance(g: nx.MultiDiGraph, csr: Any, nodes: np.ndarray, n: int, *, seed: int,
             teams: int = 3, hours: float = 8.0) -> tuple[DayProblem, pd.DataFrame]:
    """*n* random sites of mixed kinds on *g*, depot at the node nearest the centre."""
    rng = np.random.default_rng(seed)
    idx = NodeIndex(g)
    _, xy = idx.ids, np.array([(g.nodes[v]["x"], g.nodes[v]["y"]) for v in nodes])
    centre = xy.mean(axis=0)
    depot = int(idx.nearest(np.array([centre[0]]), np.array([centre[1]]))[0][0])
    row = {int(v): i for i, v in enumerate(nodes.tolist())}
    cand = rng.choice(np.setdiff1d(np.arange(len(nodes)), [row[depot]]), n, replace=False)
    pick = rng.choice(len(KINDS), n, p=[k[2] for k in KINDS])
    sites = pd.DataFrame({"site_id": [f"s{i:03d}" for i in range(n)],
                          "kind": [KINDS[k][0] for k in pick],
                          "status": pd.Series([KINDS[k][1] for k in pick], dtype=object)})
    mat = gm.travel_time_matrix(csr, np.r_[row[depot], cand])
    risk = site_risk(sites, dt.date(2025, 4, 3)) * rng.uniform(0.7, 1.3, n)
    service = sites["kind"].map(DEFAULT_VISIT_MIN).to_numpy(float) * 60
    return DayProblem(mat, tuple(sites["site_id"]), service, np.round(risk, 3), teams,
                      hours), sites


def ortools_day(problem: DayProblem, *, seconds: float) -> DayPlan:
    """OR-Tools baseline: transit matrices, optional visits as disjunctions, GLS."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(problem.site_ids)
    d = np.round(problem.duration).astype(np.int64)
    service = np.r_[0, np.round(problem.service_s).astype(np.int64)]
    manager = pywrapcp.RoutingIndexManager(n + 1, problem.teams, 0)
    routing = pywrapcp.RoutingModel(manager)
    cost = routing.RegisterTransitMatrix(d.tolist())
    timed = routing.RegisterTransitMatrix((d + service[:, None]).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    routing.AddDimension(timed, problem.shift_s, problem.shift_s, True, "time")
    for i in range(n):
        routing.AddDisjunction([manager.NodeToIndex(i + 1)],
                               int(round(problem.prize[i] * PRIZE_SCALE)))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    sol = routing.SolveWithParameters(params)
    routes = []
    for team in range(problem.teams):
        stops, t, here, drive = [], 0, 0, 0
        index = routing.Start(team)
        while sol is not None and not routing.IsEnd(index := sol.Value(routing.NextVar(index))):
            node = manager.IndexToNode(index)
            t += d[here, node]
            drive += d[here, node]
            stops.append(Stop(problem.site_ids[node - 1], node - 1, t, t, t + service[node]))
            t, here = t + service[node], node
        routes.append(TeamRoute(team, tuple(stops), int(drive + d[here, 0]), int(t + d[here, 0])))
    return plan_from_routes(problem, routes)


def _row(plan: DayPlan, seconds: float, processes: int) -> dict[str, float]:
    return {"processes": processes, "seconds": round(seconds, 2),
            "cpu_s": round(seconds * processes, 2), "prize": round(plan.prize, 3),
            "drive_s": plan.drive_s, "visited": sum(len(r.stops) for r in plan.routes)}


def _timed_plan(solve: Any, processes: int) -> dict[str, float]:
    t0 = time.perf_counter()
    plan = solve()
    return _row(plan, time.perf_counter() - t0, processes)


def bench_day(g: nx.MultiDiGraph, csr: Any, nodes: np.ndarray, *, quick: bool) -> list[dict]:
    """The methods on 60, 120 and 200 candidate sites, each with the same time limit."""
    out = []
    workers = os.cpu_count() or 1
    limit = 1.0 if quick else 9.5
    long_limit = 5.0 if quick else 60.0
    for n in (60, 120, 200):
        problem, _ = instance(g, csr, nodes, n, seed=n)
        methods = {
            "ours": _timed_plan(lambda p=problem: solve_day(
                p, seconds=limit, seed=1, workers=workers), workers),
            "ours_1_worker": _timed_plan(lambda p=problem: solve_day(
                p, seconds=limit, seed=1), 1),
            "ortools": _timed_plan(lambda p=problem: ortools_day(p, seconds=limit), 1),
            "pyvrp_reference": _timed_plan(lambda p=problem: solve_day(
                p, seconds=long_limit, seed=101, workers=workers), workers),
            "greedy": _timed_plan(lambda p=problem: greedy_day(p), 1),
        }
        best = methods["pyvrp_reference"]["prize"]
        for name in ("ours", "ours_1_worker", "ortools"):
            methods[name]["pct_of_reference"] = round(100 * methods[name]["prize"] / best, 2)
        out.append({"sites": n, "teams": problem.teams, "hours": problem.hours,
                    "time_limit_s": limit, "reference_limit_s": long_limit,
                    "equal_cpu": {"ours_1_worker_vs_ortools": round(
                        methods["ours_1_worker"]["prize"] - methods["ortools"]["prize"], 3)},
                    "methods": methods})
        log.info("day %d sites: %s", n, methods)
    return out


def bench_campaign(g: nx.MultiDiGraph, csr: Any, nodes: np.ndarray, *, quick: bool,
                   weeks: int = 8, n: int = 120) -> dict[str, Any]:
    """Ours vs greedy most-overdue × risk over *weeks* weeks (simulated findings)."""
    from api.services.campaign import initial_capacity, make_router, working_days

    problem, sites = instance(g, csr, nodes, n, seed=7)
    router = make_router(problem.duration, problem.service_s, problem.site_ids,
                         teams=problem.teams, hours=problem.hours,
                         iterations=100 if quick else 250, seconds=30.0)
    dates = working_days(dt.date(2025, 3, 3), weeks)
    coal = ((sites["kind"] == "coal_mine") & (sites["status"] == "producing")).to_numpy()
    ids = sites["site_id"].to_numpy()

    def risk_fn(day: dt.date, open_f: np.ndarray) -> np.ndarray:
        return site_risk(sites, day, findings=set(ids[open_f]))

    cap = initial_capacity(problem.duration, problem.service_s, problem.teams, problem.hours)
    policies = {}
    for policy in ("mixed", "greedy"):
        res = run_campaign(dates, risk_fn, router, n_sites=n, teams=problem.teams,
                           config=CampaignConfig(capacity=cap), rng=np.random.default_rng(11),
                           coal_mine=coal, policy=policy, findings_prob=np.full(n, 0.1))
        m = evaluate(res)
        policies["ours" if policy == "mixed" else "greedy"] = {
            "tv": m.tv, "max_gap_days": m.max_gap_days, "never_visited": m.never_visited,
            "entropy_pct": m.entropy_pct, "observer_best": m.observer_best,
            "chance": m.chance, "chance_uniform": m.chance_uniform, "observers": m.observers}
    return {"weeks": weeks, "sites": n, "policies": policies}


def run(*, quick: bool = False, out: Any = None) -> dict[str, Any]:
    """Run the three benches; *quick* shortens every time limit (a smoke test)."""
    result: dict[str, Any] = {"matrix": bench_matrix(quick=quick)}
    g = demo_graph()
    csr, nodes = graph_to_csr(g)
    result["day"] = bench_day(g, csr, nodes, quick=quick)
    result["campaign"] = bench_campaign(g, csr, nodes, quick=quick)
    if out is not None:
        import json

        Path(out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return result
