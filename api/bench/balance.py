"""``gridpatrol bench balance``: our grids against GerryChain ReCom, METIS and spopt.

Instances: (A) 400 Voronoi units in a 10 km square, households lognormal (σ 0.6) scaled to a
mean of 47, seeded, target 400 → k = 47; (B) 1,500 such units (k ≈ 176); (C) the demo's real
units (from ``$GRIDPATROL_BENCH_DB``, else built by ``gridpatrol demo``), village by village, at the
demo target (:data:`DEMO_TARGET`).  Every method runs in one bench run on the same graph
(each in a forked child with a wall-clock budget, so one that never finishes is reported as
timed out);
deviations are from each village's ideal (its workload / its grid count).  spopt's methods
cluster on the units' centroids (x, y) — they have no balance constraint; MaxP uses a
per-region floor of the ideal workload.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import random
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from queue import Empty
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from api.services.demo import DEMO_TARGET
from gis.adjacency import UnitGraph, build_graph
from gis.balance import balance, seed
from gis.partition import Partition

log = logging.getLogger(__name__)

SEED = 20240405
TOLERANCE = 0.05
RECOM_EPSILON = 0.10
RECOM_STEPS = 2000
SLOW_MAX_UNITS = 500
#: Wall-clock budget per method and instance (a quarter of it with --quick).
METHOD_TIMEOUT_S = 600.0


def voronoi_units(n: int, *, seed_: int = SEED, side: float = 10_000.0, mean: float = 47.0,
                  sigma: float = 0.6) -> gpd.GeoDataFrame:
    """*n* Voronoi units in a square (UTM 50N metres) with lognormal households."""
    rng = np.random.default_rng(seed_ + n)
    pts = shapely.multipoints(rng.uniform(0, side, (n, 2)))
    box = shapely.box(0, 0, side, side)
    polys = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box)),
                                 box)
    hh = rng.lognormal(0.0, sigma, n)
    hh = np.maximum(1, np.rint(hh / hh.mean() * mean)).astype(int)
    return gpd.GeoDataFrame({"unit_id": [f"u{i}" for i in range(n)], "village_id": "V",
                             "households": hh}, geometry=polys, crs=32650)


def _score(graph: UnitGraph, w: np.ndarray, assign: np.ndarray, ideal_of: np.ndarray,
           village_of: list[str]) -> dict[str, Any]:
    k = int(assign.max()) + 1
    part = Partition(graph=graph, assignment=assign, weights=w, labels=tuple(map(str, range(k))),
                     villages=tuple(village_of), ideal=ideal_of, pinned=np.zeros(k, bool))
    s = part["summary"]
    return {"max_dev": round(s["max_dev"], 4), "mean_dev": round(s["mean_dev"], 4),
            "within_10": round(s["within_10"], 4), "contiguous": round(s["contiguous"], 4),
            "cut_edges": s["cut_edges"], "pp_mean": round(s["pp_mean"], 4),
            "units_per_grid": round(graph.n / max(s["grids"], 1), 2), "grids": s["grids"]}


def _ours(sub: UnitGraph, w: np.ndarray, k: int, quick: bool) -> np.ndarray:
    part = balance(sub, w, rng=np.random.default_rng(SEED), count=k, tolerance=TOLERANCE,
                   target=max(float(w.sum()) / k, 1e-9), oversize="pin")
    return part.assignment


def _pymetis(sub: UnitGraph, w: np.ndarray, k: int, quick: bool) -> np.ndarray:
    return seed(sub, w, k, rng=np.random.default_rng(SEED))


def _recom(sub: UnitGraph, w: np.ndarray, k: int, quick: bool) -> np.ndarray:
    import networkx as nx
    from gerrychain import Graph, MarkovChain
    from gerrychain import Partition as GPartition
    from gerrychain.constraints import contiguous
    from gerrychain.proposals import recom
    from gerrychain.tree import bipartition_tree
    from gerrychain.updaters import Tally, cut_edges

    if k == 1:
        return np.zeros(sub.n, dtype=np.int64)
    nxg = nx.Graph()
    for i in range(sub.n):
        nxg.add_node(i, pop=float(w[i]))
    i_e, j_e, _ = sub.edges()
    nxg.add_edges_from(zip(i_e.tolist(), j_e.tolist(), strict=True))
    graph = Graph.from_networkx(nxg)
    start = seed(sub, w, k, rng=np.random.default_rng(SEED))  # METIS start (tree-part stalls)
    ideal = float(w.sum()) / k
    init = GPartition(graph, {i: int(start[i]) for i in range(sub.n)},
                      updaters={"population": Tally("pop", alias="population"),
                                "cut_edges": cut_edges})

    def max_dev(p: GPartition) -> float:
        return max(abs(v / ideal - 1.0) for v in p["population"].values())

    def proposal(p: GPartition) -> GPartition:
        return recom(p, pop_col="pop", pop_target=ideal, epsilon=RECOM_EPSILON, node_repeats=2,
                     bipartition_tree_fn=partial(bipartition_tree, max_attempts=1000,
                                                 allow_pair_reselection=True), rng=rng)

    rng = random.Random(SEED)
    steps = 200 if quick else RECOM_STEPS
    chain = MarkovChain(proposal, [contiguous], lambda p: max_dev(p) <= max_dev(p.parent),
                        init, total_steps=steps, rng=rng)
    best = init
    for p in chain:
        if max_dev(p) < max_dev(best):
            best = p
    return np.array([int(best.assignment[i]) for i in range(sub.n)], dtype=np.int64)


def _spopt(kind: str) -> Callable[[UnitGraph, np.ndarray, int, bool], np.ndarray]:
    def run(sub: UnitGraph, w: np.ndarray, k: int, quick: bool) -> np.ndarray:
        import libpysal
        import pandas as pd
        from spopt.region import AZP, MaxPHeuristic, RegionKMeansHeuristic, Skater

        if k == 1:
            return np.zeros(sub.n, dtype=np.int64)
        if kind in ("skater", "maxp") and sub.n > SLOW_MAX_UNITS:
            msg = (f"skipped: spopt {kind} took > 90 s (Skater) / > 40 min unfinished (MaxP) "
                   f"on 400–1,500 units here; not run on {sub.n} units")
            raise RuntimeError(msg)
        nb = {i: sub.neighbors(i).tolist() for i in range(sub.n)}
        wts = libpysal.weights.W(nb, silence_warnings=True)
        df = gpd.GeoDataFrame({"x": sub.x, "y": sub.y, "w": w},
                              geometry=shapely.points(sub.x, sub.y))
        attrs = ["x", "y"]
        if kind == "azp":
            model = AZP(df, wts, attrs, n_clusters=k, random_state=SEED)
        elif kind == "maxp":
            # reduced iterations: with spopt's defaults MaxP ran > 40 min on the demo
            model = MaxPHeuristic(df, wts, attrs, "w", float(w.sum()) / k, top_n=2,
                                  max_iterations_construction=10, max_iterations_sa=2)
        elif kind == "skater":
            model = Skater(df, wts, attrs, n_clusters=k)
        else:
            model = RegionKMeansHeuristic(pd.DataFrame(df[attrs]).to_numpy(), k, wts)
        model.solve()
        labels = np.asarray(model.labels_)
        return np.unique(labels, return_inverse=True)[1].astype(np.int64)

    return run


METHODS: dict[str, Callable[[UnitGraph, np.ndarray, int, bool], np.ndarray]] = {
    "ours": _ours, "gerrychain_recom": _recom, "pymetis": _pymetis,
    "spopt_azp": _spopt("azp"), "spopt_maxp": _spopt("maxp"),
    "spopt_skater": _spopt("skater"), "spopt_regionkmeans": _spopt("regionkmeans"),
}


def _problems(graph: UnitGraph, w: np.ndarray, target: float
              ) -> list[tuple[str, np.ndarray, int]]:
    """``(village, nodes, k)`` per village with k = round(workload / target) ≥ 1."""
    out = []
    for v in sorted(set(graph.village)):
        for nodes in graph.components(np.flatnonzero(graph.village == v)):
            k = max(1, min(len(nodes), round(float(w[nodes].sum()) / target)))
            out.append((str(v), nodes, k))
    return out


def run_with_timeout(fn: Callable[[], dict[str, Any]], seconds: float) -> dict[str, Any]:
    """Run *fn* in a forked child and return its result; a method that runs past *seconds*
    is killed and reported as timed out (spopt's MaxP can run for most of an hour)."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def child() -> None:
        try:
            queue.put(("ok", fn()))
        except Exception as exc:  # noqa: BLE001 - sent to the parent as the method's error
            queue.put(("error", f"{type(exc).__name__}: {exc}"))

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    try:
        status, value = queue.get(timeout=seconds)
    except Empty:
        proc.kill()
        proc.join()
        msg = f"timed out after {seconds:.0f} s"
        raise TimeoutError(msg) from None
    proc.join()
    if status == "error":
        raise RuntimeError(value)
    return value


def run_instance(name: str, units: gpd.GeoDataFrame, w: np.ndarray, target: float, *,
                 quick: bool, methods: list[str] | None = None) -> dict[str, Any]:
    """Every method on one instance (village by village), scored on the whole instance."""
    graph = build_graph(units)
    probs = _problems(graph, w, target)
    ideal_w = np.concatenate([w[n] / max(float(w[n].sum()) / k, 1e-9) for _, n, k in probs])
    out: dict[str, Any] = {
        "name": name, "units": graph.n, "grids": sum(k for _, _, k in probs),
        "largest_unit_share": round(float(ideal_w.max()), 4), "methods": {}}
    budget = METHOD_TIMEOUT_S / (4 if quick else 1)
    for mname in methods or list(METHODS):
        def attempt(mname: str = mname) -> dict[str, Any]:
            t0 = time.perf_counter()
            assign = np.full(graph.n, -1, dtype=np.int64)
            ideal: list[float] = []
            vill: list[str] = []
            for v, nodes, k in probs:
                sub = graph.subgraph(nodes)
                local = METHODS[mname](sub, w[nodes], k, quick)
                kk = int(local.max()) + 1
                assign[nodes] = len(ideal) + local
                ideal += [float(w[nodes].sum()) / k] * kk
                vill += [v] * kk
            secs = time.perf_counter() - t0
            return {"seconds": round(secs, 3), **_score(graph, w, assign, np.asarray(ideal),
                                                        vill)}

        try:
            out["methods"][mname] = run_with_timeout(attempt, budget)
        except Exception as exc:  # a failing method reports, the others still run
            log.warning("%s on %s failed: %s", mname, name, exc)
            out["methods"][mname] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return out


def _demo_units() -> gpd.GeoDataFrame:
    from layers.store import open_store

    path = os.environ.get("GRIDPATROL_BENCH_DB")
    if not path:
        from api.services.demo import run_demo

        out = Path(os.environ.get("TMPDIR", "/tmp")) / "gridpatrol-bench-demo"
        run_demo(out, progress=False)
        path = str(out / "gridpatrol.gpkg")
    store = open_store(path, create=False)
    try:
        units = store.read("units")
    finally:
        store.close()
    if units.empty:
        raise RuntimeError(f"no units in {path}")
    return units


def _edit_ms(units: gpd.GeoDataFrame, w: np.ndarray, target: float) -> float:
    """Median ms of a move preview + local rebalance on the largest village's plan."""
    from gis import edits

    graph = build_graph(units)
    vills, counts = np.unique(graph.village, return_counts=True)
    big = vills[np.argmax(counts)]
    part = balance(graph, w, rng=np.random.default_rng(SEED), target=target, villages=[big],
                   oversize="pin")
    part = part.with_slots(part.assignment, labels=tuple(f"g{i}" for i in range(part.k)),
                           villages=part.villages, ideal=part.ideal, pinned=part.pinned)
    i, j, _ = part.graph.edges()
    cut = np.flatnonzero(part.assignment[i] != part.assignment[j])
    times = []
    for e in cut[:: max(1, len(cut) // 20)][:20]:
        u, dst = part.graph.ids[i[e]], part.labels[part.assignment[j[e]]]
        t0 = time.perf_counter()
        try:
            prev = edits.move_units(part, [str(u)], dst)
            edits.rebalance(prev.partition, list(prev.grids), rng=np.random.default_rng(0))
        except edits.EditRefused:
            pass
        times.append((time.perf_counter() - t0) * 1000)
    return round(float(np.median(times)), 1) if times else math.nan


def _stability(units: gpd.GeoDataFrame, w: np.ndarray, target: float) -> float:
    """Share of units moved by a re-run after changing 5 % of the unit weights (±30 %)."""
    graph = build_graph(units)
    rng = np.random.default_rng(SEED)
    first = balance(graph, w, rng=rng, target=target, oversize="pin")
    ids = np.asarray(first.labels, dtype=object)
    labels = np.array([f"g{s}" for s in range(first.k)], dtype=object)
    initial = labels[first.assignment]
    w2 = w.copy()
    pick = rng.choice(len(w), size=max(1, len(w) // 20), replace=False)
    w2[pick] = np.maximum(1, np.rint(w2[pick] * rng.uniform(0.7, 1.3, len(pick))))
    second = balance(graph, w2, rng=np.random.default_rng(SEED + 1), target=target,
                     initial=initial, oversize="pin")
    after = np.asarray(second.labels, dtype=object)[second.assignment]
    del ids
    return round(float(np.mean(after != initial)), 4)


def run(*, quick: bool = False, out: Path | None = None) -> dict[str, Any]:
    """The benchmark; ``quick`` cuts ReCom to 200 steps and skips instances B and D (5,000
    units, ours and METIS only: the scale target)."""
    instances = []
    a = voronoi_units(400)
    wa = a["households"].to_numpy(float)
    instances.append(run_instance("A", a, wa, 400.0, quick=quick))
    if not quick:
        b = voronoi_units(1500)
        instances.append(run_instance("B", b, b["households"].to_numpy(float), 400.0,
                                      quick=quick))
        d = voronoi_units(5000)  # the scale target (≤ 60 s): ours, with METIS for reference
        instances.append(run_instance("D", d, d["households"].to_numpy(float), 400.0,
                                      quick=quick, methods=["ours", "pymetis"]))
    try:
        c = _demo_units()
        wc = c["households"].astype(float).to_numpy()
        instances.append(run_instance("C", c, wc, DEMO_TARGET, quick=quick))
        edit_ms = _edit_ms(c, wc, DEMO_TARGET)
    except Exception as exc:
        log.warning("instance C unavailable: %s", exc)
        instances.append({"name": "C", "error": f"{type(exc).__name__}: {exc}"[:300]})
        edit_ms = _edit_ms(a, wa, 400.0)
    return {"instances": instances, "edit_ms": edit_ms,
            "stability_moved": _stability(a, wa, 400.0)}
