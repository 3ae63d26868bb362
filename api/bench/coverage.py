"""``gridpatrol bench coverage``: the one coverage against the old ``GET /coverage`` code.

A synthetic county on a 40 × 50 lattice of 0.01° cells (about 1 km): 2,000 grids (one per
cell), 2,000 mines (one per cell centre) and 40,000 visits over 120 days, each inside a cell
and naming either its cell's mine or its grid (1 % dated in the future).  Both
implementations run in this process, one thread each, on the same GeoPackage store:

* **old** — the ``api.services.coverage.coverage`` that shipped before (kept below, verbatim
  but for its name, as the anchor): a Python loop over the objects that scans every visit;
* **new** — :func:`api.services.coverage.coverage` over :func:`gis.coverage.visit_figures`.

For ``by=mine`` and ``by=grid``: the best and the median of *repeats* runs of each, from the
store (what a request pays) and on frames already in memory (the counting alone); and
whether the two agree on ``visits_total`` for every object (they must: every visit lies
strictly inside its cell and names a mine or a grid of that cell).  Target: new < 0.5 s.
Wall-clock and process CPU seconds are both reported: on a loaded machine the wall figure
grows with the load (given as ``load_avg_1m``), the CPU figure much less.
``--quick``: 10 × 20 cells, 4,000 visits.
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPolygon, Point, box

from api.services.coverage import coverage
from gis.coverage import visit_figures
from layers.store import Reader, open_store

X0, Y0, D = 112.0, 37.5, 0.01
NOW = datetime(2026, 4, 1, 4, tzinfo=UTC)
TARGET_S = 0.5


def _layers(cols: int, rows: int, visits: int, seed: int = 11) -> dict[str, gpd.GeoDataFrame]:
    cells = [(i, j) for j in range(rows) for i in range(cols)]
    gid = [f"G{i:03d}{j:03d}" for i, j in cells]
    mid = [f"M{i:03d}{j:03d}" for i, j in cells]
    grids = gpd.GeoDataFrame(
        {"grid_id": gid, "village_id": "V1", "code": [f"140000000001{k:03d}" for k in
                                                      range(len(cells))]},
        geometry=[MultiPolygon([box(X0 + i * D, Y0 + j * D, X0 + (i + 1) * D, Y0 + (j + 1) * D)])
                  for i, j in cells], crs=4326)
    mines = gpd.GeoDataFrame({"site_id": mid, "name": [f"矿{k}" for k in range(len(cells))],
                              "kind": "coal_mine", "status": "producing"},
                             geometry=[Point(X0 + (i + .5) * D, Y0 + (j + .5) * D)
                                       for i, j in cells], crs=4326)
    rng = np.random.default_rng(seed)
    cell = rng.integers(0, len(cells), visits)
    ij = np.array(cells)[cell]
    xy = (ij + rng.uniform(0.05, 0.95, (visits, 2))) * D + (X0, Y0)
    named = np.where(rng.random(visits) < 0.5, np.array(mid)[cell], np.array(gid)[cell])
    ages = rng.uniform(-1.2, 120, visits)  # about 1 % in the future
    times = [pd.Timestamp(NOW) - pd.Timedelta(days=float(a)) for a in ages]
    inspections = gpd.GeoDataFrame(
        {"visit_id": [f"v{k}" for k in range(visits)], "site_id": named, "inspector": "bench",
         "time": pd.to_datetime(times, utc=True).floor("ms")},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=4326)
    return {"grids": grids, "mine_sites": mines, "inspections": inspections}


# ----------------------------------------------------------- the anchor: the old code
_OLD_LAYER = {"grid": ("grids", "grid_id", "code"), "mine": ("mine_sites", "site_id", "name")}


def _old_summary(times: pd.Series, now: pd.Timestamp) -> dict[str, Any]:
    month = now.normalize().replace(day=1)
    if times.empty:
        return {"visits_total": 0, "visits_this_month": 0, "last_visit": None,
                "days_since_last_visit": None}
    last = times.max()
    return {"visits_total": int(len(times)), "visits_this_month": int((times >= month).sum()),
            "last_visit": last.isoformat(),
            "days_since_last_visit": round((now - last).total_seconds() / 86400, 2)}


def _old_inside(visits: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, id_field: str
                ) -> pd.Series:
    if visits.empty or polygons.empty:
        return pd.Series(dtype="datetime64[ns, UTC]")
    joined = gpd.sjoin(visits[["time", "geometry"]], polygons[[id_field, "geometry"]],
                       predicate="within", how="inner")
    return joined.set_index(id_field)["time"]


def old_coverage(store: Reader, *, by: str, now: datetime) -> list[dict[str, Any]]:
    """The ``coverage`` of ``api/services/coverage.py`` before the one coverage (by≠leader)."""
    now_ts = pd.Timestamp(now).tz_convert("UTC")
    visits = store.read("inspections")
    visits = visits[pd.to_datetime(visits["time"], utc=True) <= now_ts] if len(visits) else visits
    layer, id_field, name_field = _OLD_LAYER[by]
    objects = store.read(layer)
    if by == "mine":
        times = visits.set_index("site_id")["time"] if len(visits) else pd.Series(dtype=object)
    else:
        times = _old_inside(visits, objects, id_field)
    rows = []
    for oid, name in zip(objects[id_field], objects[name_field], strict=True):
        sel = times[times.index == oid] if len(times) else times
        rows.append({"id": str(oid), "name": None if pd.isna(name) else str(name),
                     **_old_summary(pd.to_datetime(sel, utc=True), now_ts)})
    return rows


# ----------------------------------------------------------------------- timing
def _times(fn: Callable[[], Any], repeats: int) -> tuple[list[tuple[float, float]], Any]:
    """``[(wall s, process CPU s)] × repeats`` and the last result."""
    out, result = [], None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        out.append((time.perf_counter() - w0, time.process_time() - c0))
    return out, result


def _summary(runs: list[tuple[float, float]]) -> dict[str, float]:
    wall, cpu = [w for w, _ in runs], [c for _, c in runs]
    return {"best_s": round(min(wall), 4), "median_s": round(statistics.median(wall), 4),
            "best_cpu_s": round(min(cpu), 4), "runs": len(runs)}


def _compare(store: Reader, layers: dict[str, gpd.GeoDataFrame], by: str, repeats: int
             ) -> dict[str, Any]:
    old_s, old_rows = _times(lambda: old_coverage(store, by=by, now=NOW), repeats)
    new_s, new_rows = _times(lambda: coverage(store, by=by, now=NOW), repeats)  # type: ignore[arg-type]
    targets = layers["grids" if by == "grid" else "mine_sites"]
    id_field = "grid_id" if by == "grid" else "site_id"
    compute_s, _ = _times(lambda: visit_figures(layers["inspections"], targets,
                                                id_field=id_field, now=NOW), repeats)
    old_total = {r["id"]: r["visits_total"] for r in old_rows}
    new_total = {r["id"]: r["visits_total"] for r in new_rows}
    return {"old_store": _summary(old_s), "new_store": _summary(new_s),
            "new_compute_only": _summary(compute_s),
            "speedup_best": round(min(w for w, _ in old_s) / min(w for w, _ in new_s), 1),
            "speedup_cpu": round(min(c for _, c in old_s) / min(c for _, c in new_s), 1),
            "agree_visits_total": old_total == new_total,
            "visits_counted": int(sum(new_total.values()))}


def run(*, quick: bool = False, out: Path | None = None) -> dict[str, Any]:
    """Time old and new coverage on the synthetic county; returns the JSON object.

    Parameters
    ----------
    quick
        10 × 20 cells and 4,000 visits, one run each (a smoke run).
    out
        Unused (the command writes the JSON there itself).
    """
    cols, rows, visits, repeats = (10, 20, 4_000, 1) if quick else (40, 50, 40_000, 3)
    layers = _layers(cols, rows, visits)
    quiet = logging.getLogger("api.services.coverage")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the future visits are on purpose: no warning per run
    with tempfile.TemporaryDirectory(prefix="gridpatrol-bench-coverage-") as tmp:
        store = open_store(Path(tmp) / "coverage.gpkg")
        try:
            for name, frame in layers.items():
                store.replace(name, frame)
            results = {by: _compare(store, layers, by, repeats) for by in ("mine", "grid")}
        finally:
            store.close()
            quiet.setLevel(level)
    worst = max(r["new_store"]["best_s"] for r in results.values())
    worst_cpu = max(r["new_store"]["best_cpu_s"] for r in results.values())
    return {"bench": "coverage", "sites": cols * rows, "visits": visits, "now": NOW.isoformat(),
            "target_s": TARGET_S, "meets_target": worst < TARGET_S,
            "meets_target_cpu": worst_cpu < TARGET_S, "by": results,
            "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)}}
