"""The grids of a partition as features: each grid's polygon is the union of its units.

:func:`dissolve_grids` turns a :class:`~gis.partition.Partition` and its units into the rows
of the ``grids`` layer (geometry, figures summed over the units, workload and deviation).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS
from gis.partition import Partition

#: Unit figures summed into each grid.
FIGURES = ("households", "members", "mines", "fire_area_m2")


def _multi(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "GeometryCollection":
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
        return shapely.MultiPolygon(polys)
    return geom


def dissolve_grids(part: Partition, units: gpd.GeoDataFrame, versions: Mapping[str, int],
                   workers: Mapping[str, object] | None = None) -> gpd.GeoDataFrame:
    """The grids of *part* as features (units in node order; output in the storage CRS).

    Parameters
    ----------
    part
        A partition whose grids all have ids (see :func:`gis.numbering.number_grids`).
    units
        The units, row *i* being node *i* of ``part.graph``, with the :data:`FIGURES` columns.
    versions
        The partition version of every village (the ``version`` column).
    workers
        The grid worker of grids that keep their id.

    Geometry is the coverage union of each grid's units (a MultiPolygon); figures are sums
    over its units; ``deviation`` is workload / ideal − 1 (0 for pinned grids).
    """
    workers = workers or {}
    geoms = np.asarray(units.to_crs(STORAGE_CRS).geometry.values)
    figures = {f: pd.to_numeric(units[f], errors="coerce").fillna(0).to_numpy(dtype=float)
               for f in FIGURES}
    rows = []
    dev, load = part["deviation"], part["workload"]
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
        for f, vals in figures.items():
            total = float(vals[nodes].sum())
            row[f] = total if f == "fire_area_m2" else int(round(total))
        rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)
