"""Where derived areas may go: the finest real admin area covering each place.

Real admin areas (from OSM or the user's files) come at three levels, coarse to fine:
county, township, village.  Derived townships and villages must nest in the finest real area
that covers them, so the study area is first split along every real boundary into *cells*
(:func:`finest_cover`): each cell is one connected polygon owned by the finest real area over
it (a real village, else a real township, else a real county), or by nobody (the free rest,
where areas are derived freely).  Slivers that mismatched boundaries leave between real areas
(thinner than :data:`MIN_WIDTH_M` on average) are dropped.

:func:`crossings` measures the result: the derived areas that lie partly inside and partly
outside a real area.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

LEVELS = ("county", "township", "village")
RANK = {name: i for i, name in enumerate(LEVELS)}
#: A cell whose mean width (2 × area / perimeter) is below this is a sliver (metres).
MIN_WIDTH_M = 10.0
#: Free (uncovered) parts smaller than this are dropped (m²).
MIN_FREE_M2 = 1_000_000.0
#: A derived area counts as crossing a real one when between these shares of it lie inside.
CROSS_SHARE = (0.01, 0.99)


@dataclass(frozen=True)
class Cell:
    """One connected part of the study area and the finest real area covering it."""

    owner: str | None
    level: str | None
    geometry: BaseGeometry


def polygon_parts(geom: BaseGeometry) -> list[BaseGeometry]:
    """The polygons of *geom* (a Polygon, MultiPolygon or collection), largest first."""
    parts = [p for p in getattr(geom, "geoms", [geom])
             if p.geom_type == "Polygon" and not p.is_empty]
    nested = [q for p in getattr(geom, "geoms", []) if p.geom_type == "MultiPolygon"
              for q in p.geoms]
    return sorted(parts + nested, key=lambda p: -p.area)


def is_sliver(part: BaseGeometry) -> bool:
    """Whether *part* is thinner than :data:`MIN_WIDTH_M` on average."""
    return 2.0 * part.area < MIN_WIDTH_M * max(part.length, 1e-9)


def _fine_first(real: gpd.GeoDataFrame) -> np.ndarray:
    rank = real["level"].map(RANK).fillna(-1).to_numpy()
    return np.lexsort((real.geometry.area.to_numpy(), -rank))


def finest_cover(real: gpd.GeoDataFrame, area: BaseGeometry) -> list[Cell]:
    """Split *area* into cells owned by the finest real area covering them (metric CRS).

    Parameters
    ----------
    real
        ``area_id``, ``level`` (county | township | village) and geometry of the real areas.
    area
        The study area.

    Returns the cells: real villages first, then townships, counties (each finest and
    smallest first), then the free parts of at least :data:`MIN_FREE_M2`.
    """
    cells: list[Cell] = []
    covered: BaseGeometry = shapely.Polygon()
    for i in _fine_first(real):
        row = real.iloc[i]
        own = shapely.difference(shapely.intersection(row.geometry, area), covered)
        covered = shapely.union(covered, own)
        cells += [Cell(str(row["area_id"]), str(row["level"]), p) for p in polygon_parts(own)
                  if not is_sliver(p)]
    rest = shapely.difference(area, covered)
    cells += [Cell(None, None, p) for p in polygon_parts(rest) if p.area >= MIN_FREE_M2]
    return cells


def real_parents(real: gpd.GeoDataFrame) -> dict[str, str | None]:
    """Each real area's parent: the finest real area of a coarser level holding most of it."""
    out: dict[str, str | None] = {}
    rank = real["level"].map(RANK).to_numpy()
    area = real.geometry.area.to_numpy()
    for i in range(len(real)):
        geom = real.geometry.iloc[i]
        best, best_key = None, None
        for j in np.flatnonzero(rank < rank[i]):
            share = shapely.intersection(geom, real.geometry.iloc[j]).area / max(area[i], 1e-9)
            key = (rank[j], -area[j])
            if share > 0.5 and (best_key is None or key > best_key):
                best, best_key = str(real["area_id"].iloc[j]), key
        out[str(real["area_id"].iloc[i])] = best
    return out


def crossings(derived: gpd.GeoDataFrame, real: gpd.GeoDataFrame
              ) -> list[tuple[str, str, float]]:
    """``(derived area_id, real area_id, share inside)`` for every derived area whose boundary
    crosses a real area's: between 1 % and 99 % of it lies inside the real area, and the real
    area does not lie (99 %) inside it either (a derived township may hold real villages)."""
    out: list[tuple[str, str, float]] = []
    if derived.empty or real.empty:
        return out
    d_idx, r_idx = real.sindex.query(derived.geometry.values, predicate="intersects")
    d_geom, r_geom = derived.geometry.values[d_idx], real.geometry.values[r_idx]
    shared = shapely.area(shapely.intersection(d_geom, r_geom))
    share = shared / np.maximum(shapely.area(d_geom), 1e-9)
    held = shared / np.maximum(shapely.area(r_geom), 1e-9)
    lo, hi = CROSS_SHARE
    for d, r, s, h in zip(d_idx, r_idx, share, held, strict=True):
        if lo < s < hi and h < hi:
            out.append((str(derived["area_id"].iloc[d]), str(real["area_id"].iloc[r]),
                        round(float(s), 4)))
    return out
