"""Grid edit services: preview, commit of exactly what was previewed, history and revert.

``preview_edit`` runs an edit once (never writes) and returns its figures and a *token*
(:mod:`api.services.preview_tokens`) bound to the village's version and assignment.
``commit_preview`` writes the token's assignment — it never re-runs the edit, so what is
committed is what was previewed, whatever the machine's load — through the partition writer
(:mod:`api.services.partition_writer`): version re-checked, constraints checked and everything
written in one transaction.  ``commit_edit`` is preview + commit in one call.

Searches run deterministic budgets (steps; a seed reproduces a preview anywhere); the
wall-clock *safety_s* only guards them and the preview reports it when it bites.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely

from api.services.partition_writer import (
    AUTHOR,
    begin,
    current_versions,
    pinned_units,
    village_codes,
    write_partition,
)
from api.services.preview_tokens import PreviewToken, PreviewTokenError, assignment_digest
from gis import edits
from gis.adjacency import UnitGraph, build_graph, to_metric
from gis.budget import SafetyLimit
from gis.crs import STORAGE_CRS
from gis.errors import GisError
from gis.numbering import next_grid_id
from gis.partition import Partition, grid_figures
from layers.errors import ConflictError
from layers.store import Reader, Store, Transaction

#: Runs inside a commit's transaction with the commit's result (e.g. to audit it).
After = Callable[[Transaction, dict[str, Any]], None]

EditKind = Literal["move", "split", "merge", "redraw", "rebalance"]
#: Wall-clock safety limit of one edit preview (budgets are steps; this only guards them).
EDIT_SAFETY_S = 30.0


class PlanError(GisError, ValueError):
    """A village has no grids yet, or its stored plan is incomplete."""


@dataclass(frozen=True)
class VillagePartition:
    """A village's current grids, loaded from the store.

    Attributes
    ----------
    units
        The village's units (node order of ``partition.graph``).
    pinned
        Each unit's exclusive-grid flag.
    """

    village: str
    version: int
    units: gpd.GeoDataFrame
    partition: Partition
    pinned: np.ndarray

    @property
    def assignment(self) -> dict[str, str]:
        """``{unit_id: grid_id}`` as stored."""
        return _assignment(self.partition)


def _assignment(p: Partition) -> dict[str, str]:
    labels = np.asarray(p.labels, dtype=object)[p.assignment]
    return dict(zip(map(str, p.graph.ids), map(str, labels), strict=True))


def _partition(graph: UnitGraph, weights: np.ndarray, assignment: Mapping[str, str],
               village: str, pinned: np.ndarray, tolerance: float) -> Partition:
    """The partition of one village from ``{unit_id: grid_id}`` (grids with a pinned unit
    are exclusive; the others share the village's free workload equally)."""
    ids = [str(u) for u in graph.ids]
    labels = sorted({assignment[u] for u in ids})
    index = {g: s for s, g in enumerate(labels)}
    a = np.array([index[assignment[u]] for u in ids], dtype=np.int64)
    pins = np.zeros(len(labels), dtype=bool)
    pins[a[pinned]] = True
    load = np.bincount(a, weights=weights, minlength=len(labels))
    ideal = np.where(~pins, load[~pins].sum() / max(int((~pins).sum()), 1), load)
    return Partition(graph=graph, assignment=a, weights=weights, labels=tuple(labels),
                     villages=(village,) * len(labels), ideal=ideal, pinned=pins,
                     tolerance=tolerance)


def load_plan(store: Reader, *, village: str, tolerance: float = 0.05) -> VillagePartition:
    """The current partition of *village* (units → grids as stored); works in a transaction."""
    units = store.read("units", where={"village_id": village})
    if units.empty:
        raise PlanError(f"village {village} has no units")
    gids = units["grid_id"].astype(object)
    missing = units["unit_id"][gids.isna() | (gids.astype(str) == "")].astype(str).tolist()
    if missing:
        raise PlanError(f"village {village}: unit(s) {missing[:10]} have no grid: run "
                        "`gridpatrol balance` first")
    units = units.reset_index(drop=True)
    weights = units["workload"].astype(float).fillna(units["households"].astype(float))
    pinned = pinned_units(units)
    assignment = dict(zip(units["unit_id"].astype(str), gids.astype(str), strict=True))
    part = _partition(build_graph(units), weights.to_numpy(dtype=float), assignment, village,
                      pinned, tolerance)
    version = current_versions(store, [village])[village]
    return VillagePartition(village=village, version=version, units=units, partition=part,
                            pinned=pinned)


def village_of(store: Reader, *, grid_id: str | None = None,
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


def _apply(plan: VillagePartition, kind: EditKind, params: dict[str, Any], code: str,
           limit: SafetyLimit) -> edits.EditPreview:
    p = plan.partition
    rng = np.random.default_rng(int(params.get("seed", 0)))
    if kind == "move":
        return edits.move_units(p, list(params["units"]), str(params["to_grid"]))
    if kind == "split":
        return edits.split_grid(p, str(params["grid"]), new_id=next_grid_id(p.labels, code),
                                rng=rng, limit=limit)
    if kind == "merge":
        return edits.merge_grids(p, str(params["grid"]), str(params["other"]))
    if kind == "redraw":
        poly = params["polygon"]
        poly = shapely.from_geojson(poly) if isinstance(poly, str) else shapely.geometry.shape(
            poly) if isinstance(poly, dict) else poly
        metric = to_metric(plan.units).geometry
        poly_m = gpd.GeoSeries([poly], crs=STORAGE_CRS).to_crs(metric.crs).iloc[0]
        return edits.redraw(p, poly_m, str(params["to_grid"]), np.asarray(metric.values))
    if kind == "rebalance":
        return edits.rebalance(p, list(params["grids"]), rng=rng, limit=limit)
    raise edits.EditError(f"unknown edit {kind!r}: use move, split, merge, redraw or rebalance")


def _village(store: Reader, kind: EditKind, params: dict[str, Any]) -> str:
    if kind in ("move", "redraw"):
        return village_of(store, grid_id=str(params["to_grid"]))
    if kind == "rebalance":
        return village_of(store, grid_id=str(list(params["grids"])[0]))
    return village_of(store, grid_id=str(params["grid"]))


def preview_edit(store: Reader, *, kind: EditKind, params: dict[str, Any],
                 tolerance: float = 0.05, safety_s: float | None = EDIT_SAFETY_S
                 ) -> dict[str, Any]:
    """What the edit would do: ``{village, version, kind, grids, before, after, moved, token,
    safety_limit}``; send ``token`` to :func:`commit_preview` to write exactly this."""
    village = _village(store, kind, params)
    plan = load_plan(store, village=village, tolerance=tolerance)
    limit = SafetyLimit(safety_s)
    prev = _apply(plan, kind, params, village_codes(store, [village])[village], limit)
    base, after = plan.assignment, _assignment(prev.partition)
    retired = [lab for s, lab in enumerate(prev.partition.labels)
               if prev.partition.retired[s] and lab in set(base.values())]
    token = PreviewToken(village=village, version=plan.version, kind=kind, grids=prev.grids,
                         base=assignment_digest(base), result=assignment_digest(after),
                         moves={u: after[u] for u in prev.moved}, retired=tuple(retired))
    return {"village": village, "version": plan.version, **prev.as_dict(),
            "token": token.encode(), "safety_limit": limit.report()}


def _figures(p: Partition, grids: Sequence[str]) -> dict[str, dict]:
    return grid_figures(p, [p.labels.index(g) for g in grids if g in p.labels])


def commit_preview(store: Store, *, token: str, author: str = AUTHOR, reason: str = "",
                   expected_version: int | None = None, tolerance: float = 0.05,
                   after: After | None = None) -> dict[str, Any]:
    """Write the assignment a preview showed (never re-running the edit).

    Raises :class:`ConflictError` when the village moved on since the preview (or is not at
    *expected_version*), :class:`PreviewTokenError` for a damaged token and
    :class:`gis.partition.InvalidPartitionError` when the result breaks a constraint; nothing
    is written then.  *after(tx, result)* runs inside the commit's transaction (the web
    service writes its audit event there).
    """
    tok = PreviewToken.decode(token)
    if expected_version is not None and expected_version != tok.version:
        raise ConflictError(f"the preview was made on version {tok.version} of village "
                            f"{tok.village}, not {expected_version}: preview the edit again")
    with store.transaction() as tx:
        versions = begin(tx, [tok.village], {tok.village: tok.version})
        plan = load_plan(tx, village=tok.village, tolerance=tolerance)
        part = _partition(plan.partition.graph, plan.partition.weights,
                          tok.apply(plan.assignment), tok.village, plan.pinned, tolerance)
        write_partition(tx, part, plan.units, versions=versions, author=author,
                        reason=reason or f"{tok.kind} {list(tok.grids)}", pinned=plan.pinned,
                        before=plan.partition, units_from_tx=True)
        moved = [u for u in map(str, part.graph.ids) if u in tok.moves]
        result = {"village": tok.village, "version": versions[tok.village], "kind": tok.kind,
                  "grids": list(tok.grids), "before": _figures(plan.partition, tok.grids),
                  "after": _figures(part, tok.grids), "moved": moved}
        if after is not None:
            after(tx, result)
    return result


def commit_edit(store: Store, *, kind: EditKind, params: dict[str, Any],
                expected_version: int, author: str = AUTHOR, reason: str = "",
                tolerance: float = 0.05, after: After | None = None) -> dict[str, Any]:
    """Preview the edit and commit that preview (one computation, see :func:`commit_preview`)."""
    prev = preview_edit(store, kind=kind, params=params, tolerance=tolerance)
    if prev["version"] != expected_version:
        raise ConflictError(f"village {prev['village']} is at version {prev['version']}, not "
                            f"{expected_version}: reload the grids and redo the edit")
    return commit_preview(store, token=prev["token"], author=author, reason=reason,
                          expected_version=expected_version, tolerance=tolerance, after=after)


def history(store: Reader, *, village: str) -> list[dict[str, Any]]:
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
    :func:`commit_preview`)."""
    with store.transaction() as tx:
        versions = begin(tx, [village], None if expected_version is None
                         else {village: expected_version})
        hist = tx.read("grid_history", where={"village_id": village})
        row = hist[hist["version"] == int(version)]
        if row.empty:
            have = sorted(int(v) for v in hist["version"])
            raise edits.UnknownIdError(f"village {village} has no version {version} "
                                       f"(versions: {have})")
        assignment: dict[str, str] = dict(row["assignment"].iloc[0])
        plan = load_plan(tx, village=village)
        unknown = [u for u in plan.assignment if u not in assignment]
        if unknown:
            raise PlanError(f"version {version} of village {village} does not cover unit(s) "
                            f"{unknown[:10]} (the units changed since): rebalance instead")
        part = _partition(plan.partition.graph, plan.partition.weights, assignment, village,
                          plan.pinned, plan.partition.tolerance)
        write_partition(tx, part, plan.units, versions=versions, author=author,
                        reason=reason or f"revert to v{version}", pinned=plan.pinned,
                        units_from_tx=True)
        if after is not None:
            after(tx, {"village": village, "version": versions[village],
                       "reverted_to": int(version)})
    return {"village": village, "version": versions[village], "reverted_to": int(version),
            "summary": part["summary"]}


__all__ = ["EDIT_SAFETY_S", "PlanError", "PreviewTokenError", "VillagePartition",
           "commit_edit", "commit_preview", "history", "load_plan", "preview_edit", "revert"]
