"""Grid edit services: preview, commit (versioned), history and revert, per village.

``preview_edit`` never writes.  ``commit_edit`` recomputes the same edit (deterministic:
the seed is fixed), checks the village is still at ``expected_version`` inside the write
transaction (else :class:`layers.errors.ConflictError`) and writes the units, the village's
grids and a ``grid_history`` row in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely

from api.services.grid_frames import number_grids, unit_geoms_metric
from api.services.grids import (
    AUTHOR,
    _pinned,
    _write,
    current_versions,
    derived_code,
    village_codes,
)
from gis import edits
from gis.adjacency import build_graph
from gis.crs import STORAGE_CRS
from gis.errors import GisError
from gis.partition import Partition
from layers.store import Store, Transaction

#: Runs inside a commit's transaction with the commit's result (e.g. to audit it).
After = Callable[[Transaction, dict[str, Any]], None]

EditKind = Literal["move", "split", "merge", "redraw", "rebalance"]


class PlanError(GisError, ValueError):
    """A village has no grids yet, or its stored plan is incomplete."""


@dataclass(frozen=True)
class Plan:
    """A village's current plan, loaded from the store."""

    village: str
    version: int
    units: gpd.GeoDataFrame
    partition: Partition


def load_plan(store: Store, *, village: str, tolerance: float = 0.05) -> Plan:
    """The current partition of *village* (units → grids as stored)."""
    units = store.read("units", where={"village_id": village})
    if units.empty:
        raise PlanError(f"village {village} has no units")
    gids = units["grid_id"].astype(object)
    missing = units["unit_id"][gids.isna() | (gids.astype(str) == "")].astype(str).tolist()
    if missing:
        raise PlanError(f"village {village}: unit(s) {missing[:10]} have no grid: run "
                        "`gridpatrol balance` first")
    units = units.reset_index(drop=True)
    graph = build_graph(units)
    labels = sorted(set(gids.astype(str)))
    index = {g: s for s, g in enumerate(labels)}
    assign = np.array([index[str(g)] for g in gids], dtype=np.int64)
    weights = units["workload"].astype(float).fillna(units["households"].astype(float))
    w = weights.to_numpy(dtype=float)
    pins = np.zeros(len(labels), dtype=bool)
    pins[assign[_pinned(units)]] = True
    load = np.bincount(assign, weights=w, minlength=len(labels))
    free = ~pins
    ideal = np.where(free, load[free].sum() / max(int(free.sum()), 1), load)
    part = Partition(graph=graph, assignment=assign, weights=w, labels=tuple(labels),
                     villages=(village,) * len(labels), ideal=ideal, pinned=pins,
                     tolerance=tolerance)
    version = current_versions(store, [village])[village]
    return Plan(village=village, version=version, units=units, partition=part)


def village_of(store: Store, *, grid_id: str | None = None,
               unit_ids: Sequence[str] | None = None) -> str:
    """The village of a grid or of units (:class:`gis.edits.UnknownIdError` if unknown)."""
    if grid_id is not None:
        found = store.read("grids", ids=[grid_id])
        if found.empty:
            raise edits.UnknownIdError(f"unknown grid {grid_id!r}: no such grid in the store")
        return str(found["village_id"].iloc[0])
    found = store.read("units", ids=list(unit_ids or []))
    if found.empty:
        raise edits.UnknownIdError(f"unknown unit id(s) {list(unit_ids or [])[:10]}")
    return str(found["village_id"].iloc[0])


def _apply(plan: Plan, kind: EditKind, params: dict[str, Any], codes: dict[str, str]
           ) -> edits.EditPreview:
    p = plan.partition
    rng = np.random.default_rng(int(params.get("seed", 0)))
    if kind == "move":
        return edits.move_units(p, list(params["units"]), str(params["to_grid"]))
    if kind == "split":
        new_id = _next_id(p, codes.get(plan.village, derived_code(plan.village)))
        return edits.split_grid(p, str(params["grid"]), new_id=new_id, rng=rng)
    if kind == "merge":
        return edits.merge_grids(p, str(params["grid"]), str(params["other"]))
    if kind == "redraw":
        poly = params["polygon"]
        poly = shapely.from_geojson(poly) if isinstance(poly, str) else shapely.geometry.shape(
            poly) if isinstance(poly, dict) else poly
        metric = unit_geoms_metric(plan.units)
        poly_m = gpd.GeoSeries([poly], crs=STORAGE_CRS).to_crs(metric.crs).iloc[0]
        return edits.redraw(p, poly_m, str(params["to_grid"]), np.asarray(metric.values))
    if kind == "rebalance":
        return edits.rebalance(p, list(params["grids"]), rng=rng)
    raise edits.EditError(f"unknown edit {kind!r}: use move, split, merge, redraw or rebalance")


def _next_id(p: Partition, code: str) -> str:
    seqs = [int(lab.lstrip("\0")[len(code):]) for lab in p.labels
            if lab.lstrip("\0").startswith(code) and lab.lstrip("\0")[len(code):].isdigit()]
    return f"{code}{max(seqs, default=0) + 1:03d}"


