"""Geometry checks that collect every problem before anything is raised.

Each check returns a list of ``(position, message)`` pairs; callers name the feature (its id)
and raise once.  Repair (``make_valid``) happens only when the caller asks for it: it can turn
a bow-tie into two polygons, which changes what a feature means.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

Problem = tuple[int, str]

#: Input geometry types each storage type accepts (promoted on the way in).
ACCEPTS: dict[str, tuple[str, ...]] = {
    "Point": ("Point",),
    "LineString": ("LineString",),
    "MultiPolygon": ("Polygon", "MultiPolygon"),
}


def check_present(geoms: NDArray) -> list[Problem]:
    """Missing or empty geometries."""
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    return [(int(i), "geometry is missing or empty") for i in np.flatnonzero(bad)]


def check_type(geoms: NDArray, storage_type: str) -> list[Problem]:
    """Geometries whose type the layer cannot take (single-part MultiPoints etc. are fine)."""
    accepted = ACCEPTS[storage_type]
    problems = []
    for i, g in enumerate(geoms):
        if g is None or g.is_empty or g.geom_type in accepted:
            continue
        single = g.geom_type == f"Multi{storage_type}" and len(g.geoms) == 1
        if not single:
            problems.append((i, f"geometry is a {g.geom_type}; this layer takes {storage_type}"))
    return problems


def promote(geoms: NDArray, storage_type: str) -> NDArray:
    """Polygons → MultiPolygons, single-part multis → their part (call after check_type)."""
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            out[i] = g
        elif storage_type == "MultiPolygon" and g.geom_type == "Polygon":
            out[i] = shapely.MultiPolygon([g])
        elif g.geom_type == f"Multi{storage_type}" and len(g.geoms) == 1:
            out[i] = g.geoms[0]
        else:
            out[i] = g
    return out


def check_lonlat_range(geoms: NDArray) -> list[Problem]:
    """Coordinates outside longitude −180…180 or latitude −90…90 (or not finite)."""
    problems = []
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        xy = shapely.get_coordinates(g)
        if not np.isfinite(xy).all():
            problems.append((i, "coordinates are not finite numbers"))
            continue
        bad_x = (xy[:, 0] < -180) | (xy[:, 0] > 180)
        bad_y = (xy[:, 1] < -90) | (xy[:, 1] > 90)
        if bad_x.any() or bad_y.any():
            x, y = xy[np.flatnonzero(bad_x | bad_y)[0]]
            problems.append(
                (i, f"coordinate ({x:g}, {y:g}) is outside lon −180…180 / lat −90…90: "
                    "the file's CRS is probably wrong or missing (give --crs)")
            )
    return problems


def check_valid(geoms: NDArray) -> list[Problem]:
    """Invalid geometries, with GEOS's reason (e.g. ``Self-intersection[x y]``)."""
    valid = shapely.is_valid(geoms) | shapely.is_missing(geoms)
    reasons = shapely.is_valid_reason(geoms)
    return [(int(i), f"invalid geometry: {reasons[i]}") for i in np.flatnonzero(~valid)]


def repair(geom: BaseGeometry, storage_type: str) -> BaseGeometry:
    """``make_valid`` keeping only the parts of the layer's dimension."""
    fixed = shapely.make_valid(geom)
    if storage_type != "MultiPolygon":
        return fixed
    parts = [p for p in getattr(fixed, "geoms", [fixed]) if p.geom_type in ("Polygon",
                                                                              "MultiPolygon")]
    polys: list[shapely.Polygon] = []
    for p in parts:
        polys.extend(p.geoms if p.geom_type == "MultiPolygon" else [p])
    return shapely.MultiPolygon(polys)


def repair_all(geoms: Sequence[BaseGeometry | None], storage_type: str
               ) -> tuple[NDArray, list[int]]:
    """Repair the invalid geometries; returns the new array and the positions repaired."""
    arr = np.asarray(geoms, dtype=object)
    invalid = np.flatnonzero(~(shapely.is_valid(arr) | shapely.is_missing(arr)))
    out = arr.copy()
    for i in invalid:
        out[i] = repair(arr[i], storage_type)
    return out, [int(i) for i in invalid]
