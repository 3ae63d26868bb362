"""Grid numbering and the ``grids`` layer frame (dissolved polygons and figures)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS
from gis.partition import Partition

FIGURES = ("households", "members", "mines", "fire_area_m2")


def unit_geoms_metric(units: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Unit geometries in their local UTM zone (m)."""
    from gis.adjacency import to_metric

    return to_metric(units).geometry


def number_grids(part: Partition, codes: dict[str, str]) -> Partition:
    """Give every unlabelled grid a code: village code + sequence west→east, north→south.

    Grids that kept their id (re-runs, edits) keep it; new ones are numbered after the
    highest sequence already used in their village.
    """
    g = part.graph
    area = np.bincount(part.assignment, weights=g.area, minlength=part.k)
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = np.bincount(part.assignment, weights=g.area * g.x, minlength=part.k) / area
        cy = np.bincount(part.assignment, weights=g.area * g.y, minlength=part.k) / area
    labels = list(part.labels)
    active = set(part.active.tolist())
    for village in sorted(set(part.villages)):
        slots = [s for s in range(part.k) if part.villages[s] == village and s in active]
        code = codes.get(village, village)
        used = [int(lab[len(code):]) for lab in labels if lab.startswith(code)
                and lab[len(code):].isdigit()]
        new = [s for s in slots if not labels[s]]
        if not new:
            continue
        band = math.sqrt(float(np.median(area[slots])) or 1.0)
        new.sort(key=lambda s: (-math.floor(cy[s] / band), cx[s]))
        seq = max(used, default=0)
        for s in new:
            seq += 1
            labels[s] = f"{code}{seq:03d}"
    return part.with_slots(part.assignment, labels=tuple(labels), villages=part.villages,
                           ideal=part.ideal, pinned=part.pinned)


def _multi(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "GeometryCollection":
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
        return shapely.MultiPolygon(polys)
    return geom


def grid_frame(part: Partition, units: gpd.GeoDataFrame, versions: dict[str, int],
               workers: dict[str, object] | None = None) -> gpd.GeoDataFrame:
    """The ``grids`` rows of *part* (units in node order, storage CRS).

    Geometry is the coverage union of each grid's units; figures are sums over its units;
    ``deviation`` is workload / ideal − 1 (0 for pinned grids).
    """
    workers = workers or {}
    geoms = np.asarray(units.to_crs(STORAGE_CRS).geometry.values)
    rows = []
    dev = part["deviation"]
    load = part["workload"]
    for s in part.active:
        nodes = part.units_of(int(s))
        try:
            shape = shapely.coverage_union_all(geoms[nodes])
        except shapely.errors.GEOSException:
            shape = shapely.union_all(geoms[nodes])
        row = {"grid_id": part.labels[s], "village_id": part.villages[s],
               "code": part.labels[s], "version": versions.get(part.villages[s], 1),
               "workload": float(load[s]), "deviation": float(dev[s]),
               "pinned": bool(part.pinned[s]),
               "worker": workers.get(part.labels[s]), "geometry": _multi(shape)}
        for f in FIGURES:
            vals = pd.to_numeric(units[f].iloc[nodes], errors="coerce").fillna(0)
            row[f] = float(vals.sum()) if f == "fire_area_m2" else int(vals.sum())
        rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)