def _village(store: Store, kind: EditKind, params: dict[str, Any]) -> str:
    if kind == "move" or kind == "redraw":
        return village_of(store, grid_id=str(params["to_grid"]))
    if kind == "rebalance":
        return village_of(store, grid_id=str(list(params["grids"])[0]))
    return village_of(store, grid_id=str(params["grid"]))


def preview_edit(store: Store, *, kind: EditKind, params: dict[str, Any],
                 tolerance: float = 0.05) -> dict[str, Any]:
    """What the edit would do: ``{village, version, kind, grids, before, after, moved}``."""
    village = _village(store, kind, params)
    plan = load_plan(store, village=village, tolerance=tolerance)
    prev = _apply(plan, kind, params, village_codes(store))
    return {"village": village, "version": plan.version, **prev.as_dict()}


def commit_edit(store: Store, *, kind: EditKind, params: dict[str, Any],
                expected_version: int, author: str = AUTHOR, reason: str = "",
                tolerance: float = 0.05, after: After | None = None) -> dict[str, Any]:
    """Apply the edit and write version ``expected_version + 1`` (ConflictError if stale).

    *after(tx, result)* runs inside the commit's transaction (the web service writes its audit
    event there)."""
    village = _village(store, kind, params)
    plan = load_plan(store, village=village, tolerance=tolerance)
    codes = village_codes(store)
    prev = _apply(plan, kind, params, codes)
    summary = prev.as_dict()

    def hook(tx: Any, versions: dict[str, int]) -> None:
        if after is not None:
            after(tx, {"village": village, "version": versions[village], **summary})

    version = _commit(store, plan, prev.partition, author=author,
                      reason=reason or f"{kind} {prev.grids}", expected=expected_version,
                      codes=codes, after=hook)
    return {"village": village, "version": version, **summary}


def _commit(store: Store, plan: Plan, part: Partition, *, author: str, reason: str,
            expected: int, codes: dict[str, str],
            after: Callable[[Any, dict[str, int]], None] | None = None) -> int:
    labels = tuple("" if lab.startswith("\0") else lab for lab in part.labels)
    part = part.with_slots(part.assignment, labels=labels, villages=part.villages,
                           ideal=part.ideal, pinned=part.pinned)
    part = number_grids(part, {plan.village: codes.get(plan.village,
                                                       derived_code(plan.village))})
    units = plan.units.copy()
    units["grid_id"] = np.asarray(part.labels, dtype=object)[part.assignment]
    versions = _write(store, units, part, units, [plan.village], author=author, reason=reason,
                      expected={plan.village: expected}, after=after)
    return versions[plan.village]


def history(store: Store, *, village: str) -> list[dict[str, Any]]:
    """Committed versions of *village*, newest first (without the assignments)."""
    hist = store.read("grid_history", where={"village_id": village})
    rows = hist.sort_values("version", ascending=False)
    return [{"version": int(r.version), "author": r.author, "time": str(r.time),
             "reason": r.reason, "grids": len(set(r.assignment.values()))}
            for r in rows.itertuples()]


def revert(store: Store, *, village: str, version: int, expected_version: int | None = None,
           author: str = AUTHOR, reason: str = "", after: After | None = None
           ) -> dict[str, Any]:
    """Restore the assignment of *version* as a new version of *village* (*after* as in
    :func:`commit_edit`)."""
    hist = store.read("grid_history", where={"village_id": village})
    row = hist[hist["version"] == int(version)]
    if row.empty:
        have = sorted(int(v) for v in hist["version"])
        raise edits.UnknownIdError(f"village {village} has no version {version} "
                                   f"(versions: {have})")
    assignment: dict[str, str] = row["assignment"].iloc[0]
    plan = load_plan(store, village=village)
    ids = [str(u) for u in plan.partition.graph.ids]
    unknown = [u for u in ids if u not in assignment]
    if unknown:
        raise PlanError(f"version {version} of village {village} does not cover unit(s) "
                        f"{unknown[:10]} (the units changed since): rebalance instead")
    labels = sorted(set(assignment[u] for u in ids))
    index = {g: s for s, g in enumerate(labels)}
    a = np.array([index[assignment[u]] for u in ids], dtype=np.int64)
    p = plan.partition
    pins = np.zeros(len(labels), dtype=bool)
    pins[a[_pinned(plan.units)]] = True
    load = np.bincount(a, weights=p.weights, minlength=len(labels))
    ideal = np.where(~pins, load[~pins].sum() / max(int((~pins).sum()), 1), load)
    part = p.with_slots(a, labels=tuple(labels), villages=(village,) * len(labels),
                        ideal=ideal, pinned=pins)
    expected = plan.version if expected_version is None else expected_version
    def hook(tx: Any, versions: dict[str, int]) -> None:
        if after is not None:
            after(tx, {"village": village, "version": versions[village],
                       "reverted_to": int(version)})

    new = _commit(store, plan, part, author=author, reason=reason or f"revert to v{version}",
                  expected=expected, codes=village_codes(store), after=hook)
    return {"village": village, "version": new, "reverted_to": int(version),
            "summary": part["summary"]}
